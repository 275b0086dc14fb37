"""The Python behind the ribbon buttons of the Excel add-in (tab 政务公开年报).

The VBA callback passes each button's tag to :func:`on_ribbon`; everything else happens
here, through xlwings, on the workbook the button was clicked on (``Book.caller()``: the book
xlwings' RunPython names on the command line, the calling Excel's active workbook).  The same code runs on xlwings' desktop engines (Excel on Windows/macOS) and on its
remote engine (``xlwings.Book(json=...)``), which is how the tests drive it on Linux.

Tags: ``check`` (校验), ``fill`` (填充合计), ``clear`` (清除标记), ``new:<year>`` (新建模板),
``doctor`` (诊断), ``help`` (帮助).

This module holds the ribbon actions only.  The workbook is read by the one reader
(:func:`xlreport.readers.template_reader.read_source` over
:class:`xlreport.readers.source.XlwingsSource`), the same reader ``xlreport check`` uses on
files, so the button and the command give the same findings.  Two kinds of workbook:

- **our template** (any format version): filling the totals means putting back every total
  formula (one write per rectangle of total cells).  The button refuses to write into a
  template whose blocks were moved, whose sheets were deleted or whose version it does not
  know (:attr:`WorkbookRead.refusal`), and never overwrites a 校验结果 sheet it did not write;
- **a hand-made workbook in the official shape**: filling the totals means writing the
  derived numbers into the total cells that are blank or wrong.

Input cells are never written.  Findings come from :func:`xlreport.engine.check`, exactly
as ``xlreport check`` computes them; they are listed on the sheet 校验结果 (one bulk write,
with a link to each cell) and marked in colour (one colour write per table block).

Excel round trips of one 校验 (template), whatever the number of findings::

    reads  = 1 (_xlreport) + each workbook-level defined name (13 in 2021) + blocks (6 in 2021,
             7 in 2019: each block's values) + 1 (the cover's fields) + 1 (old 校验结果, if any)
             [desktop Excel only: + blocks (their formulas) + 4 (protection of the cover and the
             table sheets); the remote engine carries neither, see xlreport.readers.source]
    writes = 6 (total rectangles) + blocks (colours) + 1 (add or clear 校验结果) + 1 (its values)
             + len(RESULT_WIDTHS) (column widths) + 1 (activate) + 1 (message box)

plus the protection seam (desktop only: one call per protected sheet written, and the
workbook structure).  :data:`last_run` records the counts of the latest run.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .engine import Finding, check, derive_totals
from .formats import YEAR_RANGE_TEXT, get_format, parse_year
from .layout import TABLE_SHEETS, Place, layout, parse_address, rectangles
from .model import Report
from .readers.source import XlwingsSource
from .readers.template_reader import RESULT_SHEET, RESULT_TITLE, WorkbookRead, content_findings, read_source
from .rules import ERROR, RULES, SEVERITY_LABELS, WARNING, SumRule
from .template import DEFAULT_PASSWORD, Formulas, TemplateError, definitions, write_template
from .values import Invalid, plain

TITLE = "政务公开年报"
MARK_COLORS = {ERROR: "#FFC7CE", WARNING: "#FFEB9C"}  # worst severity of a cell's findings
TOTAL_COLOR = "#F2F2F2"  # the template's own fill of total cells (input cells have none)
RESULT_HEADER = ("序号", "级别", "规则", "说明", "单元格", "处理", "标记的单元格")
RESULT_WIDTHS = (6, 6, 22, 70, 14, 14, 30)
RESULT_FIRST_ROW = 4  # summary on row 1, header on row 3
HELP_TEXT = (
    "政务公开年报加载项\n\n"
    "校验：按勾稽关系检查当前工作簿（与 xlreport check 相同的规则），填回合计，"
    "把有误的单元格标成红色（错误）或黄色（提示），并在“校验结果”表中逐条列出，点击单元格地址可跳转。\n"
    "填充合计：只填回合计（模板中恢复合计公式；自制表格中写入正确的合计数），不改动填报数据。\n"
    "清除标记：去掉校验标记，删除“校验结果”表。\n"
    "新建模板：生成所选年度的空白填报模板并打开（保存在“文档”文件夹）。没有打开工作簿时也可使用。\n"
    "诊断：显示按钮使用的 Python、配置和版本，以及常见问题的解决办法（同 xlreport addin doctor）。\n\n"
    "说明文档：xlreport 项目 README 的“Excel 功能区加载项”一节。")


class NotAReport(Exception):
    """The active workbook is not an annual report; the message is Chinese."""


# -- one run: counts of Excel round trips ------------------------------------------------

@dataclass
class Run:
    action: str
    reads: int = 0
    writes: int = 0
    findings: list[Finding] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)  # addresses of totals filled
    marked: dict[str, str] = field(default_factory=dict)  # address -> colour
    message: str = ""
    kind: str | None = None  # "template" | "official"


last_run: Run | None = None


def _read(run: Run, rng, **options):
    run.reads += 1
    return rng.options(ndim=2, **options).value


# -- protection: the one desktop-only seam --------------------------------------------------

class Protection:
    """Unprotect before writing and protect again afterwards.  The template protects its
    sheets and the workbook structure with a password; only desktop Excel can lift that, so
    this is the single place that touches the platform API: Windows' COM names, and on macOS
    the commands of xlwings' AppleScript dictionary (``xlwings.mac_dict``: ``unprotect``,
    ``protect_worksheet``, ``protect_workbook``).  The remote engine has no protection API (its
    client applies the actions itself), so there this does nothing.  An unprotect that fails
    part way protects again what it had already lifted before raising."""

    # the template's options: formatting cells locked, rows/columns free
    SHEET_OPTIONS_WIN = dict(DrawingObjects=True, Contents=True, Scenarios=True, AllowFormattingCells=False,
                             AllowFormattingColumns=True, AllowFormattingRows=True)
    SHEET_OPTIONS_MAC = dict(drawing_objects=True, worksheet_contents=True, scenarios=True,
                             allow_formatting_cells=False, allow_formatting_columns=True,
                             allow_formatting_rows=True)

    def __init__(self, password: str = DEFAULT_PASSWORD):
        self.password = password
        self.calls: list[tuple[str, str]] = []  # (verb, sheet or "workbook"), for the record

    def unprotect(self, book, sheets: list[str], structure: bool) -> None:
        api = _desktop(book)
        done: list[str] = []
        try:
            if structure:
                self.calls.append(("unprotect", "workbook"))
                if api is not None:
                    self._unprotect(api)
            for name in sheets:
                self.calls.append(("unprotect", name))
                if api is not None:
                    self._unprotect(book.sheets[name].api)
                done.append(name)
        except Exception:
            try:
                self.protect(book, done, structure)
            except Exception:
                pass
            raise

    def _unprotect(self, obj) -> None:
        if _windows():
            _call(obj, "Unprotect", self.password)
        else:
            _call(obj, "unprotect", password=self.password)

    def protect(self, book, sheets: list[str], structure: bool) -> None:
        self.calls += [("protect", s) for s in sheets]
        if structure:
            self.calls.append(("protect", "workbook"))
        api = _desktop(book)
        if api is None:
            return
        pw = self.password
        for name in sheets:
            sh = book.sheets[name].api
            if _windows():
                sh.Protect(Password=pw, **self.SHEET_OPTIONS_WIN)
            else:
                sh.protect_worksheet(password=pw, **self.SHEET_OPTIONS_MAC)
        if structure:
            if _windows():
                api.Protect(Password=pw, Structure=True, Windows=False)
            else:
                api.protect_workbook(password=pw, structure=True, windows=False)


def _windows() -> bool:
    return sys.platform.startswith("win")


def _desktop(book):
    """The platform object of a desktop book, None on the remote engine."""
    if getattr(getattr(book.app, "engine", None), "name", "remote") == "remote":
        return None
    return book.api


def _call(obj, name, *args, **kwargs):
    try:
        return getattr(obj, name)(*args, **kwargs)
    except Exception as e:  # a wrong password or a platform difference: say it in Chinese
        raise NotAReport(f"无法取消保护（{e}）。如模板使用了非默认密码，请先手工撤销工作表保护和工作簿保护。") from None


# -- reading: the one reader (xlreport.readers.template_reader) over the live workbook -------------

def _all_findings(located: WorkbookRead) -> list:
    """As ``xlreport check``: the report's content, the reader's integrity findings, then the engine."""
    return content_findings(located.report) + located.findings + check(located.report)


def locate(book, run: Run) -> WorkbookRead:
    """Read the active workbook through the one reader, as ``xlreport check`` reads a file."""
    source = XlwingsSource(book)
    try:
        read = read_source(source)
    finally:
        run.reads += source.reads
    if read.refusal:
        raise NotAReport(read.refusal)
    if read.not_report:
        raise NotAReport("当前工作簿不是政府信息公开工作年度报告：既不是 xlreport 模板，也没有找到"
                         "表二、表三、表四的官方表头。没有做任何修改。")
    return read


def _refuse_foreign_result(located: WorkbookRead) -> None:
    if located.foreign_result:
        raise NotAReport(f"工作簿中已有名为“{RESULT_SHEET}”的工作表，但不是本加载项生成的。"
                         "为免覆盖其中的内容，没有做任何修改；请把它改名后再点按钮。")


def _sheet_names(book) -> list[str]:
    return [s.name for s in book.sheets]


# -- what to write ------------------------------------------------------------------------------

_place = parse_address


def _marked_keys(f: Finding) -> list:
    """The cells a finding marks: the total a defining rule derives, else every cell named."""
    rule = RULES.get(f.rule)
    cells = f.cells[:1] if isinstance(rule, SumRule) and rule.defines else f.cells
    return [c for c in cells if c.address]


def _marks(findings: list[Finding]) -> dict[str, str]:
    severity: dict[str, str] = {}
    for f in findings:
        for c in _marked_keys(f):
            if severity.get(c.address) != ERROR:
                severity[c.address] = f.severity
    return {a: MARK_COLORS.get(s, MARK_COLORS[WARNING]) for a, s in severity.items()}


def _old_marks(located: WorkbookRead) -> list[str]:
    """Addresses marked by the previous 校验 (the last column of the old 校验结果 sheet)."""
    out = []
    for row in (located.result_rows or [])[RESULT_FIRST_ROW - 1:]:
        if len(row) >= len(RESULT_HEADER) and isinstance(row[len(RESULT_HEADER) - 1], str):
            out += [a for a in row[len(RESULT_HEADER) - 1].split("、") if a]
    return out


def _derived_fillable(report: Report) -> dict[str, Decimal]:
    """Derived totals that can be written: every input beneath them is a number or blank."""
    defs = definitions(report.format)

    def clean(key, seen=()):
        if key in seen:
            return False
        parts = defs.get(key)
        if parts is None:
            return not isinstance(report.values.get(key), Invalid)
        return all(clean(k, seen + (key,)) for k, _ in parts)

    return {k: v for k, v in derive_totals(report).items() if clean(k)}


# -- writing -----------------------------------------------------------------------------------

def _fill_template(book, run: Run, located: WorkbookRead) -> None:
    fmt = located.fmt
    lay = layout(fmt)
    formulas = Formulas(fmt, lay)
    by_sheet: dict[str, list[Place]] = {}
    key_at: dict[tuple[str, int, int], str] = {}
    for cell in fmt.totals:
        p = lay.places[cell.key]
        by_sheet.setdefault(p.sheet, []).append(p)
        key_at[(p.sheet, p.row, p.col)] = cell.key
    for sheet, places in by_sheet.items():
        for a, b in rectangles(places):
            matrix = [[formulas.total(key_at[(sheet, r, c)]) for c in range(a.col, b.col + 1)]
                      for r in range(a.row, b.row + 1)]
            book.sheets[sheet].range((a.row, a.col), (b.row, b.col)).formula = matrix
            run.writes += 1
    derived = derive_totals(located.report)
    run.filled = [lay.places[k].address for k, v in derived.items()
                  if located.report.values.get(k) != v]


def _fill_official(book, run: Run, located: WorkbookRead) -> None:
    report = located.report
    todo: dict[str, dict[tuple[int, int], Decimal]] = {}
    for key, value in _derived_fillable(report).items():
        if report.values.get(key) == value:
            continue
        p = _place(report.location(key))
        if p is None:
            continue
        todo.setdefault(p.sheet, {})[(p.row, p.col)] = value
        run.filled.append(p.address)
    for sheet, cells in todo.items():
        places = [Place(sheet, r, c) for r, c in sorted(cells)]
        for a, b in rectangles(places):
            matrix = [[plain(cells[(r, c)]) for c in range(a.col, b.col + 1)] for r in range(a.row, b.row + 1)]
            book.sheets[sheet].range((a.row, a.col), (b.row, b.col)).value = matrix
            run.writes += 1


def _colour_template(book, run: Run, located: WorkbookRead, marks: dict[str, str]) -> None:
    """One colour write per table block: the marks, and the template's own fill elsewhere
    (which also removes the marks of an earlier run)."""
    fmt = located.fmt
    lay = layout(fmt)
    key_at = {(p.sheet, p.row, p.col): k for k, p in lay.places.items() if k in fmt.cells}
    for name, (sheet, r1, c1, r2, c2) in lay.names.items():
        if not name.startswith("T") or name.startswith("TEXT_"):
            continue
        matrix = []
        for r in range(r1, r2 + 1):
            row = []
            for c in range(c1, c2 + 1):
                key = key_at.get((sheet, r, c))
                if key is None:
                    row.append(...)
                    continue
                default = None if fmt.cells[key].is_input else TOTAL_COLOR
                row.append(marks.get(lay.places[key].address, default))
            matrix.append(row)
        book.sheets[sheet].range((r1, c1), (r2, c2)).set_colors(matrix)
        run.writes += 1
    run.marked = dict(marks)


def _colour_official(book, run: Run, located: WorkbookRead, marks: dict[str, str], reset: list[str]) -> None:
    """One colour write per table found (bounding box of its cells): the marks, no fill on the
    cells the previous run marked, every other cell left as it is."""
    changes: dict[str, object] = {a: None for a in reset}
    changes.update(marks)
    groups: dict[tuple[str, str], list[Place]] = {}
    table_of = {}
    for key, address in located.report.locations.items():
        cell = located.fmt.cells.get(key)
        if cell is not None:
            table_of[address] = cell.table.id
    for address in changes:
        p = _place(address)
        if p is not None:
            groups.setdefault((p.sheet, table_of.get(address, "")), []).append(p)
    for (sheet, _), places in groups.items():
        if sheet not in _sheet_names(book):
            continue
        r1, r2 = min(p.row for p in places), max(p.row for p in places)
        c1, c2 = min(p.col for p in places), max(p.col for p in places)
        matrix = [[...] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
        for p in places:
            matrix[p.row - r1][p.col - c1] = changes[p.address]
        book.sheets[sheet].range((r1, c1), (r2, c2)).set_colors(matrix)
        run.writes += 1
    run.marked = dict(marks)


def _link(address: str) -> str:
    p = _place(address)
    if p is None:
        return address
    target = f"#'{p.sheet}'!{p.a1}"
    return f'=HYPERLINK("{target}","{address}")'


def _result_matrix(run: Run, located: WorkbookRead, filled: set[str]) -> list[list]:
    findings = run.findings
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    report = located.report
    head = (f"{RESULT_TITLE}错误 {errors} 项，提示 {warnings} 项"
            f"（{report.version}版格式{'，' + report.agency if report.agency else ''}"
            f"{'，' + str(report.year) + '年度' if report.year else ''}）")
    width = len(RESULT_HEADER)
    rows: list[list] = [[head] + [""] * (width - 1), [""] * width, list(RESULT_HEADER)]
    for i, f in enumerate(findings, start=1):
        marked = [c.address for c in _marked_keys(f)]
        first = next((c.address for c in f.cells if c.address), None)
        rule = RULES.get(f.rule)
        done = ""
        if isinstance(rule, SumRule) and rule.defines and marked and marked[0] in filled:
            done = "已填回合计"
        rows.append([i, SEVERITY_LABELS.get(f.severity, f.severity), f.rule, f.message,
                     _link(first) if first else "", done, "、".join(marked)])
    if not findings:
        rows.append(["", "", "", "全部勾稽关系校验通过，未发现问题。", "", "", ""])
    return rows


def _write_result(book, run: Run, located: WorkbookRead, filled: set[str]) -> None:
    rows = _result_matrix(run, located, filled)
    if RESULT_SHEET in _sheet_names(book):
        sheet = book.sheets[RESULT_SHEET]
        sheet.clear()
    else:
        sheet = book.sheets.add(RESULT_SHEET, after=book.sheets[len(book.sheets) - 1])
    run.writes += 1
    sheet.range((1, 1), (len(rows), len(RESULT_HEADER))).formula = rows
    run.writes += 1
    for j, w in enumerate(RESULT_WIDTHS, start=1):
        sheet.range((1, j)).column_width = w
        run.writes += 1
    sheet.activate()
    run.writes += 1


# -- the actions ---------------------------------------------------------------------------------

def _sheets_written(located: WorkbookRead) -> list[str]:
    if located.kind != "template":
        return []
    return [TABLE_SHEETS[t.id] for t in located.fmt.tables]


def _alert(book, run: Run, text: str) -> None:
    run.message = text
    if book is not None:
        book.app.alert(text, title=TITLE)
    else:  # no workbook open: the message goes through the running Excel itself
        import xlwings as xw
        xw.apps.active.alert(text, title=TITLE)
    run.writes += 1


def check_book(book, protection: Protection | None = None) -> Run:
    """校验: read, check, fill the totals, mark the cells, list the findings, summarise."""
    run = Run("check")
    located = locate(book, run)
    _refuse_foreign_result(located)
    run.kind = located.kind
    # as xlreport check: reader, then engine
    run.findings = _all_findings(located)
    protection = protection or Protection()
    sheets = _sheets_written(located)
    template = located.kind == "template"
    protection.unprotect(book, sheets, structure=template)
    try:
        (_fill_template if template else _fill_official)(book, run, located)
        marks = _marks(run.findings)
        if template:
            _colour_template(book, run, located, marks)
        else:
            _colour_official(book, run, located, marks, _old_marks(located))
        _write_result(book, run, located, set(run.filled))
    finally:
        protection.protect(book, sheets, structure=template)
    errors = sum(f.severity == ERROR for f in run.findings)
    warnings = len(run.findings) - errors
    what = "合计公式已全部恢复" if template else (f"已填写 {len(run.filled)} 个合计" if run.filled else "合计无需填写")
    if run.findings:
        text = (f"校验完成：错误 {errors} 项，提示 {warnings} 项；{what}。\n"
                f"有问题的单元格已标色（红色为错误，黄色为提示），详见“{RESULT_SHEET}”工作表。")
    else:
        text = f"校验通过：未发现问题；{what}。"
    _alert(book, run, text)
    return run


def fill_book(book, protection: Protection | None = None) -> Run:
    """填充合计: only the totals (template: every total formula; hand-made: derived numbers)."""
    run = Run("fill")
    located = locate(book, run)
    run.kind = located.kind
    protection = protection or Protection()
    sheets = _sheets_written(located)
    protection.unprotect(book, sheets, structure=False)
    try:
        if located.kind == "template":
            _fill_template(book, run, located)
        else:
            _fill_official(book, run, located)
    finally:
        protection.protect(book, sheets, structure=False)
    if located.kind == "template":
        text = "已恢复全部合计公式。" + (f"其中 {len(run.filled)} 个合计原来的数值不对。" if run.filled else "")
    else:
        text = f"已填写 {len(run.filled)} 个合计。" if run.filled else "合计都正确，无需填写。"
    _alert(book, run, text)
    return run


def clear_book(book, protection: Protection | None = None) -> Run:
    """清除标记: the template's own fills back (or no fill on the cells marked last time in a
    hand-made workbook), and the 校验结果 sheet removed."""
    run = Run("clear")
    located = locate(book, run)
    _refuse_foreign_result(located)
    run.kind = located.kind
    protection = protection or Protection()
    sheets = _sheets_written(located)
    template = located.kind == "template"
    has_result = RESULT_SHEET in _sheet_names(book)
    protection.unprotect(book, sheets, structure=template and has_result)
    try:
        if template:
            _colour_template(book, run, located, {})
        else:
            _colour_official(book, run, located, {}, _old_marks(located))
        if has_result:
            book.sheets[RESULT_SHEET].delete()
            run.writes += 1
    finally:
        protection.protect(book, sheets, structure=template and has_result)
    _alert(book, run, "已清除校验标记" + ("，并删除了“校验结果”工作表。" if has_result else "。"))
    return run


def new_template(book, arg: str, *, folder: Path | None = None, opener=None) -> Run:
    """新建模板: write a blank template of the year into the user's Documents and open it."""
    run = Run("new")
    year = parse_year(arg)  # as every reader reads a year: 2024, "2024", "2024年", "2024年度"
    if year is None:
        raise NotAReport(f"年度“{arg}”无效（{YEAR_RANGE_TEXT}）。")
    fmt = get_format(None, year)
    folder = Path(folder) if folder is not None else _documents()
    path = _free_name(folder, f"政务公开年报模板_{year}年度")
    try:
        write_template(path, fmt, year=year)
    except TemplateError as e:
        raise NotAReport(str(e)) from None
    try:
        (opener or _open)(book, path)
        opened = ""
    except Exception:  # the file is there all the same: say where
        opened = "\n未能自动打开，请在 Excel 中打开此文件。"
    run.filled = [str(path)]
    _alert(book, run, f"已生成 {year} 年度空白填报模板（{fmt.version}版格式）：\n{path}{opened}")
    return run


def _documents() -> Path:
    home = Path.home()
    for name in ("Documents", "文档"):
        if (home / name).is_dir():
            return home / name
    return home


def _free_name(folder: Path, stem: str) -> Path:
    path, n = folder / f"{stem}.xlsx", 2
    while path.exists():
        path, n = folder / f"{stem}（{n}）.xlsx", n + 1
    return path


def _open(book, path: Path) -> None:
    if book is not None:
        book.app.books.open(str(path))
    else:
        import xlwings as xw
        xw.apps.active.books.open(str(path))


def show_help(book, arg: str = "") -> Run:
    run = Run("help")
    _alert(book, run, HELP_TEXT)
    return run


def show_doctor(book, arg: str = "") -> Run:
    """诊断: the Python this button started, its config and versions (xlreport addin doctor)."""
    from .addin import doctor
    run = Run("doctor")
    _, text = doctor()
    _alert(book, run, text)
    return run


ACTIONS = {
    "check": lambda book, arg: check_book(book),
    "fill": lambda book, arg: fill_book(book),
    "clear": lambda book, arg: clear_book(book),
    "new": lambda book, arg: new_template(book, arg),
    "help": lambda book, arg: show_help(book, arg),
    "doctor": lambda book, arg: show_doctor(book, arg),
}


NEEDS_BOOK = ("check", "fill", "clear")
NO_BOOK = "当前没有打开的工作簿。请先打开要处理的年度报告工作簿，再点此按钮。"


def _active_book():
    """The workbook the button was clicked on: the book xlwings' RunPython names on the
    command line (``--wb=``, Excel's ActiveWorkbook of the calling Excel instance, never the
    add-in, which cannot be active), through ``Book.caller()``.  Outside a button call, the
    active book; None when there is none."""
    import xlwings as xw
    try:
        return xw.Book.caller()
    except Exception:
        pass
    try:
        return xw.books.active
    except Exception:
        return None


class _Quiet:
    """Screen updating off and calculation manual while a button writes, both restored after
    (also when the action fails).  Desktop Excel only: the remote engine's client applies the
    actions in one batch anyway (Office.js suspends screen updating until its next sync).
    What an engine cannot read or set is left alone."""

    def __init__(self, book):
        self.app = book.app if book is not None and _desktop(book) is not None else None
        self.calculation = None
        self.screen = True

    def __enter__(self):
        app = self.app
        if app is None:
            return self
        try:
            self.screen = bool(app.screen_updating)
        except Exception:
            self.screen = True  # the remote engine cannot read it
        try:
            self.calculation = app.calculation
        except Exception:
            self.calculation = None
        try:
            app.screen_updating = False
        except Exception:
            pass
        if self.calculation not in (None, "manual"):
            try:
                app.calculation = "manual"
            except Exception:
                self.calculation = None
        return self

    def __exit__(self, *exc):
        app = self.app
        if app is None:
            return False
        if self.calculation not in (None, "manual"):
            try:
                app.calculation = self.calculation
            except Exception:
                pass
        try:
            app.screen_updating = self.screen
        except Exception:
            pass
        return False


def on_ribbon(tag: str, book=None, placeholder: str = "") -> Run | None:
    """The one entry point of every ribbon button (called by the VBA callback with the tag).

    ``placeholder`` names the blank workbook the callback opened because no workbook was
    open (xlwings' RunPython needs one): the action then runs as with no workbook, and the
    placeholder is closed again on desktop Excel."""
    global last_run
    book = book if book is not None else _active_book()
    host = book  # the workbook whose Excel shows the messages
    if placeholder:
        book = None
    action, _, arg = (tag or "").partition(":")
    handler = ACTIONS.get(action)
    if book is None and action in NEEDS_BOOK:
        run = Run(action)
        _alert(host, run, NO_BOOK)
    elif handler is None:
        run = Run("unknown")
        _alert(host, run, f"未知的按钮“{tag}”：加载项与已安装的 xlreport 版本不一致，请重新运行 xlreport addin install。")
    else:
        try:
            if action in NEEDS_BOOK:
                with _Quiet(book):
                    run = handler(book, arg)
            else:
                run = handler(host, arg)
        except NotAReport as e:
            run = Run(action)
            _alert(host, run, str(e))
        except Exception as e:  # a clear message in Excel instead of a Python traceback
            if os.environ.get("XLREPORT_DEBUG"):
                raise
            run = Run(action)
            _alert(host, run, f"操作未完成：{type(e).__name__}: {e}\n工作簿可能受保护或已被其他程序锁定。"
                              "如问题持续，请用 xlreport check 检查该文件，并把此提示发给维护人员。")
    if placeholder and host is not None and _desktop(host) is not None:
        try:
            host.close()  # the blank stand-in, never saved
        except Exception:
            pass
    last_run = run
    return run


__all__ = ["ACTIONS", "NotAReport", "Protection", "Run", "check_book", "clear_book", "fill_book", "locate",
           "new_template", "on_ribbon", "show_help"]


def publish_book(book, arg: str = "", *, folder: Path | None = None) -> Run:
    """生成发布稿: the open workbook, read and checked as 校验 does, written beside it as the
    document to publish (.docx and .html, and .pdf when LibreOffice is installed; see
    ``xlreport.publish``).  A report with errors is refused, with its first errors said; the tag
    ``publish:draft`` writes drafts marked 草稿 instead.  Existing files are never overwritten:
    a new name gets （2）, （3）…"""
    from .libreoffice import find_soffice
    from .publish import PublishError, publish_report

    run = Run("publish")
    if book is None:
        raise NotAReport("请先打开要生成发布稿的年度报告工作簿，再点此按钮。")
    located = locate(book, run)
    _refuse_foreign_result(located)
    run.kind = located.kind
    run.findings = _all_findings(located)
    errors = [f for f in run.findings if f.severity == ERROR]
    draft = arg == "draft"
    if errors and not draft:
        shown = "\n".join(f"· {f.message}" for f in errors[:5]) + ("\n……" if len(errors) > 5 else "")
        _alert(book, run, f"报告有 {len(errors)} 处错误，未生成发布稿：\n{shown}\n请先点“校验”查看并修改后再生成。")
        return run
    if folder is None:
        where = Path(str(book.fullname))
        folder = where.parent if where.is_absolute() and where.parent.is_dir() else _documents()
    stem = f"{Path(str(book.name)).stem}_{'发布稿草稿' if draft else '发布稿'}"
    kinds = [".docx", ".html"] + ([".pdf"] if find_soffice() else [])
    outputs = []
    for suffix in kinds:
        path, n = Path(folder) / f"{stem}{suffix}", 2
        while path.exists():
            path, n = Path(folder) / f"{stem}（{n}）{suffix}", n + 1
        outputs.append(path)
    try:
        result = publish_report(located.report, run.findings, outputs, draft=draft, source=str(book.name))
    except PublishError as e:
        raise NotAReport(str(e)) from None
    run.filled = [str(p) for p in result.outputs]
    warnings = len(run.findings) - len(errors)
    lines = [f"已生成{'草稿（每页标有“草稿”）' if draft else '发布稿'}："] + [f"  {p}" for p in result.outputs]
    if warnings:
        lines.append(f"有 {warnings} 条提示（不影响发布），可点“校验”查看。")
    if ".pdf" not in kinds:
        lines.append("未安装 LibreOffice，未生成 PDF（可用 Word 打开 .docx 另存为 PDF）。")
    _alert(book, run, "\n".join(lines))
    return run


ACTIONS["publish"] = lambda book, arg: publish_book(book, arg)
__all__.append("publish_book")
