"""The published document as data: title, opening paragraph, sections 一 to 六 with the tables of
二, 三 and 四, and the 落款.  Every table is taken from the template's layout (``xlreport.layout``):
the same label cells with the same row/column spans, so no label is typed here and the published
tables have exactly the merged headers of the workbook the clerk filled in.

Pure data: the writers (``html``, ``word``, ``pdf``) turn a ``Document`` into a file."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..engine import Finding
from ..layout import layout
from ..model import Report
from ..values import Invalid, number_text

DRAFT = "草稿"
DRAFT_NOTE = "草稿：本报告存在错误，未经核定，不得发布。"
DRAFT_NOTE_NO_ERRORS = "草稿：本报告未经核定，不得发布。"  # a draft asked for a report without errors
NO_DATA = "本年度未发生相关情况。"  # a table the report does not have (never seen in a template)
NO_TEXT = "（未填写）"


@dataclass(frozen=True)
class GridCell:
    """One cell of a published table: ``header`` for label cells, ``scope`` for screen readers."""

    text: str
    row: int  # 0-based position in the table grid
    col: int
    rows: int = 1
    cols: int = 1
    header: bool = False
    scope: str | None = None  # "col" | "row" | "colgroup" | "rowgroup" for header cells
    key: str | None = None  # the cell key of a value cell
    style: str = "value"  # the layout label style, or "value"


@dataclass
class Grid:
    table_id: str
    caption: str
    nrows: int
    ncols: int
    cells: list[GridCell]
    header_rows: int = 0  # rows at the top that are only header cells (repeated on each page)

    def rows(self) -> list[list[GridCell]]:
        """Cells grouped by the row they start in, left to right."""
        out: list[list[GridCell]] = [[] for _ in range(self.nrows)]
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[c.row].append(c)
        return out

    def texts(self) -> list[list[str]]:
        """The table as a plain grid: a merged cell's text in its first position, blanks elsewhere."""
        out = [["" for _ in range(self.ncols)] for _ in range(self.nrows)]
        for c in self.cells:
            out[c.row][c.col] = c.text
        return out


@dataclass
class Block:
    kind: str  # "h1" (一、), "p" (paragraph), "table"
    text: str = ""
    grid: Grid | None = None


@dataclass
class Document:
    title: str
    title_lines: list[str]  # the title broken for print where GB/T 9704 breaks it: after the agency
    blocks: list[Block]
    agency: str
    date: str  # 落款 date, e.g. 2025年1月20日 ("" when the workbook gives none)
    draft: bool = False
    findings: list[Finding] = field(default_factory=list)
    year: int | None = None
    version: str = ""
    gaps: list[str] = field(default_factory=list)  # what the workbook left empty (warnings, not blocking)

    @property
    def draft_note(self) -> str:
        """The words on every page of a draft: that the report has errors only when it has."""
        return DRAFT_NOTE if any(f.is_error for f in self.findings) else DRAFT_NOTE_NO_ERRORS


def cell_text(value) -> str:
    """A value as printed: blank stays blank, 0 only where the workbook holds 0."""
    if value is None:
        return ""
    if isinstance(value, Invalid):
        return value.raw
    return number_text(value)


def table_grid(report: Report, table_id: str) -> Grid:
    """The table as the template lays it out: its label cells with their spans, the values at
    their places.  The sheet's title row becomes the caption."""
    fmt = report.format
    lay = layout(fmt)
    table = fmt.table(table_id)
    sheet = next(s for s in lay.sheets if s.table is not None and s.table.id == table.id)
    labels = [l for l in sheet.labels if l.style != "title"]
    top = min(l.row for l in labels)
    left = 1
    cells: list[GridCell] = []
    header_rows = (sheet.header_rows[1] - top + 1) if sheet.header_rows and sheet.header_rows[0] > 1 else 0
    for l in labels:
        if l.style == "rowhead":
            scope = "rowgroup" if l.rows > 1 else "row"
        elif l.style == "block":
            scope = "colgroup"
        else:
            scope = "colgroup" if l.cols > 1 else "col"
        cells.append(GridCell(l.text, l.row - top, l.col - left, l.rows, l.cols, True, scope, style=l.style))
    spans = {(s.row, s.col): s for s in sheet.spans}
    for c in table.cells:
        p = lay.places[c.key]
        span = spans.get((p.row, p.col))
        cells.append(GridCell(cell_text(report.values.get(c.key)), p.row - top, p.col - left,
                              span.rows if span else 1, span.cols if span else 1, key=c.key))
    nrows = max(c.row + c.rows for c in cells)
    ncols = max(c.col + c.cols for c in cells)
    return Grid(table.id, table.title, nrows, ncols, cells, header_rows)


def title_of(report: Report) -> str:
    return f"{report.agency or ''}{report.year or ''}年{report.format.title}"


def opening(report: Report) -> str:
    """The opening paragraph: the legal basis, the format notice and the data period."""
    fmt = report.format
    year = report.year
    period = f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。" if year else ""
    return (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作"
            f"年度报告格式》（{fmt.issued_by}）要求编制，由总体情况、主动公开政府信息情况、收到和处理政府信息公开"
            f"申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六部分"
            f"组成。{period}")


def date_text(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def paragraphs(text: str | None) -> list[str]:
    """A 正文 box's text as paragraphs (one per non-empty line)."""
    if not text:
        return []
    return [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def gaps(report: Report) -> list[str]:
    """Chinese warnings for what the document prints as a placeholder: an empty 正文 box
    (printed 「（未填写）」) and a missing 发布日期 (a 落款 without a date).  Not rules of the
    engine: the workbook may be complete for ``check`` and still not ready to publish."""
    out = []
    for s in report.format.sections:
        if s.id in ("s1", "s5", "s6") and not paragraphs(report.texts.get(s.id)):
            addr = report.location(s.id)
            out.append(f"“{s.label}”的正文框是空的{f'（{addr}）' if addr else ''}，发布稿中该部分印“{NO_TEXT}”")
    if report.published is None:
        addr = report.location("published")
        out.append(f"没有填写发布日期{f'（{addr}）' if addr else ''}，发布稿的落款只有单位名称、没有日期")
    return out


def build(report: Report, findings=(), draft: bool = False) -> Document:
    """The document of a read (and checked) report."""
    fmt = report.format
    sections = {s.id: s for s in fmt.sections}
    blocks = [Block("p", opening(report))]

    def text_section(sid: str) -> None:
        blocks.append(Block("h1", sections[sid].label))
        for p in paragraphs(report.texts.get(sid)) or [NO_TEXT]:
            blocks.append(Block("p", p))

    text_section("s1")
    for t in fmt.tables:
        blocks.append(Block("h1", t.title))
        if t.id in report.missing_tables:
            blocks.append(Block("p", NO_DATA))
        else:
            blocks.append(Block("table", grid=table_grid(report, t.id)))
    text_section("s5")
    text_section("s6")
    lines = [report.agency, title_of(report)[len(report.agency):]] if report.agency else [title_of(report)]
    return Document(title_of(report), lines, blocks, report.agency or "", date_text(report.published), draft,
                    list(findings), report.year, fmt.version, gaps(report))
