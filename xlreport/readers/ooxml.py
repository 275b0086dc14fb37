"""A fast, minimal, read-only reader of ``.xlsx`` files (zipfile + regular expressions).

It reads only what the checker needs: the sheet list and defined names of ``xl/workbook.xml``,
the shared strings, and the cells of the sheets asked for, each with its type, value, formula
(``<f>``) and the formula's cached value (``<v>``), plus whether the sheet is protected
(``<sheetProtection sheet="1">``).  Styles, drawings and the large 校验 sheet are never
decompressed.  About 20x faster than openpyxl on our template, which is what lets a folder
of thousands of workbooks be checked in seconds.

The caller (``xlreport.readers.guard``) has already bounded the file size and the zip's
members; this module raises ``OoxmlError`` (Chinese message) on anything it cannot read.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from html import unescape
from xml.etree.ElementTree import ParseError, fromstring as _fromstring

from ..layout import col_index, col_letter

__all__ = ["OoxmlError", "XCell", "Sheet", "Book", "parse_number", "parse_range"]


class OoxmlError(Exception):
    """The file is a zip but not a readable workbook; the message is Chinese."""


@dataclass(slots=True)
class XCell:
    value: object  # str, float/int, bool, None (a formula without cached value)
    type: str  # n (number), s (text), b (bool), e (error), f? see ``formula``
    formula: str | None = None  # formula text without '=' (None: a constant); '' for a shared formula's child


class Sheet:
    """One sheet's cells, decoded lazily: ``get(row, col)`` (1-based) or ``get_a1("D5")``."""

    __slots__ = ("name", "raw", "protected", "_book")

    def __init__(self, name: str, raw: dict, protected: bool, book: "Book"):
        self.name, self.raw, self.protected, self._book = name, raw, protected, book

    def get_a1(self, a1: str) -> XCell | None:
        item = self.raw.get(a1)
        if item is None:
            return None
        return self._book._decode(*item)

    def get(self, row: int, col: int) -> XCell | None:
        return self.get_a1(f"{col_letter(col)}{row}")

    @property
    def cells(self) -> dict[tuple[int, int], XCell]:
        out = {}
        for a1, item in self.raw.items():
            m = _A1.match(a1)
            out[(int(m.group(2)), col_index(m.group(1)))] = self._book._decode(*item)
        return out


# Every pattern here runs in linear time on any input, so a crafted part cannot make the scan
# quadratic: a tag's attributes are ``[^<>]*`` (they stop at the next tag, where well-formed XML
# has no ``<`` inside a tag), attribute names start where a name starts, and the patterns that
# span an element (``<si>…</si>``, ``<c>…</c>``) only run on the text before the last closing tag,
# so each start finds its end.
_SHEET = re.compile(r"<sheet\b([^<>]*)>")
_ATTR = re.compile(r'(?<![\w:])([\w:]+)="([^"<]*)"')
_REL = re.compile(r"<Relationship\b([^<>]*)>")
_DEFNAME = re.compile(r"<definedName\b([^<>]*)>([^<]*)</definedName>")
_SI = re.compile(r"<si>(.*?)</si>|<si/>", re.S)
_T = re.compile(r"<t(?:\s[^<>]*)?>([^<]*)</t>")
_CELL = re.compile(r"<c\b([^<>]*?)(?:/>|>(.*?)</c>)", re.S)
# A cell's attributes and content as unrolled loops (``[^<]*`` runs, then one ``<`` that does not
# close the cell): the same text as ``([^<>]*?)(?:/>|>(.*?)</c>)``, without trying the end at
# every character (a third faster on our sheets; still one way to match, so linear).
_CELL_FAST = re.compile(r'<c r="([A-Z]+\d+)"([^<>/]*(?:/(?!>)[^<>/]*)*)(?:/>|>([^<]*(?:<(?!/c>)[^<]*)*)</c>)')
_CELL_EMPTY = re.compile(r"<c\b([^<>]*?)/>")
_A1 = re.compile(r"([A-Z]+)(\d+)$")
_R = re.compile(r'\br="([A-Z]+)(\d+)"')
_TYPE = re.compile(r'\bt="(\w+)"')
_V = re.compile(r"<v>([^<]*)</v>")
_F = re.compile(r"<f\b[^<>]*?(?:/>|>([^<]*)</f>)")
_PROTECTION = re.compile(r"<sheetProtection\b([^<>]*)>")
_LONG_NUMBER = re.compile(r"<v>[-+]?\d{%d}" % 300)
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def parse_range(text: str):
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") if m.group(1) is not None else m.group(2)
    r1, c1 = int(m.group(4)), col_index(m.group(3))
    r2, c2 = (int(m.group(6)), col_index(m.group(5))) if m.group(5) else (r1, c1)
    return sheet, r1, c1, r2, c2


MAX_SHEETS = 255  # sheets in one workbook (a report has about ten)
MAX_NAMES = 10_000  # defined names in one workbook (the template has about a hundred)
CACHED_PART = 256 * 1024  # bytes of a part whose parse is remembered across workbooks (keyed by its bytes)
XML_CACHE = 4_000_000  # characters of sheet XML one Book keeps for further reads
MAX_DIGITS = 300  # digits of one number (a double has at most 309: more is no Excel number)


def _number(text: str):
    if text.isdigit():
        if len(text) > MAX_DIGITS:
            raise OoxmlError(f"单元格数值“{shown(text, 12)}…”有 {len(text)} 位，超过上限 {MAX_DIGITS} 位，不是 Excel 能保存的数值")
        return int(text)
    try:
        f = float(text)
    except ValueError:
        return text
    if f.is_integer() and "e" not in text.lower() and "." not in text:
        if len(text) > MAX_DIGITS + 1:
            raise OoxmlError(f"单元格数值“{shown(text, 12)}…”有 {len(text)} 位，超过上限 {MAX_DIGITS} 位，不是 Excel 能保存的数值")
        return int(text)
    return f


parse_number = _number  # public: the number of a ``<v>`` text (the text itself when it is no number)


def shown(text: str, limit: int) -> str:
    """A name from the file as a message may show it: control characters (terminal escapes, what
    an .xlsx cannot hold) as U+FFFD, at most ``limit`` characters."""
    out = "".join("\ufffd" if (ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 or 0xd800 <= ord(ch) < 0xe000
                                or ch in "\ufffe\uffff") else ch for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


def _unescape(text: str) -> str:
    """XML character data (no ``<`` in it: what the patterns capture) with its references
    resolved.  Text with many references (Chinese written as ``&#28142;``) goes through expat,
    in C: without a ``<`` there can be no DOCTYPE nor entity declaration, only the predefined
    and numeric references; anything expat refuses falls back to ``html.unescape``."""
    n = text.count("&")
    if n == 0:
        return text
    if n > 8 and "<" not in text:
        try:
            return _fromstring("<t>" + text + "</t>").text or ""
        except ParseError:
            pass
    return unescape(text)


def _text(data: bytes, part: str) -> str:
    """A part's XML as text: UTF-8 (as the standard requires), without a DOCTYPE (entities)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise OoxmlError(f"部件“{shown(part, 60)}”不是 UTF-8 编码（第 {e.start} 字节），无法读取") from None
    if b"!" in data and _DECLARATION.search(data):  # memchr first: most parts have no "!" at all
        raise OoxmlError(f"部件“{shown(part, 60)}”含有 DOCTYPE 或实体声明（Excel 不会写入，可能是实体炸弹），已拒绝读取")
    return text


def _closed(text: str, close: str) -> tuple[str, str]:
    """(text up to and with the last ``close`` tag, the rest): every open tag in the first part
    finds a closing one after it, so a lazy pattern over it never rescans (linear time)."""
    end = text.rfind(close)
    if end < 0:
        return "", text
    end += len(close)
    return text[:end], text[end:]


_STRUCTURES: dict = {}
_DATE_STYLES: dict = {}
_DATE_TEXTS: dict = {}


def _structure(wb: str, rels: str):
    """(sheet names, states, sheet part paths, workbook-level defined names) of workbook.xml."""
    targets = {}
    for m in _REL.finditer(rels):
        a = dict(_ATTR.findall(m.group(1)))
        t = a.get("Target", "")
        if t.startswith("/"):
            t = t[1:]
        elif not t.startswith("xl/"):
            t = "xl/" + t
        targets[a.get("Id")] = t
    names, states, paths = [], {}, {}
    for m in _SHEET.finditer(wb):
        a = dict(_ATTR.findall(m.group(1)))
        name = unescape(a.get("name", ""))
        rid = a.get("r:id") or next((v for k, v in a.items() if k.endswith(":id")), None)
        if name in states:
            raise OoxmlError(f"工作簿结构无效：工作表名称“{shown(name, 40)}”重复")
        names.append(name)
        if len(names) > MAX_SHEETS:
            raise OoxmlError(f"工作簿的工作表超过上限 {MAX_SHEETS} 张，不像是年度报告工作簿")
        states[name] = a.get("state", "visible")
        if rid in targets:
            paths[name] = targets[rid]
    seen = {}
    for name, part in paths.items():
        if part in seen:
            raise OoxmlError(f"工作簿结构无效：工作表“{shown(seen[part], 40)}”和“{shown(name, 40)}”指向同一部件“{shown(part, 60)}”"
                             "（每张工作表只能有自己的部件）")
        seen[part] = name
    defined = {}
    for m in _DEFNAME.finditer(wb):
        a = dict(_ATTR.findall(m.group(1)))
        if "localSheetId" in a:
            continue
        defined[unescape(a.get("name", ""))] = unescape(m.group(2))
        if len(defined) > MAX_NAMES:
            raise OoxmlError(f"工作簿的定义名称超过上限 {MAX_NAMES} 个，不像是年度报告工作簿")
    return tuple(names), states, paths, defined


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, inflated no further than its declared size (``guard.read_member``)."""
    from .guard import read_member
    return read_member(zf, name)


def _protected(xml: str, end: int) -> bool:
    """``<sheetProtection sheet="1">`` after the sheet's data (at ``end``)."""
    pm = _PROTECTION.search(xml, end if end > 0 else 0)
    if pm is None:
        return False
    return dict(_ATTR.findall(pm.group(1))).get("sheet", "0") in ("1", "true")


class Book:
    """An open ``.xlsx``.  ``sheet_names``: in order; ``states``: visible/hidden/veryHidden;
    ``names``: workbook-level defined names -> their text; ``sheet(name)`` parses one sheet."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        try:
            wb = _read(zf, "xl/workbook.xml")
            rels = _read(zf, "xl/_rels/workbook.xml.rels")
        except KeyError as e:
            raise OoxmlError(f"不是 Excel 工作簿（缺少 {e.args[0] if e.args else '工作簿部件'}）") from None
        key = (wb, rels)
        parsed = _STRUCTURES.get(key)
        if parsed is None:  # workbooks from one template share these parts byte for byte
            parsed = _structure(_text(wb, "xl/workbook.xml"), _text(rels, "xl/_rels/workbook.xml.rels"))
            if len(wb) + len(rels) <= CACHED_PART:  # the cache holds a template's parts, not a crafted giant
                if len(_STRUCTURES) > 256:
                    _STRUCTURES.clear()
                _STRUCTURES[key] = parsed
        names, states, paths, defined = parsed
        self.sheet_names: list[str] = list(names)
        self.states: dict[str, str] = dict(states)
        self._paths: dict[str, str] = dict(paths)
        self.names: dict[str, str] = dict(defined)
        self.date1904: bool = b'date1904="1"' in wb or b'date1904="true"' in wb
        self._strings: list[str] | None = None
        self._dates: frozenset[int] | None = None
        self._xml: dict[str, str] = {}  # sheet XML kept for further reads (at most XML_CACHE characters)
        self._xml_size = 0
        self._bounds: dict[str, tuple[str, int, int]] = {}  # sheet -> (its XML, where <sheetData> starts and ends)

    @property
    def date_styles(self) -> frozenset[int]:
        """The cell style indexes (``<c s="…">``) whose number format shows a date
        (``readers.dates.date_styles`` of ``xl/styles.xml``; parsed once per distinct part)."""
        if self._dates is None:
            try:
                data = _read(self.zf, "xl/styles.xml")
            except KeyError:
                data = b""
            hit = _DATE_STYLES.get(data)
            if hit is None:  # workbooks from one template share the part byte for byte
                from .dates import date_styles
                hit = date_styles(_text(data, "xl/styles.xml")) if data else frozenset()
                if len(data) <= CACHED_PART:
                    if len(_DATE_STYLES) > 64:
                        _DATE_STYLES.clear()
                        _DATE_TEXTS.clear()
                    _DATE_STYLES[data] = hit
            self._dates = hit
        return self._dates

    @property
    def date_style_texts(self) -> frozenset[str]:
        """:attr:`date_styles` as the text of an ``s="…"`` attribute."""
        styles = self.date_styles
        hit = _DATE_TEXTS.get(styles)
        if hit is None:
            hit = frozenset(str(i) for i in styles)
            if len(_DATE_TEXTS) > 64:
                _DATE_TEXTS.clear()
            _DATE_TEXTS[styles] = hit
        return hit

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            try:
                data = _text(_read(self.zf, "xl/sharedStrings.xml"), "xl/sharedStrings.xml")
            except KeyError:
                data = ""
            head, tail = _closed(data, "</si>")
            strings = [_unescape("".join(_T.findall(m.group(1) or ""))) for m in _SI.finditer(head)]
            strings += [""] * tail.count("<si/>")
            self._strings = strings
        return self._strings

    def sheet_xml(self, name: str) -> str | None:
        """A sheet's XML; None when the workbook has no sheet ``name``, ``OoxmlError`` when it
        lists the sheet but its part is missing."""
        if name not in self.states:
            return None
        hit = self._xml.get(name)
        if hit is not None:
            return hit
        xml = self._sheet_xml(name)
        if len(xml) <= XML_CACHE:  # a template's sheets, read a few rectangles at a time
            self._xml_size += len(xml)
            if self._xml_size <= XML_CACHE:
                self._xml[name] = xml
        return xml

    def _sheet_xml(self, name: str) -> str:
        path = self._paths.get(name)
        if path is None:
            raise OoxmlError(f"工作表“{shown(name, 40)}”没有对应的部件（工作簿关系表损坏）")
        try:
            return _text(_read(self.zf, path), path)
        except KeyError:
            raise OoxmlError(f"工作表“{shown(name, 40)}”的部件“{shown(path, 60)}”缺失（文件不完整）") from None

    def sheet(self, name: str, rows: tuple[int, int] | None = None) -> Sheet | None:
        """The cells of sheet ``name`` (None when the workbook has no such sheet).  With
        ``rows=(first, last)`` only those rows are parsed (when the sheet marks its rows, as
        every writer does); cells outside may or may not be returned."""
        xml = self.sheet_xml(name)
        if xml is None:
            return None
        return Sheet(name, self._raw(name, xml, rows), _protected(xml, xml.rfind("</sheetData>")), self)

    def raw_cells(self, name: str, rows: tuple[int, int] | None = None) -> dict[str, tuple[str, str]] | None:
        """:attr:`Sheet.raw` of ``sheet(name, rows)`` (A1 -> (attribute text, inner XML)), without
        the rest of a :class:`Sheet` (a source reading rectangles asks for protection once)."""
        xml = self.sheet_xml(name)
        return None if xml is None else self._raw(name, xml, rows)

    def _raw(self, name: str, xml: str, rows: tuple[int, int] | None) -> dict[str, tuple[str, str]]:
        bounds = self._bounds.get(name)
        if bounds is None or bounds[0] is not xml:
            bounds = (xml, xml.find("<sheetData"), xml.rfind("</sheetData>"))
            if self._xml.get(name) is xml:  # kept only beside a kept XML
                self._bounds[name] = bounds
        _, start, end = bounds
        if start >= 0 and end > start and rows is not None:
            a = xml.find(f'<row r="{rows[0]}"', start, end)
            b = xml.find(f'<row r="{rows[1] + 1}"', a if a > 0 else start, end)
            body = xml[a if a > 0 else start:b if b > 0 else end]
        else:
            body = xml[start:end] if start >= 0 and end > start else ""
        m = _LONG_NUMBER.search(body)
        if m is not None:
            raise OoxmlError(f"工作表“{shown(name, 40)}”有超过上限 {MAX_DIGITS} 位的数值，不是 Excel 能保存的数值")
        head, tail = _closed(body, "</c>")
        found = _CELL_FAST.findall(head)
        if len(found) != head.count("<c "):  # attributes in another order (a "<c>" has no address either way)
            found = []
            for m in _CELL.finditer(head):
                rm = _R.search(m.group(1))
                if rm is not None:
                    found.append((rm.group(1) + rm.group(2), m.group(1), m.group(2) or ""))
        if "<c" in tail:  # after the last </c>: only empty cells
            for m in _CELL_EMPTY.finditer(tail):
                rm = _R.search(m.group(1))
                if rm is not None:
                    found.append((rm.group(1) + rm.group(2), m.group(1), ""))
        return {a1: (attrs, inner) for a1, attrs, inner in found}

    def protected(self, name: str) -> bool | None:
        """Whether sheet ``name``'s contents are protected (None: no such sheet)."""
        xml = self.sheet_xml(name)
        return None if xml is None else _protected(xml, xml.rfind("</sheetData>"))

    def decode(self, attrs: str, inner: str) -> XCell:
        """One cell of :attr:`Sheet.raw` (its attribute text and inner XML) decoded."""
        return self._decode(attrs, inner)

    def _decode(self, attrs: str, inner: str) -> XCell:
        if inner[:3] == "<v>" and inner[-4:] == "</v>" and ("t=" not in attrs or 't="n"' in attrs):  # a number
            return XCell(_number(inner[3:-4]) if len(inner) > 7 else None, "n")
        tm = _TYPE.search(attrs) if "t=" in attrs else None
        t = tm.group(1) if tm else "n"
        if not inner:
            return XCell(None, "n")
        formula = None
        if "<f" in inner:
            fm = _F.search(inner)
            if fm:
                formula = unescape(fm.group(1) or "")
        if t == "inlineStr":
            return XCell(_unescape("".join(_T.findall(inner))), "s", formula)
        vm = _V.search(inner)
        if vm is None:
            return XCell(None, "n", formula)
        v = vm.group(1)
        if not v:
            return XCell(None, "n", formula)
        if t == "s":
            strings = self.strings
            v = v.strip()
            if not v.isdigit() or len(v) > 9:
                raise OoxmlError(f"共享字符串编号“{shown(v, 20)}”无效（应为非负整数），工作簿已损坏")
            i = int(v)
            return XCell(strings[i] if 0 <= i < len(strings) else "", "s", formula)
        if t == "str":
            return XCell(_unescape(v), "s", formula)
        if t == "b":
            return XCell(v == "1", "b", formula)
        if t == "e":
            return XCell(unescape(v), "e", formula)
        return XCell(_number(v), "n", formula)

    def grid(self, name: str) -> list[list]:
        """A sheet as a 0-based 2-D list of values (for ``official.read_grid``)."""
        sh = self.sheet(name)
        if sh is None or not sh.cells:
            return []
        nrows = max(r for r, _ in sh.cells)
        ncols = max(c for _, c in sh.cells)
        from .guard import MAX_GRID_CELLS
        if nrows * ncols > MAX_GRID_CELLS:
            raise OoxmlError(f"工作表“{shown(name, 40)}”的数据区域约 {nrows * ncols:,} 个单元格，超过上限 {MAX_GRID_CELLS:,} 个")
        rows = [[None] * ncols for _ in range(nrows)]
        for (r, c), cell in sh.cells.items():
            rows[r - 1][c - 1] = cell.value
        return rows
