"""The document as a Word file (.docx, python-docx), typeset after GB/T 9704-2012: A4, type area
156 mm x 225 mm, title in 2号小标宋, body in 3号仿宋 with 22 lines a page, headings 一、 in 3号黑体,
page numbers in 4号 "— 1 —" (odd pages right, even pages left), tables in the template's layout
with merged headers, header rows repeated, rows never split, table 三 kept on one page."""
from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .document import DRAFT, Document, Grid
from .fonts import BODY, HEADING, TABLE, TITLE, Face, resolve

FACES = (TITLE, BODY, HEADING, TABLE)  # the faces this writer names (no 楷体: no second-level headings)

SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)
LINE = Pt(28.9)  # 225 mm / 22 lines
RED = RGBColor(0xC0, 0x00, 0x00)


def _font_name(face: Face, local: bool) -> str:
    return resolve(face)[0] if local else face.official


def _set_font(run, name: str, size, bold: bool = False, color=None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if color is not None:
        run.font.color.rgb = color


def _no_autospace(p) -> None:
    """No extra space between Chinese and Latin letters or digits (Word's default adds it): the
    text reads "2024年", not "2024 年", when copied or extracted from the PDF."""
    ppr = p._p.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        ppr.append(el)


def _para(container, text: str, name: str, size, *, align=None, indent: bool = True, line=LINE,
          bold: bool = False, keep: bool = False, color=None):
    p = container.add_paragraph()
    _no_autospace(p)
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    if align is not None:
        p.alignment = align
    if keep:
        fmt.keep_with_next = True
    if text:
        _set_font(p.add_run(text), name, size, bold, color)
    return p


def _page_number(footer, align) -> None:
    """"— N —" with a PAGE field, in 4号 (GB/T 9704 7.5)."""
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = align
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(14)

    def run(text=None):
        r = p.add_run(text or "")
        _set_font(r, "Times New Roman", SIZE_4)
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            r._element.append(el)
        elif instr.strip() == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._element.append(el)
        else:
            r.text = instr
    run(" —")


def _draft_header(header, name: str, note: str) -> None:
    p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(p.add_run(note), name, SIZE_4, True, RED)
    _watermark(p)


def _watermark(paragraph) -> None:
    """Word's own text watermark (a VML WordArt shape in the header): 草稿 across every page."""
    from lxml import etree

    xml = (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w10="urn:schemas-microsoft-com:office:word"><w:pict>'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/></v:shapetype>'
        '<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:380pt;height:190pt;rotation:315;'
        'z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;'
        'mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f" '
        'fillcolor="#d8d8d8" stroked="f"><v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;{HEADING.fallbacks[0]}&quot;;font-size:1pt" string="{DRAFT}"/>'
        '<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>')
    paragraph._p.append(etree.fromstring(xml))


def _cell_margins(cell, vertical: float = 2, horizontal: float = 2) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    mar = OxmlElement("w:tcMar")
    for side in ("top", "bottom", "left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int((vertical if side in ("top", "bottom") else horizontal) * 20)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tcpr.append(mar)


def _row_props(row, header: bool) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


# per table: (font size, landscape page).  表三 and 表四 are set on landscape pages (GB/T 9704
# 10.2 allows landscape tables) so that no row label and no column label wraps: every row of a
# table is then one line of text, which is what readers of the published text get right.
TABLE_SETUP = {"二": (Pt(10.5), False), "三": (Pt(8), True), "四": (Pt(9), True)}
PORTRAIT_WIDTH, LANDSCAPE_WIDTH = 156, 225  # mm, the type area
MIN_VALUE_MM = 11
PAD_MM = 2.2
DIGIT_EM = 0.6  # a digit's width in em (Noto, SimSun, Times: about half an em)
VALUE_GAP_MM = 5


def _widths(grid: Grid, size, total_mm: float) -> list[float]:
    """Column widths (mm) from the labels and the numbers, so that no row label and no number
    wraps: a row-label column is as wide as its longest label; a label merged down several rows
    (三、本年度办理结果) wraps to a few characters a line when it is long; column headers over
    numbers wrap after three characters; a number column is as wide as its longest number with
    room to stay apart.  Left-over width goes to the number columns; when there is too little,
    the columns that may wrap give it up first."""
    ch = size.pt * 25.4 / 72
    need = [0.0] * grid.ncols
    rigid = [False] * grid.ncols  # a row label or a number would wrap if it were narrower
    value_cols = {c.col for c in grid.cells if not c.header}
    for c in grid.cells:
        if not c.header or c.cols != 1:
            continue
        chars = len(c.text)
        if c.col in value_cols:
            chars = min(chars, 3)
        elif c.rows > 1 and c.style == "rowhead" and chars > 8:
            chars = 3
        elif c.style == "rowhead" and c.rows == 1:
            rigid[c.col] = True
        need[c.col] = max(need[c.col], chars * ch + PAD_MM)
    for col in value_cols:
        need[col] = max(need[col], MIN_VALUE_MM)
    for c in grid.cells:  # the longest number of a column, with room to stay apart from its neighbours
        if not c.header and c.cols == 1 and c.text:
            width = len(c.text) * ch * DIGIT_EM + VALUE_GAP_MM
            if width >= need[c.col]:
                need[c.col], rigid[c.col] = width, True
    for c in grid.cells:  # a merged label wider than the columns it spans widens them evenly
        if c.header and c.cols > 1 and c.style not in ("block", "note"):
            span = range(c.col, c.col + c.cols)
            short = len(c.text) * ch + PAD_MM - sum(need[i] for i in span)
            if short > 0:
                for i in span:
                    need[i] += short / c.cols
    spare = total_mm - sum(need)
    if spare >= 0:
        grow = sorted(value_cols) or list(range(grid.ncols))
        return [w + (spare / len(grow) if i in grow else 0) for i, w in enumerate(need)]
    flexible = sum(w for w, r in zip(need, rigid) if not r)
    if flexible > -spare:
        scale = (flexible + spare) / flexible
        return [w if r else w * scale for w, r in zip(need, rigid)]
    scale = total_mm / sum(need)
    return [w * scale for w in need]


def _table(document, grid: Grid, local: bool, keep_whole: bool) -> None:
    name = _font_name(TABLE, local)
    size, landscape = TABLE_SETUP.get(grid.table_id, (SIZE_5, False))
    table = document.add_table(rows=grid.nrows, cols=grid.ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _widths(grid, size, LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH)
    for i, col in enumerate(table.columns):
        col.width = Mm(widths[i])
    for i, row in enumerate(table.rows):
        _row_props(row, i < grid.header_rows)
    # the cells of the unmerged grid, listed once (python-docx's table.cell() walks the whole table)
    cells = table._cells
    for i, cell in enumerate(cells):
        cell.width = Mm(widths[i % grid.ncols])
    line = Pt(size.pt * (1.25 if size.pt > 9 else 1.2))
    for c in grid.cells:
        target = cells[c.row * grid.ncols + c.col]
        # a column header merged down several rows sits on the bottom line with the other column
        # labels, so each header line of the text holds whole labels in column order
        down = c.header and c.rows > 1 and c.style in ("header", "note")
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM if down else WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_margins(target, 2 if size.pt > 9 else 1)
        p = target.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if c.style == "rowhead" else WD_ALIGN_PARAGRAPH.CENTER
        pf = p.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
        pf.space_before = pf.space_after = Pt(0)
        # rows kept together: 表三 stays on one page; a header row (第二十条第（八）项, 信息内容…)
        # never ends a page apart from the rows it heads
        if (keep_whole or (c.header and c.style != "rowhead")) and c.row + c.rows < grid.nrows:
            pf.keep_with_next = True
        if c.text:
            _set_font(p.add_run(c.text), name, size)
    for c in grid.cells:  # merged last: the rectangles are disjoint, so each merge leaves the others' cells
        if c.rows > 1 or c.cols > 1:
            cells[c.row * grid.ncols + c.col].merge(cells[(c.row + c.rows - 1) * grid.ncols + c.col + c.cols - 1])


def _page(section, landscape: bool) -> None:
    """A4 with the GB/T 9704 type area (156 x 225 mm), turned for a landscape table page."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin, section.right_margin = Mm(37), Mm(35)
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(10), Mm(10)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(15), Mm(20)


def _new_section(d, landscape: bool) -> None:
    from docx.enum.section import WD_SECTION

    _page(d.add_section(WD_SECTION.NEW_PAGE), landscape)


def render(doc: Document, fmt, *, local_fonts: bool = False) -> bytes:
    """The .docx bytes.  ``local_fonts``: name the installed stand-ins of absent official fonts
    (for a PDF made on this machine) instead of the official names."""
    d = new_docx()
    section = d.sections[0]
    _page(section, False)
    body, title = _font_name(BODY, local_fonts), _font_name(TITLE, local_fonts)
    heading = _font_name(HEADING, local_fonts)
    normal = d.styles["Normal"]
    normal.font.name, normal.font.size = body, SIZE_3
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), body)
    d.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    if doc.draft:
        _draft_header(section.header, heading, doc.draft_note)
        _draft_header(section.even_page_header, heading, doc.draft_note)
    d.core_properties.title = doc.title
    d.core_properties.author = doc.agency
    # an empty first paragraph would push the title down a line: reuse python-docx's none
    # the title on one line when it fits the type area (about 20 characters of 2号), else broken
    # after the agency, as GB/T 9704 7.3.3 breaks titles: at a word, not wherever the line ends
    lines = [doc.title] if len(doc.title) <= 20 else doc.title_lines
    head = _para(d, "", title, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=Pt(36))
    for i, line in enumerate(lines):
        r = head.add_run(line)
        _set_font(r, title, SIZE_2)
        if i + 1 < len(lines):
            r.add_break()
    _para(d, "", body, SIZE_3, indent=False)
    landscape = False
    for i, b in enumerate(doc.blocks):
        nxt = doc.blocks[i + 1] if i + 1 < len(doc.blocks) else None
        table = b.grid if b.kind == "table" else nxt.grid if (b.kind == "h1" and nxt and nxt.kind == "table") else None
        want = bool(table is not None and TABLE_SETUP.get(table.table_id, (None, False))[1])
        if want != landscape:
            _new_section(d, want)
            landscape = want
        if b.kind == "h1":
            _para(d, b.text, heading, SIZE_3, keep=True)
        elif b.kind == "p":
            _para(d, b.text, body, SIZE_3)
        else:
            _table(d, b.grid, local_fonts, keep_whole=b.grid.table_id == "三")
    if landscape:
        _new_section(d, False)
    _para(d, "", body, SIZE_3, indent=False)
    _para(d, "", body, SIZE_3, indent=False)
    sign = _para(d, doc.agency, body, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    sign.paragraph_format.right_indent = Pt(SIZE_3.pt * 4)
    if doc.date:
        p = _para(d, doc.date, body, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Pt(SIZE_3.pt * 4)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
