"""Render a report (from a transcription) as a published document would lay it out: headings,
paragraphs and the official tables with merged header and label cells.  Used by the tests to
make real HTML, Word and PDF files; every label comes from the format data."""
from __future__ import annotations

import json
from dataclasses import dataclass

from xlreport import Report
from xlreport.values import show


@dataclass
class C:
    text: str
    rows: int = 1
    cols: int = 1


def transcription(path):
    """A real report's hand transcription: (its JSON, the Report, the report year)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    year = int(path.name[:4])
    report, unknown = Report.from_interchange({**data, "year": year})
    assert unknown == []
    return data, report, year


def _v(report: Report, key: str) -> str:
    v = report.values.get(key)
    return "" if v is None else show(v)


def table2(report: Report) -> list[list[C]]:
    t = report.format.table("二")
    width = max(len(b.columns) for b in t.blocks) + 1
    out = []
    for b in t.blocks:
        out.append([C(b.label, cols=width)])
        extra = width - 1 - len(b.columns)
        out.append([C(b.corner)] + [C(c.label, cols=1 + (extra if i == len(b.columns) - 1 else 0))
                                    for i, c in enumerate(b.columns)])
        for r in b.rows:
            out.append([C(r.label)] + [C(_v(report, f"t2.{r.id}.{c.id}"), cols=1 + (extra if i == len(b.columns) - 1 else 0))
                                       for i, c in enumerate(b.columns)])
    return out


def table3(report: Report) -> list[list[C]]:
    t = report.format.table("三")
    b = t.blocks[0]
    cols = b.columns
    depth = max(len(c.groups) for c in cols) + 1
    label_cols = max(len(r.groups) for r in b.rows) + 1
    head = [[] for _ in range(depth)]
    head[0].append(C(b.corner, rows=depth, cols=label_cols))
    for d in range(depth):
        i = 0
        while i < len(cols):
            c = cols[i]
            if len(c.groups) > d:
                g = c.groups[d]
                j = i
                while j < len(cols) and len(cols[j].groups) > d and cols[j].groups[d] == g:
                    j += 1
                head[d].append(C(g, cols=j - i))
                i = j
            elif len(c.groups) == d:
                head[d].append(C(c.label, rows=depth - d))
                i += 1
            else:
                i += 1
    body = []
    rows = b.rows
    for n, r in enumerate(rows):
        line = []
        for level in range(len(r.groups)):
            g = r.groups[level]
            first = n == 0 or len(rows[n - 1].groups) <= level or rows[n - 1].groups[level] != g
            if first:
                span = 0
                while n + span < len(rows) and len(rows[n + span].groups) > level and rows[n + span].groups[level] == g:
                    span += 1
                line.append(C(g, rows=span))
        line.append(C(r.label, cols=label_cols - len(r.groups)))
        line += [C(_v(report, f"t3.{r.id}.{c.id}")) for c in cols]
        body.append(line)
    return head + body


def table4(report: Report) -> list[list[C]]:
    t = report.format.table("四")
    b = t.blocks[0]
    review, direct, after = b.rows
    n = len(b.columns)
    return [
        [C(review.label, cols=n), C(direct.groups[0], cols=2 * n)],
        [C(c.label, rows=2) for c in b.columns] + [C(direct.label, cols=n), C(after.label, cols=n)],
        [C(c.label) for c in b.columns] * 2,
        [C(_v(report, f"t4.{r.id}.{c.id}")) for r in b.rows for c in b.columns],
    ]


def blocks(report: Report, agency: str, year: int) -> list:
    """The document as ("h"/"p", text) and ("table", rows) blocks."""
    new = report.values.get("t3.new.total")
    fmt = report.format
    out = [("h", f"{agency}{year}年政府信息公开工作年度报告"),
           ("h", fmt.sections[0].label),
           ("p", f"{year}年，本机关认真贯彻《中华人民共和国政府信息公开条例》。"
                 + (f"全年共收到政府信息公开申请{show(new)}件。" if new is not None else ""))]
    for t, render in (("二", table2), ("三", table3), ("四", table4)):
        if t in report.missing_tables:
            out.append(("h", fmt.table(t).title))
            out.append(("p", f"{year}年未发生相关情况。"))
            continue
        out.append(("h", fmt.table(t).title))
        out.append(("table", render(report)))
    out.append(("h", fmt.sections[1].label))
    out.append(("p", "政务公开工作与群众期待还有差距，下一步将继续改进。"))
    out.append(("h", fmt.sections[2].label))
    out.append(("p", "本年度未收取信息处理费。"))
    return out


def grid(rows: list[list[C]]):
    """Positions of the cells: (row, col, cell) with merged areas skipped, like a real table."""
    taken = set()
    out = []
    for r, line in enumerate(rows):
        c = 0
        for cell in line:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rows):
                for dc in range(cell.cols):
                    taken.add((r + dr, c + dc))
            c += cell.cols
    width = max(c + cell.cols for _, c, cell in out)
    return out, width


def to_html(report: Report, agency: str, year: int) -> str:
    from html import escape

    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>年报</title>"
             "<style>td{border:1px solid #000}</style></head><body><div class=\"article\">"]
    for kind, content in blocks(report, agency, year):
        if kind == "h":
            parts.append(f"<p><strong>{escape(content)}</strong></p>")
        elif kind == "p":
            parts.append(f"<p>{escape(content)}</p>")
        else:
            parts.append("<table><tbody>")
            for line in content:
                tds = []
                for c in line:
                    attrs = (f' rowspan="{c.rows}"' if c.rows > 1 else "") + (f' colspan="{c.cols}"' if c.cols > 1 else "")
                    tds.append(f"<td{attrs}>{escape(c.text)}</td>")
                parts.append("<tr>" + "".join(tds) + "</tr>")
            parts.append("</tbody></table>")
    parts.append("</div></body></html>")
    return "\n".join(parts)


def _column_widths(table, cells, width) -> None:
    """Columns as a Word user sizes them: numbers narrow, the label columns sharing the rest
    (python-docx would give every column the same width, chopping labels two characters a line)."""
    from docx.shared import Cm

    numeric = {c for _, c, cell in cells if cell.cols == 1 and cell.text.replace(".", "", 1).isdigit()}
    number_width = min(1.3, 15.5 / max(1, width))
    labels = max(1, width - len(numeric))
    label_width = max(number_width, (15.5 - number_width * len(numeric)) / labels)
    table.autofit = False
    for c, column in enumerate(table.columns):
        w = Cm(number_width if c in numeric else label_width)
        column.width = w
        for cell in column.cells:
            cell.width = w


def to_docx(report: Report, agency: str, year: int, path, ruled: bool = True) -> None:
    import docx

    document = docx.Document()
    for kind, content in blocks(report, agency, year):
        if kind in ("h", "p"):
            document.add_paragraph(content)
            continue
        cells, width = grid(content)
        table = document.add_table(rows=len(content), cols=width)
        if ruled:
            table.style = "Table Grid"  # the official tables are printed with their grid lines
        _column_widths(table, cells, width)
        for r, c, cell in cells:
            target = table.cell(r, c)
            if cell.rows > 1 or cell.cols > 1:
                target = target.merge(table.cell(r + cell.rows - 1, c + cell.cols - 1))
            target.text = cell.text
    document.save(str(path))


def to_xlsx(report: Report, agency: str, year: int, path, ruled: bool = True) -> None:
    """A sheet laid out like the printed report, to be turned into a real PDF by LibreOffice."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side

    wb = Workbook()
    ws = wb.active
    row = 1
    for col in range(1, 19):
        ws.column_dimensions[chr(64 + col)].width = {1: 18, 2: 14, 3: 40}.get(col, 11)
    for kind, content in blocks(report, agency, year):
        if kind in ("h", "p"):
            ws.cell(row, 1, content)
            row += 1
            continue
        cells, _ = grid(content)
        for r, c, cell in cells:
            target = ws.cell(row + r, 1 + c, cell.text if cell.text == "" else
                             (int(cell.text) if cell.text.isdigit() else cell.text))
            target.alignment = Alignment(wrap_text=True, vertical="center")
            if ruled:
                thin = Side(style="thin")
                for rr in range(cell.rows):
                    for cc in range(cell.cols):
                        ws.cell(row + r + rr, 1 + c + cc).border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.rows > 1 or cell.cols > 1:
                ws.merge_cells(start_row=row + r, start_column=1 + c,
                               end_row=row + r + cell.rows - 1, end_column=c + cell.cols)
        for r in range(len(content)):  # rows tall enough for their wrapped labels, as a printed table is
            need = 1
            for rr, c, cell in cells:
                if rr == r and cell.text and not cell.text.isdigit():
                    width = sum(ws.column_dimensions[chr(65 + c + k)].width for k in range(cell.cols))
                    need = max(need, -(-len(cell.text) * 2 // int(width)) - (cell.rows - 1))
            ws.row_dimensions[row + r].height = 15 * max(1, need)
        row += len(content) + 1
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(str(path))


# -- forms of a published report, for the accuracy measure and the form tests -------------------

FORMS = ("text", "glued", "html", "docx", "docx_pdf", "xlsx_pdf")
TOTAL_COLUMN = "total"


def variant(report: Report, *, blank_totals: bool = False, zeros_blank: bool = False) -> Report:
    """The report as published with 表三's 总计 column left blank and/or zeros printed as blanks
    (the values a faithful reading gives back)."""
    out = Report(report.format, dict(report.values), dict(report.texts), agency=report.agency,
                 year=report.year, layouts=dict(report.layouts))
    for key, v in out.values.items():
        if blank_totals and key.startswith("t3.") and key.endswith("." + TOTAL_COLUMN):
            out.values[key] = None
        elif zeros_blank and v is not None and not isinstance(v, str) and v == 0:
            out.values[key] = None
    return out


def to_text(report: Report, agency: str, year: int) -> str:
    """Tab-separated text, as copied from a web page (merged cells once)."""
    out = []
    for kind, content in blocks(report, agency, year):
        if kind != "table":
            out.append(content)
            continue
        out.extend("\t".join(c.text for c in line) for line in content)
    return "\n".join(out) + "\n"


def to_glued(report: Report, agency: str, year: int) -> str:
    """Text copied from a page that lost every cell boundary: each row's label and digits run
    together ("一、本年新收政府信息公开申请数量3001536143119")."""
    out = []
    for kind, content in blocks(report, agency, year):
        if kind != "table":
            out.append(content)
            continue
        for line in content:
            values = [c.text for c in line if c.text.replace(".", "", 1).isdigit()]
            out.append("".join(c.text for c in line if c.text not in values) + "".join(values))
    return "\n".join(out) + "\n"


def write_forms(cases, folder, forms=FORMS, ruled: bool = True) -> dict:
    """Write each (name, report, agency, year) in every form; PDFs made by LibreOffice in one call
    per kind (Writer for .docx, Calc for .xlsx).  Returns {(name, form): path}."""
    from pathlib import Path

    from xlreport.libreoffice import convert

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    docx_src, xlsx_src = [], []
    for name, report, agency, year in cases:
        if "text" in forms:
            p = folder / f"{name}.txt"
            p.write_text(to_text(report, agency, year), encoding="utf-8")
            out[(name, "text")] = p
        if "glued" in forms:
            p = folder / f"{name}.glued.txt"
            p.write_text(to_glued(report, agency, year), encoding="utf-8")
            out[(name, "glued")] = p
        if "html" in forms:
            p = folder / f"{name}.html"
            p.write_text(to_html(report, agency, year), encoding="utf-8")
            out[(name, "html")] = p
        if "docx" in forms or "docx_pdf" in forms:
            p = folder / f"{name}.docx"
            to_docx(report, agency, year, p, ruled)
            out[(name, "docx")] = p
            docx_src.append((name, p))
        if "xlsx_pdf" in forms:
            p = folder / "xlsx" / f"{name}.xlsx"
            p.parent.mkdir(exist_ok=True)
            to_xlsx(report, agency, year, p, ruled)
            xlsx_src.append((name, p))
    if "docx_pdf" in forms and docx_src:
        pdfs = convert([p for _, p in docx_src], "pdf:writer_pdf_Export", folder / "docx_pdf")
        out.update({(n, "docx_pdf"): q for (n, _), q in zip(docx_src, pdfs)})
    if "xlsx_pdf" in forms and xlsx_src:
        pdfs = convert([p for _, p in xlsx_src], "pdf:calc_pdf_Export", folder / "xlsx_pdf")
        out.update({(n, "xlsx_pdf"): q for (n, _), q in zip(xlsx_src, pdfs)})
    return {k: v for k, v in out.items() if k[1] in forms}
