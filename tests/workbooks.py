"""Filled template workbooks of the real reports, and ways to damage them, for the batch tests."""
from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from conftest import load_transcription, year_of
from xlreport import Report, derive_totals
from xlreport.layout import layout
from xlreport.template import build_workbook, workbook_bytes


def real_report(path: Path, agency: str | None = None) -> Report:
    data = load_transcription(path)
    report, _ = Report.from_interchange({**data, "year": year_of(path), "agency": agency or path.stem})
    return report


def filled_bytes(report: Report, typed_totals: bool = True) -> bytes:
    """The template filled with the report, as scripts/make_examples.py does it: a published total
    that differs from its derived value is typed over the formula."""
    wb = build_workbook(report=report)
    if typed_totals:
        places = layout(report.format).places
        for key, derived in derive_totals(report).items():
            stored = report.values.get(key)
            if stored is not None and stored != derived and key in places:
                p = places[key]
                wb[p.sheet].cell(p.row, p.col).value = int(stored)
    return workbook_bytes(wb)


def edit(data: bytes, change) -> bytes:
    """Load a workbook with openpyxl (formulas kept), apply ``change(wb)``, save."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
