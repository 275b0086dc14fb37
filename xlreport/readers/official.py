"""Find the official tables in any grid of cells by their labels.  Pure Python, no I/O.

A hand-made workbook in the official shape (or a sheet read by xlwings, calamine, or pasted
from a web page) is a set of sheets, each a 2-D list of cell values.  ``read_grid`` finds
表二/表三/表四 by the official row and column labels of ``xlreport.formats`` and returns a
``Report`` whose ``locations`` give the address of every value found, plus the problems
met on the way; ``grid_findings(report, problems)`` words them as findings, the same for
``xlreport check`` and the Excel button.

API (kept small; the Excel add-in and the batch checker both use it)::

    from xlreport.readers.official import read_grid, grid_findings
    report, problems = read_grid({"Sheet1": [["三、收到和处理…", None, …], …]}, fmt_hint=None)
    findings = grid_findings(report, problems)

- ``sheets``: ``{sheet name: rows}``; rows are lists of cell values (str, int, float, None,
  bool, date, or ``Formula(text, cached)`` when the source knows formulas: see
  ``with_formulas`` / ``book_formulas``), 0-based.  Merged cells hold their value in the
  top-left cell only, as every reader returns them.
- ``fmt_hint``: a version ("2021", "2019"), a ``Format``, or None (then the report year
  written in the sheet decides, else the labels found).
- Returns ``(report, problems)``.  ``report.locations[key]`` is ``"Sheet1!D7"``;
  ``report.agency`` / ``report.year`` are filled when a 填报单位 / 报告年度 field or a title
  such as ``某某局2023年政府信息公开工作年度报告`` is present; section texts (一、五、六) go
  into ``report.texts``.  A table that is not found is absent from ``report.values`` (the
  engine reports ``table.missing``).  ``problems`` is a list of ``GridProblem``.

The layouts departments really use, each read exactly (tests/test_official.py builds each
from the real reports):

- the tables on one sheet or a sheet each; a blank spacer row between a header and its data;
- 表四 in the official one-row form or vertically (3 rows × 5 columns, header above);
- a column header merged down over the header rows (总计: its text is in the top cell);
- last year's tables kept in the same workbook, a sheet per year: the report year's copy is read
  (by sheet names, titles, 报告年度), the other ignored with ``year_ignored``; when nothing
  decides, the last copy is read with ``year_ambiguous`` (an error);
- units typed in the cell ("12件", "3,119件", "5.2万元" in the 万元 column): read as numbers
  (``unit``, a warning); a unit that does not fit the cell ("251000元") stays invalid;
- a date in a number cell: invalid, shown as the date (``values.normalize``);
- totals saved as formulas without their results: a plain sum of official cells (SUM of ranges or
  lists, ``+``) is evaluated as Excel would (SUM leaves text out); any other formula is one
  ``formula_unevaluated`` problem and the total takes its derived value;
- numbers stored as text: ``text_number`` with ``skipped`` when a stored total left them out (an
  error: Excel's SUM skips text), a warning otherwise.

Labels are compared after normalisation (``xlreport.labels.canon_label``): NFKC (full-width →
half-width), all white space and line breaks removed, quotes dropped, ``1、``/``1．`` → ``1.``,
``一.`` → ``一、``.  A label that does not match exactly may still match without its trailing
note in brackets or without its numbering, when that shorter form is unambiguous.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..formats import FORMATS, Format, Kind, best_fit, cell_key, cell_path, get_format, parse_year
from ..labels import canon_label, shorter_forms
from ..layout import Place, col_index
from ..model import Report
from ..engine import derive_totals
from ..rules import RULES, CellRef, Finding, cells_text, instances, rules_for
from ..values import COUNT_UNITS, Invalid, is_number, normalize, number_and_unit, show

__all__ = ["GridProblem", "Formula", "read_grid", "grid_findings", "with_formulas", "book_formulas", "norm_label",
           "address"]


@dataclass(frozen=True)
class GridProblem:
    """Something ``read_grid`` could not find or had to interpret.

    code: ``table_missing`` | ``row_missing`` | ``column_missing`` (once per column when the column is
    missing from every row) | ``text_number`` | ``unit`` | ``formula_unevaluated`` | ``year_ignored`` |
    ``year_ambiguous`` | ``unknown_label``
    """

    code: str
    message: str
    table: str | None = None
    address: str | None = None
    key: str | None = None
    skipped: bool = False  # text_number: a total stored in the workbook left the cell out (as SUM does)


# -- labels -----------------------------------------------------------------------------

def norm_label(text) -> str:
    """A label as compared (``xlreport.labels.canon_label``)."""
    return canon_label(text)


class _Matcher:
    """Maps cell text to one of a set of labels: exact normalised form first, then shorter
    unambiguous forms."""

    def __init__(self, labels):
        self.exact: dict[str, str] = {}
        loose: dict[str, set[str]] = {}
        for label in labels:
            self.exact.setdefault(norm_label(label), label)
            for form in shorter_forms(label):
                loose.setdefault(form, set()).add(label)
        self.loose = {f: next(iter(ls)) for f, ls in loose.items() if len(ls) == 1 and f not in self.exact}

    def __call__(self, text) -> str | None:
        if not isinstance(text, str):
            return None
        n = norm_label(text)
        if not n:
            return None
        hit = self.exact.get(n)
        if hit is not None:
            return hit
        hit = self.loose.get(n)
        if hit is not None:
            return hit
        for form in shorter_forms(text):
            hit = self.exact.get(form) or self.loose.get(form)
            if hit is not None:
                return hit
        return None


@lru_cache(maxsize=None)
def _labels(tid: str):
    """Row labels, column labels and row-group labels of table ``tid`` over every version."""
    rows, cols = [], []
    for fmt in FORMATS.values():
        table = fmt.table(tid)
        for b in table.blocks:
            rows += [r.label for r in b.rows if r.label not in rows]
            cols += [c.label for c in b.columns if c.label not in cols]
    return _Matcher(rows), _Matcher(cols), rows, cols


def address(sheet: str, row: int, col: int) -> str:
    """``Sheet!D7`` for 0-based ``row``/``col`` (``layout.Place.address``)."""
    return Place(sheet, row + 1, col + 1).address


def _cell(rows, r, c):
    if 0 <= r < len(rows):
        row = rows[r]
        if 0 <= c < len(row):
            return row[c]
    return None


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# -- the tables ------------------------------------------------------------------------

class _Found:
    def __init__(self):
        self.tables: dict[str, dict] = {}  # tid -> {row label: {col label: raw}}
        self.where: dict[tuple[str, str, str], str] = {}  # (tid, row, col) -> address
        self.problems: list[GridProblem] = []

    def put(self, tid, row_label, col_label, raw, addr):
        self.tables.setdefault(tid, {}).setdefault(row_label, {})[col_label] = raw
        self.where[(tid, row_label, col_label)] = addr


def _anchors(sheets, match, label):
    """Per sheet, the first cell (row, col) whose text ``match``es ``label``: where a table starts."""
    for name, rows in sheets.items():
        for r, row in enumerate(rows):
            c = next((c for c, v in enumerate(row) if isinstance(v, str) and match(v) == label), None)
            if c is not None:
                yield name, rows, r, c
                break


def _header_cols(rows, rows_range, c_min, cmatch) -> tuple[dict[str, int], int]:
    """Column label -> column over the header rows ``rows_range`` (a label merged down over
    several header rows holds its text in its top cell only), and the lowest header row."""
    cols: dict[str, int] = {}
    bottom = -1
    for r in rows_range:
        if not 0 <= r < len(rows):
            continue
        for c in range(c_min, len(rows[r])):
            label = cmatch(rows[r][c])
            if label is not None and label not in cols:
                cols[label] = c
                bottom = max(bottom, r)
    return cols, bottom


def _find_table3(sheets, found: _Found) -> None:
    rmatch, cmatch, _, _ = _labels("三")
    for name, rows, r0, c0 in _anchors(sheets, cmatch, "自然人"):
        # the header starts up to two rows above 自然人 (申请人情况; 总计 merged down from there)
        cols, bottom = _header_cols(rows, range(r0 - 2, r0 + 4), c0, cmatch)
        first_col = min(cols.values())
        seen: set[str] = set()
        for r in range(bottom + 1, len(rows)):
            row = rows[r]
            label = None
            for c in range(min(first_col, len(row))):
                hit = rmatch(row[c])
                if hit is not None:
                    label = hit  # the rightmost label is the most specific (a row under its group)
            if label is None or label in seen:
                continue
            seen.add(label)
            for col_label, c in cols.items():
                found.put("三", label, col_label, _cell(rows, r, c), address(name, r, c))
        return


def _data_row(rows, after: int, cols, is_label) -> int:
    """The row holding a one-row table's values: the first row below its header that has a value
    under its columns, blank spacer rows skipped (at most three); ``after + 1`` if none has."""
    for r in range(after + 1, min(after + 4, len(rows))):
        cells = [_cell(rows, r, c) for c in cols]
        if any(is_label(v) for v in cells):
            break
        if any(not _is_blank(v) for v in cells):
            return r
    return after + 1


def _find_table4(sheets, found: _Found) -> None:
    _, cmatch, groups, _ = _labels("四")
    gmatch = _Matcher(groups)

    def is_label(v):
        return isinstance(v, str) and (gmatch(v) is not None or cmatch(v) is not None)

    for name, rows, r0, c0 in _anchors(sheets, gmatch, "行政复议"):
        group_cells = []  # (row, col, label)
        col_cells = []
        for r in range(r0, min(r0 + 6, len(rows))):
            for c in range(len(rows[r])):
                v = rows[r][c]
                g = gmatch(v)
                if g is not None:
                    group_cells.append((r, c, g))
                    continue
                k = cmatch(v)
                if k is not None and c >= c0:
                    col_cells.append((r, c, k))
        horizontal = sum(k == "结果维持" for _, _, k in col_cells) > 1
        if horizontal:
            data_row = _data_row(rows, max(r for r, _, _ in col_cells), [c for _, c, _ in col_cells], is_label)
            for r, c, k in col_cells:
                owners = [(gc, g) for gr, gc, g in group_cells if gr < r and gc <= c]
                if not owners:
                    continue
                g = max(owners)[1]
                found.put("四", g, k, _cell(rows, data_row, c), address(name, data_row, c))
            return
        # vertical: the three rows down a column, the five columns across in a header above
        if not col_cells:
            cols, _ = _header_cols(rows, range(max(0, r0 - 3), r0), c0 + 1, cmatch)
            col_cells = [(r0 - 1, c, k) for k, c in cols.items()]
        if not col_cells:
            continue
        for gr, gc, g in group_cells:
            for _, c, k in col_cells:
                if c > gc:
                    found.put("四", g, k, _cell(rows, gr, c), address(name, gr, c))
        return


def _find_table2(sheets, found: _Found) -> None:
    rmatch, cmatch, _, _ = _labels("二")
    for name, rows in sheets.items():
        hits = []
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                label = rmatch(v) if isinstance(v, str) and len(v) < 40 else None
                if label is not None:
                    hits.append((r, c, label))
                    break
        if not hits:
            continue
        for r, c, label in hits:
            header = None
            for hr in range(r - 1, max(-1, r - 6), -1):
                cols = {}
                for hc in range(c + 1, len(rows[hr])):
                    k = cmatch(rows[hr][hc])
                    if k is not None and k not in cols:
                        cols[k] = hc
                if cols:
                    header = cols
                    break
            if header is None:
                found.problems.append(GridProblem(
                    "column_missing", f"表二「{label}」（{address(name, r, c)}）上方未找到列标题", "二",
                    address(name, r, c)))
                continue
            if "二" in found.tables and label in found.tables["二"]:
                continue
            for k, hc in header.items():
                found.put("二", label, k, _cell(rows, r, hc), address(name, r, hc))
        return


# -- meta and texts -------------------------------------------------------------------------

_TITLE = re.compile(r"^(?P<agency>.*?)(?P<year>(19|20)\d{2})年度?政府信息公开(工作)?年度报告")
_YEAR = re.compile(r"((?:19|20)\d{2})")


def _right_of(row, c):
    for v in row[c + 1:]:
        if not _is_blank(v):
            return v
    return None


def _find_meta(sheets, report_meta: dict, texts: dict, fmt_sections) -> None:
    field_labels = {"填报单位": "agency", "单位名称": "agency", "报告单位": "agency",
                    "报告年度": "year", "年度": "year", "发布日期": "published"}
    fields = {norm_label(k): v for k, v in field_labels.items()}
    sections = {norm_label(s.label): s for s in fmt_sections}
    prompts = {norm_label(s.prompt) for s in fmt_sections}
    for name, rows in sheets.items():
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if not isinstance(v, str) or not v.strip():
                    continue
                n = norm_label(v)
                f = fields.get(n.rstrip(":："))
                if f and f not in report_meta:
                    value = _right_of(row, c)
                    if value is not None:
                        report_meta[f] = value
                    continue
                s = sections.get(n)
                if s is not None and s.id not in texts:
                    for rr in range(r + 1, min(r + 4, len(rows))):
                        t = _cell(rows, rr, c)
                        if isinstance(t, str) and t.strip():
                            nt = norm_label(t)
                            if nt in sections:
                                break
                            if nt in prompts:
                                continue
                            texts[s.id] = t
                            break
                    continue
                if "title" not in report_meta and len(n) < 80:
                    m = _TITLE.match(n)
                    if m:
                        report_meta["title"] = (v, m)


def _year(value) -> int | None:
    """The report year a cell states, as a number or in a text ("2023年度", "某局2023年…"): the
    number, or the first 19xx/20xx in the text, if ``formats.parse_year`` takes it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return parse_year(value)
    m = _YEAR.search(unicodedata.normalize("NFKC", str(value)))
    return parse_year(m.group(1)) if m else None


# -- several years' copies of the tables ------------------------------------------------------

def _table_sheets(sheets) -> dict[str, list[str]]:
    """Table id -> the sheets in which that table's first label appears."""
    _, cmatch3, _, _ = _labels("三")
    _, _, groups4, _ = _labels("四")
    rmatch2, _, _, _ = _labels("二")
    gmatch4 = _Matcher(groups4)
    out: dict[str, list[str]] = {}
    for tid, match, label in (("三", cmatch3, "自然人"), ("四", gmatch4, "行政复议")):
        out[tid] = [name for name, *_ in _anchors(sheets, match, label)]
    out["二"] = [name for name, rows in sheets.items()
                 if any(isinstance(v, str) and len(v) < 40 and rmatch2(v) is not None for row in rows for v in row)]
    for tid, names in out.items():
        if len(names) > 1:  # a label may also appear in notes or a check sheet: a copy is a table found there
            out[tid] = [n for n in names if _holds_table(tid, n, sheets[n])]
    return out


def _holds_table(tid: str, name: str, rows) -> bool:
    """Whether the sheet holds table ``tid``: at least half of its rows are found there."""
    found = _Found()
    {"二": _find_table2, "三": _find_table3, "四": _find_table4}[tid]({name: rows}, found)
    least = min(len(fmt.table(tid).rows) for fmt in FORMATS.values())
    return len(found.tables.get(tid, ())) * 2 >= least


def _sheet_year(name: str, rows) -> int | None:
    """The report year a sheet states: in its name ("2023年", "2022年度报告"), else in a title
    such as 某局2023年政府信息公开工作年度报告 or a 报告年度 field."""
    if (year := _year(name)) is not None:
        return year
    meta: dict = {}
    _find_meta({name: rows}, meta, {}, ())
    if "year" in meta and (year := _year(meta["year"])) is not None:
        return year
    if "title" in meta:
        return int(meta["title"][1].group("year"))
    return None


def _title_year(row) -> int | None:
    for v in row:
        if isinstance(v, str) and "报告" in v:
            n = norm_label(v)
            m = _TITLE.match(n) if len(n) < 80 else None
            if m:
                return int(m.group("year"))
    return None


def _unstack(sheets: dict, problems: list) -> dict:
    """A sheet holding the tables twice, one copy under the other (this year's and last year's):
    only the rows of the copy of the report year are kept (the latest year its titles state), with a
    ``year_ignored`` problem; without titles that decide, the last copy, with ``year_ambiguous``."""
    _, cmatch3, _, _ = _labels("三")
    out = dict(sheets)
    for name, rows in sheets.items():
        starts = [(r, y) for r, row in enumerate(rows) if (y := _title_year(row)) is not None]
        if len(starts) < 2:  # no titles: a copy starts at its first table's title (二、主动公开…), or its 表三 header
            for tid in ("二", "三"):
                title = norm_label(get_format("2021").table(tid).title)
                starts = [(r, None) for r, row in enumerate(rows) if any(norm_label(v) == title for v in row)]
                if len(starts) >= 2:
                    break
            else:
                starts = [(r - 3, None) for r, row in enumerate(rows)
                          if any(cmatch3(v) == "自然人" for v in row if isinstance(v, str))]
            if len(starts) < 2:
                continue
        bands = []
        for i, (r0, y) in enumerate(starts):
            r1 = starts[i + 1][0] if i + 1 < len(starts) else len(rows)
            band = [row if (r < starts[0][0] or r0 <= r < r1) else [] for r, row in enumerate(rows)]
            if any(_holds_table(t, name, band) for t in ("二", "三", "四")):
                bands.append((r0, y, band))
        if len(bands) < 2:
            continue
        years = [y for _, y, _ in bands]
        where = "、".join(f"第{r0 + 1}行起" + (f"（{y}年度）" if y else "") for r0, y, _ in bands)
        if None not in years and years.count(max(years)) == 1:
            keep = years.index(max(years))
            problems.append(GridProblem(
                "year_ignored", f"工作表“{name}”中有{len(bands)}份表格（{where}），已按{years[keep]}年度的一份"
                f"检查，其余已忽略"))
        else:
            keep = len(bands) - 1
            problems.append(GridProblem(
                "year_ambiguous", f"工作表“{name}”中有{len(bands)}份表格（{where}），从标题无法确定哪一份是本年度的；"
                f"暂按最后一份（第{bands[keep][0] + 1}行起）检查，请删去其他年度的表格，或在每份表格上方写明年度标题"))
        out[name] = bands[keep][2]
    return out


def _choose_year(sheets: dict, problems: list) -> tuple[dict, int | None]:
    """When a table is in more than one sheet (a workbook that also keeps last year's tables,
    a sheet per year), keep the sheets of the report year: the year a sheet without tables states
    (a cover with 报告年度), else the latest year the copies state.  The sheets of other years
    are dropped with a ``year_ignored`` problem; when the years do not decide, the last copy is
    kept with a ``year_ambiguous`` problem.  Returns (the sheets to read, the chosen year)."""
    where = _table_sheets(sheets)
    copies = sorted({n for names in where.values() if len(names) > 1 for n in names}, key=list(sheets).index)
    if not copies:
        return sheets, None
    tables = "、".join(f"表{t}" for t in ("二", "三", "四") if len(where[t]) > 1)
    years = {n: _sheet_year(n, sheets[n]) for n in copies}
    with_tables = {n for names in where.values() for n in names}
    stated = {_sheet_year(n, rows) for n, rows in sheets.items() if n not in with_tables} - {None}
    chosen = None
    if len(stated) == 1:  # a cover's 报告年度 decides, if a copy is of that year
        chosen = next(iter(stated)) if next(iter(stated)) in years.values() else None
    elif None not in years.values():
        chosen = max(years.values())
    if chosen is not None:
        kept = [n for n in copies if years[n] == chosen]
        if all(sum(n in kept for n in names) <= 1 for names in where.values()):
            ignored = [n for n in copies if years[n] != chosen]
            problems.append(GridProblem(
                "year_ignored", f"工作簿中另有{'、'.join(f'{years[n]}年度' for n in ignored)}的表格"
                f"（工作表{'、'.join(f'“{n}”' for n in ignored)}），已忽略，按{chosen}年度的表格"
                f"（工作表{'、'.join(f'“{n}”' for n in kept)}）检查"))
            return {n: rows for n, rows in sheets.items() if n not in ignored}, chosen
    keep_last = {t: names[-1] for t, names in where.items() if len(names) > 1}
    dropped = [n for n in copies if n not in keep_last.values()]
    said = "、".join(f"“{n}”" + (f"（{years[n]}年度）" if years[n] else "（年度未注明）") for n in copies)
    problems.append(GridProblem(
        "year_ambiguous", f"工作簿中有多份{tables}，分别在工作表{said}，从工作表名、标题和报告年度无法确定"
        f"哪一份是本年度的；暂按最后一份（工作表{'、'.join(f'“{n}”' for n in dict.fromkeys(keep_last.values()))}）"
        "检查，请删去其他年度的表格，或在工作表名或标题中写明年度"))
    return {n: rows for n, rows in sheets.items() if n not in dropped}, None


# -- formulas saved without their results -------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """A cell holding a formula, for grids whose source knows formulas (an .xlsx read through its
    XML, xlwings' ``Range.formula``): ``text`` without the leading ``=``, ``cached`` the result saved
    with it (None when the file was written by a program that does not calculate)."""

    text: str
    cached: object = None


_REF = r"(?:(?:'(?P<q>[^']+)'|(?P<s>[^'!():,+\s]+))!)?\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?"
_REF_RE = re.compile(_REF)
_SUM_CALL = re.compile(r"SUM\((?P<args>[^()]*)\)", re.I)


def _ref_cells(m: re.Match, sheet: str):
    """The (sheet, row, col) cells, 0-based, of one A1 reference or range."""
    sh = m.group("q") or m.group("s") or sheet
    r1, c1 = int(m.group("r1")) - 1, col_index(m.group("c1")) - 1
    r2 = int(m.group("r2")) - 1 if m.group("r2") else r1
    c2 = col_index(m.group("c2")) - 1 if m.group("c2") else c1
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
        return None
    return [(sh, r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)]


def _plain_sum(text: str, sheet: str):
    """The terms of a plain sum (``SUM(D5:I5)``, ``D5+E5``, ``SUM(D5,F5)+G5``, ``=+D5``) as
    [(cells, in_sum)]; None for any other formula."""
    terms = []
    for part in text.replace(" ", "").lstrip("+").split("+"):
        m = _SUM_CALL.fullmatch(part)
        args, in_sum = (m.group("args").split(","), True) if m else ([part], False)
        for arg in args:
            r = _REF_RE.fullmatch(arg)
            if r is None:
                return None
            cells = _ref_cells(r, sheet)
            if cells is None:
                return None
            terms.append((cells, in_sum))
    return terms


class _Evaluator:
    """Evaluates plain sums of official cells, as Excel would (SUM skips text; ``+`` reads numeric text)."""

    def __init__(self, sheets, found: _Found):
        self.sheets = sheets
        self.official = {}
        for key, addr in found.where.items():
            sh, a1 = addr.rsplit("!", 1)
            m = re.fullmatch(r"([A-Z]+)(\d+)", a1)
            self.official[(sh, int(m.group(2)) - 1, col_index(m.group(1)) - 1)] = key
        self.done: dict = {}

    def value(self, cell, stack=()):
        """Decimal, or None when the cell cannot be evaluated."""
        sh, r, c = cell
        raw = _cell(self.sheets.get(sh, ()), r, c)
        if isinstance(raw, Formula):
            if raw.cached is not None:
                raw = raw.cached
            else:
                if cell in stack or cell not in self.official:
                    return None
                if cell not in self.done:
                    self.done[cell] = self.formula(raw.text, sh, stack + (cell,))
                return self.done[cell]
        if _is_blank(raw):
            return Decimal(0)
        if cell not in self.official:
            return None  # a sum of something else than the official cells
        v = normalize(raw)
        if is_number(v) and not isinstance(raw, str):
            return v
        return ("text", v) if isinstance(raw, str) else BAD

    def formula(self, text: str, sheet: str, stack=()):
        """The sum, None (not a plain sum of official cells) or ``BAD`` (an official cell it adds
        is not a number: reported as value.invalid, so the total is not reported again)."""
        terms = _plain_sum(text, sheet)
        if terms is None:
            return None
        total, bad = Decimal(0), False
        for cells, in_sum in terms:
            for cell in cells:
                v = self.value(cell, stack)
                if v is None:
                    return None
                if v is BAD:
                    bad = True
                    continue
                if isinstance(v, tuple):  # text: SUM skips it, + reads it if it is a number
                    if in_sum:
                        continue
                    if not is_number(v[1]):
                        bad = True
                        continue
                    v = v[1]
                total += v
        return BAD if bad else total


BAD = object()  # a sum over an official cell that is not a number


def _resolve_formulas(sheets, found: _Found) -> dict:
    """Formulas among the official cells replaced by their values: the cached result, else the
    plain sum evaluated.  Returns {(table, row, column): (formula text, whether only because an
    official cell it adds is not a number)} of those that could not be."""
    failed: dict = {}
    if not any(isinstance(v, Formula) for rows in sheets.values() for row in rows for v in row):
        return failed
    ev = _Evaluator(sheets, found)
    for tid, rows in found.tables.items():
        for row_label, cols in rows.items():
            for col_label, raw in cols.items():
                if not isinstance(raw, Formula):
                    continue
                if raw.cached is not None:
                    cols[col_label] = raw.cached
                    continue
                sh, a1 = found.where[(tid, row_label, col_label)].rsplit("!", 1)
                m = re.fullmatch(r"([A-Z]+)(\d+)", a1)
                v = ev.value((sh, int(m.group(2)) - 1, col_index(m.group(1)) - 1))
                if v is None or v is BAD or isinstance(v, tuple):
                    cols[col_label] = None
                    failed[(tid, row_label, col_label)] = (raw.text, v is BAD)
                else:
                    cols[col_label] = v
    return failed


def with_formulas(sheets: dict, formulas: dict) -> dict:
    """``sheets`` with the formula cells of ``formulas`` ({sheet: {(row, col): (text, cached)}},
    0-based) put in as ``Formula`` objects, for ``read_grid``."""
    out = {}
    for name, rows in sheets.items():
        fs = formulas.get(name)
        if not fs:
            out[name] = rows
            continue
        rows = [list(r) for r in rows]
        for (r, c), (text, cached) in fs.items():
            while len(rows) <= r:
                rows.append([])
            if len(rows[r]) <= c:
                rows[r].extend([None] * (c + 1 - len(rows[r])))
            rows[r][c] = Formula(text, cached)
        out[name] = rows
    return out


def book_formulas(book) -> dict:
    """The formula cells of an ``ooxml.Book`` (a hand-made .xlsx): {sheet: {(row, col): (text, cached)}},
    0-based, for ``with_formulas``."""
    out = {}
    for name in book.sheet_names:
        sh = book.sheet(name)
        if sh is None:
            continue
        fs = {}
        for a1, (attrs, inner) in sh.raw.items():
            if "<f" not in inner:  # decode only the formula cells
                continue
            x = sh.get_a1(a1)
            m = re.fullmatch(r"([A-Z]+)(\d+)", a1)
            if x is not None and x.formula and m:
                fs[(int(m.group(2)) - 1, col_index(m.group(1)) - 1)] = (x.formula, x.value)
        if fs:
            out[name] = fs
    return out


# -- the entry point --------------------------------------------------------------------------

def read_grid(sheets: dict, fmt_hint=None) -> tuple[Report, list[GridProblem]]:
    """Find the official tables, meta fields and texts in ``sheets``; see the module docstring."""
    problems: list[GridProblem] = []
    sheets = _unstack(sheets, problems)
    sheets, chosen_year = _choose_year(sheets, problems)
    found = _Found()
    _find_table2(sheets, found)
    _find_table3(sheets, found)
    _find_table4(sheets, found)
    unevaluated = _resolve_formulas(sheets, found)

    meta: dict = {}
    texts: dict = {}
    _find_meta(sheets, meta, texts, get_format("2021").sections)
    year = _year(meta["year"]) if "year" in meta else None
    agency = meta.get("agency")
    if "title" in meta:
        _, m = meta["title"]
        if year is None:
            year = int(m.group("year"))
        if agency is None and m.group("agency"):
            agency = m.group("agency")
    if chosen_year is not None:
        year = chosen_year
    agency = str(agency).strip() if agency is not None and str(agency).strip() else None

    if isinstance(fmt_hint, Format):
        fmt = fmt_hint
    elif fmt_hint is not None:
        fmt = get_format(str(fmt_hint))
    elif year is not None:
        fmt = get_format(year=year)
    else:
        fmt = _guess_format(found.tables)
    report, unknown = Report.from_tables(found.tables, fmt, year=year, agency=agency)
    report.texts.update(texts)
    problems += found.problems
    pending = []  # totals whose formula could not be evaluated: their derived value, after the loop
    as_text = []  # (key, table, address) of numbers stored as text
    for tid, rows in found.tables.items():
        for row_label, cols in rows.items():
            for col_label, raw in cols.items():
                cell = report.format.cell_at(tid, row_label, col_label)
                if cell is None:
                    continue
                addr = found.where[(tid, row_label, col_label)]
                report.locations[cell.key] = addr
                text, quiet = unevaluated.get((tid, row_label, col_label), (None, False))
                if text is not None:
                    if cell.is_input:  # its value is unknown: value.invalid says so, once
                        report.values[cell.key] = Invalid(f"={text}（公式，文件未保存计算结果）")
                        continue
                    pending.append(cell.key)
                    if quiet:  # it adds a cell that is not a number: that cell's value.invalid says it
                        continue
                    problems.append(GridProblem(
                        "formula_unevaluated", f"{cell.label}（{addr}）是公式“={text}”，文件未保存计算结果，"
                        "且公式不是官方单元格的简单求和，无法计算：该合计未能核对，已按填报数推算",
                        tid, addr, cell.key))
                    continue
                if not isinstance(raw, str) or not raw.strip():
                    continue
                value = report.values.get(cell.key)
                if is_number(value):
                    as_text.append((cell.key, tid, addr))
                    continue
                split = number_and_unit(raw)
                if split is not None and split[1] in _UNITS_OF.get(cell.kind, ()):
                    report.values[cell.key] = Decimal(split[0])
                    problems.append(GridProblem("unit", f"{cell.label}（{addr}）填写为“{raw.strip()}”，"
                                                f"已按{show(report.values[cell.key])}读取", tid, addr, cell.key))
    if pending:
        derived = derive_totals(report)
        for key in pending:
            report.values[key] = derived.get(key)
    if as_text:
        skipped = _skipped_by_a_total(report, [k for k, _, _ in as_text])
        for key, tid, addr in as_text:
            problems.append(GridProblem("text_number", f"{report.format.cells[key].label}（{addr}）：数字以文本形式保存",
                                        tid, addr, key, skipped=key in skipped))
    for label in unknown:
        problems.append(GridProblem("unknown_label", f"表格标签“{label}”不属于{report.version}版格式",
                                    label.split("/")[0]))
    for t in report.format.tables:
        if t.id not in found.tables:
            problems.append(GridProblem("table_missing", f"未找到{t.short}（{t.title}）", t.id))
            continue
        got = found.tables[t.id]
        for r in t.rows:
            if r.label not in got:
                problems.append(GridProblem("row_missing", f"{t.short}中未找到行“{r.label}”", t.id))
        for b in t.blocks:
            present = [r for r in b.rows if r.label in got]
            for c in b.columns:
                lacking = [r for r in present if c.label not in got[r.label]]
                if present and len(lacking) == len(present):  # the column is not there at all: say so once
                    problems.append(GridProblem("column_missing", f"{t.short}中未找到列“{c.label}”", t.id,
                                                key=cell_key(t, lacking[0], c)))
                    continue
                for r in lacking:
                    problems.append(GridProblem(
                        "column_missing", f"{t.short}「{r.label}」中未找到列“{c.label}”", t.id,
                        key=cell_key(t, r, c)))
    return report, problems


_UNITS_OF = {Kind.COUNT: COUNT_UNITS, Kind.SIGNED: COUNT_UNITS, Kind.MONEY: ("万元",)}


def _skipped_by_a_total(report: Report, keys) -> set[str]:
    """The cells among ``keys`` (numbers stored as text) that a total stored in the workbook left
    out, as Excel's SUM leaves out text: the total equals its derived value less those cells.
    (Decided from the values, so that a grid read with its formulas and one read without them,
    as xlwings' remote engine gives it, say the same.)"""
    derived = derive_totals(report)
    out = set()
    fmt = report.format
    for rule in rules_for(fmt, cross_year=False):
        if not rule.defines:
            continue
        for inst in instances(rule, fmt.table(rule.table)):
            total = inst.left[0][0]
            stored = report.values.get(total)
            if not is_number(stored) or total not in derived:
                continue
            texts = [(key, sign * report.values[key]) for key, sign, _ in inst.right
                     if key in keys and is_number(report.values.get(key)) and report.values[key]]
            if texts and stored == derived[total] - sum(v for _, v in texts):
                out.update(key for key, _ in texts)
    return out


# -- problems as findings ------------------------------------------------------------------------

_PER_TABLE = {  # problem code -> the workbook rule that lists its cells per table
    "text_number": "workbook.number_as_text_unsummed",
    "unit": "value.unit",
}


def grid_findings(report: Report, problems) -> list[Finding]:
    """The findings of ``read_grid``'s problems, worded alike for every caller (``xlreport check``
    and the Excel button): missing labels per table, cells per table and rule, the year choice,
    formulas that could not be evaluated.  (``table_missing`` is the engine's ``table.missing``.)"""
    missing: dict[str, list[str]] = {}
    cells: dict[tuple[str, str], list[CellRef]] = {}
    out: list[Finding] = []
    for p in problems:
        if p.code in ("row_missing", "column_missing"):
            label = p.message.split("未找到", 1)[-1]
            if label not in missing.setdefault(p.table, []):
                missing[p.table].append(label)
        elif p.code in _PER_TABLE:
            cell = report.format.cells[p.key]
            rule = "workbook.number_as_text" if p.skipped else _PER_TABLE[p.code]
            cells.setdefault((rule, p.table), []).append(CellRef(p.key, cell.label, p.address))
        elif p.code == "year_ignored":
            out.append(RULES["workbook.other_year"].finding(detail=p.message))
        elif p.code == "year_ambiguous":
            out.append(RULES["workbook.year_ambiguous"].finding(detail=p.message))
        elif p.code == "formula_unevaluated":
            cell = report.format.cells[p.key]
            out.append(RULES["workbook.formula_unevaluated"].finding((CellRef(p.key, cell.label, p.address),),
                                                                    table=p.table, detail=p.message))
    out[:0] = [RULES["workbook.label_missing"].finding(table=tid, labels="；".join(labels))
               for tid, labels in missing.items()]
    for (rule, tid), refs in cells.items():
        out.append(RULES[rule].finding(refs, table=tid, count=len(refs), cells=cells_text(refs)))
    return out


def _guess_format(tables: dict) -> Format:
    """The version whose labels match the most of what was found (2021 on a tie)."""
    return best_fit((cell_path(tid, r, c) for tid, rows in tables.items() for r, cols in rows.items() for c in cols),
                    prefer="2021")[0]
