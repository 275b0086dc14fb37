"""Writing check results: ``.xlsx`` (status + findings with links to the cells), ``.csv``, ``.json``.

Results are streamed: ``ResultWriter.add`` writes each file's rows as they come (openpyxl's
write-only mode for ``.xlsx``, which keeps rows in a temporary file), so memory stays flat however
many workbooks are checked.  Every output is written whole or not at all (a temporary file in the
same folder, then ``os.replace``; ``xlreport.output``).

Anything the inputs can hold is written: text copied from the workbooks (agency names, labels,
typed values) can never turn into a formula (in ``.xlsx`` it is stored as text, in ``.csv`` a
leading ``= + - @`` (or tab / carriage return) gets a ``'`` in front, as spreadsheet programs
expect); file names that are not UTF-8 are shown with U+FFFD; control characters, which .xlsx
cannot hold, are written as ``\\x1b`` (vertical tab and form feed, Word's soft line breaks, as a
space); numbers a spreadsheet cannot hold exactly (more than 15 digits) are kept as text.

Links to the cells are relative to the result's folder: they keep working when the result is
moved together with the checked folder.  ``absolute_links=True`` (``--absolute-links``) writes
absolute ``file://`` links instead, which keep working when only the result is moved.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from pathlib import Path

from .labels import wrapped_lines
from .frames import FINDING_COLUMNS, SUMMARY_COLUMNS
from .output import OutputError, atomic_file, write_atomic
from .rules import PASSED

__all__ = ["ExportError", "atomic_write", "neutralise", "write_results", "ResultWriter", "FORMATS", "json_text",
           "clean_text", "display_path", "link_target"]

FORMATS = (".xlsx", ".csv", ".json")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

SUMMARY_HEADERS = {"file": "文件", "agency": "填报单位", "year": "报告年度", "format": "格式版本",
                   "errors": "错误", "warnings": "提示", "status": "状态", "previous": "所用上年报告"}
FINDING_HEADERS = {"file": "文件", "agency": "填报单位", "year": "报告年度", "format": "格式版本",
                   "rule": "规则编号", "severity": "严重程度代码", "severity_label": "严重程度", "table": "表",
                   "where": "位置", "cells": "单元格编号", "labels": "单元格", "addresses": "单元格地址",
                   "expected": "应为", "actual": "实际", "difference": "差额", "message": "说明"}
LINK_NOTE = ("单元格链接是相对于本结果文件所在文件夹的相对链接：把结果文件和被检查的文件夹一起移动或复制，链接仍然有效；"
             "只移动结果文件时链接会失效，此时请加 --absolute-links 重新生成（绝对链接，文件夹不动时有效）。")
ABSOLUTE_NOTE = "单元格链接是绝对链接（--absolute-links）：被检查的文件不移动时，无论结果文件放在哪里都有效。"

_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0
MAX_EXACT = 10 ** 15  # Excel keeps 15 significant digits


class ExportError(Exception):
    """An output cannot be written; the message is Chinese."""


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


_NAME_BYTES = re.compile("[\udc80-\udcff]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def display_path(text) -> str:
    """A file name that was not valid UTF-8 (bytes kept as surrogates by Python) with U+FFFD in
    their place: what every output and the screen show."""
    text = str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # runs of a file name's bytes (kept as U+DC80..U+DCFF) decoded together, so that the valid
        # UTF-8 in them stays; what is not UTF-8, and any other lone surrogate, as U+FFFD
        text = _NAME_BYTES.sub(lambda m: m.group(0).encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                               text)
        return _SURROGATE.sub("\ufffd", text)


def _escape_control(m) -> str:
    ch = m.group(0)
    if ch in "\x0b\x0c":
        return " "
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def clean_text(text: str) -> str:
    """Text an .xlsx can hold: valid UTF-8, control characters escaped."""
    return _XLSX_ILLEGAL.sub(_escape_control, display_path(text))


def _cell_value(v):
    """A value for an .xlsx cell: text cleaned, numbers beyond Excel's precision as text."""
    if isinstance(v, str):
        return clean_text(v)
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int) and abs(v) >= MAX_EXACT:
        return _int_text(v)
    if isinstance(v, float) and (not math.isfinite(v) or abs(v) >= MAX_EXACT):
        return repr(v)
    return v


def _int_text(v: int) -> str:
    try:
        return str(v)
    except ValueError:  # more digits than Python converts by default
        from decimal import Decimal
        return format(Decimal(v), "f")


def _json_safe(obj):
    """``obj`` with every string valid UTF-8 and every integer printable (huge ones as text)."""
    if isinstance(obj, str):
        return display_path(obj)
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        return obj if abs(obj) < 10 ** 4000 else _int_text(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    if isinstance(obj, dict):
        return {display_path(k) if isinstance(k, str) else k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def json_dumps(obj, **kw) -> str:
    try:
        text = json.dumps(obj, ensure_ascii=False, **kw)
        text.encode("utf-8")
        return text
    except (ValueError, UnicodeEncodeError):
        return json.dumps(_json_safe(obj), ensure_ascii=False, **kw)


def atomic_write(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all."""
    try:
        return write_atomic(path, data)
    except OutputError as e:
        raise ExportError(str(e)) from None


def json_text(interchanges) -> str:
    return json_dumps(list(interchanges), indent=1)


# -- links -----------------------------------------------------------------------------------------

_URI_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~/!$&'()*+,;=:@\u0080-\ud7ff\ue000-\U0010ffff]")


def _quote_char(m) -> str:
    return "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8", "surrogateescape"))


def _uri_path(text: str) -> str:
    """A path as the path of a URI: reserved and unsafe characters (``#``, ``%``, ``?``, space,
    control characters, bytes of a name that was not UTF-8) percent-encoded, other characters
    (Chinese) kept, as Excel writes them."""
    return _URI_UNSAFE.sub(_quote_char, text)


def _sheet_ref(address: str) -> str:
    """``表四!E5`` -> ``'表四'!E5`` (a quote in the sheet name doubled)."""
    sheet, a1 = address.rsplit("!", 1)
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
        sheet = sheet[1:-1].replace("''", "'")
    return "'" + sheet.replace("'", "''") + "'!" + a1


_REL_DIRS: dict = {}


def _relative_dir(folder: str, out_dir: str) -> str:
    key = (folder, out_dir)
    rel = _REL_DIRS.get(key)
    if rel is None:
        try:
            rel = os.path.relpath(folder, out_dir).replace(os.sep, "/")
        except ValueError:  # another drive on Windows
            rel = Path(folder).as_posix()
        if len(_REL_DIRS) > 10_000:
            _REL_DIRS.clear()
        _REL_DIRS[key] = rel
    return rel


def link_target(out_dir: Path, file: str, address: str | None = None, absolute: bool = False) -> str:
    """The hyperlink target that opens ``file`` at ``address`` (``表四!E5``): relative to the
    result's folder, or an absolute ``file://`` URI."""
    target = os.path.abspath(file)
    if absolute:
        posix = Path(target).as_posix()
        uri = "file://" + ("/" if not posix.startswith("/") else "") + _uri_path(posix)
    else:
        folder, name = os.path.split(target)
        rel = _relative_dir(folder, os.path.abspath(out_dir))
        uri = _uri_path(name if rel == "." else f"{rel}/{name}")
    if address and "!" in address:
        return f"{uri}#{_sheet_ref(address)}"
    return uri


# -- the writers -----------------------------------------------------------------------------------

class _CsvSink:
    def __init__(self, fh):
        self.fh = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
        self.fh.write("\ufeff")  # BOM: Excel opens UTF-8 CSV correctly
        self.w = csv.writer(self.fh)
        self.w.writerow([FINDING_HEADERS[c] for c in FINDING_COLUMNS])

    def add(self, result):
        for row in result.findings:
            self.w.writerow([_csv_value(row.get(c)) for c in FINDING_COLUMNS])

    def close(self):
        self.fh.flush()
        self.fh.detach()


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return neutralise(display_path(v))
    if isinstance(v, int) and not isinstance(v, bool):
        return _int_text(v)
    return v


class _JsonSink:
    def __init__(self, fh):
        self.fh, self.first = fh, True
        fh.write(b"[")

    def add(self, result):
        text = json_dumps(result.interchange, indent=1)
        self.fh.write((("\n" if self.first else ",\n") + text).encode("utf-8"))
        self.first = False

    def close(self):
        self.fh.write(b"\n]\n" if not self.first else b"]\n")


SUMMARY_WIDTHS = (40, 28, 9, 9, 7, 7, 10, 40)
FINDING_SHEET_COLUMNS = ["file", "agency", "year", "severity_label", "rule", "addresses", "message", "expected",
                         "actual", "difference", "labels"]
FINDING_WIDTHS = (34, 24, 8, 8, 24, 16, 70, 8, 8, 8, 40)
WRAPPED = ("message", "labels", "addresses", "file")


def _cells_to_row(cells, row_idx):
    """openpyxl's write-only row builder, for rows made only of prepared cells: its own tries each
    value as a plain value first and formats an exception message (the cell's repr) for every
    styled cell, which was most of the time spent writing a large result."""
    for col_idx, cell in enumerate(cells, 1):
        if cell is None:
            continue
        cell.column = col_idx
        cell.row = row_idx
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        yield cell


class _XlsxSink:
    def __init__(self, fh, out_dir: Path, absolute: bool, previous: bool = False):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self.fh, self.out_dir, self.absolute = fh, out_dir, absolute
        self._styles: dict = {}
        self.columns = [c for c in SUMMARY_COLUMNS if c != "previous" or previous]  # 所用上年报告 with --previous
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet("检查结果")
        self.wf = self.wb.create_sheet("问题清单")
        for sheet in (self.ws, self.wf):
            if hasattr(sheet, "_values_to_row"):
                sheet._values_to_row = _cells_to_row
        self.bold = Font(bold=True)
        self.link_font = Font(color="0563C1", underline="single")
        self.bad, self.good = PatternFill("solid", fgColor="FFC7CE"), PatternFill("solid", fgColor="C6EFCE")
        self.centre = Alignment(horizontal="center")
        self.wrap, self.top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
        self.link_wrap = self.wrap
        self.summary_rows = self.finding_rows = 1
        for sheet, widths in ((self.ws, SUMMARY_WIDTHS), (self.wf, FINDING_WIDTHS)):
            for j, w in enumerate(widths):
                sheet.column_dimensions[chr(65 + j)].width = w
            sheet.freeze_panes = "A2"
            sheet.page_setup.orientation = "landscape"  # printed: A4 landscape, one page wide, headings repeated
            sheet.page_setup.paperSize = "9"  # A4
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
            sheet.print_title_rows = "1:1"
            sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
        self.ws.append([self._cell(self.ws, SUMMARY_HEADERS[c], font=self.bold) for c in self.columns])
        self.wf.append([self._cell(self.wf, FINDING_HEADERS[c], font=self.bold) for c in FINDING_SHEET_COLUMNS])

    def _cell(self, sheet, value, font=None, fill=None, alignment=None, link=None):
        from copy import copy

        from openpyxl.cell import Cell
        if link is not None:
            font = self.link_font
        key = (id(font), id(fill), id(alignment))
        style = self._styles.get(key)
        if style is None:  # openpyxl hashes a style on every assignment: once per combination here
            probe = Cell(sheet, row=1, column=1)
            if font is not None:
                probe.font = font
            if fill is not None:
                probe.fill = fill
            if alignment is not None:
                probe.alignment = alignment
            style = self._styles[key] = probe._style
        cell = Cell(sheet, row=1, column=1, value=_cell_value(value), style_array=copy(style))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text stays text, never a formula
        if link is not None:
            cell.hyperlink = link
        return cell

    def add(self, result):
        s = result.summary
        prev = s.get("previous")
        row = []
        for c in self.columns:
            v = s.get(c)
            if c == "file":
                row.append(self._cell(self.ws, display_path(v), link=link_target(self.out_dir, v, None, self.absolute)))
            elif c == "previous" and v:
                row.append(self._cell(self.ws, display_path(v), link=link_target(self.out_dir, v, None, self.absolute)))
            elif c == "status":
                row.append(self._cell(self.ws, v, fill=self.good if v == PASSED else self.bad, alignment=self.centre))
            elif c in ("year", "format", "errors", "warnings"):  # short columns: centred, apart
                row.append(self._cell(self.ws, v, alignment=self.centre))
            else:
                row.append(self._cell(self.ws, v))
        self.ws.append(row)
        self.summary_rows += 1
        for f in result.findings:
            first = (f.get("addresses") or "").split(";")[0] or None
            target_file, address = f["file"], first
            if first and first.startswith("[") and "]" in first and prev:  # a cell of last year's workbook
                target_file, address = prev, first.split("]", 1)[1]
            link_col = "addresses" if first else "file"
            cells, lines = [], 1
            for j, c in enumerate(FINDING_SHEET_COLUMNS):
                v = display_path(f.get(c)) if c == "file" else f.get(c)
                link = link_target(self.out_dir, target_file, address, self.absolute) if c == link_col else None
                cell = self._cell(self.wf, v, link=link, alignment=self.wrap if c in WRAPPED else self.top)
                if c in WRAPPED and isinstance(cell.value, str):
                    per_line = max(1.0, FINDING_WIDTHS[j] * 1.1 - 1)
                    lines = max(lines, wrapped_lines(cell.value, per_line))
                cells.append(cell)
            self.finding_rows += 1
            if lines > 1:  # neither Excel nor LibreOffice grows the rows of a saved file
                self.wf.row_dimensions[self.finding_rows].height = round(lines * 15.0, 1)
            self.wf.append(cells)
            if lines > 1:
                del self.wf.row_dimensions[self.finding_rows]

    def close(self):
        last = chr(64 + len(FINDING_SHEET_COLUMNS))
        self.wf.auto_filter.ref = f"A1:{last}{max(1, self.finding_rows)}"
        note = self.wb.create_sheet("说明")
        note.column_dimensions["A"].width = 100
        note.append([self._cell(note, ABSOLUTE_NOTE if self.absolute else LINK_NOTE, alignment=self.wrap)])
        note.append([self._cell(note, f"检查结果：{self.summary_rows - 1} 个文件；问题清单：{self.finding_rows - 1} 条。")])
        self.wb.save(self.fh)


class ResultWriter:
    """``with ResultWriter("结果.xlsx") as w: for r in results: w.add(r)``: the output appears
    whole when the block ends without an exception, else not at all.  The format follows the
    suffix (.xlsx, .csv, .json).  ``previous``: the .xlsx status sheet gets the column 所用上年报告
    (last year's workbook each report was compared with)."""

    def __init__(self, path, absolute_links: bool = False, previous: bool = False):
        self.path = Path(path)
        self.previous = previous
        suffix = self.path.suffix.lower()
        if suffix not in FORMATS:
            raise ExportError(f"输出文件“{self.path}”应以 {'、'.join(FORMATS)} 之一结尾")
        self.suffix, self.absolute = suffix, absolute_links
        self._ctx = self._fh = self._sink = None

    def __enter__(self):
        self._ctx = atomic_file(self.path)
        try:
            self._fh = self._ctx.__enter__()
        except OutputError as e:
            raise ExportError(str(e)) from None
        out_dir = self.path.parent if str(self.path.parent) else Path(".")
        try:
            if self.suffix == ".json":
                self._sink = _JsonSink(self._fh)
            elif self.suffix == ".csv":
                self._sink = _CsvSink(self._fh)
            else:
                self._sink = _XlsxSink(self._fh, out_dir, self.absolute, self.previous)
        except BaseException as e:
            self._ctx.__exit__(type(e), e, e.__traceback__)
            raise
        return self

    def add(self, result) -> None:
        self._sink.add(result)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self._sink.close()
            except BaseException as e:
                exc_type, exc, tb = type(e), e, e.__traceback__
        try:
            self._ctx.__exit__(exc_type, exc, tb)
        except OutputError as e:
            raise ExportError(str(e)) from None
        if exc is not None:
            raise exc
        return False


def write_results(path, results, absolute_links: bool = False) -> Path:
    """Write ``results`` (``xlreport.batch.Result`` objects, with ``interchange`` for .json)
    to ``path``, streamed; the format follows the suffix (.xlsx, .csv, .json)."""
    with ResultWriter(path, absolute_links) as w:
        for r in results:
            w.add(r)
    return Path(path)
