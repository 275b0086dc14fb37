"""Test helper: the JSON that Excel sends to xlwings for a workbook, built from a real file.

The shape follows xlwings' own VBA client (``Remote.bas``): client and version, the book's
name and active sheet, every named range (sheet index and address), and every worksheet
(hidden ones too) with its values from A1 to the end of its used range.  The file must carry
cached formula values (recalculate it in LibreOffice first, see ``xlreport.libreoffice``)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import openpyxl

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # PolyForm Noncommercial: allowed here


def _plain(v):
    """A date as xlwings' clients send it (ISO 8601 in UTC with milliseconds and "Z"; the remote
    engine turns that back into a datetime)."""
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="milliseconds") + "Z"
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day).isoformat(timespec="milliseconds") + "Z"
    return v


def book_json(path: Path, name: str | None = None, active: str | None = None) -> dict:
    import xlwings

    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[_plain(c) for c in row] for row in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row,
                                                                   max_col=ws.max_column, values_only=True)]
        sheets.append({"name": ws.title, "values": rows or [[]], "pictures": [], "tables": []})
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = []
    for dn_name, dn in wb.defined_names.items():
        m = re.fullmatch(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", dn.attr_text or "")
        if not m or m.group(1) not in index:
            continue
        first = f"{m.group(2)}{m.group(3)}"
        last = f"{m.group(4)}{m.group(5)}" if m.group(4) else first
        names.append({"name": dn_name, "sheet_index": index[m.group(1)],
                      "address": first if first == last else f"{first}:{last}",
                      "book_scope": True, "scope_sheet_name": None, "scope_sheet_index": None})
    active_index = index[active] if active else wb.index(wb.active) if wb.active is not None else 0
    payload = {"client": "VBA", "version": xlwings.__version__,
               "book": {"name": name or path.name, "active_sheet_index": active_index, "selection": "A1"},
               "names": names, "sheets": sheets}
    return json.loads(json.dumps(payload))  # exactly what travels over the wire


def remote_book(payload: dict):
    import xlwings
    return xlwings.Book(json=payload)
