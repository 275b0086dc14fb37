"""The one workbook reader: a cell source (:mod:`xlreport.readers.source`) -> report + findings.

- A workbook made from our template (any template version: found by its hidden ``_xlreport``
  sheet or its defined names ``T3_main``, ``META_agency``…) is read at the places its defined
  names give (so a renamed sheet or inserted rows still read right), and checked for what users
  do to it: protection removed, a total formula typed over, numbers stored as text, a sheet
  deleted.  Totals are never trusted: a total keeps the number stored in it (a typed number or
  the formula's cached value) and the engine compares it with the total derived from the inputs;
  a formula with no cached value (a file saved by a program that does not calculate) counts as
  its derived value.
- Any other workbook (a hand-made one, every ``.xls``) is read as grids of values and its tables
  are found by their labels (``official.read_grid``).

:func:`read_source` does both for any source and returns a :class:`WorkbookRead`: the report,
the integrity findings and what the reader saw (moved blocks, overwritten totals, unprotected
sheets, a 校验结果 sheet the add-in did not write).  ``xlreport check`` reads files through it
(:func:`read_workbook`), the ribbon button reads the live workbook through it; the button's
"do not write into a moved or foreign workbook" rule is :attr:`WorkbookRead.refusal`.

``read_workbook(path)`` returns ``(report, findings)``; bad files raise ``GuardError`` with the
rule id and the reason (see ``xlreport.readers.guard``).
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from collections import defaultdict
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import derive_totals
from ..formats import FORMATS, Format, cell_key, parse_year
from ..layout import COVER_SHEET, META_SHEET, block_name, col_letter, field_name, layout, parse_ref
from ..model import Report
from ..rules import RULES, CellRef, Finding, cells_text
from ..values import Invalid, is_number, normalize
from . import guard
from .dates import serial_date
from .official import book_formulas, grid_findings, read_grid, with_formulas
from .ooxml import Book, OoxmlError
from .source import BLANK, CalamineSource, CellSource, OoxmlSource

__all__ = ["KNOWN_TEMPLATE_VERSIONS", "RESULT_SHEET", "RESULT_TITLE", "WorkbookRead", "content_findings",
           "read_official", "read_source", "read_spreadsheet", "read_template", "read_workbook",
           "CellProblem", "cell_problems", "template_format"]

KNOWN_TEMPLATE_VERSIONS = ("1",)  # template versions whose layout is xlreport.layout's
RESULT_SHEET = "校验结果"  # the sheet the ribbon button writes its findings on
RESULT_TITLE = "校验结果："  # ... and the first cell of such a sheet begins with this
CHECK_RESULT_SHEETS = {"检查结果", "问题清单"}  # the sheets of ``xlreport check --out x.xlsx``
META_ROWS = 40  # rows of the hidden sheet read (key, value)
FIELD_BOX = 2_000  # cells of the box around the agency, year and text fields read in one go


@dataclass
class WorkbookRead:
    """What the reader made of one workbook."""

    kind: str  # "template" | "official"
    report: Report
    findings: list[Finding] = field(default_factory=list)  # integrity findings (workbook.*)
    declared_version: str | None = None  # the format version the hidden sheet names, as written
    template_version: str | None = None
    moved: list[str] = field(default_factory=list)  # block names no longer where the template put them
    missing_sheets: list[str] = field(default_factory=list)  # template sheets deleted or renamed
    overwritten: list[str] | None = None  # total cells whose formula is gone (None: the source cannot tell)
    unprotected: list[str] | None = None  # template sheets whose protection was lifted (None: cannot tell)
    problems: list = field(default_factory=list)  # official.GridProblem of a hand-made workbook
    result_rows: list[list] | None = None  # the sheet 校验结果, if the workbook has one
    unknown: set[str] = field(default_factory=set)  # workbook rules the source could not establish

    @property
    def fmt(self) -> Format:
        return self.report.format

    @property
    def reader(self) -> list[Finding]:
        """The integrity findings, under the name the add-in's code knew them by (``Located.reader``)."""
        return self.findings

    @property
    def foreign_result(self) -> bool:
        """A sheet named 校验结果 that the ribbon button did not write."""
        if self.result_rows is None:
            return False
        first = self.result_rows[0][0] if self.result_rows and self.result_rows[0] else None
        return not (isinstance(first, str) and first.startswith(RESULT_TITLE))

    @property
    def not_report(self) -> bool:
        return self.kind == "official" and len(self.report.missing_tables) == len(self.fmt.tables)

    @property
    def refusal(self) -> str | None:
        """Why the ribbon button must not write into this template (None: it may)."""
        if self.kind != "template":
            return None
        if self.declared_version is not None and self.declared_version not in FORMATS:
            return f"隐藏工作表“{META_SHEET}”中的格式版本“{self.declared_version}”无法识别，无法校验。"
        if self.template_version not in KNOWN_TEMPLATE_VERSIONS:
            return (f"此工作簿由更新版本的 xlreport 生成（模板版本 {self.template_version}），请先升级 xlreport"
                    "（在新版 xlreport 源码目录中运行 pip install \".[excel]\"，再运行 xlreport addin install）再校验。")
        if self.missing_sheets:
            return f"模板中的工作表“{'、'.join(self.missing_sheets)}”已被删除或改名，无法校验。"
        if self.moved:
            return (f"模板的版式已被改动（{'、'.join(self.moved)} 所在的行列被插入或删除），加载项不能安全地填写合计，"
                    "没有做任何修改。请用 xlreport check 检查此文件，或把数据填入新模板。")
        return None


# -- files ---------------------------------------------------------------------------------------

def read_workbook(path, fmt_hint=None) -> tuple[Report, list[Finding]]:
    """Read one workbook file; raises ``guard.GuardError`` for a file that is not a readable workbook."""
    path = Path(path)
    verdict = guard.inspect(path)
    if verdict.kind is None:
        raise guard.GuardError(verdict.rule, verdict.reason)
    try:
        if verdict.kind == "xlsx":
            with guard.open_zip(path) as zf:
                source = OoxmlSource(Book(zf), path.name)
                if is_template(source):
                    read = read_source(source, fmt_hint)
                else:
                    guard.check_grid(source.book)  # before calamine allocates a grid: one far cell would be billions
                    read = _read_calamine(path, fmt_hint, book_formulas(source.book))
        else:
            read = _read_calamine(path, fmt_hint)
    except guard.GuardError:
        raise
    except OoxmlError as e:
        raise guard.GuardError("workbook.unreadable", str(e)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise guard.GuardError("workbook.unreadable", f"文件已损坏（{_zip_reason(e)}）") from None
    read.report.source = str(path)
    return read.report, [*content_findings(read.report), *read.findings]


def read_spreadsheet(path, fmt_hint=None) -> tuple[Report, list[Finding]]:
    """Like :func:`read_workbook`, for a file only python-calamine reads (.ods, .xlsb): through
    :class:`CalamineSource`, our template by its places, any other workbook by its labels."""
    path = Path(path)
    read = _read_calamine(path, fmt_hint)
    read.report.source = str(path)
    return read.report, [*content_findings(read.report), *read.findings]


def _read_calamine(path: Path, fmt_hint, formulas: dict | None = None) -> WorkbookRead:
    """A workbook that is not our template, through calamine (values only; ``formulas``: the
    formula cells of an .xlsx, read by the fast reader, so that a total saved without its
    result is not read as blank)."""
    try:
        source = CalamineSource(path, path.name)
        if CHECK_RESULT_SHEETS <= set(source.sheet_names()):
            raise guard.GuardError("workbook.check_result", "检查结果工作簿")
        for name in source.sheet_names():
            source.grid(name)  # calamine raises its own error types for broken files: read them all here
    except guard.GuardError:
        raise
    except BaseException as e:  # calamine's own errors; a Rust panic on a corrupt file is a BaseException
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        text = str(e)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise guard.GuardError("workbook.encrypted", "工作簿已加密") from None
        raise guard.GuardError("workbook.unreadable", f"工作簿内容无法解析（{text[:80]}）") from None
    read = read_template(source) if is_template(source) else read_official(source, fmt_hint, formulas)
    if read.not_report:
        raise guard.GuardError("workbook.not_report", "没有找到任何官方表格")
    return read


def _zip_reason(e: Exception) -> str:
    return "压缩数据校验失败" if "CRC" in str(e) else "压缩数据无法解开"


def content_findings(report) -> list[Finding]:
    """Findings on what a read workbook holds, the same for every reader (the batch checker and
    the ribbon button): a workbook with no input filled is no report (a blank template)."""
    if not any(report.values.get(c.key) is not None for c in report.format.inputs):
        return [RULES["workbook.empty"].finding()]
    return []


# -- any source ------------------------------------------------------------------------------------

def is_template(source: CellSource) -> bool:
    names = source.defined_names()
    return META_SHEET in source.sheet_names() or any(n.startswith("T3_") for n in names)


def read_source(source: CellSource, fmt_hint=None) -> WorkbookRead:
    """Our template or a hand-made workbook, whichever ``source`` is."""
    return read_template(source) if is_template(source) else read_official(source, fmt_hint)


def _result_rows(source: CellSource) -> list[list] | None:
    """The sheet 校验结果 (the ribbon button's, or a foreign one of that name), None if absent."""
    return source.grid(RESULT_SHEET) if RESULT_SHEET in source.sheet_names() else None


# -- our template -----------------------------------------------------------------------------------

def read_meta(source: CellSource) -> dict:
    """The hidden sheet's key/value rows (empty when the workbook has none)."""
    if META_SHEET not in source.sheet_names():
        return {}
    out = {}
    for (key, _, _), (value, _, _) in source.read(META_SHEET, 1, 1, META_ROWS, 2):
        if isinstance(key, str) and key:
            out[key] = value
    return out


_REFS: dict = {}


def _ref(text):
    """``layout.parse_ref``, remembered for the short texts every workbook of a template repeats."""
    hit = _REFS.get(text, _REFS)
    if hit is _REFS:
        hit = parse_ref(text)
        if text is None or len(text) <= 256:
            if len(_REFS) > 4096:
                _REFS.clear()
            _REFS[text] = hit
    return hit


def format_by_block_height(names: dict[str, str]) -> Format | None:
    """The format whose 表三 block is as tall as the workbook's ``T3_main`` (the 2019 表三 has
    two rows fewer): how a template that lost its hidden sheet is recognised."""
    rng = _ref(names.get("T3_main"))
    if rng is None:
        return None
    for fmt in FORMATS.values():
        _, r1, _, r2, _ = layout(fmt).names["T3_main"]
        if r2 - r1 == rng[3] - rng[1]:
            return fmt
    return None


def with_table_layouts(fmt: Format, declared) -> Format:
    """``fmt`` with the tables the hidden sheet's ``table_layouts`` ("二=2021;...") names in the
    other version's layout (an imported report that was published that way)."""
    for part in str(declared or "").split(";"):
        tid, _, other = part.partition("=")
        if other in FORMATS and any(t.id == tid for t in fmt.tables):
            fmt = fmt.with_table(FORMATS[other].table(tid))
    return fmt


def _template_version(meta: dict) -> str:
    v = meta.get("template_version")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip() if v is not None else KNOWN_TEMPLATE_VERSIONS[0]


def _places(fmt: Format, names: dict[str, str], sheets: set[str]):
    """Each block's rectangle as the workbook's defined names place it: ({block name: (table,
    block, (sheet, r1, c1, r2, c2))}, moved block names, {table id: sheet} of tables whose sheet
    is gone).  A deleted or broken name is no evidence of a move: the layout's place is read."""
    lay = layout(fmt)
    out, moved, gone = {}, [], {}
    for table in fmt.tables:
        for block in table.blocks:
            name = block_name(table, block)
            home = lay.names[name]
            rng = _ref(names.get(name))
            if rng is not None and rng[0] in sheets:
                sheet, dr, dc = rng[0], rng[1] - home[1], rng[2] - home[2]
                if (sheet, dr, dc) != (home[0], 0, 0) or rng[3] - rng[1] != home[3] - home[1] \
                        or rng[4] - rng[2] != home[4] - home[2]:
                    moved.append(name)
            elif home[0] in sheets:
                sheet, dr, dc = home[0], 0, 0
            else:
                gone[table.id] = home[0]
                continue
            out[name] = (table, block, (sheet, home[1] + dr, home[2] + dc, home[3] + dr, home[4] + dc))
    return out, moved, gone


@dataclass
class _Blocks:
    """What reading the table blocks finds, per table id."""

    overwritten: dict = field(default_factory=lambda: defaultdict(list))
    as_text: dict = field(default_factory=lambda: defaultdict(list))
    uncached: list = field(default_factory=list)
    formulas_known: bool = True


_PLANS: dict = {}


def _block_plan(fmt: Format, name: str, table, block, at: tuple[str, int, int]) -> tuple:
    """(key, is input, table id, label, row offset, column offset, address) of each cell of a
    block read at ``at`` (sheet, first row, first column); cached per format (keyed by the
    identity of its tables, as the engine does) and place, since workbooks of one template
    share both."""
    k = (fmt.version, tuple(map(id, fmt.tables)), name, at)
    hit = _PLANS.get(k)
    if hit is None or any(a is not b for a, b in zip(hit[0], fmt.tables)):
        lay = layout(fmt)
        _, hr, hc, _, _ = lay.names[name]
        sheet, r1, c1 = at
        plan = []
        for cell in (fmt.cells[cell_key(table, r, c)] for r in block.rows for c in block.columns):
            p = lay.places[cell.key]
            i, j = p.row - hr, p.col - hc
            plan.append((cell.key, cell.is_input, cell.table.id, cell.label, i, j,
                         f"{sheet}!{col_letter(c1 + j)}{r1 + i}"))
        if len(_PLANS) > 1024:
            _PLANS.clear()
        hit = _PLANS[k] = (fmt.tables, tuple(plan))
    return hit[1]


def _read_blocks(source: CellSource, report: Report, blocks: dict) -> _Blocks:
    """Every cell of every block (one read per block) into ``report``."""
    seen = _Blocks()
    values, locations = report.values, report.locations
    formulas_known = True
    for name, (table, block, (sheet, r1, c1, r2, c2)) in blocks.items():
        rows = source.read(sheet, r1, c1, r2, c2)
        width = c2 - c1 + 1
        flat = [cell for row in rows for cell in (row if len(row) == width else (list(row) + [BLANK] * width)[:width])]
        size = len(flat)
        for key, is_input, tid, label, i, j, address in _block_plan(report.format, name, table, block,
                                                                     (sheet, r1, c1)):
            locations[key] = address
            k = i * width + j
            value, text, formula = flat[k] if k < size else BLANK
            if value is None:
                v = None
            elif type(value) is int:  # the common case: a typed count
                v = Decimal(value)
            elif isinstance(value, Invalid):
                v = value
            else:
                v = normalize(value)
            values[key] = v
            if formula is None:
                formulas_known = False
            if is_input:
                if text and v.__class__ is Decimal and isinstance(value, str) and value.strip():
                    seen.as_text[tid].append(CellRef(key, label, address))
            elif formula is False:
                seen.overwritten[tid].append(CellRef(key, label, address))
            elif formula and value is None:
                seen.uncached.append(key)
    seen.formulas_known = formulas_known
    return seen


def _read_fields(source: CellSource, report: Report, meta: dict, names: dict[str, str], sheets: set[str]):
    """Agency, year and the text sections, at their defined names (else the layout's places)."""
    lay = layout(report.format)
    wanted = {}
    for key in ("agency", "year", "published", *(s.id for s in report.format.sections)):
        rng = _ref(names.get(field_name(key, report.format) or ""))
        p = lay.places.get(key)
        if rng is not None and rng[0] in sheets:
            wanted[key] = rng[:3]
        elif p is not None and p.sheet in sheets:
            wanted[key] = (p.sheet, p.row, p.col)
    got = {}
    for sheet in {w[0] for w in wanted.values()}:  # one read per sheet: the bounding box
        here = {k: w for k, w in wanted.items() if w[0] == sheet}
        r1, r2 = min(w[1] for w in here.values()), max(w[1] for w in here.values())
        c1, c2 = min(w[2] for w in here.values()), max(w[2] for w in here.values())
        if (r2 - r1 + 1) * (c2 - c1 + 1) > FIELD_BOX:  # names moved far apart: one cell at a time
            for k, (_, r, c) in here.items():
                v = source.read(sheet, r, c, r, c)[0][0][0]
                got[k] = v if k == "published" else _date_as_text(v)
            continue
        rows = source.read(sheet, r1, c1, r2, c2)
        for k, (_, r, c) in here.items():
            v = rows[r - r1][c - c1][0]
            got[k] = v if k == "published" else _date_as_text(v)
    agency = got.get("agency")
    agency = agency if agency not in (None, "") else meta.get("agency")
    report.agency = str(agency).strip() if agency not in (None, "") else None
    report.year = parse_year(got.get("year")) or parse_year(meta.get("year"))
    report.published = _date(got.get("published"))
    if "published" in wanted:
        sheet, r, c = wanted["published"]
        report.locations["published"] = f"{sheet}!{col_letter(c)}{r}"
    for s in report.format.sections:
        if s.id in wanted:
            t = got.get(s.id)
            report.texts[s.id] = None if t in (None, "") else str(t)
            sheet, r, c = wanted[s.id]
            report.locations[s.id] = f"{sheet}!{col_letter(c)}{r}"


def _date_as_text(v):
    """A date in a text field (agency, year, a section) as ISO text, the same from every source."""
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ") if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return v


_DATE_TEXT = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")


def _date(v) -> dt.date | None:
    """The 发布日期 cell: a date, an Excel serial number (the fast reader gives the number of a
    date-formatted cell), or text such as 2025年1月20日 / 2025-01-20; else None."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) and 39448 <= float(v) < 73051:
            return serial_date(float(v)).date()  # 2008-01-01 .. 2099-12-31
        m = _DATE_TEXT.fullmatch(v.strip()) if isinstance(v, str) else None
        return dt.date(*map(int, m.groups())) if m else None
    except (ValueError, OverflowError):
        return None


def _protection(source: CellSource, blocks: dict, sheets: set[str]) -> list[str] | None:
    """The cover and table sheets whose protection was lifted (None: the source cannot tell)."""
    names = [COVER_SHEET] if COVER_SHEET in sheets else []
    names += sorted({where[0] for _, _, where in blocks.values()} - {COVER_SHEET})
    states = {name: source.protected(name) for name in names}
    if any(s is None for s in states.values()):
        return None
    return [name for name, s in states.items() if not s]


def _integrity(read: WorkbookRead, seen: _Blocks, gone: dict[str, str]) -> list[Finding]:
    order = {k: i for i, k in enumerate(read.fmt.cells)} if seen.overwritten or seen.as_text else {}
    out = [RULES["workbook.sheet_missing"].finding(table=tid, sheet=sheet) for tid, sheet in gone.items()]
    if read.unprotected:
        out.append(RULES["workbook.unprotected"].finding(sheets="、".join(f"“{s}”" for s in read.unprotected)))
    for tid, refs in seen.overwritten.items():
        refs = sorted(refs, key=lambda r: order[r.key])
        out.append(RULES["workbook.formula_overwritten"].finding(refs, table=tid, cells=cells_text(refs)))
    for tid, refs in seen.as_text.items():
        refs = sorted(refs, key=lambda r: order[r.key])
        out.append(RULES["workbook.number_as_text"].finding(refs, table=tid, count=len(refs),
                                cells=cells_text(refs)))
    return out


def read_template(source: CellSource) -> WorkbookRead:
    """A workbook made from our template -> report, integrity findings and what was seen."""
    sheets = set(source.sheet_names())
    names = source.defined_names()
    meta = read_meta(source)
    declared = str(meta["format_version"]).strip() if meta.get("format_version") is not None else None
    fmt = FORMATS.get(declared or "") or format_by_block_height(names) or FORMATS["2021"]
    fmt = with_table_layouts(fmt, meta.get("table_layouts"))
    report = Report(fmt, source=source.name)
    blocks, moved, gone = _places(fmt, names, sheets)
    seen = _read_blocks(source, report, blocks)
    if seen.uncached:  # formulas saved without results count as their derived value
        derived = derive_totals(report)
        for key in seen.uncached:
            report.values[key] = derived.get(key)
    _read_fields(source, report, meta, names, sheets)
    overwritten = [r.key for refs in seen.overwritten.values() for r in refs] if seen.formulas_known else None
    read = WorkbookRead("template", report, declared_version=declared, template_version=_template_version(meta),
                        moved=moved, missing_sheets=[s.name for s in layout(fmt).sheets if s.name not in sheets],
                        overwritten=overwritten, unprotected=_protection(source, blocks, sheets),
                        result_rows=_result_rows(source))
    if read.overwritten is None:
        read.unknown.add("workbook.formula_overwritten")
        seen.overwritten.clear()
    if read.unprotected is None:
        read.unknown.add("workbook.unprotected")
    read.findings = _integrity(read, seen, gone)
    return read


# -- a hand-made workbook ------------------------------------------------------------------------------

def read_official(source: CellSource, fmt_hint=None, formulas: dict | None = None) -> WorkbookRead:
    """A workbook in the official shape (not our template): its tables found by their labels.
    ``formulas``: {sheet: {(row, col): (text, cached)}} of a source that reads values only."""
    grids = {name: source.grid(name) for name in source.sheet_names() if name not in (RESULT_SHEET, META_SHEET)}
    if formulas:
        grids = with_formulas(grids, formulas)
    report, problems = read_grid(grids, fmt_hint)
    report.source = source.name
    findings = grid_findings(report, problems)
    return WorkbookRead("official", report, findings, problems=problems, result_rows=_result_rows(source),
                        unknown={"workbook.formula_overwritten", "workbook.unprotected"})


# -- reader side: what pasting and overwriting leave behind ------------------------------

@dataclass(frozen=True)
class CellProblem:
    key: str
    address: str  # 表三!D5
    kind: str  # locked | no_validation | text_number | text | formula | total_overwritten
    message: str


PROBLEM_MESSAGES = {
    "locked": "输入单元格已被锁定（多半是从其他表格连同格式粘贴的），数值仍可读取",
    "no_validation": "输入单元格的数据有效性已丢失（多半是粘贴覆盖的）",
    "text_number": "数字以文本形式保存（多半是从网页或文档粘贴的）",
    "text": "输入单元格填写的不是数字",
    "formula": "输入单元格中有公式",
    "total_overwritten": "合计单元格的公式已被覆盖为固定数值",
}


def template_format(wb) -> Format | None:
    """The format a workbook made by this module declares in its hidden sheet (None if absent)."""
    if META_SHEET not in wb.sheetnames:
        return None
    for key, value, *_ in wb[META_SHEET].iter_rows(values_only=True):
        if key == "format_version" and str(value) in FORMATS:
            return FORMATS[str(value)]
    return None


def cell_problems(wb, fmt: Format | None = None) -> list[CellProblem]:
    """Traces of pasting and overwriting in a filled template (openpyxl workbook loaded with
    formulas, i.e. not ``data_only``): locked or unvalidated input cells, numbers stored as
    text, formulas in input cells and total formulas replaced by numbers.  The values stay
    readable; this tells the checker (and the clerk) why a cell looks odd."""
    fmt = fmt or template_format(wb)
    if fmt is None:
        return []
    lay = layout(fmt)
    covered: dict[str, set] = {}
    for name in {p.sheet for p in lay.places.values()}:
        if name not in wb.sheetnames:
            continue
        cells = set()
        for dv in wb[name].data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                cells |= {(r, c) for r in range(rng.min_row, rng.max_row + 1)
                          for c in range(rng.min_col, rng.max_col + 1)}
        covered[name] = cells
    out = []
    for cell in fmt.cells.values():
        p = lay.places[cell.key]
        if p.sheet not in wb.sheetnames:
            continue
        c = wb[p.sheet].cell(p.row, p.col)
        kinds = []
        if cell.is_input:
            if c.protection.locked:
                kinds.append("locked")
            if (p.row, p.col) not in covered.get(p.sheet, ()):
                kinds.append("no_validation")
            if c.data_type == "f":
                kinds.append("formula")
            elif isinstance(c.value, str) and c.value.strip():
                kinds.append("text_number" if is_number(normalize(c.value)) else "text")
        elif c.data_type != "f" and c.value is not None:
            kinds.append("total_overwritten")
        out += [CellProblem(cell.key, p.address, k, f"{cell.label}（{p.address}）：{PROBLEM_MESSAGES[k]}")
                for k in kinds]
    return out
