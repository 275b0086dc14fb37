"""Cell sources: the one small contract between a workbook (file or live Excel) and the reader.

A source lists the sheet names and the workbook-level defined names, says whether a sheet is
protected, and reads a rectangle as rows of :class:`Cell` (value, stored as text, has formula).
The reader (:mod:`xlreport.readers.template_reader`) turns what a source yields into the report
and the integrity findings; it never asks a source anything else, so every source gives the
same findings on the same workbook.

Sources:

- :class:`OoxmlSource`: the fast zip/XML reader (:class:`xlreport.readers.ooxml.Book`), used
  by ``xlreport check`` on ``.xlsx`` files;
- :class:`CalamineSource`: python-calamine, for ``.xls`` and ``.xlsx`` files that are not our
  template (values only: it cannot tell formulas or protection);
- :class:`OpenpyxlSource`: openpyxl (the workbook loaded twice: formulas, and cached values);
- :class:`XlwingsSource`: a live ``xlwings.Book``, on a desktop engine (Excel on Windows or
  macOS) or on xlwings' remote engine (``xlwings.Book(json=...)``).

What a source cannot know it says as ``None`` ("unknown"), never as a guess.  xlwings' remote
engine is the case in point: the JSON its client sends carries, per sheet, the name, the
visibility and the cell values (typed: a number stored as text arrives as a string) and, per
defined name, its sheet and address; it carries no formulas (``Range.formula`` raises
``NotImplementedError`` there) and no protection state.  So on the remote engine ``formula`` is
None for every cell and ``protected`` is None for every sheet, and the reader reports neither
``workbook.formula_overwritten`` nor ``workbook.unprotected`` there (it records them as
unknown in :attr:`WorkbookRead.unknown`).  For the same reason a total formula saved without
its result (a file written by a program that does not calculate; Excel always stores results)
counts as its derived value only where the source sees formulas; on the remote engine it is a
blank total.  calamine too reads values only, which is why ``xlreport check`` reads our
template with the fast reader and uses calamine only for other workbooks.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple, Protocol, runtime_checkable

from ..layout import col_letter
from ..values import Invalid
from .dates import serial_date
from .ooxml import parse_number as _number

MAX_GRID = (3000, 200)  # rows, columns read from one sheet of a hand-made workbook


class Cell(NamedTuple):
    """One cell as a source reads it (a plain 3-tuple in the same order will do)."""

    value: object  # str, int/float, bool, Invalid (an error value), None (blank), a date or time (a cell
    # shown as a date: Excel turned "3-1" typed into a count cell into 3月1日)
    text: bool  # stored as text (a string constant, or a formula's text result)
    formula: bool | None  # the cell holds a formula; None: the source cannot tell


BLANK = Cell(None, False, False)


@runtime_checkable
class CellSource(Protocol):
    name: str  # the workbook's name, for messages

    def sheet_names(self) -> list[str]: ...

    def defined_names(self) -> dict[str, str]:
        """Workbook-level defined names -> what they refer to (``'表三'!$D$5:$J$29``)."""

    def protected(self, sheet: str) -> bool | None:
        """Whether the sheet's contents are protected; None: the source cannot tell."""

    def read(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> list[list[Cell]]:
        """The rectangle (1-based, inclusive) as rows of cells."""

    def grid(self, sheet: str) -> list[list]:
        """The values of a sheet from A1 to the end of its used range (at most ``MAX_GRID``), as
        the source reads them (a date stays a date: the hand-made reader words it as one)."""


def _cut(rows: list[list]) -> list[list]:
    rows = rows[:MAX_GRID[0]]
    return [list(r[:MAX_GRID[1]]) for r in rows]


# -- the fast zip/XML reader -----------------------------------------------------------------

class OoxmlSource:
    """An open ``.xlsx`` through :class:`xlreport.readers.ooxml.Book` (its public API only)."""

    def __init__(self, book, name: str = ""):
        self.book, self.name = book, name
        self._dated: dict[str, frozenset[str]] = {}

    def sheet_names(self) -> list[str]:
        return list(self.book.sheet_names)

    def defined_names(self) -> dict[str, str]:
        return dict(self.book.names)

    def protected(self, sheet: str) -> bool | None:
        return self.book.protected(sheet)

    def read(self, sheet, r1, c1, r2, c2):
        book = self.book
        raw = book.raw_cells(sheet, rows=(r1, r2))  # only these rows are parsed (the XML is kept)
        if raw is None:
            return [[BLANK] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
        dated = self._dated.get(sheet)
        if dated is None:  # the date styles this sheet uses (most sheets use none: no cell is looked at)
            dated = book.date_style_texts
            if len(dated) <= 64:
                xml = book.sheet_xml(sheet) or ""
                dated = frozenset(d for d in dated if f' s="{d}"' in xml)
            self._dated[sheet] = dated
        out = []
        for keys in _a1_grid(r1, c1, r2, c2):
            row = []
            for a1 in keys:
                item = raw.get(a1)
                if item is None:
                    row.append(BLANK)
                    continue
                cell = _DECODED.get(item)
                if cell is None:
                    attrs, inner = item
                    cell = _decode(book, attrs, inner)
                    if len(inner) <= 200 and 't="s"' not in attrs:  # not the book's shared string: the same anywhere
                        if len(_DECODED) >= 20_000:
                            _DECODED.clear()
                        _DECODED[item] = cell
                elif not dated:
                    row.append(cell)
                    continue
                attrs = item[0]
                value = cell[0]
                if dated and value is not None and (at := attrs.find(' s="')) >= 0 and type(value) in (int, float) \
                        and attrs[at + 4:attrs.find('"', at + 4)] in dated:
                    try:  # a date-formatted number shows a date (Excel turned "3-1" into 3月1日)
                        cell = serial_date(value, book.date1904), False, cell[2]
                    except (OverflowError, ValueError):
                        pass  # no date Python can hold: the number stays
                row.append(cell)
            out.append(row)
        return out

    def grid(self, sheet: str) -> list[list]:
        return _cut(self.book.grid(sheet))


_A1_GRIDS: dict = {}


def _a1_grid(r1: int, c1: int, r2: int, c2: int) -> tuple[tuple[str, ...], ...]:
    """The A1 references of a rectangle, by rows (cached: workbooks of one template are read at
    the same rectangles)."""
    k = (r1, c1, r2, c2)
    hit = _A1_GRIDS.get(k)
    if hit is None:
        letters = [col_letter(c) for c in range(c1, c2 + 1)]
        hit = tuple(tuple(letter + str(r) for letter in letters) for r in range(r1, r2 + 1))
        if (r2 - r1 + 1) * (c2 - c1 + 1) <= 2_000:  # a template's blocks (memory stays a few MB)
            if len(_A1_GRIDS) > 64:
                _A1_GRIDS.clear()
            _A1_GRIDS[k] = hit
    return hit


def _cached_number(rest: str) -> bool:
    """Whether what follows a formula's ``</f>`` is its cached number (or no result)."""
    return rest in ("", "<v></v>", "<v/>") or (rest[:3] == "<v>" and rest[-4:] == "</v>" and "<" not in rest[3:-4])


_DECODED: dict = {}  # (attributes, inner XML) -> cell: short cells, which workbooks of one template repeat


def _decode(book, attrs: str, inner: str) -> tuple:
    """One cell of :meth:`Book.raw_cells` as (value, stored as text, has formula): numbers and a
    formula's cached number directly, anything else through the book's general decoder."""
    if not inner:  # an empty constant cell
        return BLANK
    number = "t=" not in attrs or 't="n"' in attrs
    if number and inner[:3] == "<v>" and inner[-4:] == "</v>" and "<" not in inner[3:-4]:
        return (_number(inner[3:-4]) if len(inner) > 7 else None), False, False  # a typed number
    if number and inner[:3] == "<f>" and (end := inner.find("</f>")) > 0 and _cached_number(rest := inner[end + 4:]):
        return (_number(rest[3:-4]) if len(rest) > 7 else None), False, True  # a formula's number
    xc = book.decode(attrs, inner)
    t = xc.type
    return (Invalid(str(xc.value)) if t == "e" else xc.value), t == "s", xc.formula is not None


# -- python-calamine ----------------------------------------------------------------------------

class CalamineSource:
    """A workbook file through python-calamine: values only (no formulas, no protection)."""

    def __init__(self, path, name: str = ""):
        from python_calamine import CalamineWorkbook
        self.wb = CalamineWorkbook.from_path(str(path))
        self.name = name or str(path)
        self._grids: dict[str, list[list]] = {}

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheet_names)

    def defined_names(self) -> dict[str, str]:
        return {}  # calamine reads no defined names; no template is read through it

    def protected(self, sheet: str) -> bool | None:
        return None

    def grid(self, sheet: str) -> list[list]:
        if sheet not in self._grids:
            rows = self.wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            self._grids[sheet] = _cut([[None if v == "" else v for v in row] for row in rows])
        return self._grids[sheet]

    def read(self, sheet, r1, c1, r2, c2):
        rows = self.grid(sheet)
        out = []
        for r in range(r1, r2 + 1):
            row = rows[r - 1] if r - 1 < len(rows) else []
            out.append([Cell(v, isinstance(v, str), None)
                        for v in (row[c - 1] if c - 1 < len(row) else None for c in range(c1, c2 + 1))])
        return out


# -- openpyxl -------------------------------------------------------------------------------

class OpenpyxlSource:
    """A workbook file through openpyxl, loaded twice: with formulas, and with cached values."""

    def __init__(self, path, name: str = ""):
        from openpyxl import load_workbook
        self.formulas = load_workbook(path)
        self.values = load_workbook(path, data_only=True)
        self.name = name or str(path)

    def sheet_names(self) -> list[str]:
        return list(self.formulas.sheetnames)

    def defined_names(self) -> dict[str, str]:
        return {name: dn.attr_text for name, dn in self.formulas.defined_names.items()}

    def protected(self, sheet: str) -> bool | None:
        return bool(self.formulas[sheet].protection.sheet)

    def read(self, sheet, r1, c1, r2, c2):
        fs, vs = self.formulas[sheet], self.values[sheet]
        out = []
        for frow, vrow in zip(fs.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2),
                              vs.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2)):
            row = []
            for f, v in zip(frow, vrow):
                formula = f.data_type == "f"
                value = v.value
                if v.data_type == "e":
                    value = Invalid(str(value))
                elif value == "" and not formula:
                    value = None
                row.append(Cell(value, isinstance(value, str), formula))
            out.append(row)
        return out

    def grid(self, sheet: str) -> list[list]:
        ws = self.values[sheet]
        return _cut([list(row) for row in ws.iter_rows(
            min_row=1, min_col=1, max_row=min(ws.max_row, MAX_GRID[0]), max_col=min(ws.max_column, MAX_GRID[1]),
            values_only=True)])


# -- xlwings ------------------------------------------------------------------------------------

class XlwingsSource:
    """A live ``xlwings.Book`` (desktop or remote engine).  ``reads`` counts the round trips to
    Excel (each bulk read of a range, each defined name, each protection query)."""

    def __init__(self, book):
        self.book = book
        self.name = book.name
        self.reads = 0
        self.remote = getattr(getattr(book.app, "engine", None), "name", "remote") == "remote"
        self._formulas_known = not self.remote
        self._names: dict[str, str] | None = None

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def defined_names(self) -> dict[str, str]:
        if self._names is None:
            self._names = self._read_names()
        return dict(self._names)

    def _read_names(self) -> dict[str, str]:
        out = {}
        for n in self.book.names:
            self.reads += 1
            try:
                name, refers = n.name, n.refers_to
            except Exception:  # an unreadable name is no name
                continue
            if "!" in name:  # a sheet-level name (xlwings shows it as Sheet!name)
                continue
            out[name] = str(refers or "").lstrip("=")
        return out

    def protected(self, sheet: str) -> bool | None:
        if self.remote:
            return None  # the remote engine's JSON carries no protection state
        api = self.book.sheets[sheet].api
        self.reads += 1
        for get in (lambda: api.ProtectContents, lambda: api.protect_contents.get()):  # Windows, macOS
            try:
                return bool(get())
            except Exception:
                continue
        return None

    def _values(self, rng) -> list[list]:
        self.reads += 1
        return rng.options(ndim=2).value

    def read(self, sheet, r1, c1, r2, c2):
        rng = self.book.sheets[sheet].range((r1, c1), (r2, c2))
        values = self._values(rng)
        formulas = None
        if self._formulas_known:
            try:
                got = rng.formula
                self.reads += 1
            except NotImplementedError:
                self._formulas_known = False
            else:
                formulas = _matrix(got, r2 - r1 + 1, c2 - c1 + 1)
        out = []
        for i, row in enumerate(values):
            cells = []
            for j, v in enumerate(row):
                formula = None if formulas is None else (isinstance(formulas[i][j], str)
                                                         and formulas[i][j].startswith("="))
                if v == "" and not formula:
                    v = None
                cells.append(Cell(v, isinstance(v, str), formula))
            out.append(cells)
        return out

    def grid(self, sheet: str) -> list[list]:
        sh = self.book.sheets[sheet]
        used = sh.used_range
        last_row = min(used.row + used.shape[0] - 1, MAX_GRID[0])  # formatting can stretch a used range
        last_col = min(used.column + used.shape[1] - 1, MAX_GRID[1])  # to the sheet's end
        return [list(row) for row in self._values(sh.range((1, 1), (last_row, last_col)))]


def _matrix(got, nrows: int, ncols: int) -> list[list]:
    """A range's ``formula`` as rows, whatever its shape (a cell, a row, a column, a rectangle)."""
    if not isinstance(got, (list, tuple)):
        return [[got]]
    if got and not isinstance(got[0], (list, tuple)):
        return [list(got)] if nrows == 1 else [[g] for g in got]
    return [list(r) for r in got]


__all__ = ["BLANK", "CalamineSource", "Cell", "CellSource", "MAX_GRID", "OoxmlSource", "OpenpyxlSource",
           "XlwingsSource"]
