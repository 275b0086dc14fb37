"""``xlreport import``: turn a published report back into the locked workbook template."""
from __future__ import annotations

import sys

IMPORT_SHEET = "导入说明"
MAX_CELL_TEXT = 32000  # Excel holds at most 32767 characters in a cell


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import", help="把已发布的年度报告（网页文字、HTML、Word、PDF）转成 Excel 填报模板",
        description="读取一份已发布的年度报告，按其格式版本填入带保护的 Excel 模板（表格数字与正文各部分）。"
                    "原文无法确定的单元格留空，并在屏幕和工作簿的“导入说明”表中列出。")
    p.add_argument("report", metavar="报告", help="报告文件（.txt、.html、.docx、.pdf）")
    p.add_argument("-o", "--output", required=True, metavar="文件.xlsx", help="输出的工作簿")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(handler=run)


def importable(report):
    """A copy of the report with every uncertain cell blank, and for each uncertain cell its
    label (``表三「…」自然人``), the reading the parser showed for it and its address in the
    workbook (``表三!D5``; "" when the template has no such cell)."""
    from copy import copy

    from ..formats import get_format
    from ..layout import layout
    from ..values import show

    out = copy(report)
    out.values = dict(report.values)
    out.texts = {k: (v[:MAX_CELL_TEXT] if isinstance(v, str) else v) for k, v in report.texts.items()}
    places = layout(get_format(report.version)).places
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
    wb = build_workbook(report=report)
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
    rows = [("来源文件", audit.file, ""),
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
    from ..formats import get_format
    from ..layout import layout
    from ..template import placeable
    from ..values import show

    template_format = get_format(report.version)  # the template build_workbook writes
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


def run(args) -> int:
    from ..published import audit_file
    from ..output import OutputError, check_target, write_atomic
    from ..template import workbook_bytes

    from pathlib import Path

    if not Path(args.report).exists():
        print(f"错误：找不到文件“{args.report}”", file=sys.stderr)
        return 2
    try:
        check_target(args.output, args.force, ".xlsx")
    except OutputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    audit = audit_file(args.report)
    if audit.report is None:
        for f in audit.findings:
            print(f"错误：{args.report}：{f.message}", file=sys.stderr)
        return 1
    wb, listed, typed = build(audit)
    try:
        write_atomic(args.output, workbook_bytes(wb))
    except OutputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    r = audit.report
    print(f"已导入：{args.report} → {args.output}（{r.agency or '单位未识别'}，"
          f"{r.year or '年度未识别'}年度，{r.version}版格式）")
    if r.missing_tables:
        print(f"缺少的表格：{'、'.join('表' + t for t in r.missing_tables)}")
    for path, published, derived in typed:
        print(f"注意：{path} 原文为{published}，与各项之和{derived}不符，已按原文填入（“校验”表会显示此错误）")
    if listed:
        print(f"以下{len(listed)}个单元格原文无法确定，已留空（见工作簿“{IMPORT_SHEET}”表）：")
        for label, reading, address in listed:
            where = f"{address}，" if address else ""
            print(f"  {label}（{where}一种可能的读法：{reading}）")
    return 0
