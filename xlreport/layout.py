"""Where the template puts every label and cell: derived from the format, pure data.

The template writer, the workbook readers and the add-in all take positions from here,
so no cell address is typed anywhere else.  Rows and columns are 1-based.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .formats import META_FIELDS, Block, Format, Table, cell_key

TEMPLATE_VERSION = "1"
COVER_SHEET = "封面及正文"
CHECK_SHEET = "校验"
META_SHEET = "_xlreport"  # hidden sheet: format and template version
TABLE_SHEETS = {"二": "表二", "三": "表三", "四": "表四"}


def col_letter(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True)
class Place:
    sheet: str
    row: int
    col: int

    @property
    def a1(self) -> str:
        return f"{col_letter(self.col)}{self.row}"

    @property
    def ref(self) -> str:
        """Absolute reference for formulas and names: ``'表三'!$D$5``."""
        return f"'{self.sheet}'!${col_letter(self.col)}${self.row}"

    @property
    def address(self) -> str:
        """Human address used in messages: ``表三!D5``."""
        return f"{self.sheet}!{self.a1}"


@dataclass(frozen=True)
class Label:
    """A fixed text cell, merged over ``rows`` x ``cols`` when larger than one."""

    row: int
    col: int
    text: str
    style: str  # title | header | rowhead | block | note | field | prompt
    rows: int = 1
    cols: int = 1


@dataclass(frozen=True)
class Span:
    """An input cell merged over several cells (text sections, wide one-column blocks)."""

    row: int
    col: int
    rows: int = 1
    cols: int = 1


@dataclass
class SheetLayout:
    name: str
    table: Table | None = None
    labels: list[Label] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    header_rows: tuple[int, int] | None = None  # rows repeated when printing
    freeze: str | None = None
    ncols: int = 1
    nrows: int = 1


@dataclass
class Layout:
    format: Format
    sheets: list[SheetLayout]
    places: dict[str, Place]  # cell key / meta field id / section id -> place
    names: dict[str, tuple[str, int, int, int, int]]  # defined name -> (sheet, r1, c1, r2, c2)

    def place(self, key: str) -> Place:
        return self.places[key]

    def name_ref(self, name: str) -> str:
        sheet, r1, c1, r2, c2 = self.names[name]
        return f"'{sheet}'!${col_letter(c1)}${r1}:${col_letter(c2)}${r2}"

    @property
    def block_names(self) -> list[str]:
        """The defined names of the table blocks (``T3_main``, ``T2_item1``...), in layout order."""
        return [n for n in self.names if n[:1] == "T" and n[1:2].isdigit()]


def block_name(table: Table, block: Block) -> str:
    """The defined name of a table block, e.g. ``T3_main``, ``T2_item1``."""
    return f"{table.code.upper()}_{block.id}"


META_PREFIX, TEXT_PREFIX = "META_", "TEXT_"


def field_name(key: str, fmt: Format) -> str | None:
    """The defined name of a cover field or text section (``META_agency``, ``TEXT_s1``)."""
    if any(f.id == key for f in META_FIELDS):
        return f"{META_PREFIX}{key}"
    if any(s.id == key for s in fmt.sections):
        return f"{TEXT_PREFIX}{key}"
    return None


# -- geometry: references, ranges, rectangles ----------------------------------------------

_REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


def parse_ref(text) -> tuple[str, int, int, int, int] | None:
    """``'表三'!$D$5:$J$27`` (with or without ``=``) -> ("表三", 5, 4, 27, 10); a single cell is a
    one-cell range; None for ``#REF!`` or anything else."""
    m = _REF.match(str(text or "").strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    r1, c1 = int(m.group(4)), col_index(m.group(3))
    r2, c2 = (int(m.group(6)), col_index(m.group(5))) if m.group(5) else (r1, c1)
    return sheet, r1, c1, r2, c2


_ADDRESS = re.compile(r"(.+)!\$?([A-Z]{1,3})\$?(\d+)")


def parse_address(address: str | None) -> Place | None:
    """``表三!D5`` (a message's address) -> its Place; None for anything else."""
    m = _ADDRESS.fullmatch(address or "")
    if not m:
        return None
    return Place(m.group(1).strip("'"), int(m.group(3)), col_index(m.group(2)))


def a1_ref(place: Place, sheet) -> str:
    """``sheet``: True for ``'表三'!$D$5``, "abs" for ``$D$5``, False for ``D5``."""
    if sheet == "abs":
        return f"${col_letter(place.col)}${place.row}"
    return place.ref if sheet else place.a1


def ranges(places: list[Place], sheet: bool) -> list[str]:
    """References for places, merging runs of adjacent cells (one row or one column) into ranges."""
    out, i = [], 0
    while i < len(places):
        p, j = places[i], i
        for dr, dc in ((0, 1), (1, 0)):
            j = i
            while j + 1 < len(places) and places[j + 1].sheet == p.sheet \
                    and places[j + 1].row == places[j].row + dr and places[j + 1].col == places[j].col + dc:
                j += 1
            if j > i:
                break
        if j > i:
            out.append(f"{a1_ref(p, sheet)}:{a1_ref(places[j], 'abs' if sheet else False)}")
        else:
            out.append(a1_ref(p, sheet))
        i = j + 1
    return out


def addresses(places: list[Place]) -> str:
    """Human addresses of places (one sheet), runs merged: ``表三!D5:D6、D28:D29``."""
    return f"{places[0].sheet}!" + "、".join(ranges(places, False)) if places else ""


def rectangles(places: list[Place]) -> list[tuple[Place, Place]]:
    """Cover places (one sheet) with rectangles: runs along rows, merged down identical runs."""
    rows: dict[int, list[int]] = {}
    for p in places:
        rows.setdefault(p.row, []).append(p.col)
    runs = []  # (row, c1, c2)
    for r in sorted(rows):
        cols = sorted(rows[r])
        start = prev = cols[0]
        for c in cols[1:] + [None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            runs.append((r, start, prev))
            if c is not None:
                start = prev = c
    rects: list[list[int]] = []  # [r1, r2, c1, c2]
    for r, c1, c2 in runs:
        for rect in rects:
            if rect[1] == r - 1 and rect[2] == c1 and rect[3] == c2:
                rect[1] = r
                break
        else:
            rects.append([r, r, c1, c2])
    sheet = places[0].sheet
    return [(Place(sheet, r1, c1), Place(sheet, r2, c2)) for r1, r2, c1, c2 in rects]


def rect_ref(rect: tuple[Place, Place]) -> str:
    """``D5:J9`` (``D5`` for one cell) of a rectangle."""
    a, b = rect
    return a.a1 if a == b else f"{a.a1}:{b.a1}"


def rect_abs_ref(rect: tuple[Place, Place]) -> str:
    """``'表三'!$D$5:$J$9`` of a rectangle, for formulas on another sheet."""
    a, b = rect
    return a.ref if a == b else f"{a.ref}:${col_letter(b.col)}${b.row}"


def _spans(paths: list[tuple[str, ...]]):
    """Header cells for a run of header paths: yields (level, first, last, text, is_leaf).

    Consecutive positions sharing a path prefix are merged at that level; a leaf (the
    last element of a path) is merged down to the deepest level."""
    depth, n = max(len(p) for p in paths), len(paths)
    for level in range(depth):
        i = 0
        while i < n:
            p = paths[i]
            if len(p) <= level:
                i += 1
                continue
            leaf, j = len(p) == level + 1, i
            while not leaf and j + 1 < n and len(paths[j + 1]) > level + 1 \
                    and paths[j + 1][: level + 1] == p[: level + 1]:
                j += 1
            yield level, i, j, p[level], leaf, depth
            i = j + 1


def _header_labels(paths, first_line: int, first_pos: int, across: bool, style: str) -> list[Label]:
    out = []
    for level, i, j, text, leaf, depth in _spans(paths):
        down = depth - level if leaf else 1
        if across:  # positions are columns, levels are rows
            out.append(Label(first_line + level, first_pos + i, text, style, rows=down, cols=j - i + 1))
        else:  # positions are rows, levels are columns
            out.append(Label(first_pos + i, first_line + level, text, style, rows=j - i + 1, cols=down))
    return out


def _table3_like(table: Table, sheet: SheetLayout, places: dict, names: dict) -> None:
    """A single block with row headers down the left and column headers on top."""
    block = table.blocks[0]
    cpaths = [c.groups + (c.label,) for c in block.columns]
    rpaths = [r.groups + (r.label,) for r in block.rows]
    hdepth, ldepth = max(map(len, cpaths)), max(map(len, rpaths))
    top, left = 2, 1
    first_data_row, first_data_col = top + hdepth, left + ldepth
    sheet.labels.append(Label(1, 1, table.title, "title", cols=ldepth + len(block.columns)))
    sheet.labels.append(Label(top, left, block.corner, "note", rows=hdepth, cols=ldepth))
    sheet.labels += _header_labels(cpaths, top, first_data_col, True, "header")
    sheet.labels += _header_labels(rpaths, left, first_data_row, False, "rowhead")
    for i, r in enumerate(block.rows):
        for j, c in enumerate(block.columns):
            places[cell_key(table, r, c)] = Place(sheet.name, first_data_row + i, first_data_col + j)
    last_row, last_col = first_data_row + len(block.rows) - 1, first_data_col + len(block.columns) - 1
    names[block_name(table, block)] = (sheet.name, first_data_row, first_data_col, last_row, last_col)
    sheet.header_rows = (top, first_data_row - 1)
    sheet.freeze = f"{col_letter(first_data_col)}{first_data_row}"
    sheet.ncols, sheet.nrows = last_col, last_row
    sheet.widths = {1: 6, 2: 12, 3: 34, **{c: 9 for c in range(first_data_col, last_col + 1)}}


def _table4_like(table: Table, sheet: SheetLayout, places: dict, names: dict) -> None:
    """Groups printed side by side: one data row under a header built from row and column labels."""
    block = table.blocks[0]
    paths, keys = [], []
    for r in block.rows:
        for c in block.columns:
            paths.append(r.groups + (r.label,) + c.groups + (c.label,))
            keys.append(cell_key(table, r, c))
    depth = max(map(len, paths))
    top = 2
    sheet.labels.append(Label(1, 1, table.title, "title", cols=len(paths)))
    sheet.labels += _header_labels(paths, top, 1, True, "header")
    data_row = top + depth
    for j, key in enumerate(keys):
        places[key] = Place(sheet.name, data_row, 1 + j)
    names[block_name(table, block)] = (sheet.name, data_row, 1, data_row, len(keys))
    sheet.header_rows = (top, data_row - 1)
    sheet.freeze = f"A{data_row}"
    sheet.ncols, sheet.nrows = len(keys), data_row
    sheet.widths = {c: 7.5 for c in range(1, len(keys) + 1)}


def _table2_like(table: Table, sheet: SheetLayout, places: dict, names: dict) -> None:
    """Blocks stacked down the sheet, each with its item heading and 信息内容 header."""
    width = max(len(b.columns) for b in table.blocks)
    sheet.labels.append(Label(1, 1, table.title, "title", cols=1 + width))
    row = 2
    for block in table.blocks:
        sheet.labels.append(Label(row, 1, block.label, "block", cols=1 + width))
        row += 1
        sheet.labels.append(Label(row, 1, block.corner, "header"))
        n = len(block.columns)
        for j, c in enumerate(block.columns):
            span = width - n + 1 if j == n - 1 else 1
            sheet.labels.append(Label(row, 2 + j, c.label, "header", cols=span))
        row += 1
        first = row
        for r in block.rows:
            sheet.labels.append(Label(row, 1, r.label, "rowhead"))
            for j, c in enumerate(block.columns):
                places[cell_key(table, r, c)] = Place(sheet.name, row, 2 + j)
                if j == n - 1 and n < width:
                    sheet.spans.append(Span(row, 2 + j, cols=width - n + 1))
            row += 1
        names[block_name(table, block)] = (sheet.name, first, 2, row - 1, 1 + n)
    sheet.header_rows = (1, 1)
    sheet.ncols, sheet.nrows = 1 + width, row - 1
    sheet.widths = {1: 24, **{c: 16 for c in range(2, 2 + width)}}


def _cover(fmt: Format, sheet: SheetLayout, places: dict, names: dict) -> None:
    width = 4
    sheet.labels.append(Label(1, 1, fmt.title, "title", cols=width))
    row = 3
    for f in META_FIELDS:
        sheet.labels.append(Label(row, 1, f.label, "field"))
        places[f.id] = Place(sheet.name, row, 2)
        sheet.spans.append(Span(row, 2, cols=width - 1))
        names[f"{META_PREFIX}{f.id}"] = (sheet.name, row, 2, row, 2)
        row += 1
    row += 1
    for s in fmt.sections:
        sheet.labels.append(Label(row, 1, s.label, "block", cols=width))
        sheet.labels.append(Label(row + 1, 1, s.prompt, "prompt", cols=width))
        places[s.id] = Place(sheet.name, row + 2, 1)
        sheet.spans.append(Span(row + 2, 1, cols=width))
        sheet.heights[row + 1] = 30
        sheet.heights[row + 2] = 400 if s is fmt.sections[0] else 220  # 一 is the longest; Excel's maximum is 409
        names[f"{TEXT_PREFIX}{s.id}"] = (sheet.name, row + 2, 1, row + 2, 1)
        row += 4
    sheet.ncols, sheet.nrows = width, row - 2
    sheet.widths = {1: 14, 2: 30, 3: 30, 4: 30}


_BUILDERS = {"二": _table2_like, "三": _table3_like, "四": _table4_like}


@lru_cache(maxsize=None)
def layout(fmt: Format) -> Layout:
    """The template layout of a format: sheets, label cells, and the place of every value."""
    places: dict[str, Place] = {}
    names: dict[str, tuple] = {}
    cover = SheetLayout(COVER_SHEET)
    _cover(fmt, cover, places, names)
    sheets = [cover]
    for t in fmt.tables:
        s = SheetLayout(TABLE_SHEETS[t.id], table=t)
        _BUILDERS[t.id](t, s, places, names)
        sheets.append(s)
    return Layout(fmt, sheets, places, names)
