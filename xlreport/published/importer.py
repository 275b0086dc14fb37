"""Importing a published report into the locked workbook template: the parse's values in
their cells (uncertain ones left blank and listed), published totals that differ typed over the
formulas, and the 导入说明 sheet.  The ``xlreport import`` command is only its CLI."""
from __future__ import annotations

IMPORT_SHEET = "导入说明"
MAX_CELL_TEXT = 32000  # Excel holds at most 32767 characters in a cell


def importable(report):
    """A copy of the report with every uncertain cell blank, and for each uncertain cell its
    label (``表三「…」自然人``), the reading the parser showed for it and its address in the
    workbook (``表三!D5``; "" when the template has no such cell)."""
    from copy import copy

    from ..layout import layout
    from ..values import show

    out = copy(report)
    out.values = dict(report.values)
    out.texts = {k: (v[:MAX_CELL_TEXT] if isinstance(v, str) else v) for k, v in report.texts.items()}
    places = layout(report.format).places  # the tables in the layouts they were published in
    listed = []
    for key in sorted(report.uncertain, key=lambda k: list(report.format.cells).index(k)):
        cell = report.format.cells[key]
        note = "" if cell.is_input else "（合计单元格，由公式计算）"
        place = places.get(key)
        listed.append((cell.label, show(report.values.get(key)) + note,
                       f"{place.sheet}!{place.a1}" if place is not None else ""))
        out.values[key] = None
    return out, listed


def build(audit):
    """The workbook for an audited report, with the 导入说明 sheet."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.protection import SheetProtection

    from ..rules import SEVERITY_LABELS
    from ..template import DEFAULT_PASSWORD, build_workbook, fit_row_heights

    report, listed = importable(audit.report)
    # the template of the report's own format: a table published in the other version's layout
    # (a 2021 表二 beside a 2019 表三) keeps that layout, so every number has a visible cell
    wb = build_workbook(report.format, report=report)
    typed = type_over_totals(wb, report)
    ws = wb.create_sheet(IMPORT_SHEET)
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 40
    ws.page_setup.orientation = "landscape"  # the three columns on one page width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    from ..exports import clean_text
    rows = [("来源文件", clean_text(str(audit.file)), ""),  # a name that is not UTF-8 (a Windows zip on Linux)
            ("单位", report.agency or "（未识别）", ""),
            ("报告年度", report.year or "（未识别）", ""),
            ("格式版本", report.version, "；".join(f"表{t}为{v}版" for t, v in report.layouts.items())),
            ("", "", ""),
            (f"无法确定、已留空的单元格（{len(listed)}个，请对照原文填写）", "原文的一种可能读法", "在本工作簿中的位置")]
    rows[5:5] = [(f"合计与原文不同、按原文填入的单元格（{len(typed)}个）", "原文", "公式计算值")] + \
        [(path, v, d) for path, v, d in typed] + [("", "", "")] if typed else []
    rows += listed or [("（无）", "", "")]
    links = {r: row[2] for r, row in enumerate(rows, 1) if row in listed and row[2]}
    rows += [("", "", ""), ("读取报告时的问题", "规则", "说明")]
    for f in audit.findings:
        if f.rule.startswith(("parse.", "text.", "doc.", "layout.", "table.")):
            rows.append((SEVERITY_LABELS.get(f.severity, f.severity), f.rule, f.message))
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            cell = ws.cell(r, c, v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # a file name or message beginning with "=" is text, never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if c == 1 and v and r in (1, 2, 3, 4, 6) or (row[0] == "读取报告时的问题" and c == 1):
                cell.font = Font(bold=True)
            if c == 3 and r in links:  # a link to the blank cell, to fill it in
                sheet, a1 = links[r].split("!", 1)
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!{a1}")
                cell.font = Font(color="0563C1", underline="single")
    for r in range(1, 5):  # source, agency, year, format: one line each, across B:C
        if rows[r - 1][2]:
            continue  # the format row names a table in the other format's layout
        ws.cell(r, 2).alignment = Alignment(horizontal="left", vertical="top")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
    fit_row_heights(ws)
    ws.protection = SheetProtection(sheet=True, password=DEFAULT_PASSWORD)
    return wb, listed, typed


def type_over_totals(wb, report) -> list[tuple[str, str, str]]:
    """Published totals that differ from what the template's formulas derive are typed over the
    formulas, so the workbook shows the report as published and its 校验 sheet shows the error
    (as ``scripts/make_examples.py`` does).  Returns (path, published, derived) for each."""
    from ..engine import derive_totals
    from ..layout import layout
    from ..template import placeable
    from ..values import show

    template_format = report.format  # the template build writes
    places = layout(template_format).places
    placed, _ = placeable(report, template_format)
    out = []
    for key, derived in derive_totals(report).items():
        stored = report.values.get(key)
        if stored is None or stored == derived or key not in places or key in report.uncertain:
            continue
        if key not in placed:
            continue
        place = places[key]
        wb[place.sheet].cell(place.row, place.col).value = int(stored) if stored == stored.to_integral_value() \
            else float(stored)
        out.append((report.format.cells[key].label, show(stored), show(derived)))
    return out
