"""The roll-up: the sums of many units' reports in one filled template, traced to each unit.

    from xlreport.aggregate import aggregate, AggregateError
    result = aggregate(["各部门/"], "汇总.xlsx", workers=2)

Only reports of one format version and one report year are summed (a mix is refused with a
message that lists the groups).  Every input cell is the sum of the units' numbers (a blank
or unreadable value adds nothing and is listed); totals stay the template's formulas, so the
roll-up checks itself like any filled template.  Two extra sheets: 汇总来源 (one row per unit,
one column per summed cell, the units' contributions) and 有错误的单位 (units whose reports had
errors, and files that could not be read).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .batch import has_internal_error, iter_results
from .rules import ERROR, PASSED as PASS, SKIPPED, UNREADABLE
from .exports import atomic_write
from .formats import Format
from .layout import layout
from .model import Report
from .values import is_number, plain

TRACE_SHEET = "汇总来源"
ERRORS_SHEET = "有错误的单位"

__all__ = ["AggregateError", "Aggregate", "aggregate", "sum_reports"]


class AggregateError(Exception):
    """The reports cannot be summed (a mix of formats or years, nothing readable); Chinese message."""


@dataclass
class Aggregate:
    report: Report  # the sums
    units: list[dict] = field(default_factory=list)  # summary rows of the summed units
    contributions: list[dict] = field(default_factory=list)  # per unit: key -> value as read
    failed: list[dict] = field(default_factory=list)  # units with errors / unreadable files
    path: Path | None = None


def _group(report: Report) -> tuple:
    return (report.version, report.year, tuple(sorted(report.layouts.items())))


def _describe(group) -> str:
    version, year, layouts = group
    text = f"{year or '未填年度'}年度、{version}版格式"
    if layouts:
        text += "（" + "、".join(f"表{t}为{v}版" for t, v in layouts) + "）"
    return text


def sum_reports(reports: list[Report], agency: str | None = None) -> Report:
    """The report whose inputs are the sums of ``reports``' inputs (same format and year)."""
    first = reports[0]
    fmt: Format = first.format
    out = Report(fmt, agency=agency, year=first.year, layouts=dict(first.layouts))
    present = set()
    for r in reports:
        present |= set(r.values)
    for cell in fmt.cells.values():
        if cell.key not in present:
            continue
        if not cell.is_input:
            out.values[cell.key] = None
            continue
        total, any_number = Decimal(0), False
        for r in reports:
            v = r.values.get(cell.key)
            if is_number(v):
                total += v
                any_number = True
        out.values[cell.key] = total if any_number else None
    return out


def rollup_units(path) -> list[str] | None:
    """The units listed in a roll-up's trace sheet (汇总来源), or None when ``path`` is no roll-up
    or cannot be read.  Read under the guard with the fast reader: only the workbook structure
    and the trace sheet's column A, so a broken styles.xml, an entity bomb or a zip bomb
    elsewhere in the file cannot stop the aggregation."""
    import re
    import zipfile
    import zlib

    from .readers import guard
    from .readers.ooxml import Book, OoxmlError

    try:
        if guard.inspect(path).kind != "xlsx":
            return None
        with guard.open_zip(path) as zf:
            book = Book(zf)
            if TRACE_SHEET not in book.sheet_names:
                return None
            sheet = book.sheet(TRACE_SHEET)
            if sheet is None:
                return None
            rows = sorted(int(a1[1:]) for a1 in sheet.raw if re.fullmatch(r"A\d{1,7}", a1) and int(a1[1:]) >= 4)
            values = [sheet.get_a1(f"A{r}") for r in rows]
    except (guard.GuardError, OoxmlError, OSError, zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        return None
    return [str(v.value) for v in values if v is not None and v.value is not None]


def _refuse_double_counting(units: list[dict]) -> None:
    """A roll-up (an earlier run's output) among the units it already sums would count them twice."""
    from .batch import agency_key

    keys = {agency_key(u["agency"], u["file"]): u for u in units}
    for u in units:
        listed_units = rollup_units(u["file"])
        if not listed_units:
            continue
        again = [name for name in listed_units
                 if (k := agency_key(name, "")) in keys and keys[k]["file"] != u["file"]]
        if again:
            names = "、".join(again[:3]) + ("等" if len(again) > 3 else "")
            raise AggregateError(f"“{u['file']}”是一份汇总表，已经包含本次要汇总的 {len(again)} 个单位（{names}），"
                                 "再计入会重复计算。请把它移出要汇总的文件夹（分级汇总时只汇总各地区的汇总表）。")


def _digest(path) -> str | None:
    import hashlib
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def _refuse_duplicates(units: list[dict]) -> None:
    """Two workbooks of one unit (the same agency name once normalised, or the same bytes) would
    be summed twice: refused, naming both files of every such pair.  Roll-ups (named 汇总（N个单位）
    by default) are told apart by content only."""
    from .batch import agency_key

    first_by_name: dict[str, dict] = {}
    first_by_content: dict[str, dict] = {}
    pairs: list[str] = []
    for u in units:
        why = None
        if u["agency"] and not rollup_units(u["file"]):
            k = agency_key(u["agency"], u["file"])
            if k in first_by_name:
                why = (first_by_name[k], f"都是“{u['agency']}”的报告")
            first_by_name.setdefault(k, u)
        digest = _digest(u["file"])
        if why is None and digest is not None and digest in first_by_content:
            why = (first_by_content[digest], "内容完全相同")
        if digest is not None:
            first_by_content.setdefault(digest, u)
        if why is not None:
            pairs.append(f"“{why[0]['file']}”与“{u['file']}”{why[1]}")
    if pairs:
        shown = "；".join(pairs[:10]) + (f"；另有 {len(pairs) - 10} 组" if len(pairs) > 10 else "")
        raise AggregateError(f"同一单位的报告有两份，汇总会重复计算：{shown}。请每个单位只保留一份（如修改后的那份）再汇总。")


def aggregate(paths, output, workers: int | None = None, agency: str | None = None,
              force: bool = False) -> Aggregate:
    """Sum the reports under ``paths`` into a filled template written to ``output`` (.xlsx)."""
    from .template import build_workbook, workbook_bytes

    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise AggregateError(f"输出文件“{output}”应以 .xlsx 结尾")
    if output.exists() and not force:
        raise AggregateError(f"文件“{output}”已存在；如需覆盖请加 --force")
    import os  # realpath, not resolve(): a symlink loop among the files must not raise
    from .listing import collect
    files, notes, _ = collect(paths)  # __MACOSX/._* left out; .ods/.et/... are listed as not summed
    files = [f for f in files if os.path.realpath(f) != os.path.realpath(output)]  # not last run's roll-up
    reports, units, failed = [], [], []
    for path, reason in notes:
        failed.append({"file": str(path), "agency": None, "year": None, "format": None, "errors": 1, "warnings": 0,
                       "status": UNREADABLE, "message": f"未计入汇总：{reason}"})
    for res in iter_results(files, workers=workers, want_report=True):
        s = res.summary
        if s["status"] == SKIPPED:
            continue
        if s["status"] == UNREADABLE:
            failed.append({**s, "message": res.findings[0]["message"] if res.findings else "",
                           "internal": has_internal_error(res)})  # exit code 3 of the command
            continue
        report = res.report()
        reports.append(report)
        units.append(s)
        if s["status"] != PASS:
            errors = [f["message"] for f in res.findings if f["severity"] == ERROR]
            failed.append({**s, "message": "；".join(errors[:3]) + ("……" if len(errors) > 3 else "")})
    if not reports:
        raise AggregateError("没有可以汇总的报告（文件都无法读取或没有找到工作簿）")
    _refuse_double_counting(units)
    groups = Counter(_group(r) for r in reports)
    if len(groups) > 1:
        lines = "；".join(f"{_describe(g)} {n} 份" for g, n in groups.most_common())
        raise AggregateError(f"报告的格式版本或年度不一致，不能汇总：{lines}。请按年度和格式分别汇总。")
    _refuse_duplicates(units)
    name = agency or f"汇总（{len(reports)}个单位）"
    total = sum_reports(reports, name)
    wb = build_workbook(report=total, agency=name, year=total.year)
    _trace_sheet(wb, total, reports, units)
    _errors_sheet(wb, failed)
    path = atomic_write(output, workbook_bytes(wb))
    return Aggregate(total, units, [r.values for r in reports], failed, path)


def _text(cell, value):
    from .exports import clean_text
    if isinstance(value, str):
        value = clean_text(value)  # a name that is not UTF-8, a control character pasted into a name
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # a unit name beginning with '=' stays text
    return cell


def _trace_sheet(wb, total: Report, reports: list[Report], units: list[dict]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(TRACE_SHEET)
    places = layout(total.format).places
    keys = [c.key for c in total.format.inputs if c.key in total.values]
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    _text(ws.cell(1, 1), "单元格").font = bold
    _text(ws.cell(2, 1), "汇总表中的位置").font = bold
    _text(ws.cell(3, 1), "合计").font = bold
    _text(ws.cell(1, 2), "文件").font = bold
    for j, key in enumerate(keys, start=3):
        cell = total.format.cells[key]
        _text(ws.cell(1, j), cell.label).alignment = wrap
        _text(ws.cell(2, j), places[key].address if key in places else "（模板中无此单元格）")
        v = total.values.get(key)
        ws.cell(3, j, plain(v) if is_number(v) else None)
    for i, (report, unit) in enumerate(zip(reports, units), start=4):
        _text(ws.cell(i, 1), unit["agency"] or "（未填单位）")
        _text(ws.cell(i, 2), unit["file"])
        for j, key in enumerate(keys, start=3):
            v = report.values.get(key)
            if is_number(v):
                ws.cell(i, j, plain(v))
            elif v is not None:
                _text(ws.cell(i, j), f"无效：{v}")
    ws.freeze_panes = "C4"
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 30
    ws.row_dimensions[1].height = 80
    ws.page_setup.orientation = "landscape"  # printed: the labels and the units on every page
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows, ws.print_title_cols = "1:3", "A:B"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"


def _errors_sheet(wb, failed: list[dict]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(ERRORS_SHEET)
    heads = ["填报单位", "文件", "状态", "错误", "说明"]
    for j, h in enumerate(heads, start=1):
        _text(ws.cell(1, j), h).font = Font(bold=True)
    for i, row in enumerate(failed, start=2):
        for j, v in enumerate([row.get("agency") or "—", row["file"], row["status"], row["errors"],
                               row.get("message", "")], start=1):
            _text(ws.cell(i, j), v)
    if not failed:
        _text(ws.cell(2, 1), "所有报告均未发现错误")
    for col, w in zip("ABCDE", (28, 36, 10, 6, 90)):
        ws.column_dimensions[col].width = w
