"""Findings as pandas tables, with fixed, documented columns.

FINDING_COLUMNS (one row per finding):
  file, agency, year, format   which report
  rule                          stable rule id, e.g. 三.balance
  severity                      error / warning
  severity_label                错误 / 提示
  table                         二 / 三 / 四 (empty for report-wide findings)
  where                         the official label of the row, column or group concerned
  cells                         stable cell keys, joined by ';'
  labels                        official labels of those cells, joined by '；'
  addresses                     their sheet addresses (表三!D5), joined by ';', when known; a cell of
                                last year's workbook (cross-year rules) as [文件名]表三!D5
  expected, actual, difference  the numbers compared (actual − expected), when the rule compares
  message                       the Chinese message

SUMMARY_COLUMNS (one row per report): file, agency, year, format, errors, warnings, status, previous
(last year's workbook used for the cross-year rules, with ``--previous``).
"""
from __future__ import annotations

from .rules import SEVERITY_LABELS
from .values import plain

FINDING_COLUMNS = ["file", "agency", "year", "format", "rule", "severity", "severity_label", "table", "where",
                   "cells", "labels", "addresses", "expected", "actual", "difference", "message"]
SUMMARY_COLUMNS = ["file", "agency", "year", "format", "errors", "warnings", "status", "previous"]

PREVIOUS_PREFIX = "上年"  # the label of a cell of last year's report (xlreport.engine)


def _address(ref, previous) -> str:
    """A cell's address; one of last year's workbook says which workbook: [文件名]表三!D5."""
    if previous and ref.label.startswith(PREVIOUS_PREFIX):
        from pathlib import PurePath
        return f"[{PurePath(previous).name}]{ref.address}"
    return ref.address


def finding_rows(report, findings, file=None, previous=None) -> list[dict]:
    """One row per finding; ``previous``: the path of last year's workbook the cross-year rules read."""
    base = {"file": file if file is not None else report.source, "agency": report.agency,
            "year": report.year, "format": report.version}
    return [{**base, "rule": f.rule, "severity": f.severity, "severity_label": SEVERITY_LABELS[f.severity],
             "table": f.table or "", "where": f.where or "",
             "cells": ";".join(c.key for c in f.cells), "labels": "；".join(c.label for c in f.cells),
             "addresses": ";".join(_address(c, previous) for c in f.cells if c.address),
             "expected": plain(f.expected), "actual": plain(f.actual), "difference": plain(f.difference),
             "message": f.message} for f in findings]


def summary_row(report, findings, file=None) -> dict:
    from .engine import summary
    return {"file": file if file is not None else report.source, "agency": report.agency,
            "year": report.year, "format": report.version, **summary(findings)}


def findings_frame(results):
    """``results``: iterable of (report, findings) pairs -> DataFrame with FINDING_COLUMNS."""
    import pandas as pd
    rows = [row for report, findings in results for row in finding_rows(report, findings)]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def summary_frame(results):
    """``results``: iterable of (report, findings) pairs -> DataFrame with SUMMARY_COLUMNS."""
    import pandas as pd
    return pd.DataFrame([summary_row(r, f) for r, f in results], columns=SUMMARY_COLUMNS)
