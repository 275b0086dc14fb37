"""Writing check results: ``.xlsx`` (status + findings with links to the cells), ``.csv``, ``.json``.

Every output is written whole or not at all (a temporary file in the same folder, then
``os.replace``).  Text copied from the workbooks (agency names, labels, typed values) can never
turn into a formula: in ``.xlsx`` it is stored as text, in ``.csv`` a leading ``= + - @`` (or tab
/ carriage return) gets a ``'`` in front, as spreadsheet programs expect.
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from .frames import FINDING_COLUMNS, SUMMARY_COLUMNS
from .output import OutputError, write_atomic

__all__ = ["ExportError", "atomic_write", "neutralise", "write_results", "FORMATS", "json_text"]

FORMATS = (".xlsx", ".csv", ".json")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

SUMMARY_HEADERS = {"file": "文件", "agency": "填报单位", "year": "报告年度", "format": "格式版本",
                   "errors": "错误", "warnings": "提示", "status": "状态"}
FINDING_HEADERS = {"file": "文件", "agency": "填报单位", "year": "报告年度", "format": "格式版本",
                   "rule": "规则编号", "severity": "严重程度代码", "severity_label": "严重程度", "table": "表",
                   "where": "位置", "cells": "单元格编号", "labels": "单元格", "addresses": "单元格地址",
                   "expected": "应为", "actual": "实际", "difference": "差额", "message": "说明"}


class ExportError(Exception):
    """An output cannot be written; the message is Chinese."""


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def atomic_write(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all."""
    try:
        return write_atomic(path, data)
    except OutputError as e:
        raise ExportError(str(e)) from None


def json_text(interchanges) -> str:
    return json.dumps(list(interchanges), ensure_ascii=False, indent=1)


def _csv_bytes(rows) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([FINDING_HEADERS[c] for c in FINDING_COLUMNS])
    for row in rows:
        w.writerow([neutralise("" if row.get(c) is None else row.get(c)) for c in FINDING_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def _link(out_dir: Path, file: str, address: str | None) -> str:
    """A link target that opens ``file`` (relative to the output's folder) at ``address``."""
    target = Path(file).resolve()
    try:
        rel = os.path.relpath(target, out_dir.resolve())
    except ValueError:  # another drive on Windows
        rel = str(target)
    rel = rel.replace(os.sep, "/")
    if address and "!" in address:
        sheet, a1 = address.split("!", 1)
        return f"{rel}#'{sheet}'!{a1}"
    return rel


def _xlsx_bytes(summaries, findings, out_dir: Path) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from .template import fit_row_heights

    wb = Workbook()
    ws = wb.active
    ws.title = "检查结果"
    bold = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")
    bad = PatternFill("solid", fgColor="FFC7CE")
    good = PatternFill("solid", fgColor="C6EFCE")
    centre = Alignment(horizontal="center")

    def put(sheet, r, c, v):
        cell = sheet.cell(r, c)
        if isinstance(v, str):
            cell.value = v
            cell.data_type = "s"  # text stays text, never a formula
        else:
            cell.value = v
        return cell

    for j, c in enumerate(SUMMARY_COLUMNS, start=1):
        put(ws, 1, j, SUMMARY_HEADERS[c]).font = bold
    for i, row in enumerate(summaries, start=2):
        for j, c in enumerate(SUMMARY_COLUMNS, start=1):
            cell = put(ws, i, j, row.get(c))
            if c in ("year", "format", "errors", "warnings", "status"):  # short columns: centred, apart
                cell.alignment = centre
            if c == "status":
                cell.fill = good if row.get("status") == "通过" else bad
        cell = ws.cell(i, 1)
        cell.hyperlink = _link(out_dir, row["file"], None)
        cell.font = link_font
    ws.freeze_panes = "A2"
    for col, w in zip("ABCDEFG", (40, 28, 9, 9, 7, 7, 10)):
        ws.column_dimensions[col].width = w

    wf = wb.create_sheet("问题清单")
    cols = ["file", "agency", "year", "severity_label", "rule", "addresses", "message", "expected", "actual",
            "difference", "labels"]
    for j, c in enumerate(cols, start=1):
        put(wf, 1, j, FINDING_HEADERS[c]).font = bold
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    for i, row in enumerate(findings, start=2):
        for j, c in enumerate(cols, start=1):
            cell = put(wf, i, j, row.get(c))
            # long text stays in its column; every cell of a tall row starts at its top line
            cell.alignment = wrap if c in ("message", "labels", "addresses", "file") else top
        first = (row.get("addresses") or "").split(";")[0] or None
        cell = wf.cell(i, 6 if first else 1)
        cell.hyperlink = _link(out_dir, row["file"], first)
        cell.font = link_font
    wf.freeze_panes = "A2"
    wf.auto_filter.ref = f"A1:{chr(64 + len(cols))}{max(1, len(findings) + 1)}"
    for col, w in zip("ABCDEFGHIJK", (34, 24, 8, 8, 24, 16, 70, 8, 8, 8, 40)):
        wf.column_dimensions[col].width = w
    fit_row_heights(wf, first_row=2)
    for sheet in (ws, wf):  # printed: A4 landscape, one page wide, the heading row on every page
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
        sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_results(path, results) -> Path:
    """Write ``results`` (``xlreport.batch.Result`` objects, with ``interchange`` for .json)
    to ``path``; the format follows the suffix (.xlsx, .csv, .json)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"输出文件“{path}”应以 {'、'.join(FORMATS)} 之一结尾")
    if suffix == ".json":
        data = json_text(r.interchange for r in results).encode("utf-8")
    elif suffix == ".csv":
        data = _csv_bytes(row for r in results for row in r.findings)
    else:
        summaries, findings = [], []
        for r in results:
            summaries.append(r.summary)
            findings += r.findings
        data = _xlsx_bytes(summaries, findings, path.parent if str(path.parent) else Path("."))
    return atomic_write(path, data)
