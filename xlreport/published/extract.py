"""Reading a published report file into lines of text.

``.txt`` (UTF-8 or GB18030/GBK, detected), ``.html`` (tables with rowspan/colspan become grids),
``.docx`` (Word tables with merged cells become grids) and ``.pdf`` (text PDFs, via poppler's
``pdftotext -layout``, else pdfplumber).  A table row from a grid becomes one line whose cells
are joined by ``GRID_SEP``; a merged cell keeps its text in its first position only, the
positions it spans are empty, so every numeric cell appears once and blank cells stay blank.

Problems are returned, never raised: ``Document.problem`` is ``(rule id, message)``.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..labels import canon_label
from .text import GRID_SEP

MAX_BYTES = 30 * 1024 * 1024  # larger files are refused (doc.too_large)
MAX_TEXT_CHARS = 2_000_000  # extracted text beyond this is refused too
MAX_PDF_PAGES = 300
PDF_TIMEOUT = 120

KINDS = {".txt": "text", ".text": "text", ".csv": "text", ".html": "html", ".htm": "html",
         ".xhtml": "html", ".shtml": "html", ".docx": "docx", ".pdf": "pdf"}


@dataclass
class Document:
    path: str
    kind: str = "text"
    text: str = ""
    problem: tuple[str, str] | None = None  # (rule id, Chinese message)
    encoding: str | None = None
    meta: dict = field(default_factory=dict)
    garbled: str | None = None  # why the text looks garbled (doc.garbled), if it does


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} 字节"


def sniff(path: Path, head: bytes) -> str:
    kind = KINDS.get(path.suffix.lower())
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if kind in (None, "docx") else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # old binary Word (.doc) / Excel
    low = head[:4096].lower()
    if kind in (None, "text") and (b"<html" in low or b"<table" in low or b"<!doctype html" in low):
        return "html?"  # maybe a saved web page, whatever its name says: ``is_html`` decides
    return kind or "text"


_HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html)", re.I | re.S)
_TR = re.compile(r"<tr[\s>]", re.I)
_CELL = re.compile(r"<t[dh][\s>]", re.I)


def is_html(text: str) -> bool:
    """A text that is an HTML document: it begins as one, or its markup holds table rows with
    cells (prose that merely mentions "<table" is not)."""
    if _HTML_START.match(text[:4096]):
        return True
    rows = len(_TR.findall(text, 0, 400_000))
    return rows >= 2 and len(_CELL.findall(text, 0, 400_000)) >= 2 * rows


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Text and its encoding: UTF-8 (with or without BOM) when it decodes strictly, else
    GB18030 (a superset of GBK and GB2312), else UTF-16 with a BOM; (None, None) for binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None, None
    if b"\x00" in data[:65536]:
        return None, None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            return None, None
        return text, ("utf-8" if enc == "utf-8-sig" else enc)
    return None, None


_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ue000-\uf8ff]")


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    return len(_BAD_CHARS.findall(sample)) / len(sample) > 0.02


def read_document(path) -> Document:
    """The text of one report file, or a Document whose ``problem`` says why there is none."""
    path = Path(path)
    doc = Document(str(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        doc.problem = ("doc.unreadable", "找不到文件")
        return doc
    except OSError as e:
        doc.problem = ("doc.unreadable", f"无法读取文件：{e.strerror or e}")
        return doc
    if path.is_dir():
        doc.problem = ("doc.unreadable", "这是一个文件夹，不是报告文件")
        return doc
    if size == 0:
        doc.problem = ("doc.empty", "文件为空（0 字节）")
        return doc
    if size > MAX_BYTES:
        doc.problem = ("doc.too_large", f"文件大小{_size_text(size)}，超过上限{_size_text(MAX_BYTES)}，未读取")
        return doc
    try:
        data = path.read_bytes()
    except OSError as e:
        doc.problem = ("doc.unreadable", f"无法读取文件：{e.strerror or e}")
        return doc
    doc.kind = sniff(path, data[:4096])
    if doc.kind == "html?":
        text, _ = decode(data)
        doc.kind = "html" if text is None or is_html(text) else "text"
    try:
        if doc.kind == "text":
            text, doc.encoding = decode(data)
            if text is None:
                doc.problem = ("doc.unreadable", "文件不是文本（可能是二进制文件或编码无法识别）")
                return doc
            doc.text = text
        elif doc.kind == "html":
            doc.text, doc.encoding = html_text(data)
        elif doc.kind == "docx":
            doc.text = docx_text(data)
        elif doc.kind == "pdf":
            doc.text = pdf_text(path)
        elif doc.kind == "ole":
            doc.problem = ("doc.unreadable", "旧版 Word/Excel 二进制文件（.doc/.xls）暂不支持，请另存为 .docx 或 PDF")
            return doc
        else:
            doc.problem = ("doc.unreadable", "不支持的文件类型（可读取 .txt、.html、.docx、.pdf）")
            return doc
    except ExtractError as e:
        doc.problem = ("doc.unreadable", str(e))
        return doc
    except ImportError as e:
        doc.problem = ("doc.unreadable", f"读取此类文件需要 {e.name or '相应的库'}：请在 xlreport 源码目录中运行 pip install '.[docs]'")
        return doc
    except Exception as e:  # a broken file must not stop a batch
        doc.problem = ("doc.unreadable", f"文件已损坏或格式不正确（{type(e).__name__}）")
        return doc
    if len(doc.text) > MAX_TEXT_CHARS:
        doc.problem = ("doc.too_large", f"文字内容{len(doc.text)}字，超过上限{MAX_TEXT_CHARS}字，未分析")
        doc.text = ""
        return doc
    if not doc.text.strip():
        doc.problem = ("doc.empty", "文件中没有文字" + ("（可能是扫描件 PDF，需要先做文字识别）" if doc.kind == "pdf" else ""))
    else:
        doc.garbled = garbled(doc.text)
    return doc


_CID = re.compile(r"\(cid:\d+\)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def garbled(text: str) -> str | None:
    """Why an extracted text looks garbled (fonts without a Unicode map: "(cid:123)", U+FFFD,
    letters in place of Chinese), or None.  A report in Chinese is mostly Chinese characters."""
    sample = text[:200_000]
    visible = sum(1 for c in sample if not c.isspace())
    if visible < 50:
        return None
    cids = len(_CID.findall(sample))
    if cids >= 20:
        return f"含{cids}处“(cid:…)”字形编号"
    bad = sample.count("\ufffd")
    if bad >= 20 and bad / visible > 0.01:
        return f"含{bad}个无法识别的字符（�）"
    cjk = len(_CJK.findall(sample))
    if visible >= 200 and cjk / visible < 0.1:
        return f"汉字只占可见字符的{cjk * 100 // visible}%"
    return None


class ExtractError(Exception):
    pass


# -- HTML ---------------------------------------------------------------------------------

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
          "article", "header", "footer", "blockquote", "pre", "dd", "dt", "dl", "center", "form", "hr"}
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def html_text(data: bytes) -> tuple[str, str]:
    from lxml import etree, html as lhtml

    m = _META_CHARSET.search(data[:4096])
    text, enc = None, None
    if m and m.group(1).lower().replace(b"-", b"") in (b"gbk", b"gb2312", b"gb18030"):
        try:
            text, enc = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    if text is None:
        text, enc = decode(data)
    if text is None:
        raise ExtractError("网页文件编码无法识别")
    text = re.sub(r"^<\?xml[^>]*>", "", text.lstrip())
    root = lhtml.fromstring(text or "<html></html>")
    for bad in root.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    out: list[str] = []
    cur: list[str] = []

    def flush():
        line = "".join(cur).strip()
        cur.clear()
        if line:
            out.append(line)

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if tag == "table" and not el.xpath(".//table"):
            flush()
            out.extend(t for t in (_cell_text(c) for c in el.iter("caption")) if t)  # a heading in <caption>
            out.extend(GRID_SEP.join(r) for r in html_grid(el))
            if el.tail:
                cur.append(el.tail)
            return
        if tag in _BLOCK:
            flush()
        if el.text and tag not in ("table", "tr", "tbody", "thead"):
            cur.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCK or tag in ("td", "th"):
            flush()
        if el.tail:
            cur.append(el.tail)

    walk(root)
    flush()
    del etree
    return "\n".join(out), enc


def _cell_text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


MAX_SPAN_COLS = 64  # the official tables are at most 18 columns wide
MAX_GRID_CELLS = 20_000  # positions of one table's grid (the official tables have a few hundred)


def html_grid(table) -> list[list[str]]:
    """The rows of an HTML table as a grid: a cell spanning rows or columns keeps its text in its
    top-left position; the positions it covers are empty strings.  Spans are bounded by the
    table's own rows and ``MAX_SPAN_COLS``, and a table's grid by ``MAX_GRID_CELLS`` positions
    (rows past that are left out), so a hostile rowspan/colspan cannot exhaust memory."""
    rows = [tr for tr in table.iter("tr")]
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rs = min(_span(td.get("rowspan")), len(rows) - r)
            cs = min(_span(td.get("colspan")), MAX_SPAN_COLS)
            if len(grid) + rs * cs > MAX_GRID_CELLS:
                rows = rows[:r]
                break
            text = _cell_text(td)
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            c += cs
        else:
            continue
        break
    ends: dict[int, int] = {}
    for r, c in grid:
        ends[r] = max(ends.get(r, 0), c + 1)
    # each row as wide as the cells that cover it (a row short of cells stays short: its numbers
    # are then placed from the right edge, where a table's numbers are)
    return [[grid.get((r, c), "") for c in range(ends.get(r, 0))] for r in range(len(rows))]


def _span(v) -> int:
    try:
        return max(1, min(int(str(v).strip()), 200))
    except (TypeError, ValueError):
        return 1


# -- Word -----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes) -> str:
    """Paragraphs and tables of a Word file in document order, read from ``word/document.xml``
    directly (several times faster than opening it with python-docx; ``docx_grid`` is the
    python-docx reading of a table, and the tests hold the two equal)."""
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" in names:
                raise ExtractError("这是 Excel 工作簿，不是已发布的报告；填好的工作簿请用 xlreport check 检查")
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_TEXT_CHARS * 20:
                raise ExtractError("Word 文件内容过大，未读取")
            xml = z.read(info)
    except (zipfile.BadZipFile, KeyError) as e:
        raise ExtractError(f"Word 文件已损坏或不是 .docx（{type(e).__name__}）") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        raise ExtractError("Word 文件已损坏（document.xml 无法解析）") from None
    out: list[str] = []
    body = root.find(_W + "body")

    def walk(el):
        for child in el:
            tag = child.tag
            if tag == _W + "p":
                text = _w_text(child).strip()
                if text:
                    out.append(text)
            elif tag == _W + "tbl":
                out.extend(GRID_SEP.join(r) for r in docx_xml_grid(child))
            elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml"):
                walk(child)

    if body is not None:
        walk(body)
    return "\n".join(out)


def _w_text(el) -> str:
    parts = []
    for node in el.iter(_W + "t", _W + "tab", _W + "br"):
        parts.append(node.text or "" if node.tag == _W + "t" else " ")
    return "".join(parts)


def _w_val(el, path: str, default=None):
    node = el.find(path)
    return default if node is None else node.get(_W + "val", "")


def docx_xml_grid(tbl) -> list[list[str]]:
    """A ``w:tbl`` as a grid, merged cells in their first position only (like ``docx_grid``)."""
    rows = []
    for tr in tbl.findall(_W + "tr"):
        cells = [""] * _span(_w_val(tr, f"{_W}trPr/{_W}gridBefore", "0") or 0) if tr.find(f"{_W}trPr/{_W}gridBefore") is not None else []
        for tc in tr.findall(_W + "tc"):
            span = _span(_w_val(tc, f"{_W}tcPr/{_W}gridSpan", "1"))
            vmerge = _w_val(tc, f"{_W}tcPr/{_W}vMerge")
            if vmerge is not None and vmerge != "restart":
                cells.extend([""] * span)  # continues the cell above
                continue
            text = re.sub(r"\s+", " ", " ".join(_w_text(p) for p in tc.iter(_W + "p"))).strip()
            cells.extend([text] + [""] * (span - 1))
        rows.append(cells)
    return rows


def docx_grid(table) -> list[list[str]]:
    """A Word table as a grid: python-docx repeats a merged cell in every position it covers;
    the repeats are recognised by their underlying ``w:tc`` element and left empty."""
    seen: set = set()  # the tc elements themselves (kept alive, so identity is stable)
    rows = []
    for row in table.rows:
        cells = [""] * getattr(row, "grid_cols_before", 0)
        for cell in row.cells:
            tc = cell._tc
            if tc in seen:
                cells.append("")
                continue
            seen.add(tc)
            cells.append(re.sub(r"\s+", " ", cell.text).strip())
        rows.append(cells)
    return rows


# -- PDF ------------------------------------------------------------------------------------

_PDF_TABLE_WORDS = ("自然人", "结果维持", "本年制发", "处理决定", "申请人情况", "行政复议")
_PDF_NUMBER = re.compile(r"[+-]?[\d,]+(?:\.\d+)?")


def pdf_text(path: Path) -> str:
    """Text of a PDF: poppler's layout text (one printed table row per line); the pages that hold
    the official tables printed with their grid lines are read again by position (pdfplumber's
    ruled tables: each number in the cell its lines enclose), their tables as grid rows."""
    exe = shutil.which("pdftotext")
    if not exe:
        return _pdf_plumber_text(path)
    try:
        proc = subprocess.run([exe, "-layout", "-enc", "UTF-8", "-l", str(MAX_PDF_PAGES), str(path), "-"],
                              capture_output=True, timeout=PDF_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ExtractError(f"PDF 文字提取超时（超过{PDF_TIMEOUT}秒）") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractError("PDF 文件已损坏或加密，无法提取文字" + (f"（{err[-1][:120]}）" if err else ""))
    pages = proc.stdout.decode("utf-8", "replace").split("\x0c")
    tabled = [i for i, t in enumerate(pages) if any(w in re.sub(r"\s+", "", t) for w in _PDF_TABLE_WORDS)]
    if tabled:
        try:
            # middle and end pages hold no header words, nor may the page before (表二's wrapped headers)
            span = list(range(max(0, tabled[0] - 1), min(len(pages), tabled[-1] + 2)))
            grids = pdf_grids(path, span[:MAX_GRID_PAGES])
        except Exception:  # a PDF pdfplumber cannot read keeps its layout text
            grids = {}
        for i, text in grids.items():
            pages[i] = text
    return "\n".join(pages)


MAX_GRID_PAGES = 12  # pages read by position (the official tables take a few)


def _pdf_plumber_text(path: Path) -> str:
    import pdfplumber  # fallback when poppler is not installed

    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages[:MAX_PDF_PAGES]:
            pages.append(page.extract_text() or "")
    return "\n".join(pages)


def _pdf_cell(text) -> str | None:
    """A ruled cell's text with its wrapped lines joined ("17\n8" is 178, "自然\n人" 自然人)."""
    if text is None:
        return None
    return re.sub(r"\s*\n\s*", "", text).strip()


def pdf_grids(path: Path, pages: list[int]) -> dict[int, str]:
    """The text of the given pages (0-based) with each ruled table as grid rows (merged cells
    in their first position, as for HTML and Word); pages without a ruled table are left out.
    A row cut by a page break (its label continued at the top of the next page, its number
    cells empty) is joined to the row it continues."""
    import pdfplumber

    out: dict[int, str] = {}
    last_row: list | None = None  # the last row of the last table read, and where it was written
    last_at: tuple | None = None
    model = None  # the columns of an unruled table, kept for its rows on the next page
    with pdfplumber.open(str(path)) as pdf:
        for i in pages:
            if i >= len(pdf.pages):
                continue
            if last_at is not None and last_at[0] != i - 1:
                last_row = None  # only a table going on from the page before continues a row
            page = pdf.pages[i]
            tables = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
            tables = [t for t in tables if t.rows]
            carry = model[2] if model and len(model) > 2 and model[2] is not None else None
            if not tables:
                last_row = None
                text, model = unruled_page(page, model)  # (columns, header lines, row cut by the page end)
                if text is not None:
                    out[i] = text
                    if model[2] is not None:
                        model[2].append(i)  # where the row goes if the next page does not continue it
                elif carry is not None:
                    _flush(out, carry)
                continue
            if carry is not None:
                _flush(out, carry)
            model = None
            items = []  # (top, kind, content)
            boxes = [t.bbox for t in tables]

            def outside(obj, boxes=boxes):
                x = (obj["x0"] + obj["x1"]) / 2
                y = (obj["top"] + obj["bottom"]) / 2
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            rest = page.filter(outside)
            for line in rest.extract_text_lines(return_chars=False):
                items.append((line["top"], 0, line["text"]))
            for t in tables:
                items.append((t.bbox[1], 1, t))
            items.sort(key=lambda it: (it[0], it[1]))
            lines: list = []
            for n, (_, kind, content) in enumerate(items):
                if kind == 0:
                    lines.append(content)
                    continue
                rows = [[_pdf_cell(c) for c in row] for row in content.extract()]
                if (n == 0 or all(k == 1 for _, k, _ in items[:n])) and last_row is not None and rows \
                        and _continues(last_row, rows[0]):
                    joined = [(a or "") + (b or "") if (a or b) else a for a, b in zip(last_row, rows[0])]
                    page_no, idx = last_at
                    target = out.get(page_no) if page_no != i else None
                    if target is not None:
                        tl = target.split("\n")
                        tl[idx] = GRID_SEP.join(c or "" for c in joined)
                        out[page_no] = "\n".join(tl)
                    else:
                        lines[idx] = GRID_SEP.join(c or "" for c in joined)
                    rows = rows[1:]
                for row in rows:
                    lines.append(GRID_SEP.join(c or "" for c in row))
                if rows:
                    last_row = rows[-1]
                    last_at = (i, len(lines) - 1)
            out[i] = "\n".join(lines)
        if model and len(model) > 2 and model[2] is not None:
            _flush(out, model[2])
    return out


def _flush(out: dict, carry: list) -> None:
    """A row cut by a page end that the next page does not continue: written at the end of its page."""
    page = carry[-1]
    out[page] = out.get(page, "") + "\n" + _render(carry[:6], carry[6])


# -- PDF tables without grid lines: cells by x-position ---------------------------------------------

BLANK_CELL = "-"  # a blank cell placed by position, as the parser reads a printed dash
_LINE_GAP = 3.0  # words whose tops differ by less are on one printed line (points)


def _lines_of(words: list) -> list[list]:
    lines: list[list] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(w["top"] - lines[-1][0]["top"]) < _LINE_GAP:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


NUMBER_GAP = 0.8  # points between two digits of one number at most (a number's glyphs abut)


def _split_numbers(words: list) -> list:
    """Words with numbers that two cells printed side by side ran together ("22" and "5253.168" of
    two right-aligned cells read as one word) cut where their glyphs part."""
    out = []
    for w in words:
        chars = w.get("chars") or []
        if not _PDF_NUMBER.fullmatch(w["text"]) or len(chars) < 2:
            out.append(w)
            continue
        piece = [chars[0]]
        for c in chars[1:] + [None]:
            if c is not None and c["x0"] - piece[-1]["x1"] <= NUMBER_GAP:
                piece.append(c)
                continue
            out.append({**w, "text": "".join(p["text"] for p in piece), "x0": piece[0]["x0"], "x1": piece[-1]["x1"]})
            if c is not None:
                piece = [c]
    return out


def _column_model(header: list[list]) -> list | None:
    """The columns of an unruled table from its header lines: each official column label found as
    words stacked in one column ("商业" over "企业"), as ``(x0, x1)``, left to right; None when
    none is found."""
    labels = _column_labels()
    found = []
    used = set()
    for li, line in enumerate(header):
        for w in line:
            if id(w) in used:
                continue
            text, x0, x1, parts, at = canon_label(w["text"]), w["x0"], w["x1"], [w], li
            while text not in labels and any(l.startswith(text) for l in labels):
                below, nxt = [], at + 1
                while not below and nxt < len(header) and header[nxt][0]["top"] - parts[-1]["bottom"] < 3 * _LINE_GAP:
                    below = [v for v in header[nxt] if v["x0"] < x1 and v["x1"] > x0 and id(v) not in used]
                    nxt += 1
                if len(below) != 1:
                    break
                v = below[0]
                text, x0, x1, at = canon_label(text + v["text"]), min(x0, v["x0"]), max(x1, v["x1"]), nxt - 1
                parts.append(v)
            if text in labels:
                found.append((x0, x1))
                used.update(id(v) for v in parts)
    found.sort()
    if not found or any(a[1] > b[0] for a, b in zip(found, found[1:])):
        return None
    return found


HEADER_ALIGNMENTS = ("left", "centre")
_SLACK = 2.0  # points a number may reach over its cell's edge


def _cells(model: list, how: str) -> list[tuple[float, float]]:
    """Each column's cell ``(x0, x1)`` as the header labels imply it: labels set at their cell's left
    (a sheet printed; Word's default) make a cell run from its label's start to the next label's;
    centred labels make the boundaries fall halfway between the labels' centres."""
    if how == "left":
        edges = [a[0] for a in model] + [float("inf")]
        return [(edges[j] - _SLACK, edges[j + 1] + _SLACK) for j in range(len(model))]
    mids = [(a[0] + a[1]) / 2 for a in model]
    steps = [b - a for a, b in zip(mids, mids[1:])] or [model[0][1] - model[0][0] + 40]
    edges = [mids[0] - steps[0] / 2] + [(a + b) / 2 for a, b in zip(mids, mids[1:])] + [mids[-1] + steps[-1] / 2]
    return [(edges[j] - _SLACK, edges[j + 1] + _SLACK) for j in range(len(model))]


def _column_of(w: dict, cells: list) -> int | None:
    inside = [j for j, (lo, hi) in enumerate(cells) if lo <= w["x0"] and w["x1"] <= hi]
    return inside[0] if len(inside) == 1 else None


def _alignment(model: list, words: list) -> str:
    """How the header labels sit in their cells, decided by the numbers: the reading under which
    more numbers lie wholly inside one cell (left-set labels when both fit as well)."""
    fits = {how: sum(_column_of(w, _cells(model, how)) is not None for w in words) for how in HEADER_ALIGNMENTS}
    return max(HEADER_ALIGNMENTS, key=lambda h: (fits[h], h == "left"))


def _place(label: list, words: list, model: list, how: str) -> list | None:
    """The number words of one printed table row in their columns (strings, None for a blank cell);
    None when a number is not wholly inside one column's cell (the row is then left as printed and
    its cells are read as uncertain, never dropped)."""
    cells = _cells(model, how)
    out: list = [None] * len(model)
    for w in words:
        j = _column_of(w, cells) if _PDF_NUMBER.fullmatch(w["text"]) else None
        if j is None or out[j] is not None:
            return None
        out[j] = w["text"]
    if label and words and max(v["x1"] for v in label) > min(v["x0"] for v in words):
        return None
    return out


WRAP_PITCH = 1.6  # lines of one cell are at most this many text heights apart (rows are further)


def _under_numbers(words: list, above: list, model: list) -> bool:
    """True when every word is a number in a column where the line above holds a number: digits
    a narrow cell wrapped, under the number they continue."""
    for how in HEADER_ALIGNMENTS:
        cells = _cells(model, how)
        cols = {_column_of(w, cells) for w in above}
        if words and all(_PDF_NUMBER.fullmatch(w["text"]) and _column_of(w, cells) in cols - {None} for w in words):
            return True
    return False


def _label_cells(words: list) -> list[str]:
    """A row's label words, wrapped over several lines, as the text of each label column
    (words starting within a few points of each other), left to right."""
    cols: list[list] = []
    for n, w in sorted(enumerate(words), key=lambda nw: nw[1]["x0"]):
        if cols and w["x0"] - cols[-1][0][1]["x0"] <= 4:
            cols[-1].append((n, w))
        else:
            cols.append([(n, w)])
    return ["".join(w["text"] for _, w in sorted(c, key=lambda nw: nw[0])) for c in cols]  # in reading order


def _completes(label: list, more: list) -> bool:
    """True when ``more`` (label words beside numbers) is the rest of ``label``'s last cell: together
    they begin or make an official row label."""
    from .text import canon

    last = canon(_label_cells(label + more)[-1])
    return not _row_start(more) and any(l.startswith(last) for l in _row_labels())


def _row_start(label: list) -> bool:
    """A line of label text that begins an official row ("二、上年结转政府信息公开" of
    "二、上年结转政府信息公开申请数量"; "1.属于" after "（三）"), not a wrapped label's rest."""
    from .text import canon

    if not label:
        return False
    last = canon(label[-1]["text"])
    return (len(last) >= 2 and canon_label(label[-1]["text"]) not in _column_labels()
            and any(l.startswith(last) for l in _row_labels()))


def _row_labels() -> frozenset:
    from ..formats import FORMATS
    from .text import canon

    return frozenset(canon(r.label) for fmt in FORMATS.values() for t in fmt.tables for b in t.blocks for r in b.rows)


def unruled_page(page, model: tuple | None) -> tuple[str | None, tuple]:
    """A page whose table has no grid lines, as text: each table row one line holding its label
    and one token per column (numbers placed by their x-position under the header's column labels,
    blank cells as ``BLANK_CELL``); a line that cannot be placed is left as printed (its cells are
    then read as uncertain).  ``model``: ``(columns, header lines)`` of a table going on from the page
    before.  Returns the text (None when the page holds no such table) and ``(columns, header lines)``
    at its end."""
    from .text import canon

    starts, corners = _table_starts()
    lines = _lines_of(_split_numbers(page.extract_words(x_tolerance=1.5, keep_blank_chars=False,
                                                        return_chars=True)))
    columns, header, carry = (tuple(model) + (None,))[:3] if model else (None, [], None)
    entries: list = []  # [text] or [text, columns, label words, number words, continuation words, top(, alignment)]
    if carry is not None:  # the row the page before ended in: this page's first lines may continue it
        entries.append(carry[:7])
        entries[0][5] = float("-inf")
    recent: list = []  # lines since the last table row
    for line in lines:
        if entries and len(entries[-1]) > 1:
            recent = []
        recent.append(line)
        text = " ".join(w["text"] for w in line)
        c = canon(text)
        cut = None if columns is None else columns[0][0] - 4
        numbers = [w for w in line if _PDF_NUMBER.fullmatch(w["text"]) and (cut is None or w["x1"] > cut)]
        if not numbers and (any(c.startswith(t) for t in starts) or re.match(r"[五六]、", c)):
            columns, header, recent = None, [], []  # a table, a block of 二 or the text after the tables begins
        elif not numbers and any(c.startswith(k) for k in corners):
            columns, header, recent = None, recent, []  # a header row: the lines above it since the last row are header too
        if numbers:
            if columns is None and header:
                columns = _column_model(header)
                header = []
            if columns is None:
                entries.append([text])
                continue
            cut = columns[0][0] - 4
            label = [w for w in line if (w["x0"] + w["x1"]) / 2 < cut]
            inside = [w for w in line if (w["x0"] + w["x1"]) / 2 >= cut]
            prev = entries[-1] if entries else None
            if prev is not None and len(prev) > 1 and prev[1] is columns and prev[3] \
                    and not (label and _row_start(label)) \
                    and (line[0]["top"] - prev[5] < WRAP_PITCH * (line[0]["bottom"] - line[0]["top"])
                         or prev[5] == float("-inf")) \
                    and _under_numbers(inside, prev[3], columns):
                prev[2].extend(label)  # the rest of a number wrapped in its cell ("293" over "2"),
                prev[4].extend(inside)  # beside the rest of the row's wrapped label
                prev[0] += "\n" + text
                prev[5] = line[0]["top"]
                continue
            if prev is not None and len(prev) > 1 and prev[1] is columns and not prev[3] \
                    and line[0]["top"] - prev[5] < WRAP_PITCH * (line[0]["bottom"] - line[0]["top"]) \
                    and (not label or _completes(prev[2], label)):
                prev[2].extend(label)  # numbers set lower than the first line of a row whose label wraps
                prev[3].extend(inside)
                prev[0] += "\n" + text
                prev[5] = line[0]["top"]
                continue
            entries.append([text, columns, label, inside, [], line[0]["top"]])
            continue
        if columns is None:
            found = _column_model(header) if header and _row_start(line) else None
            if found is None or any((w["x0"] + w["x1"]) / 2 >= found[0][0] - 4 for w in line):
                header.append(line)
                entries.append([text])
                continue
            columns, header = found, []  # the header has ended at a row whose cells are all blank
        label = [w for w in line if (w["x0"] + w["x1"]) / 2 < columns[0][0] - 4]
        prev = entries[-1] if entries else None
        if len(label) == len(line) and _row_start(label):
            entries.append([text, columns, label, [], [], line[0]["top"]])  # every cell blank
        elif len(label) == len(line) and prev is not None and len(prev) > 1 and prev[1] is columns:
            prev[2].extend(label)  # the rest of the row's wrapped label cells
            prev[0] += "\n" + text
            prev[5] = line[0]["top"]
        else:
            entries.append([text])
    aligns = {}
    for e in entries:
        if len(e) == 6:
            aligns.setdefault(id(e[1]), (e[1], []))[1].extend(e[3])
    aligns = {k: _alignment(m, ws) for k, (m, ws) in aligns.items()}  # evidence: this page's numbers
    for e in entries:
        if len(e) == 6:
            e.append(aligns.get(id(e[1])) or "left")
    rows = [e for e in entries if len(e) > 1]
    last = entries[-1] if entries and len(entries[-1]) > 1 and columns is not None and len(rows) > 1 else None
    out = [_render(e[:6], e[6]) if len(e) > 1 else e[0] for e in entries if e is not last]
    placed = any(len(e) > 1 for e in entries if e is not last)
    if not placed:
        last = None  # nothing of the page is read by position: its row stays in its layout text
    return ("\n".join(out) if placed else None), (columns, header, last)


def _render(e: list, align: str) -> str:
    """One row of an unruled page as a line: its label cells and one token a column; the text as
    printed when a number cannot be placed."""
    text, cols, label, words, more = e[:5]
    cells = _place(label, words, cols, align)
    if cells is not None and more:
        rest = _place([], more, cols, align)
        if rest is None or any(r is not None and v is None for r, v in zip(rest, cells)):
            cells = None
        else:
            cells = [v if r is None else v + r for v, r in zip(cells, rest)]
    if cells is None:
        return text
    return " ".join(_label_cells(label) + [v or BLANK_CELL for v in cells])


def _table_starts() -> tuple:
    """Canonical table titles and block corner / label texts: where an unruled table's header begins."""
    from ..formats import FORMATS
    from .text import canon

    titles, corners = set(), set()
    for fmt in FORMATS.values():
        for t in fmt.tables:
            titles.add(canon(t.title)[:6])
            for b in t.blocks:
                if b.label and len(canon(b.label)) >= 3:
                    titles.add(canon(b.label))
                if b.corner and len(canon(b.corner)) >= 3:
                    corners.add(canon(b.corner))
    return tuple(titles), tuple(corners)


def _column_labels() -> frozenset:
    from ..formats import FORMATS

    global _COLUMNS
    if _COLUMNS is None:
        _COLUMNS = frozenset(canon_label(c.label) for fmt in FORMATS.values() for t in fmt.tables
                             for b in t.blocks for c in b.columns)
    return _COLUMNS


_COLUMNS = None


def _continues(prev: list, row: list) -> bool:
    """True when ``row`` (first row of a table at the top of a page) is the rest of ``prev``: as
    wide, no number of its own, and either empty (not merged) wherever ``prev`` has a number, or
    (a row of blank cells) its label text completing ``prev``'s into an official label."""
    if len(prev) != len(row) or any(c and _PDF_NUMBER.fullmatch(c) for c in row) or not any(c for c in row):
        return False
    nums = [j for j, c in enumerate(prev) if c and _PDF_NUMBER.fullmatch(c)]
    if nums:
        return all(row[j] == "" for j in nums)
    from .text import canon

    labels = _official_labels()
    for a, b in zip(prev, row):
        if a and b:
            joined, rest = canon(a + b), canon(b)
            if any(joined in label for label in labels) and not any(label.startswith(rest) for label in labels):
                return True
    return False


def _official_labels() -> tuple:
    from ..formats import FORMATS
    from .text import canon

    global _LABELS
    if _LABELS is None:
        out = set()
        for fmt in FORMATS.values():
            for t in fmt.tables:
                for b in t.blocks:
                    out.update(canon(r.label) for r in b.rows)
                    out.update(canon(g) for r in b.rows for g in r.groups)
        _LABELS = tuple(out)
    return _LABELS


_LABELS = None
