"""The tables in long form for open-data portals: one row per cell (agency, year, format,
table, row label, column label, value, status); a blank cell has an empty value, never 0.  The
status is 草稿 for every row of a draft (``--draft``), so its figures cannot be taken for final
ones, and 正式 otherwise; in JSON each object also has ``"draft": true/false``."""
from __future__ import annotations

import csv
import io
import json

from ..model import Report
from ..values import plain

FIELDS = ("agency", "year", "format", "table", "row", "column", "value", "status")
CSV_HEADER = ("填报单位", "报告年度", "格式版本", "表格", "行", "列", "数值", "状态")
DRAFT, FINAL = "草稿", "正式"
KINDS = (".csv", ".json")


def rows(report: Report, draft: bool = False) -> list[dict]:
    out = []
    for t in report.format.tables:
        if t.id in report.missing_tables:
            continue
        for c in t.cells:
            out.append({"agency": report.agency, "year": report.year, "format": report.version,
                        "table": t.id, "row": c.row.label, "column": c.column.label,
                        "value": plain(report.values.get(c.key)), "status": DRAFT if draft else FINAL,
                        "draft": draft})
    return out


def render(report: Report, suffix: str, draft: bool = False) -> bytes:
    items = rows(report, draft)
    if suffix == ".json":
        return (json.dumps(items, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for r in items:
        w.writerow(["" if r[f] is None else r[f] for f in FIELDS])
    return buf.getvalue().encode("utf-8-sig")  # the BOM lets Excel open it as UTF-8
