"""The locked Excel template (.xlsx), written with openpyxl from the format data.

Every label comes from ``xlreport.formats``, every position from ``xlreport.layout``, every
total formula and every line of the 校验 sheet from the rules of ``xlreport.rules``: no label
or cell address is typed here.  The workbook uses plain SUM/IF/ABS/ROUND/COUNTA/COUNT/
COUNTBLANK/COUNTIF formulas so it computes the same in Excel, WPS and LibreOffice.

``build_workbook`` returns the openpyxl workbook; ``write_template`` saves it atomically and
byte-reproducibly (fixed zip timestamps and document dates).
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.protection import SheetProtection

from . import __version__
from .engine import format_instances
from .formats import FORMATS, MAX_YEAR, MIN_YEAR, Format, FormatError, Kind, check_year, get_format
from .labels import text_width, wrapped_lines
from .layout import (CHECK_SHEET, COVER_SHEET, META_SHEET, TEMPLATE_VERSION, Layout, Place, a1_ref, addresses,
                     col_letter, layout, ranges, rect_abs_ref, rect_ref, rectangles)
from .model import Report
from .output import OutputError, check_target, write_atomic
from .rules import FEE_WORDS, LINE_BLANK_TOTAL, LINE_FAIL, LINE_INVALID, LINE_PASS, NOT_FILLED, RULES, Instance
from .values import plain

DEFAULT_PASSWORD = "xlreport"
FONT_NAME = "宋体"
FIXED_TIME = dt.datetime(2021, 9, 26, 0, 0, 0)  # the 2021 format's date: builds never depend on the clock
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

PASS, FAIL, INVALID, BLANK_TOTAL = LINE_PASS, LINE_FAIL, LINE_INVALID, LINE_BLANK_TOTAL
CHECK_FIRST_ROW = 11  # first rule line of the 校验 sheet (summary in D3:D8, headers on row 10)


class TemplateError(Exception):
    """A template cannot be written (bad format, year or path); the message is Chinese."""


# -- styles --------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FONTS = {
    "title": Font(name=FONT_NAME, size=14, bold=True),
    "block": Font(name=FONT_NAME, size=11, bold=True),
    "header": Font(name=FONT_NAME, size=10, bold=True),
    "rowhead": Font(name=FONT_NAME, size=10),
    "note": Font(name=FONT_NAME, size=9),
    "field": Font(name=FONT_NAME, size=11, bold=True),
    "prompt": Font(name=FONT_NAME, size=9, italic=True, color="595959"),
    "input": Font(name=FONT_NAME, size=10),
    "total": Font(name=FONT_NAME, size=10, bold=True),
    "text": Font(name=FONT_NAME, size=11),
}
ALIGN = {
    "title": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "block": Alignment(horizontal="left", vertical="center", wrap_text=True),
    "header": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "rowhead": Alignment(horizontal="left", vertical="center", wrap_text=True),
    "note": Alignment(horizontal="left", vertical="center", wrap_text=True),
    "field": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "prompt": Alignment(horizontal="left", vertical="center", wrap_text=True),
    "input": Alignment(horizontal="center", vertical="center"),
    "total": Alignment(horizontal="center", vertical="center"),
    "text": Alignment(horizontal="left", vertical="top", wrap_text=True),
}
BORDERED = {"header", "rowhead", "note", "input", "total", "field"}
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BLANK_FILL = PatternFill("solid", fgColor="FFF2CC", bgColor="FFF2CC")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
BAD_FONT = Font(color="9C0006", bold=True)
PASS_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
PASS_FONT = Font(color="006100")
UNLOCKED = Protection(locked=False)

NUMBER_FORMATS = {k: "0" if k.integer else "General" for k in (Kind.COUNT, Kind.SIGNED, Kind.MONEY, Kind.AMOUNT)}

PASTE_HINT = "从其他表格复制时请用“选择性粘贴—数值”。"
PROMPTS = {  # kind -> (input prompt, error message) of its data validation
    Kind.COUNT: ("请填写非负整数；没有数据请填0，不要留空。", "应填写非负整数（0、1、2……）。"),
    Kind.SIGNED: ("请填写整数，减少时填负数；没有变化请填0。", "应填写整数（可为负数）。"),
    Kind.MONEY: ("请填写非负金额（单位：万元，最多6位小数）；没有请填0。", "应填写非负金额（万元）。"),
    Kind.AMOUNT: ("请填写非负数；没有请填0。", "应填写非负数。"),
}
SIGNED_BOUND = "999999999"  # Excel's validation of a signed whole number needs two bounds


# -- formulas derived from the rules -----------------------------------------------------

@lru_cache(maxsize=None)
def instances_for(fmt: Format) -> tuple[Instance, ...]:
    """Every non-cross-year sum rule instance of a format, in rule order (one 校验 line each)."""
    return format_instances(fmt, cross_year=False)


@lru_cache(maxsize=None)
def definitions(fmt: Format) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each total cell, the signed cells whose sum defines it (first defining rule wins,
    as in the engine)."""
    defs: dict[str, tuple] = {}
    for inst in instances_for(fmt):
        if inst.rule.defines and len(inst.left) == 1:
            defs.setdefault(inst.left[0][0], tuple((k, s) for k, s, _ in inst.right))
    return defs


class Formulas:
    """Formula text for one format's layout; ``sheet`` adds sheet names (for other sheets)."""

    def __init__(self, fmt: Format, lay: Layout):
        self.fmt, self.lay, self.defs = fmt, lay, definitions(fmt)

    def ref(self, key: str, sheet: bool) -> str:
        return a1_ref(self.lay.places[key], sheet)

    def effective(self, key: str, sheet: bool) -> str:
        """A cell as the engine sees it: a blank total counts as its derived sum."""
        if key not in self.defs:
            return self.ref(key, sheet)
        r = self.ref(key, sheet)
        return f"IF(ISBLANK({r}),{self.sum(self.defs[key], sheet)},{r})"

    def sum(self, terms, sheet: bool) -> str:
        """SUM of signed terms; inputs in runs become ranges, totals use ``effective``."""
        parts = []
        for sign in (1, -1):
            args, run = [], []
            for key, s in terms:
                if s != sign:
                    continue
                if key in self.defs:
                    args += ranges(run, sheet)
                    run = []
                    args.append(self.effective(key, sheet))
                else:
                    run.append(self.lay.places[key])
            args += ranges(run, sheet)
            if args:
                parts.append(("-" if sign < 0 else "") + f"SUM({','.join(args)})")
        if not parts:
            return "0"
        return "".join(p if p.startswith("-") or i == 0 else "+" + p for i, p in enumerate(parts))

    def total(self, key: str) -> str:
        """The live formula of a total cell (same sheet): the sum of the cells that define it."""
        pos = [self.lay.places[k] for k, s in self.defs[key] if s > 0]
        neg = [self.lay.places[k] for k, s in self.defs[key] if s < 0]
        text = f"=SUM({','.join(ranges(pos, False))})" if pos else "=0"
        if neg:
            text += f"-SUM({','.join(ranges(neg, False))})"
        return text

    def direct(self, inst: Instance, sheet: bool) -> list[str]:
        """References of every cell an instance names (for the non-number guard)."""
        return ranges([self.lay.places[k] for k, _, _ in inst.left + inst.right], sheet)

    def nonnumeric(self, inst: Instance, sheet: bool) -> str:
        refs = ",".join(self.direct(inst, sheet))
        return f"COUNTA({refs})-COUNT({refs})"

    def left(self, inst: Instance, sheet: bool) -> str:
        if inst.rule.defines:
            return self.ref(inst.left[0][0], sheet)
        return self.sum([(k, s) for k, s, _ in inst.left], sheet)

    def right(self, inst: Instance, sheet: bool) -> str:
        return self.sum([(k, s) for k, s, _ in inst.right], sheet)

    def fails(self, inst: Instance, sheet: bool) -> str:
        """TRUE when the instance is an error as the engine sees it (for conditional formats)."""
        cond = [f"{self.nonnumeric(inst, sheet)}=0"]
        if inst.rule.defines:
            cond.append(f"NOT(ISBLANK({self.ref(inst.left[0][0], sheet)}))")
        cond.append(f"ROUND(({self.left(inst, sheet)})-({self.right(inst, sheet)}),6)<>0")
        return f"AND({','.join(cond)})"


# -- the workbook --------------------------------------------------------------------------

def _resolve_format(fmt, year, report) -> Format:
    try:
        if isinstance(fmt, Format):
            return fmt
        if fmt is not None:
            return get_format(str(fmt))
        if report is not None:
            return get_format(report.format.version)
        return get_format(None, year)
    except FormatError as e:
        raise TemplateError(str(e)) from None


def _check_year(year) -> int | None:
    if year is None:
        return None
    try:
        return check_year(year)
    except FormatError as e:
        raise TemplateError(str(e)) from None


def placeable(report: Report, fmt: Format) -> tuple[dict[str, object], list[str]]:
    """The report values that have a cell in ``fmt`` with the same official labels, and the
    interchange paths of the non-blank values that have none (a table in the other version's
    layout, e.g. a 2021 表二 in a 2019 report)."""
    placed, lost = {}, []
    for key, v in report.values.items():
        cell = report.format.cells.get(key)
        target = fmt.cells.get(key)
        if cell is not None and target is not None and target.path == cell.path:
            placed[key] = v
        elif v is not None:
            lost.append(cell.path if cell is not None else key)
    return placed, lost


def fit_row_heights(ws, first_row: int = 1, line_height: float = 15.0) -> None:
    """Heights for rows whose wrapped text needs more than one line: neither Excel nor LibreOffice
    grows the rows of a saved file, so a long message would print cut to one line."""
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if not (isinstance(cell.value, str) and cell.alignment is not None and cell.alignment.wrap_text):
                continue
            if any(cell.coordinate in m for m in ws.merged_cells.ranges):
                continue
            per_line = max(1.0, (ws.column_dimensions[cell.column_letter].width or 8.43) * 1.1 - 1)
            lines = max(lines, wrapped_lines(cell.value, per_line))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = round(lines * line_height, 1)


def _style(cell, style: str) -> None:
    cell.font = FONTS[style]
    cell.alignment = ALIGN[style]


def _merge(ws, row, col, rows, cols, style: str | None, unlock: bool = False) -> None:
    if rows > 1 or cols > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1, end_column=col + cols - 1)
    if style in BORDERED or style is None:
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                ws.cell(r, c).border = BORDER
                if unlock:  # every cell of a merged input, whichever one a program looks at
                    ws.cell(r, c).protection = UNLOCKED


def _auto_heights(ws, sheet_layout) -> None:
    """Row heights for wrapped labels (Excel does not grow rows on opening a file)."""
    need: dict[int, float] = {}
    for lab in sheet_layout.labels:
        if lab.rows > 1 or not lab.text:
            continue
        width = sum(sheet_layout.widths.get(c, 9) for c in range(lab.col, lab.col + lab.cols))
        size = FONTS[lab.style].sz or 11
        per_line = max(1.0, width * 1.1 * 11 / size - 1)
        lines = max(1, math.ceil(text_width(lab.text) / per_line))
        need[lab.row] = max(need.get(lab.row, 0), lines * size * 1.45 + 5)
    for r, h in need.items():
        if r not in sheet_layout.heights:
            ws.row_dimensions[r].height = round(max(h, 18), 1)


def _print_setup(ws, last_col: int, last_row: int, header_rows=None, landscape=False, pages_tall=0) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.font = FONT_NAME
    ws.print_area = f"A1:{col_letter(last_col)}{last_row}"
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"


def _protect(ws, password: str) -> None:
    ws.protection = SheetProtection(sheet=True, formatCells=True, formatColumns=False, formatRows=False,
                                    selectLockedCells=False, selectUnlockedCells=False)
    if password:
        ws.protection.password = password


def _validation(kind: Kind) -> DataValidation:
    prompt, error = PROMPTS[kind]
    typ = "whole" if kind.integer else "decimal"
    op, f1, f2 = ("between", f"-{SIGNED_BOUND}", SIGNED_BOUND) if kind.negative else ("greaterThanOrEqual", "0", None)
    dv = DataValidation(type=typ, operator=op, formula1=f1, formula2=f2, allow_blank=True,
                        showInputMessage=True, showErrorMessage=True, errorStyle="stop",
                        promptTitle=kind.label[:32], prompt=(prompt + PASTE_HINT)[:255],
                        errorTitle="输入有误", error=(error + "没有数据请填0。")[:255])
    return dv


@dataclass
class _Ctx:
    fmt: Format
    lay: Layout
    formulas: Formulas
    password: str


def _write_labels(ws, sl) -> None:
    for lab in sl.labels:
        cell = ws.cell(lab.row, lab.col, lab.text)
        _style(cell, lab.style)
        _merge(ws, lab.row, lab.col, lab.rows, lab.cols, lab.style)
    for c, w in sl.widths.items():
        ws.column_dimensions[col_letter(c)].width = w
    for r, h in sl.heights.items():
        ws.row_dimensions[r].height = h
    _auto_heights(ws, sl)


def _table_sheet(wb, ctx: _Ctx, sl, values: dict) -> None:
    ws = wb.create_sheet(sl.name)
    ws.sheet_view.showGridLines = False
    _write_labels(ws, sl)
    for sp in sl.spans:
        _merge(ws, sp.row, sp.col, sp.rows, sp.cols, None, unlock=True)
    table = sl.table
    by_kind: dict[Kind, list[Place]] = {}
    for cell in table.cells:
        place = ctx.lay.places[cell.key]
        c = ws.cell(place.row, place.col)
        c.border = BORDER
        c.number_format = NUMBER_FORMATS[cell.kind]
        if cell.is_input:
            _style(c, "input")
            c.protection = UNLOCKED
            by_kind.setdefault(cell.kind, []).append(place)
            _put_value(c, plain(values.get(cell.key)))
        else:
            _style(c, "total")
            c.fill = TOTAL_FILL
            c.value = ctx.formulas.total(cell.key)
    for kind, places in by_kind.items():
        dv = _validation(kind)
        for rect in rectangles(places):
            dv.add(rect_ref(rect))
        ws.add_data_validation(dv)
        _value_formats(ws, kind, places)
    for inst in instances_for(ctx.fmt):
        if inst.rule.table != table.id:
            continue
        keys = [inst.left[0][0]] if inst.rule.defines else [k for k, _, _ in inst.left + inst.right]
        sqref = " ".join(ranges([ctx.lay.places[k] for k in keys], False))
        ws.conditional_formatting.add(sqref, FormulaRule(formula=[ctx.formulas.fails(inst, "abs")],
                                                         fill=BAD_FILL, font=BAD_FONT))
    for r in {ctx.lay.places[c.key].row for c in table.cells}:
        if ws.row_dimensions[r].height is None and r not in sl.heights:
            ws.row_dimensions[r].height = 20
    ws.freeze_panes = sl.freeze
    _print_setup(ws, sl.ncols, sl.nrows, sl.header_rows)
    _protect(ws, ctx.password)


def _value_formats(ws, kind: Kind, places: list[Place]) -> None:
    """Conditional formats on input cells: blank (yellow), not a number / wrong kind (red)."""
    for a, b in rectangles(places):
        ref, x = (a.a1 if a == b else f"{a.a1}:{b.a1}"), a.a1
        bad = [f"AND(NOT(ISBLANK({x})),NOT(ISNUMBER({x})))"]
        bad += [f"AND(ISNUMBER({x}),{fault})" for fault in _kind_faults(kind, x)]
        ws.conditional_formatting.add(ref, FormulaRule(formula=[f"OR({','.join(bad)})"], fill=BAD_FILL,
                                                       font=BAD_FONT, stopIfTrue=True))
        ws.conditional_formatting.add(ref, FormulaRule(formula=[f"ISBLANK({x})"], fill=BLANK_FILL))


def _put_value(c, value):
    """Put a value people typed (or a report carried) into a cell: text stays text, even when it
    starts with '=' (openpyxl would otherwise store it as a formula)."""
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"
    return c


def _cover_sheet(wb, ctx: _Ctx, report: Report | None, year, agency) -> None:
    sl = next(s for s in ctx.lay.sheets if s.name == COVER_SHEET)
    ws = wb.active
    ws.title = sl.name
    ws.sheet_view.showGridLines = False
    _write_labels(ws, sl)
    places = ctx.lay.places
    fixed = places["format"]
    for sp in sl.spans:
        _merge(ws, sp.row, sp.col, sp.rows, sp.cols, None, unlock=(sp.row, sp.col) != (fixed.row, fixed.col))
    meta = {
        "agency": agency,
        "year": year,
        "format": f"{ctx.fmt.version}版（{ctx.fmt.issued_by}）",
        "published": report.published if report is not None else None,
    }
    for key, value in meta.items():
        p = places[key]
        c = _put_value(ws.cell(p.row, p.col), value)
        _style(c, "text")
        c.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        if key != "format":
            c.protection = UNLOCKED
        if key == "published":
            c.number_format = "yyyy-mm-dd"
    y = places["year"]
    dv = DataValidation(type="whole", operator="between", formula1=str(MIN_YEAR), formula2=str(MAX_YEAR),
                        allow_blank=True, showInputMessage=True, showErrorMessage=True,
                        promptTitle="报告年度", prompt="填写四位数年份，如2024。",
                        errorTitle="输入有误", error=f"报告年度应为{MIN_YEAR}—{MAX_YEAR}之间的四位数年份。")
    dv.add(y.a1)
    ws.add_data_validation(dv)
    p = places["published"]
    dv = DataValidation(type="date", operator="greaterThanOrEqual", formula1="39448", allow_blank=True,
                        showInputMessage=True, showErrorMessage=True, promptTitle="发布日期",
                        prompt="填写日期，如2025-01-20。", errorTitle="输入有误", error="请填写日期，如2025-01-20。")
    dv.add(p.a1)
    ws.add_data_validation(dv)
    for s in ctx.fmt.sections:
        p = places[s.id]
        text = report.texts.get(s.id) if report is not None else None
        c = _put_value(ws.cell(p.row, p.col), text)
        _style(c, "text")
        c.protection = UNLOCKED
    _print_setup(ws, sl.ncols, sl.nrows)
    # page 1: the cover fields and 一; page 2: 五 and 六
    if len(ctx.fmt.sections) > 1:
        ws.row_breaks.append(Break(id=places[ctx.fmt.sections[1].id].row - 3))
    _protect(ws, ctx.password)


def _input_rects(ctx: _Ctx, kind: Kind | None = None) -> list[str]:
    """Absolute references of rectangles covering the input cells (of one value kind)."""
    by_sheet: dict[str, list[Place]] = {}
    for cell in ctx.fmt.inputs:
        if kind is None or cell.kind is kind:
            p = ctx.lay.places[cell.key]
            by_sheet.setdefault(p.sheet, []).append(p)
    return [rect_abs_ref(rect) for places in by_sheet.values() for rect in rectangles(places)]


def _check_summary(ctx: _Ctx, status_range: str) -> list[tuple[str, object, str]]:
    """The summary lines of the 校验 sheet (D3 down): label, formula, note."""
    rects = _input_rects(ctx)
    bad_terms = [f"SUM(IF(ISNUMBER({r}),IF({'+'.join(_kind_faults(kind, r))}>0,1,0),0))"
                 for kind in NUMBER_FORMATS for r in _input_rects(ctx, kind)]
    blanks = "+".join(f"COUNTBLANK({r})" for r in rects)
    nonnum = "+".join(f"COUNTA({r})-COUNT({r})" for r in rects)
    verdict = (f'IF(COUNTIF({status_range},"{FAIL}")+COUNTIF({status_range},"{INVALID}")+D6+D7>0,'
               f'"{FAIL}","{PASS}")')
    summary = [
        ("总体状态", f'=IF(D5={len(ctx.fmt.inputs)},"{NOT_FILLED}",{verdict})',
         "有“错误”时请按下表核对对应单元格；表格中标红的单元格即为有问题的单元格。"),
        ("错误条数", f'=COUNTIF({status_range},"{FAIL}")', "勾稽关系不成立的条数。"),
        ("空白输入单元格", f"={blanks}", "空白不等于0：没有数据请填0（表格中标黄的单元格）。"),
        ("非数值输入单元格", f"={nonnum}", "填入了文字或以文本形式粘贴的数字，请改为数值。"),
        ("不合规数值", ("array", f"={'+'.join(bad_terms)}"),
         "负数（“本年增/减”除外）、应为整数却有小数、金额超过6位小数的单元格个数（表格中标红）。"),
    ]
    s6 = ctx.lay.places.get("s6")
    if s6 is not None and ctx.fmt.version in RULES["text.fee"].versions:
        found = "+".join(f'ISNUMBER(SEARCH("{w}",{s6.ref}))' for w in FEE_WORDS)
        summary.append(("信息处理费说明", f'=IF({found},"已说明","未说明")',
                        "六、其他需要报告的事项应说明信息处理费收取情况（如“本年度未收取信息处理费”）。"))
    return summary


def _write_summary(ws, summary) -> None:
    for i, (label, formula, note) in enumerate(summary):
        r = 3 + i
        ws.cell(r, 1, label)
        _style(ws.cell(r, 1), "field")
        _merge(ws, r, 1, 1, 3, None)
        if isinstance(formula, tuple):  # an array formula (IF over ranges), the same in Excel 2010+
            formula = ArrayFormula(f"D{r}", formula[1])
        c = ws.cell(r, 4, formula)
        _style(c, "total")
        c.border = BORDER
        ws.cell(r, 5, note)
        _style(ws.cell(r, 5), "note")
        ws.merge_cells(start_row=r, start_column=5, end_row=r, end_column=10)


def _write_lost(ws, ctx: _Ctx, row: int, lost: list[str]) -> None:
    """Values of the filled report this layout has no cell for (a table in the other version)."""
    note = ws.cell(row, 1, f"注意：原报告中有{len(lost)}个数值的表格格式与本模板（{ctx.fmt.version}版）不同，"
                           f"未能填入：{'；'.join(lost)}"[:1000])
    _style(note, "note")
    note.font = BAD_FONT
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=10)
    ws.row_dimensions[row].height = 30


CHECK_HEADS = ("序号", "表", "校验内容", "适用于", "左边", "右边", "差额", "结果", "规则编号", "涉及单元格", "非数值")


def _check_line(ctx: _Ctx, i: int, inst: Instance, r: int) -> list:
    """One rule instance as a line of the 校验 sheet (row ``r``); column K counts non-numbers."""
    f, nn = ctx.formulas, f"K{r}"
    status = f'IF(ROUND(G{r},6)=0,"{PASS}","{FAIL}")'
    if inst.rule.defines:
        status = f'IF(ISBLANK({f.ref(inst.left[0][0], True)}),"{BLANK_TOTAL}",{status})'
    return [
        i + 1,
        f"表{inst.rule.table}",
        inst.rule.title,
        inst.where,
        f'=IF({nn}>0,"",{f.left(inst, True)})',
        f'=IF({nn}>0,"",{f.right(inst, True)})',
        f'=IF({nn}>0,"",E{r}-F{r})',
        f'=IF({nn}>0,"{INVALID}",{status})',
        inst.rule.id,
        addresses([ctx.lay.places[k] for k, _, _ in inst.left + inst.right]),
        f"={f.nonnumeric(inst, True)}",
    ]


def _write_lines(ws, ctx: _Ctx, insts, first: int) -> None:
    for j, h in enumerate(CHECK_HEADS, start=1):
        c = ws.cell(first - 1, j, h)
        _style(c, "header")
        c.border = BORDER
    for i, inst in enumerate(insts):
        r = first + i
        row = _check_line(ctx, i, inst, r)
        for j, v in enumerate(row, start=1):
            c = ws.cell(r, j, v)
            c.border = BORDER
            c.font = FONTS["rowhead"]
            c.alignment = ALIGN["rowhead"] if j in (3, 4, 10) else ALIGN["input"]
        lines = max(math.ceil(text_width(str(row[j - 1])) / (CHECK_WIDTHS[j - 1] * 1.2 - 1)) for j in (3, 4, 10))
        ws.row_dimensions[r].height = round(max(1, lines) * 13 + 3, 1)
    ws.column_dimensions["K"].hidden = True
    for j, w in enumerate(CHECK_WIDTHS, start=1):
        ws.column_dimensions[col_letter(j)].width = w


def _status_colours(ws, first: int, last: int) -> None:
    rng = f"H{first}:H{last}"
    for word, fill, font in ((FAIL, BAD_FILL, BAD_FONT), (INVALID, BAD_FILL, BAD_FONT), (PASS, PASS_FILL, PASS_FONT)):
        ws.conditional_formatting.add(rng, FormulaRule(formula=[f'H{first}="{word}"'], fill=fill, font=font))
    for word, fill, font in ((FAIL, BAD_FILL, BAD_FONT), (PASS, PASS_FILL, PASS_FONT), (NOT_FILLED, BLANK_FILL, None)):
        ws.conditional_formatting.add("D3", FormulaRule(formula=[f'D3="{word}"'], fill=fill, font=font))


def _check_sheet(wb, ctx: _Ctx, lost: list[str] = ()) -> None:
    """The 校验 sheet: a summary (overall status, counts) and one line per rule instance."""
    ws = wb.create_sheet(CHECK_SHEET)
    ws.sheet_view.showGridLines = False
    insts = instances_for(ctx.fmt)
    first = CHECK_FIRST_ROW
    last = first + len(insts) - 1
    ws.cell(1, 1, "校验结果（根据勾稽关系自动计算，请勿修改本表）")
    _style(ws["A1"], "title")
    ws.merge_cells("A1:J1")
    _write_summary(ws, _check_summary(ctx, f"$H${first}:$H${last}"))
    if lost:
        _write_lost(ws, ctx, first - 2, lost)
    _write_lines(ws, ctx, insts, first)
    _status_colours(ws, first, last)
    ws.freeze_panes = f"A{first}"
    _print_setup(ws, 10, last, (first - 1, first - 1), landscape=True, pages_tall=1)
    _protect(ws, ctx.password)


CHECK_WIDTHS = (5, 6, 44, 34, 8, 8, 7, 9, 13, 34)


def _kind_faults(kind: Kind, r: str) -> list[str]:
    """Conditions (TRUE = fault) on a number of this kind, as formula text over ``r``."""
    faults = [] if kind.negative else [f"({r}<0)"]
    if kind.integer:
        faults.append(f"({r}<>INT({r}))")
    elif kind.max_decimals is not None:
        faults.append(f"(ROUND({r},{kind.max_decimals})<>{r})")
    return faults


def _meta_sheet(wb, ctx: _Ctx, year, agency, lost: list[str]) -> None:
    ws = wb.create_sheet(META_SHEET)
    rows = [
        ("key", "value"),
        ("format_version", ctx.fmt.version),
        ("template_version", TEMPLATE_VERSION),
        ("year", year),
        ("agency", agency),
        ("xlreport_version", __version__),
        ("format_issued_by", ctx.fmt.issued_by),
    ]
    if lost:
        rows.append(("unplaced_values", "；".join(lost)))
    mixed = {t.id: v for t in ctx.fmt.tables for v, f in FORMATS.items()
             if v != ctx.fmt.version and t is f.table(t.id) and t is not FORMATS[ctx.fmt.version].table(t.id)}
    if mixed:  # a table in the other version's layout (an imported report published that way)
        rows.append(("table_layouts", ";".join(f"{t}={v}" for t, v in mixed.items())))
    for i, (k, v) in enumerate(rows, start=1):
        ws.cell(i, 1, k)
        _put_value(ws.cell(i, 2), v)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 40
    ws.sheet_state = "hidden"
    _protect(ws, ctx.password)


def build_workbook(fmt=None, *, year=None, agency=None, password=DEFAULT_PASSWORD,
                   report: Report | None = None) -> Workbook:
    """The template workbook of a format (from ``year`` when ``fmt`` is None), optionally filled
    with a report's inputs, texts and metadata.  Totals are always formulas."""
    year = _check_year(year if year is not None else (report.year if report is not None else None))
    fmt = _resolve_format(fmt, year, report)
    if agency is None and report is not None:
        agency = report.agency
    lay = layout(fmt)
    ctx = _Ctx(fmt, lay, Formulas(fmt, lay), password or "")
    values, lost = placeable(report, fmt) if report is not None else ({}, [])

    wb = Workbook()
    _cover_sheet(wb, ctx, report, year, agency)
    for sl in lay.sheets:
        if sl.table is not None:
            _table_sheet(wb, ctx, sl, values)
    _check_sheet(wb, ctx, lost)
    _meta_sheet(wb, ctx, year, agency, lost)
    for name in lay.names:
        wb.defined_names[name] = DefinedName(name, attr_text=lay.name_ref(name))

    props = wb.properties
    props.creator = "xlreport"
    props.lastModifiedBy = "xlreport"
    props.title = f"{fmt.title}（{fmt.version}版模板）"
    props.subject = fmt.issued_by
    props.created = props.modified = FIXED_TIME
    for k, v in (("format_version", fmt.version), ("template_version", TEMPLATE_VERSION),
                 ("xlreport_version", __version__)):
        wb.custom_doc_props.append(StringProperty(name=k, value=v))
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password
    wb.active = 0
    return wb


_STAMP = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")


def workbook_bytes(wb: Workbook) -> bytes:
    """The saved workbook with every timestamp fixed, so the same input gives the same bytes."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              lambda m: m.group(1) + _STAMP.encode() + m.group(3), data)
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def write_template(path, fmt=None, *, year=None, agency=None, password=DEFAULT_PASSWORD,
                   report: Report | None = None, force: bool = False) -> Path:
    """Write the template to ``path`` (whole or not at all); refuse to overwrite unless ``force``."""
    try:
        path = check_target(path, force, ".xlsx")
        data = workbook_bytes(build_workbook(fmt, year=year, agency=agency, password=password, report=report))
        return write_atomic(path, data)
    except OutputError as e:
        raise TemplateError(str(e)) from None


def template_name(version: str) -> str:
    """The file name of a committed template under ``workbook/``."""
    return f"年报模板_{version}.xlsx"


__all__ = ["DEFAULT_PASSWORD", "TemplateError", "build_workbook", "write_template", "workbook_bytes",
           "placeable", "instances_for", "definitions", "template_name", "template_format", "cell_problems"]


# The reader side (``template_format``, ``cell_problems``) lives in xlreport.readers.template_reader;
# these names stay importable from here for callers written before the move.
from .readers.template_reader import CellProblem, cell_problems, template_format  # noqa: E402,F401
