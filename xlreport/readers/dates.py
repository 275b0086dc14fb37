"""Which cells of an .xlsx show a date: a number cell whose style has a date number format.

Excel turns "3-1" typed into a count cell into the date 3月1日 and stores the serial number
45717 with a date format; a reader that looks only at ``<v>`` reads the count 45717.  The
format is found through the cell's style index (``<c s="7">``) → ``xl/styles.xml``
``<cellXfs>`` (the 8th ``<xf numFmtId=…>``) → a built-in date format id or a custom
``<numFmt formatCode=…>`` that shows a day, month or year.

Pure functions on strings (the caller reads ``xl/styles.xml`` from the zip), for the template
reader's fast path::

    date_xfs = date_styles(zf.read("xl/styles.xml").decode())   # once per workbook
    if style_index(attrs) in date_xfs:                           # per number cell of an input
        value = normalize(serial_date(number))  # Invalid("2025年3月1日（日期，不是数字）"), as calamine's
                                                # dates read in a hand-made workbook
"""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

__all__ = ["BUILTIN_DATE_FORMATS", "is_date_format", "date_styles", "style_index", "serial_date"]

# Built-in number format ids that show a date or a time: 14-22 and 45-47 in every locale; 27-36
# and 50-58 are the East Asian date formats (zh-CN: "yyyy年m月", "m月d日", …).
BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])

_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETS = re.compile(r"\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\[\]]*\]", re.I)  # [^\[\]]: linear
_DATE_PART = re.compile(r"[dmyhsegb]|aaa|上午|下午", re.I)
# Linear-time patterns (as in ``ooxml``): a tag's attributes are ``[^<>]*`` and are split by one
# attribute pattern, and the <cellXfs> block is found by its start and end tags, so a crafted
# styles part cannot make the scan quadratic.
_NUMFMT = re.compile(r"<(?:\w+:)?numFmt\b([^<>]*)>")
_CELLXFS_START = re.compile(r"<(?:\w+:)?cellXfs\b[^<>]*>")
_CELLXFS_END = re.compile(r"</(?:\w+:)?cellXfs>")
_XF = re.compile(r"<(?:\w+:)?xf\b([^<>]*)")
_ATTR = re.compile(r'(?<![\w:])([\w:]+)="([^"<]*)"')
_S_ATTR = re.compile(r"\bs=\"(\d{1,9})\"")
MAX_CODE = 255  # characters of a number format code (Excel's limit)


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time ("m月d日", "yyyy/m/d", "[$-804]aaaa",
    "h:mm"); not "0", "#,##0", "0.00_);(0.00)", "General", "@", "0件" nor "[红色]0"."""
    if not code or len(code) > MAX_CODE * 6:  # longer even with entities: no format Excel wrote
        return False
    section = unescape(code).split(";")[0]
    section = _BRACKETS.sub("", _QUOTED.sub("", section))
    if section.strip().lower() in ("general", "@", ""):
        return False
    return bool(_DATE_PART.search(section))


def date_styles(styles_xml: str) -> frozenset[int]:
    """The cell style indexes (``<c s="…">``) whose number format shows a date or time."""
    styles_xml = styles_xml or ""
    custom: dict[int, str] = {}
    for m in _NUMFMT.finditer(styles_xml):
        a = dict(_ATTR.findall(m.group(1)))
        if a.get("numFmtId", "").isdigit() and len(a["numFmtId"]) < 10:
            custom[int(a["numFmtId"])] = a.get("formatCode", "")
    start = _CELLXFS_START.search(styles_xml)
    if start is None:
        return frozenset()
    end = _CELLXFS_END.search(styles_xml, start.end())
    block = styles_xml[start.end():end.start() if end else len(styles_xml)]
    out = set()
    for i, xf in enumerate(_XF.finditer(block)):
        fid = dict(_ATTR.findall(xf.group(1))).get("numFmtId", "0")
        fid = int(fid) if fid.isdigit() and len(fid) < 10 else 0
        if fid in custom:
            if is_date_format(custom[fid]):
                out.add(i)
        elif fid in BUILTIN_DATE_FORMATS:
            out.add(i)
    return frozenset(out)


def style_index(attrs: str) -> int:
    """The style index of a ``<c …>`` element's attribute text (0 when it has none)."""
    m = _S_ATTR.search(attrs)
    return int(m.group(1)) if m else 0


def serial_date(serial: float, date1904: bool = False) -> dt.datetime:
    """The date an Excel serial number shows (1900 system with its phantom 29 Feb 1900, or 1904)."""
    if date1904:
        return dt.datetime(1904, 1, 1) + dt.timedelta(days=serial)
    if serial < 60:
        return dt.datetime(1899, 12, 31) + dt.timedelta(days=serial)
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial)
