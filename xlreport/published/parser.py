"""Parsing the text of a published report: metadata, sections 一–六 and tables 二, 三, 四.

Every label comes from ``xlreport.formats``; every constraint used to split run-together digits
comes from ``xlreport.rules``.  The parser never guesses silently: a cell that more than one
reading fits is recorded in ``uncertain`` (with one reading that satisfies the rules as its
value), and a row that no reading fits is a ``parse.no_split`` finding.

The steps, for each table region (the text between two section headings):
1. lines are cut into label text and groups of numbers ("chunks"): a number alone on its line
   or after a label separated by spaces, or the cells of a grid row, is one cell; digits glued
   to labels ("一、本年新收政府信息公开申请数量121010014二、…") are found between labels;
2. the official row labels are located, in order, in the label text with whitespace removed
   (exactly, then by a short form, then within a small edit distance: a typo is a warning);
3. groups go to the row whose label precedes them; when that is not clean (PDF text puts the
   numbers of a wrapped label before or inside it) and there are as many groups as rows, they
   are taken in order;
4. each row's chunks become its cells: directly when there are as many as cells, by the blank
   lines between them when a copy keeps one cell per line, else by splitting digit strings
   under the row's own sum rule, then under the column rules of table 三.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..engine import CellRef, Finding
from ..formats import (FORMATS, MAX_YEAR, MIN_YEAR, Kind, S1, S5, S6, Table, get_format, split_key,
                       version_for_year)
from ..labels import canon_label
from ..model import Report
from ..rules import RULES, SUM_RULES, instances
from ..values import BLANK_TOKENS, normalize, number_and_unit
from .text import (GRID_SEP, canon, compact, heading_pattern, is_footer, normalize_lines, numbering, prefix_distance,
                   print_margin, rewrap, short_form, spaced_cjk, unspace_cjk)

MAX_CANDIDATES = 4000
MAX_NODES = 200_000  # search budget for splitting one row's digits
MAX_CELL_CHARS = 16  # no printed cell holds a longer number
MAX_COMBINATIONS = 50000

# -- the official data, derived once -----------------------------------------------------------


@dataclass(frozen=True)
class RowSpec:
    table: str
    row_id: str
    label: str  # official
    canon: str
    columns: tuple  # Column objects
    constraints: tuple  # ((total index, (input indices...)), ...) from the rules


@lru_cache(maxsize=None)
def row_specs(version: str, table_id: str) -> tuple[RowSpec, ...]:
    table = FORMATS[version].table(table_id)
    out = []
    for block in table.blocks:
        for row in block.rows:
            cols = block.columns
            out.append(RowSpec(table.id, row.id, row.label, canon(row.label), cols,
                               _row_constraints(table, row.id, cols)))
    return tuple(out)


def _row_constraints(table: Table, row_id: str, cols) -> tuple:
    """The sum rules that hold inside one printed row (row total = sum of its inputs)."""
    out = []
    index = {c.id: i for i, c in enumerate(cols)}
    for rule in SUM_RULES:
        if rule.table != table.id or rule.each != "row" or rule.cross_year:
            continue
        for inst in instances(rule, table):
            keys_l = [k for k, _, _ in inst.left]
            keys_r = [(k, s) for k, s, _ in inst.right]
            left = [split_key(k) for k in keys_l]
            right = [(split_key(k), s) for k, s in keys_r]
            if all(row == row_id for _, row, _ in left) and all(row == row_id for (_, row, _), _ in right):
                out.append((index[left[0][2]], tuple((index[col], s) for (_, _, col), s in right)))
    return tuple(out)


@lru_cache(maxsize=None)
def header_words(table_id: str) -> tuple[str, ...]:
    """Canonical header texts of a table in both versions (columns, blocks, corners, groups,
    titles), longest first: removed from the text between row labels before reading digits."""
    words = set()
    for fmt in FORMATS.values():
        t = fmt.table(table_id)
        words.add(canon(t.title))
        for b in t.blocks:
            words.update(canon(x) for x in (b.label, b.corner) if x)
            for c in b.columns:
                words.add(canon(c.label))
                words.update(canon(g) for g in c.groups)
            for r in b.rows:
                words.update(canon(g) for g in r.groups)
    return tuple(sorted((w for w in words if w), key=len, reverse=True))


@lru_cache(maxsize=None)
def column_instances(version: str, table_id: str) -> tuple:
    """The column sum rules of a table (三: balance, subtotal) as ((key, sign)...) pairs."""
    table = FORMATS[version].table(table_id)
    out = []
    for rule in SUM_RULES:
        if rule.table != table.id or rule.each != "column" or rule.cross_year:
            continue
        for inst in instances(rule, table):
            out.append((tuple((k, s) for k, s, _ in inst.left), tuple((k, s) for k, s, _ in inst.right)))
    return tuple(out)


HEADINGS = {"s1": S1, "s5": S5, "s6": S6, **{t.id: t.title for t in FORMATS["2021"].tables}}
_HEADING_RE = {k: heading_pattern(v) for k, v in HEADINGS.items()}
_HEADING_SHORT = {k: re.compile(r"(?m)^\s*(?:[一二三四五六七八九十]\s*[、.]\s*)?" + heading_pattern(v.split("、", 1)[1]).pattern)
                  for k, v in HEADINGS.items() if "、" in v}
_T4 = FORMATS["2021"].table("四")
_TABLE_START = {  # where a table begins when its heading is reworded: its first labels
    "二": heading_pattern(FORMATS["2021"].table("二").blocks[0].label),
    "三": heading_pattern(FORMATS["2021"].table("三").rows[0].label),
    "四": re.compile(heading_pattern(_T4.rows[0].label).pattern + r"[\s\S]{0,80}?"
                    + heading_pattern(_T4.rows[1].groups[0]).pattern)}
# wordings seen besides the official ones ("存在的主要问题和改进措施", "其他需要报告的事项情况")
_HEADING_LOOSE = {"s5": re.compile(r"(?m)^\s*五\s*[、.]\s*存在的?\s*主要\s*问题[^\n。]{0,12}"),
                  "s6": re.compile(r"(?m)^\s*六\s*[、.]\s*其他\s*需要\s*报告[^\n。]{0,10}")}
_T4_HEADING = re.compile(r"四\s*、(?:(?!四\s*、)[^。\n]){0,30}?行\s*政\s*复\s*议[^。\n]{0,20}?情\s*况")
_NUM_IN_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?")
_TOKEN = re.compile(r"\S+")

# -- documents as lines, chunks and groups -------------------------------------------------------


@dataclass
class Chunk:
    text: str  # numeric text ("121010014", "+82", "5253.168") or "" for an explicit blank cell
    line: int
    atomic: bool  # one whole cell: never split
    col: int | None = None  # where it ends on its line (layout text from a PDF)
    gpos: int | None = None  # grid rows: its position counted from the row's right edge (1 = last)

    @property
    def blank(self) -> bool:
        return self.text == ""


@dataclass
class Group:
    offset: int  # where it sits in the label text
    chunks: list
    exact: bool = False  # positions known (grid rows with explicit blanks)
    runs: list | None = None  # blank lines before each chunk and after the last (one cell per line)
    alone: bool = False  # numbers on a line of their own in PDF-like text


_NUMERIC_START = frozenset("0123456789+-.")
_BLANK_MARKS = frozenset(t for t in BLANK_TOKENS if t not in ("无", "空"))


def _numeric(tok: str) -> str | None:
    """The numeric text of a cell token, "" for a blank marker, None for text."""
    t = tok.strip()
    if not t:
        return ""
    if t[0] not in _NUMERIC_START:
        return "" if t.lower() in _BLANK_MARKS else None
    if t.lower() in BLANK_TOKENS and t not in ("无", "空"):
        return ""
    parsed = number_and_unit(t)  # "3,119件" -> 3119, as the hand-made workbook reader reads it
    if parsed is not None:
        return parsed[0]
    return None


@dataclass
class Scan:
    compact: str
    line_of: list  # line index of each compact character
    groups: list
    mode: str  # "line" (cells separated by spaces), "cell" (one per line or run together), "grid"
    headers: list = field(default_factory=list)  # grid header blocks: (first data line, {label: gpos})


def scan(lines: list[str], columns: frozenset = frozenset()) -> Scan:
    """Cut a table region into label text and groups of numbers.  ``columns``: the canonical
    column labels of the table, whose positions in a grid's header rows place the grid's cells."""
    split = [None if (not l or GRID_SEP in l) else l.split() for l in lines]
    values = [None if t is None else [_numeric(x) for x in t] for t in split]
    line_mode = sum(1 for v in values if v is not None and sum(x not in (None, "") for x in v) >= 2) >= 3
    parts: list[str] = []
    line_of: list[int] = []
    groups: list[Group] = []
    size = 0
    open_group: Group | None = None  # one cell per line: consecutive number lines
    blank_run = 0
    grid = False
    headers: list = []
    head: dict = {}  # the header rows being read: column label -> position from the right

    def add_text(text, i):
        nonlocal size
        c = compact(text)
        parts.append(c)
        line_of.extend([i] * len(c))
        size += len(c)

    for i, line in enumerate(lines):
        if not line.strip():
            blank_run += 1
            continue
        if GRID_SEP in line:
            grid = True
            open_group = None
            cells = line.split(GRID_SEP)
            vals = ["" if c.strip() in ("无", "空") else _numeric(c) for c in cells]  # a grid cell "无" is blank
            k = len(cells)
            while k > 0 and vals[k - 1] is not None:
                k -= 1
            add_text(" ".join(cells[:k]), i)
            w = len(cells)
            if k < len(cells) and any(v for v in vals[k:]):
                groups.append(Group(size, [Chunk(v, i, True, gpos=w - j) for j, v in enumerate(vals[k:], k)],
                                    exact=True))
                if head:
                    headers.append((i, {**(headers[-1][1] if headers else {}), **head}))
                    head = {}
            elif k < len(cells) and k > 0:
                groups.append(Group(size, [Chunk("", i, True, gpos=w - j) for j in range(k, w)], exact=True))
            if columns and not any(v for v in vals if v):
                for j, c in enumerate(cells):
                    label = canon_label(c)  # a whole header cell, compared as every reader compares labels
                    if label in columns:
                        head[label] = w - j
            blank_run = 0
            continue
        toks = split[i]
        vals = values[i]
        ends = [m.end() for m in _TOKEN.finditer(line)] if "  " in line else [None] * len(toks)
        if all(v is not None for v in vals):
            chunks = [Chunk(v, i, True, e) for v, e in zip(vals, ends)]
            if line_mode or len(chunks) > 1:
                if open_group is not None:
                    open_group.runs.append(blank_run)
                    open_group = None
                groups.append(Group(size, chunks, alone=True))
            elif open_group is not None:
                open_group.chunks.extend(chunks)
                open_group.runs.append(blank_run)
            else:
                open_group = Group(size, chunks, runs=[blank_run])
                groups.append(open_group)
            blank_run = 0
            continue
        if open_group is not None:
            open_group.runs.append(blank_run)
            open_group = None
        k = len(toks)
        while k > 1 and vals[k - 1] is not None:
            k -= 1
        add_text(" ".join(toks[:k]), i)
        if k < len(toks):
            groups.append(Group(size, [Chunk(v, i, True, e) for v, e in zip(vals[k:], ends[k:])]))
        blank_run = 0
    if open_group is not None:
        open_group.runs.append(None)  # the region ends: the trailing run is unknown
    mode = "grid" if grid else ("line" if line_mode else "cell")
    return Scan("".join(parts), line_of, groups, mode, headers)


# -- locating labels -------------------------------------------------------------------------------

@dataclass
class Found:
    start: int
    end: int
    text: str  # as printed (canonical)
    typo: bool = False


def find_labels(compact: str, specs) -> list:
    """Each row label's position in the label text, in the official order (None: not found)."""
    found: list[Found | None] = [None] * len(specs)
    pos = 0
    for i, spec in enumerate(specs):
        j = compact.find(spec.canon, pos)
        if j >= 0:
            found[i] = Found(j, j + len(spec.canon), spec.canon)
            pos = j + len(spec.canon)
    # short forms and typos, each searched only between its found neighbours
    for i, spec in enumerate(specs):
        if found[i] is not None:
            continue
        lo = max((f.end for f in found[:i] if f is not None), default=0)
        hi = min((f.start for f in found[i + 1:] if f is not None), default=len(compact))
        window = compact[lo:hi]
        short = short_form(spec.canon)
        if short:
            j = window.find(short)
            if j >= 0:
                found[i] = Found(lo + j, lo + j + len(short), short)
                continue
        hit = _fuzzy(window, spec.canon)
        if hit is not None:
            j, text = hit
            prefix = numbering(spec.canon)
            interleaved = _subsequence(spec.canon, text) or re.search(r"\d\.", text[len(prefix):])
            found[i] = Found(lo + j, lo + j + len(text), text, typo=not interleaved)
    return found


def _subsequence(label: str, text: str) -> bool:
    """True when ``text`` is ``label`` with characters inserted (a wrapped label interleaved
    with another cell's text), which is layout, not a typo."""
    it = iter(text)
    return all(ch in it for ch in label)


def _fuzzy(window: str, label: str) -> tuple[int, str] | None:
    prefix = numbering(label)
    body = label[len(prefix):]
    if len(body) < 4 or not window:
        return None
    limit = max(1, len(body) // 4)
    starts = [m.start() for m in re.finditer(re.escape(prefix), window)] if prefix else \
        [m.start() for m in re.finditer(re.escape(body[:2]), window)]
    best = None
    chars = set(body)
    for s in starts:
        head = window[s + len(prefix): s + len(label) + limit]
        if len(chars.intersection(head)) < 0.6 * len(chars):
            continue
        d, end = prefix_distance(head, body, limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, s, window[s: s + len(prefix) + end])
    if best is None:
        return None
    return best[1], best[2]


# -- splitting digits into cells -----------------------------------------------------------------------

def _valid(part: str, kind: Kind | None) -> bool:
    if not part or len(part) > MAX_CELL_CHARS:
        return False
    if kind is None:  # any kind: the position is not known yet
        return _valid(part, Kind.SIGNED) or _valid(part, Kind.AMOUNT)
    sign = part[0] in "+-"
    digits = part[1:] if sign else part
    if sign and kind is not Kind.SIGNED:
        return False
    if not digits or not digits[0].isdigit():
        return False
    whole, _, frac = digits.partition(".")
    if not whole.isdigit() or (len(whole) > 1 and whole[0] == "0"):
        return False
    if "." in digits:
        return kind in (Kind.MONEY, Kind.AMOUNT) and frac.isdigit()
    return True


def _dec(s: str | None) -> Decimal:
    if not s:
        return Decimal(0)
    try:
        return Decimal(s)
    except InvalidOperation:
        return Decimal(0)


def _fits(values, constraints) -> bool:
    for total, parts in constraints:
        if values[total] is None:
            continue  # a blank total: nothing to check (the engine reports the blank)
        if _dec(values[total]) != sum((s * _dec(values[i]) for i, s in parts), Decimal(0)):
            return False
    return True


class TooMany(Exception):
    """Digits too long to enumerate their splits within the budget."""


def splits(chunks: list[str], kinds: list, limit: int = MAX_CANDIDATES) -> list[tuple]:
    """Every way to cut the chunks (each into one or more parts, in order) into len(kinds)
    cells whose texts are valid for their kinds.  Raises TooMany past a fixed search budget."""
    n = len(kinds)
    out: list[tuple] = []
    remaining = [sum(len(c) for c in chunks[i:]) for i in range(len(chunks) + 1)]
    nodes = [MAX_NODES]

    def dfs(ci, pos, acc):
        if len(out) >= limit:
            return
        nodes[0] -= 1
        if nodes[0] < 0:
            raise TooMany
        col = len(acc)
        if ci == len(chunks):
            if col == n:
                out.append(tuple(acc))
            return
        if col == n:
            return
        chunk = chunks[ci]
        left_chars = len(chunk) - pos + remaining[ci + 1]
        if left_chars < n - col or left_chars > (n - col) * MAX_CELL_CHARS:
            return
        for end in range(pos + 1, min(len(chunk), pos + MAX_CELL_CHARS) + 1):
            part = chunk[pos:end]
            if not _valid(part, kinds[col]):
                digits = part.lstrip("+-")
                if len(digits) > 1 and digits[0] == "0" and digits[1] != ".":
                    break  # a leading zero stays a leading zero
                continue
            acc.append(part)
            if end == len(chunk):
                dfs(ci + 1, 0, acc)
            else:
                dfs(ci, end, acc)
            acc.pop()

    dfs(0, 0, [])
    return out


def _reading_order(cand: tuple) -> tuple:
    """Preference among readings that the rules cannot tell apart (used only for uncertain
    cells' shown value): most even digit lengths, then the last cell largest, then leftmost."""
    lengths = [len(x) for x in cand if x]
    return (max(lengths, default=0), -_dec(cand[-1] if cand else None))


@dataclass
class RowResult:
    candidates: list  # tuples of cell texts (None: blank); the first is the shown reading
    reason: str = ""  # why more than one reading remains
    no_split: str | None = None  # the digits that no reading fits
    lost: bool = False  # the row's label was not found: nothing is known
    placed: bool = False  # read as a row whose blank cells were left out


def solve_row(spec: RowSpec, chunks: list[Chunk], runs, gap, splittable: bool, dropped: bool = False) -> RowResult:
    """The possible readings of one printed row from its chunks; ``dropped``: the table is known
    to leave blank cells out, so digits that split into every cell may also be fewer cells."""
    try:
        return _solve_row(spec, chunks, runs, gap, splittable, dropped)
    except TooMany:
        return RowResult([tuple([None] * len(spec.columns))], "连写的数字太长，可能的拆法过多", lost=True)


def _solve_row(spec: RowSpec, chunks: list[Chunk], runs, gap, splittable: bool, dropped: bool = False) -> RowResult:
    n = len(spec.columns)
    kinds = [c.kind for c in spec.columns]
    cons = spec.constraints
    texts = [c.text for c in chunks]
    if not chunks:
        return RowResult([tuple([None] * n)])
    if len(chunks) == n:
        vals = tuple(t if t != "" else None for t in texts)
        return RowResult([vals])
    if runs is not None and gap is not None and len(chunks) < n:
        placed = gap.place(runs, n)
        if placed is not None:
            vals = [None] * n
            for idx, t in zip(placed, texts):
                vals[idx] = t or None
            return RowResult([tuple(vals)])
    if len(chunks) > n and all(c.blank for c in chunks[n:]):
        return RowResult([tuple(t or None for t in texts[:n])])
    if len(chunks) > n and all(c.blank for c in chunks[:len(chunks) - n]):
        return RowResult([tuple(t or None for t in texts[len(chunks) - n:])])
    numbers = [t for t in texts if t]
    can_split = splittable and any(not c.atomic for c in chunks)
    if len(numbers) < n and can_split:
        full = splits(numbers, kinds)
        fitting = [c for c in full if _fits(c, cons)]
        if fitting:
            fitting.sort(key=_reading_order)
            fewer = _place(numbers, kinds, cons, n, True, True, n - 1) if dropped else None
            if fewer:
                return RowResult(fitting + fewer[:MAX_CANDIDATES], "数字连写且可能省略了空白单元格，有多种读法")
            return RowResult(fitting, "数字连写，有多种拆分都满足勾稽关系" if len(fitting) > 1 else "")
        placed = _placements(numbers, kinds, cons, n, True) if dropped else None  # blanks left out too
        if placed:
            if len(placed.candidates) == 1 and full:  # the split into every cell reads otherwise
                placed.candidates.append(full[0])
                placed.reason = "数字连写且可能省略了空白单元格，有多种读法"
            return placed
        if len(full) == 1:
            return RowResult(full)
        if full:
            return RowResult([tuple([None] * n)], no_split="".join(numbers))
    if len(numbers) > n:
        return RowResult([tuple([None] * n)], no_split=" ".join(numbers))
    return _placements(numbers, kinds, cons, n, can_split) or \
        RowResult([tuple([None] * n)], no_split=" ".join(numbers))


def _placements(numbers, kinds, cons, n, can_split) -> "RowResult | None":
    """Fewer numbers than cells and the blank positions lost: every placement (and split, when
    digits may run together) that satisfies the row's rules; None when none does.  Readings
    with a blank total beside numbers come after those that fill their totals; when they are
    all there is, every cell of the row is uncertain."""
    strict = _place(numbers, kinds, cons, n, can_split, True)
    loose = _place(numbers, kinds, cons, n, can_split, False)
    if strict is None or loose is None:
        return None
    # shown reading: totals filled (what a printed row keeps), then the leftmost positions
    cands = strict + [c for c in loose if c not in set(strict)][:MAX_CANDIDATES]
    if not cands:
        return None
    cands.sort(key=lambda c: sum(c[t] is None for t, _ in cons))
    reason = "原文省略了空白单元格，数字所在的位置无法确定"
    return RowResult(cands, reason if len(cands) > 1 or not strict else "", lost=not strict, placed=True)


def _place(numbers, kinds, cons, n, can_split, strict, most: int | None = None) -> list | None:
    cands = []
    budget = [MAX_CANDIDATES * 10]  # placements tried, at most
    for k in range(min(most or n, n, sum(len(x) for x in numbers)), 0, -1):
        try:
            parts_list = splits(numbers, [None] * k) if can_split else ([tuple(numbers)] if len(numbers) == k else [])
        except TooMany:
            return None
        for parts in parts_list:
            for pos in itertools.combinations(range(n), k):
                budget[0] -= 1
                if budget[0] < 0:
                    break
                vals = [None] * n
                ok = True
                for p, t in zip(pos, parts):
                    if not _valid(t, kinds[p]):
                        ok = False
                        break
                    vals[p] = t
                if ok and strict and any(vals[t] is None and any(_dec(vals[i]) for i, _ in ps) for t, ps in cons):
                    ok = False
                if ok and _fits(vals, cons):
                    cands.append(tuple(vals))
                if len(cands) >= MAX_CANDIDATES:
                    break
        if cands:
            break
    return cands


@dataclass
class GapModel:
    """Copies with one cell per line mark a blank cell by extra blank lines: between two cells
    of a row there are ``sep`` blank lines, a blank cell adds ``sep + 1``, a new row ``row_sep``."""

    sep: int
    row_sep: int

    def _empties(self, run, base):
        if run is None:
            return None
        e, r = divmod(run - base, self.sep + 1)
        return e if r == 0 and e >= 0 else None

    def place(self, runs: list, n: int) -> list | None:
        k = len(runs) - 1
        lead = {self._empties(runs[0], self.sep), self._empties(runs[0], self.row_sep)} - {None}
        if len(lead) != 1:
            return None
        pos = [lead.pop()]
        for r in runs[1:k]:
            e = self._empties(r, self.sep)
            if e is None:
                return None
            pos.append(pos[-1] + 1 + e)
        if pos[-1] >= n:
            return None
        trailing = n - 1 - pos[-1]
        if runs[k] is None and trailing and pos == list(range(len(pos))):
            return None  # no blank line marks any blank cell: the copy may have left blanks out
        if runs[k] is not None:
            e = self._empties(runs[k], self.row_sep)
            if e is None or e != trailing:
                e2 = self._empties(runs[k], self.sep)
                if e2 != trailing:
                    return None
        return pos


def gap_model(groups: list[Group], widths: set) -> GapModel | None:
    inner = Counter(r for g in groups if g.runs for r in g.runs[1:-1])
    after = Counter(g.runs[-1] for g in groups if g.runs and len(g.chunks) in widths and g.runs[-1] is not None)
    if sum(inner.values()) < 6 or not after:
        return None
    sep = inner.most_common(1)[0][0]
    row_sep = after.most_common(1)[0][0]
    if row_sep < sep:
        return None
    return GapModel(sep, row_sep)


# -- one table -------------------------------------------------------------------------------------------

@dataclass
class TableResult:
    table: str
    version: str
    values: dict = field(default_factory=dict)  # row label -> {column label: text or None}
    uncertain: set = field(default_factory=set)  # interchange paths
    findings: list = field(default_factory=list)
    found: int = 0  # row labels located
    gap: "GapModel | None" = None  # how blank cells show in a one-cell-per-line copy
    dropped: bool = False  # some row was read as having its blank cells left out


def parse_table(table_id: str, version: str, lines: list[str], prior_gap: "GapModel | None" = None,
                dropped: bool = False) -> TableResult:
    """One table region read into a TableResult (``dropped``: the report is known to leave
    blank cells out, so run-together digits may fill fewer cells)."""
    if table_id == "四":
        return parse_table4(version, lines, prior_gap)
    specs = row_specs(version, table_id)
    sc = scan(lines, column_labels(version, table_id))
    found = find_labels(sc.compact, specs)
    res = TableResult(table_id, version, found=sum(f is not None for f in found))
    if res.found == 0:
        return res
    for spec, f in zip(specs, found):
        if f is not None and f.typo:
            res.findings.append(RULES["parse.label_typo"].finding(table=table_id, where=spec.label,
                                                                 label=spec.label, found=f.text))
    starts = [(f.start, f.end, i) for i, f in enumerate(found) if f is not None]
    groups = _table_groups(table_id, specs, sc, starts)
    by_row, troubled = _assign(specs, sc, starts, groups)
    gm = (gap_model(groups, {len(s.columns) for s in specs}) or prior_gap) if sc.mode == "cell" else None
    res.gap = gm
    results, redo = _read_rows(specs, sc, found, by_row, troubled, gm)
    res.dropped = any(r.placed for r in results.values())
    if res.dropped or dropped:  # this report leaves blank cells out: so may any row
        for i, spec, chunks, runs in redo:
            results[i] = solve_row(spec, chunks, runs, gm, True, dropped=True)
    if table_id == "三":
        _solve_columns(version, specs, results)
    _record(res, specs, results)
    return res


def _table_groups(table_id: str, specs, sc: Scan, starts) -> list:
    """The groups of numbers of a table region, page numbers left out and digits glued to the
    labels (one-cell-per-line or run-together copies) found between the labels."""
    groups = list(sc.groups)
    if sc.mode == "line" and min(len(sp.columns) for sp in specs) > 2:
        # a lone short number on its own line between rows of many cells: a page number; unless
        # between two lines of a wrapped label (the number of that row, printed mid-height)
        bare_labels = set(sc.line_of) - {c.line for g in groups for c in g.chunks}  # label lines, no numbers
        groups = [g for g in groups if not (g.alone and len(g.chunks) == 1 and len(g.chunks[0].text) <= 3
                                            and not {g.chunks[0].line - 1, g.chunks[0].line + 1} <= bare_labels)]
    if sc.mode == "cell":  # digits glued to the labels
        bounds = starts + [(len(sc.compact), len(sc.compact), None)]
        for (s, e, i), (s2, _, _) in zip(bounds, bounds[1:]):
            between = sc.compact[e:s2]
            for w in header_words(table_id):
                if w in between:
                    between = between.replace(w, "|")
            nums = _NUM_IN_TEXT.findall(between)
            if nums:
                line = sc.line_of[e] if e < len(sc.line_of) else (sc.line_of[-1] if sc.line_of else 0)
                groups.append(Group(e, [Chunk(x, line, False) for x in nums]))
        groups.sort(key=lambda g: g.offset)
    return groups


def _assign(specs, sc: Scan, starts, groups) -> tuple[dict, set]:
    """Groups to rows: each to the last label starting before it; when that is not clean, in
    order (as many groups as rows) or by line distance (PDF text).  Returns (row -> groups, the
    rows whose numbers are not clearly theirs)."""
    assigned: dict[int, list[Group]] = {i: [] for _, _, i in starts}
    orphans = []
    for g in groups:
        owner = None
        for s, e, i in starts:
            if s < g.offset:
                owner = i
            else:
                break
        if owner is None:
            orphans.append(g)
        else:
            assigned[owner].append(g)
    clean = not orphans and all(len(v) <= 1 for v in assigned.values())
    if not clean and len(groups) == len(specs) and sc.mode != "cell":
        return {i: [g] for i, g in enumerate(groups)}, set()  # taken in order (PDF text)
    if not clean and sc.mode == "line" and starts:
        # PDF text with a row short: each line of numbers to the label nearest to it, by lines
        by_row = _nearest(starts, groups, sc.line_of)
        return by_row, {i for i, v in by_row.items() if len(v) != 1}
    troubled: set[int] = set()
    if not clean:
        troubled = {i for i, v in assigned.items() if len(v) > 1}
        if orphans and starts:
            troubled.add(starts[0][2])
    return assigned, troubled


def _read_rows(specs, sc: Scan, found, by_row, troubled, gm) -> tuple[dict, list]:
    """Each row's readings; and the rows split into every cell (read again when the report
    turns out to leave blank cells out)."""
    anchors = _anchors(specs, by_row) if sc.mode == "line" else {}
    results: dict[int, RowResult] = {}
    redo: list = []
    for i, spec in enumerate(specs):
        gs = by_row.get(i)
        if gs is None:
            if found[i] is None:  # the label is not in the text: the row is not read
                results[i] = RowResult([tuple([None] * len(spec.columns))], "报告中找不到该行的标签", lost=True)
                continue
            gs = []
        if not gs and (i in troubled or sc.mode == "grid"):  # a grid row always has its cells
            results[i] = RowResult([tuple([None] * len(spec.columns))], "数字与标签的对应关系不清楚", lost=True)
            continue
        chunks = [c for g in gs for c in g.chunks]
        runs = gs[0].runs if len(gs) == 1 and gs[0].runs and len(gs[0].runs) == len(chunks) + 1 else None
        splittable = sc.mode == "cell"
        placed = _by_columns(chunks, anchors.get(len(spec.columns)))
        if placed is None and sc.mode == "grid" and len(gs) == 1:
            placed = _by_header(spec, gs[0], sc.headers)
        if placed is not None:
            rr = RowResult([tuple(placed)])
        else:
            rr = solve_row(spec, chunks, runs, gm, splittable)
            if splittable and not rr.placed:
                redo.append((i, spec, chunks, runs))
        if i in troubled and sc.mode == "line":  # PDF text: every cell of the row in doubt, reading kept
            rr.reason = "数字与标签的对应关系不清楚"
            rr.lost = True
        results[i] = rr
    return results, redo


def _record(res: TableResult, specs, results: dict) -> None:
    """The shown reading of each row into ``res``, its undecided cells as uncertain, findings."""
    table_id = res.table
    for i, rr in results.items():
        spec = specs[i]
        shown = rr.candidates[0]
        row = {}
        unsure = []
        for j, col in enumerate(spec.columns):
            row[col.label] = shown[j]
            if len({c[j] for c in rr.candidates}) > 1 or rr.no_split is not None or rr.lost:
                unsure.append(col)
        res.values[spec.label] = row
        for col in unsure:
            res.uncertain.add(f"{table_id}/{spec.label}/{col.label}")
        if rr.no_split is not None:
            res.findings.append(RULES["parse.no_split"].finding(table=table_id, where=spec.label,
                                                               digits=rr.no_split, count=len(spec.columns)))
        elif unsure:
            res.findings.append(RULES["parse.uncertain"].finding(
                table=table_id, where=spec.label, count=len(unsure), cells="、".join(c.label for c in unsure),
                reason=rr.reason or "有多种读法"))


def _nearest(starts, groups, line_of) -> dict:
    """Groups to labels by line distance (0 inside a wrapped label's lines; a tie goes to the
    label below, where a PDF puts the numbers of a label that wraps downwards)."""
    spans = []
    for s, e, i in starts:
        spans.append((line_of[s] if s < len(line_of) else 0, line_of[max(s, e - 1)] if e - 1 < len(line_of) else 0, i))
    out: dict[int, list] = {i: [] for _, _, i in starts}
    for g in groups:
        line = g.chunks[0].line
        best = min(spans, key=lambda sp: (0 if sp[0] <= line <= sp[1] else min(abs(line - sp[0]), abs(line - sp[1])),
                                          0 if line < sp[0] else 1))
        out[best[2]].append(g)
    return out


def _anchors(specs, by_row) -> dict:
    """Where the columns of a PDF's layout text end: the median end position of each cell over
    the rows that have all their cells (numbers are aligned in the printed table)."""
    seen: dict[int, list] = {}
    for i, gs in by_row.items():
        if i >= len(specs) or len(gs) != 1:
            continue
        chunks = gs[0].chunks
        n = len(specs[i].columns)
        if len(chunks) == n and all(c.col is not None for c in chunks):
            seen.setdefault(n, []).append([c.col for c in chunks])
    out = {}
    for n, rows in seen.items():
        if len(rows) >= 2:
            cols = [sorted(r[j] for r in rows)[len(rows) // 2] for j in range(n)]
            if not all(a < b for a, b in zip(cols, cols[1:])):
                continue
            # only a layout that aligns its columns (not cells merely separated by spaces)
            tol = max(2, min(b - a for a, b in zip(cols, cols[1:])) // 3) if n > 1 else 2
            aligned = sum(all(abs(r[j] - cols[j]) <= tol for j in range(n)) for r in rows)
            if aligned >= max(2, -(-3 * len(rows) // 5)):
                out[n] = cols
    return out


def _by_columns(chunks, anchors) -> list | None:
    """The cells of a row that lost its blank cells, placed under the columns they are printed
    in; None when a number is not clearly under one column."""
    if not anchors or not chunks or len(chunks) >= len(anchors) or any(c.col is None for c in chunks):
        return None
    gap = min((b - a for a, b in zip(anchors, anchors[1:])), default=0)
    if gap < 3:
        return None
    vals = [None] * len(anchors)
    last = -1
    for c in chunks:
        j = min(range(len(anchors)), key=lambda k: abs(anchors[k] - c.col))
        if j <= last or abs(anchors[j] - c.col) > gap // 2 - 1:
            return None
        vals[j] = c.text or None
        last = j
    return vals


@lru_cache(maxsize=None)
def column_labels(version: str, table_id: str) -> frozenset:
    """The canonical column labels of a table (what its grid header rows print)."""
    return frozenset(canon_label(c.label) for b in FORMATS[version].table(table_id).blocks for c in b.columns)


def _by_header(spec: RowSpec, group: Group, headers: list) -> list | None:
    """The cells of a grid row by the positions of the column labels in the header rows above it
    (after spans are expanded): every column found, every number on a column."""
    line = group.chunks[0].line
    head = None
    for first, h in headers:
        if first > line:
            break
        head = h
    if head is None:
        return None
    if any(c.gpos is None for c in group.chunks):
        return None
    at = {c.gpos: c for c in group.chunks}
    pos = [head.get(canon_label(col.label)) for col in spec.columns]
    if None in pos or len(set(pos)) != len(pos):
        return None
    if any(c.text and c.gpos not in pos for c in group.chunks):
        return None  # a number under no column: not a grid to trust
    if any(p not in at for p in pos):
        return None  # a column over the row's label cells
    return [at[p].text or None for p in pos]


def _solve_columns(version: str, specs, results: dict) -> None:
    """Narrow ambiguous rows of table 三 by its column rules (balance, subtotal)."""
    ambiguous = [i for i, r in results.items() if len(r.candidates) > 1 and r.no_split is None]
    if not ambiguous:
        return
    total = 1
    for i in ambiguous:
        total *= len(results[i].candidates)
    if total > MAX_COMBINATIONS:
        return
    import numpy as np

    rows = {s.row_id: i for i, s in enumerate(specs)}
    cols = {c.id: j for j, c in enumerate(specs[0].columns)}
    inst = column_instances(version, "三")
    amb = {i: n for n, i in enumerate(ambiguous)}
    # each rule instance as: constant part (rows that are decided) + one term per ambiguous row
    const = np.zeros(len(inst), dtype=object)
    contrib = [np.zeros((len(results[i].candidates), len(inst)), dtype=object) for i in ambiguous]
    for q, (left, right) in enumerate(inst):
        for terms, side in ((left, 1), (right, -1)):
            for key, sign in terms:
                _, rid, cid = split_key(key)
                i, j = rows[rid], cols[cid]
                r = results.get(i)
                if r is None:
                    continue
                if i in amb:
                    for k, cand in enumerate(r.candidates):
                        contrib[amb[i]][k, q] += side * sign * _dec(cand[j])
                else:
                    const[q] += side * sign * _dec(r.candidates[0][j])
    try:  # exact integers (table 三 holds counts) let numpy do the sums
        const = const.astype(np.int64)
        contrib = [c.astype(np.int64) for c in contrib]
    except (TypeError, ValueError, OverflowError):
        pass
    total = const
    for n, c in enumerate(contrib):
        shape = [1] * len(contrib) + [len(inst)]
        shape[n] = c.shape[0]
        total = total + c.reshape(shape)
    ok = np.all(total == 0, axis=-1)
    keep: dict[int, set] = {i: set() for i in ambiguous}
    for combo in zip(*np.nonzero(ok)):
        for i, k in zip(ambiguous, combo):
            keep[i].add(int(k))
    if not any(keep.values()):
        return
    for i in ambiguous:
        r = results[i]
        r.candidates = [c for k, c in enumerate(r.candidates) if k in keep[i]]
        if len(r.candidates) > 1 and "勾稽" in r.reason:
            r.reason = "数字连写，按行、列勾稽关系仍有多种拆分"


def parse_table4(version: str, lines: list[str], gap: "GapModel | None" = None) -> TableResult:
    """Table 四: one printed row of 15 numbers under a header of labels."""
    table = FORMATS[version].table("四")
    specs = row_specs(version, "四")
    res = TableResult("四", version)
    sc = scan(lines)
    heads = [canon(c.label) for c in table.blocks[0].columns] + [canon(r.label) for r in table.rows]
    present = [h for h in heads if h in sc.compact]
    # column labels wrapped inside their cells ("结果" over "维持"): look for their halves
    halves = {h for c in table.blocks[0].columns for h in (canon(c.label)[:2], canon(c.label)[2:]) if len(h) == 2}
    if len(present) < 2 and sum(h in sc.compact for h in halves) < 3:
        return res  # no table here (e.g. replaced by a sentence)
    res.found = len(specs)
    chunks: list[Chunk] = []
    runs = None
    if sc.mode == "cell":
        last = 0
        for w in header_words("四") + tuple(halves) + tuple(canon(r.label) for r in table.rows):
            j = sc.compact.rfind(w)
            if j >= 0:
                last = max(last, j + len(w))
        tail = [g for g in sc.groups if g.offset >= last]
        glued = _NUM_IN_TEXT.findall(sc.compact[last:])
        chunks = [c for g in tail for c in g.chunks] + [Chunk(x, 0, False) for x in glued]
        if len(tail) == 1 and not glued and tail[0].runs and len(tail[0].runs) == len(tail[0].chunks) + 1:
            runs = tail[0].runs
    else:
        chunks = [c for g in sc.groups for c in g.chunks]
        numeric = [g for g in sc.groups if any(c.text for c in g.chunks)]
        if sc.mode == "grid" and len(numeric) == 1:
            chunks = numeric[0].chunks  # one grid row holds the numbers: the header rows' blanks are no cells
        elif sc.mode == "grid" and not numeric:
            width = sum(len(s.columns) for s in specs)
            empty = [i for i, l in enumerate(lines) if GRID_SEP in l and l.count(GRID_SEP) == width - 1
                     and not l.replace(GRID_SEP, "").strip()]
            if empty:  # the row of numbers under the header printed all blank: every cell blank
                chunks = [Chunk("", empty[-1], True) for _ in range(width)]
    n = sum(len(s.columns) for s in specs)
    cons = []
    offset = 0
    for s in specs:
        cons += [(t + offset, tuple((i + offset, sg) for i, sg in parts)) for t, parts in s.constraints]
        offset += len(s.columns)
    flat = RowSpec("四", "all", "", "", tuple(c for s in specs for c in s.columns), tuple(cons))
    gm = (gap_model(sc.groups, {15}) or gap) if sc.mode == "cell" else None
    rr = solve_row(flat, chunks, runs, gm, sc.mode == "cell")
    shown = rr.candidates[0]
    offset = 0
    for s in specs:
        row, unsure = {}, []
        for j, col in enumerate(s.columns):
            row[col.label] = shown[offset + j]
            if len({c[offset + j] for c in rr.candidates}) > 1 or rr.no_split is not None or rr.lost:
                unsure.append(col)
                res.uncertain.add(f"四/{s.label}/{col.label}")
        res.values[s.label] = row
        if unsure and rr.no_split is None:
            res.findings.append(RULES["parse.uncertain"].finding(table="四", where=s.label, count=len(unsure),
                                                                cells="、".join(c.label for c in unsure),
                                                                reason=rr.reason or "有多种读法"))
        offset += len(s.columns)
    if rr.no_split is not None:
        res.findings.append(RULES["parse.no_split"].finding(table="四", where="行政复议、行政诉讼", digits=rr.no_split, count=n))
    return res


# -- the whole document -------------------------------------------------------------------------------------

_SOURCE = re.compile(r"^#\s*source:", re.I)
_TITLE = re.compile(r"([\u4e00-\u9fff()·]{2,40}?)(20\d\d)年度?(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,6}?报告")
# "某局政府信息公开工作年度报告（2023年度）": the year after the title
_TITLE_YEAR_AFTER = re.compile(r"([\u4e00-\u9fff()·]{2,40}?)(?:关于)?(?:政府信息公开|政务公开|信息公开)工作[\u4e00-\u9fff]{0,6}?报告"
                               r"\(?(20\d\d)年度?\)?")
# a web page's "来源：某局" / "发布机构：某局" line
_SOURCE_AGENCY = re.compile(r"(?:^|[^\u4e00-\u9fff])(?:信息来源|来源|发布机构|发文机关|发布单位|公开主体)[:：]"
                            r"([\u4e00-\u9fff()·]{2,40}?)(?=发布|发文|浏览|时间|日期|作者|字号|点击|访问|索引|$)")
# "2019年某某市人民政府办公厅政府信息公开工作年度报告": the year first, the agency after it
_TITLE_YEAR_FIRST = re.compile(r"(?:^|[^\d])(20\d\d)年度?([\u4e00-\u9fff()·]{2,40}?)(?:关于)?(?:政府信息公开|政务公开|信息公开)"
                               r"工作[\u4e00-\u9fff]{0,6}?报告")
_LEAD_WORDS = re.compile(r"^(?:发布|根据|现将|公布|关于|现)+")
_TRAIL_WORDS = re.compile(r"(?:关于|发布|公布|的)+$")
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0", "O": "0", "0": "0"}
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九0O]{4})\s*年(?:\s*([一二三四五六七八九十]{1,3})\s*月"
                      r"(?:\s*([一二三四五六七八九十]{1,3})\s*日)?)?")
# an agency signing the report on a line of its own at the end: a name ending as agencies' names do
_SIGNATURE = re.compile(r"[\u4e00-\u9fff()·]{2,40}?(?:人民政府|政府办公室|办公室|办公厅|委员会|管理委员会|局|厅|委|办|"
                        r"署|院|中心|所|站|队|处|馆|会|社|公司|街道|镇|乡|分局)")
_DATE = re.compile(r"(20\d\d)\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_POSTED = re.compile(r"(?:发布|发文|成文)(?:时间|日期)\s*[:：]?\s*(20\d\d)\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_CLAIM = re.compile(r"(?:收到|新收|受理|接收)[^。;;,，]{0,20}?申请[^。;;,，\d]{0,8}?(\d+)件")
_CLAIM_OTHER = ("复议", "诉讼", "信访", "投诉", "举报", "提案", "建议")
_CLAIM_NONE = re.compile(r"未(?:收到|受理|接到)[^。;;,，\d]{0,12}?申请")


@dataclass
class Parsed:
    report: Report | None
    findings: list  # parse and text findings (the engine's come on top)
    recognised: bool = True
    notes: dict = field(default_factory=dict)


def _find_heading(full: str, key: str, start: int, end: int | None = None):
    end = len(full) if end is None else end
    if key == "四":
        m = _T4_HEADING.search(full, start, end)
        if m:
            return m
    m = _HEADING_RE[key].search(full, start, end)
    if m is None and key in _HEADING_SHORT and key in ("s1", "s5", "s6", "二", "三"):
        m = _HEADING_SHORT[key].search(full, start, end)
    if m is None and key in _HEADING_LOOSE:
        m = _HEADING_LOOSE[key].search(full, start, end)
    if m is None and key in _TABLE_START:  # no heading: the table starts at its first labels
        f = _TABLE_START[key].search(full, start, end)
        if f is not None:
            at = f.start()
            back = [h.start() for h in re.finditer(key + r"\s*、(?!\s*结\s*转)", full[max(start, at - 80):at])]
            m = _At(max(start, at - 80) + back[-1] if back else at)  # from a reworded heading, if any
    return m


class _At:
    """A zero-width 'heading' where a table without its heading begins."""

    def __init__(self, pos: int):
        self.pos = pos

    def start(self) -> int:
        return self.pos

    def end(self) -> int:
        return self.pos


def parse_text(text: str, *, source: str | None = None, year_hint: int | None = None,
               kind: str | None = None) -> Parsed:
    """Parse a report's text (from ``extract``) into a Report and the parse findings; ``kind``:
    the document kind the text came from (``extract.Document.kind``; None: plain text)."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta_line = ""
    if raw_lines and _SOURCE.match(raw_lines[0].strip()):
        meta_line = raw_lines[0]
        raw_lines = raw_lines[1:]
    lines = normalize_lines("\n".join(raw_lines))
    full = "\n".join(lines)
    heads = _headings(full)

    def section(key) -> str | None:
        span = heads.get(key)
        return None if span is None else full[span[0]:span[1]]

    findings: list[Finding] = []
    year, agency = _title(meta_line, lines)
    year = year or year_hint
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        year = None
    # tables
    results: dict[str, TableResult] = {}
    bodies: dict = {}
    for tid in ("二", "三", "四"):
        body = section(tid)
        if body is None:
            continue
        rl = body.split("\n")
        version = _table_version(tid, canon(body), year)
        prior = [r.gap for r in results.values() if r.gap is not None]
        results[tid] = parse_table(tid, version, rl, prior[-1] if prior else None)
        bodies[tid] = (version, rl, prior[-1] if prior else None)
    if any(r.dropped for r in results.values()):  # blank cells left out in one table: maybe in all
        for tid, r in list(results.items()):
            if not r.dropped and tid != "四":
                results[tid] = parse_table(tid, *bodies[tid], dropped=True)
    recognised = (sum(r.found for t, r in results.items() if t != "四") > 0 or len(heads) >= 4)
    if not recognised:
        reason = "找不到“二、主动公开政府信息情况”“三、收到和处理政府信息公开申请情况”等官方章节和表格"
        return Parsed(None, [RULES["parse.unrecognised"].finding(reason=reason)], recognised=False)
    tables = {}
    uncertain = set()
    versions = {}
    for tid, r in results.items():
        if r.found == 0:
            continue
        tables[tid] = r.values
        uncertain |= r.uncertain
        findings += r.findings
        versions[tid] = r.version
    version = versions.get("三") or versions.get("二") or (version_for_year(year) if year else "2021")
    report = _report(tables, versions, version, year=year, agency=agency, source=source)
    for path in uncertain:
        cell = report.format.cell_by_path(path)
        if cell is not None:
            report.uncertain.add(cell.key)
    # text sections, cut from the text as published (full-width punctuation kept)
    raw = "\n".join("" if is_footer(l) else l for l in raw_lines)
    raw_heads = _headings(raw)
    spans = {}
    for key in ("s1", "s5", "s6"):
        span = raw_heads.get(key)
        if span is None and key == "s1" and "二" in raw_heads:
            span = (0, raw_heads["二"][2])
        if span is not None:
            spans[key] = span
    printed = kind not in ("html", "docx")  # HTML and Word mark paragraphs; a PDF's text only wraps lines
    margin = print_margin(_prose(raw, raw_heads)) if printed else None
    spaced = printed and spaced_cjk("\n".join(raw[a:b] for a, b, *_ in spans.values()))
    texts = {}
    for key, (a, b, *_) in spans.items():
        lines = raw[a:b].split("\n")
        if b == len(raw):  # the last section: the 落款 (agency, date) below it is no part of its text
            lines = _without_signature(lines)
        text = _clean_text("\n".join(rewrap(lines, margin)))
        texts[key] = unspace_cjk(text) if spaced else text
    for key in ("s1", "s5", "s6"):
        texts.setdefault(key, None)
    for k, v in texts.items():
        if v is None and k == "s6":
            report.texts[k] = None  # known to be absent: 六 says nothing
        elif v is not None:
            report.texts[k] = v
    s1 = texts["s1"] or ""
    report.published = _published(full, meta_line)
    findings += _text_findings(report, s1 or "")
    return Parsed(report, findings)


def _value(text):
    """A parsed cell's text (already a valid number, or None) as the core's value."""
    if text is None:
        return None
    try:
        return Decimal(text.lstrip("+"))
    except (InvalidOperation, AttributeError):
        return normalize(text)


def _headings(full: str) -> dict[str, tuple[int, int, int]]:
    """Each section's body (after its heading, up to the next heading) and its heading's start."""
    heads: dict[str, re.Match] = {}
    pos = 0
    for key in ("二", "三", "四", "s5", "s6"):
        m = _find_heading(full, key, pos)
        if m is not None:
            heads[key] = m
            pos = m.end()
    m1 = _find_heading(full, "s1", 0, heads["二"].start() if "二" in heads else None)
    if m1 is not None:
        heads["s1"] = m1
    starts = sorted(m.start() for m in heads.values())
    out = {}
    for key, m in heads.items():
        nxt = [s for s in starts if s > m.start()]
        out[key] = (m.end(), min(nxt) if nxt else len(full), m.start())
    return out


def _prose(raw: str, heads: dict) -> list[str]:
    """The lines of running text (the opening, 一, 五, 六), without the table regions between."""
    lines = raw.split("\n")
    if "二" not in heads:
        return [l for l in lines if GRID_SEP not in l]
    tables_end = heads["s5"][2] if "s5" in heads else heads["s6"][2] if "s6" in heads else len(raw)
    return raw[:heads["二"][2]].split("\n") + raw[tables_end:].split("\n")


MAX_SIGNATURE_LINES = 4


def _without_signature(lines: list[str]) -> list[str]:
    """A last section's lines without the signature block printed below it: agency and date, each
    on a line of its own or together, and the blank lines around them."""
    out = list(lines)
    taken = 0
    while out and taken <= MAX_SIGNATURE_LINES:
        line = out[-1]
        if not line.strip():
            out.pop()
            continue
        c = canon(_cn_dates(line))
        rest = _DATE.sub("", c)
        if not ((rest != c and rest == "") or _agency_like(rest)):
            break
        out.pop()
        taken += 1
    return out if taken else list(lines)


def _clean_text(text: str) -> str:
    lines = [re.sub(r"[ \t\u3000\u00a0]+", " ", l).strip() for l in text.split("\n")]
    return "\n".join(l for l in lines if l).strip()


def _report(tables: dict, versions: dict, version: str, **meta) -> Report:
    """The report of the parsed tables; a table in the other version's layout (a 2021 表二 in
    a report whose 表三 keeps the 2019 row) is recorded in ``layouts``, as ``Report.from_tables``
    does for label-keyed tables."""
    fmt = get_format(version)
    layouts = {}
    for tid, v in versions.items():
        if v != version and FORMATS[v].table(tid) is not fmt.table(tid):
            fmt = fmt.with_table(FORMATS[v].table(tid))
            layouts[tid] = v
    report = Report(fmt, layouts=layouts, **meta)
    for tid, rows in tables.items():
        table = fmt.table(tid)
        for c in table.cells:
            report.values[c.key] = _value(rows.get(c.row.label, {}).get(c.column.label))
    return report


def _marks() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Texts that only one version's table 三 has: the 2021 （六） sub-rows (pieces of eight
    characters, enough to survive a line wrap) and the 2019 single （六） row."""
    rows = {v: {canon(r.label) for r in FORMATS[v].table("三").rows} for v in ("2021", "2019")}
    new = tuple(piece for label in rows["2021"] - rows["2019"] if len(label) > 12
                for piece in (label[2:10], label[10:18], label[-10:-2]))
    return new, tuple(rows["2019"] - rows["2021"])


_T3_MARKS = _marks()


def _table_version(tid: str, body: str, year: int | None) -> str:
    """Which version's labels a table region follows."""
    if tid == "四":
        return version_for_year(year) if year else "2021"
    if tid == "三":
        new, old = _T3_MARKS
        if any(w in body for w in new):
            return "2021"
        if any(w in body for w in old):
            return "2019"
        return version_for_year(year) if year else "2021"
    score = {}
    for v in FORMATS:
        t = FORMATS[v].table(tid)
        own = {canon(c.label) for b in t.blocks for c in b.columns}
        other = set().union(*({canon(c.label) for b in FORMATS[o].table(tid).blocks for c in b.columns}
                              for o in FORMATS if o != v))
        score[v] = sum(1 for w in own - other if w in body)
    best = max(score.values())
    if best == 0:
        return version_for_year(year) if year else "2021"
    winners = [v for v, s in score.items() if s == best]
    if len(winners) == 1:
        return winners[0]
    return version_for_year(year) if year else "2021"


def _cn_number(s: str) -> int:
    """A small Chinese numeral ("十二", "二十五", "三") as an int."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        return int(_CN_DIGIT.get(tens, "1") if tens else 1) * 10 + (int(_CN_DIGIT[ones]) if ones else 0)
    return int(_CN_DIGIT[s])


def _cn_dates(s: str) -> str:
    """Years and dates in Chinese numerals ("二〇二三年", "二〇二四年一月二十五日") in digits."""
    if not any(c in s for c in "〇○零") and "二0" not in s and "二O" not in s:
        return s

    def repl(m):
        out = "".join(_CN_DIGIT[c] for c in m.group(1)) + "年"
        if m.group(2):
            out += f"{_cn_number(m.group(2))}月"
            if m.group(3):
                out += f"{_cn_number(m.group(3))}日"
        return out
    return _CN_DATE.sub(repl, s)


def _signature(lines: list[str]) -> str | None:
    """The agency of a signature at the end: a short line holding only a name like an agency's,
    among the last lines (usually just above the date)."""
    tail = [canon(l) for l in lines[-40:] if l.strip()][-12:]
    for line in reversed(tail):
        line = _DATE.sub("", _cn_dates(line))  # "某局 2024年1月25日" on one line
        if _agency_like(line):
            return line
    return None


def _agency_like(line: str) -> bool:
    return (len(line) <= 40 and bool(_SIGNATURE.fullmatch(line)) and not numbering(line)
            and not re.search(r"情况|事项|问题|报告|工作|公开|[。，,;；:：]", line))


def _title(meta_line: str, lines: list[str]) -> tuple[int | None, str | None]:
    year, agency = _title_line(meta_line, lines)
    if agency is None:
        agency = _page_source(lines) or _signature(lines)
    return year, agency


def _page_source(lines: list[str]) -> str | None:
    """The agency a web page names as the source of the article ("来源：某局")."""
    for line in lines[:80]:
        if "来源" in line or "发布" in line or "发文" in line or "主体" in line:
            m = _SOURCE_AGENCY.search(canon(line))
            if m and _SIGNATURE.fullmatch(m.group(1)):
                return m.group(1)
    return None


def _title_line(meta_line: str, lines: list[str]) -> tuple[int | None, str | None]:
    candidates = []
    m = re.search(r"title「([^」]+)」", meta_line)
    if m:
        candidates.append(canon(m.group(1)))
    head = _cn_dates(canon("".join(l for l in lines[:12] if l))[:600])
    first = [l for l in lines[:15] if l.strip()]
    candidates += [_cn_dates(canon(l)) for l in first if len(canon(l)) <= 60]  # a title line of its own
    candidates.append(head)  # a title split over lines
    # a web page's menus may come first: further down, title lines of their own only
    late = (_cn_dates(c) for c in (canon(l) for l in [l for l in lines[15:120] if l.strip()][:80]) if len(c) <= 60)
    for c in itertools.chain(candidates, late):
        t = _TITLE.search(c) or _TITLE_YEAR_AFTER.search(c)
        if t:
            agency = _TRAIL_WORDS.sub("", _LEAD_WORDS.sub("", t.group(1))) or None
            return int(t.group(2)), agency
        t = _TITLE_YEAR_FIRST.search(c)
        if t and _agency_like(_TRAIL_WORDS.sub("", t.group(2))):
            return int(t.group(1)), _TRAIL_WORDS.sub("", t.group(2))
    m = re.search(r"统计期限(?:为|是|自)?(20\d\d)年", canon("".join(lines[:60])))
    if m:
        return int(m.group(1)), None
    m = re.search(r"(20\d\d)年度?", head[:300])
    if m:
        return int(m.group(1)), None
    return None, None


def _published(full: str, meta_line: str) -> dt.date | None:
    """The publication date: a web page's 发布时间 near the top, else the signature date on its
    own line at the end, else the date the collector noted."""
    m = _POSTED.search(full[:1500])
    if m:
        d = _date(m)
        if d is not None:
            return d
    tail = _cn_dates(full[-600:])
    dates = list(_DATE.finditer(tail))
    for m in reversed(dates):
        line_start = tail.rfind("\n", 0, m.start()) + 1
        line_end = tail.find("\n", m.end())
        line = tail[line_start: line_end if line_end >= 0 else len(tail)].strip()
        before = canon(tail[line_start:m.start()])
        if len(line) <= 16 or (before and _agency_like(before)):  # a date on its own line or after the agency
            return _date(m)
    m = re.search(r"date\s+([^)）]+)", meta_line)
    if m:
        d = _DATE.search(m.group(1))
        if d:
            return _date(d)
    return None


def _date(m) -> dt.date | None:
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def deadline(report: Report) -> dt.date | None:
    """条例第四十九条: departments publish by 1月31日, a people's government's own report by 3月31日."""
    if report.year is None:
        return None
    government = bool(report.agency) and report.agency.endswith("人民政府")
    return dt.date(report.year + 1, 3 if government else 1, 31)


def _text_findings(report: Report, s1: str) -> list[Finding]:
    out = []
    new_total = report.values.get("t3.new.total")
    carried = report.values.get("t3.carried_in.total")
    if isinstance(new_total, Decimal) and "t3.new.total" not in report.uncertain:
        flat = canon(s1)
        claims = [(int(m.group(1)), m.group(0)) for m in _CLAIM.finditer(flat)
                  if "公开" in m.group(0) and not any(w in m.group(0) for w in _CLAIM_OTHER)]
        if not claims:
            claims = [(0, m.group(0)) for m in _CLAIM_NONE.finditer(flat)
                      if "公开" in m.group(0) and not any(w in m.group(0) for w in _CLAIM_OTHER)][:1]
        if claims:
            ok = {new_total}
            if isinstance(carried, Decimal):
                ok.add(new_total + carried)
            if not any(Decimal(c) in ok for c, _ in claims):
                claimed, quote = claims[0]
                cell = report.format.cells["t3.new.total"]
                out.append(RULES["text.narrative_mismatch"].finding(
                    (CellRef(cell.key, cell.label),), table="三", where=cell.row.label, quote=quote, claimed=claimed,
                                    value=int(new_total) if new_total == new_total.to_integral_value() else new_total))
    due = deadline(report)
    if report.published is not None and due is not None and report.published > due:
        out.append(RULES["text.late"].finding(date=f"{report.published:%Y年%-m月%-d日}",
                            deadline=f"{due:%Y年%-m月%-d日}"))
    return out
