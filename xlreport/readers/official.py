"""Find the official tables in any grid of cells by their labels.  Pure Python, no I/O.

A hand-made workbook in the official shape (or a sheet read by xlwings, calamine, or pasted
from a web page) is a set of sheets, each a 2-D list of cell values.  ``read_grid`` finds
表二/表三/表四 by the official row and column labels of ``xlreport.formats`` and returns a
``Report`` whose ``locations`` give the address of every value found, plus the problems
met on the way (a table, row or column that could not be found; numbers stored as text).

API (kept small; the Excel add-in and the batch checker both use it)::

    from xlreport.readers.official import read_grid
    report, problems = read_grid({"Sheet1": [["三、收到和处理…", None, …], …]}, fmt_hint=None)

- ``sheets``: ``{sheet name: rows}``; rows are lists of cell values (str, int, float, None,
  bool, date), 0-based.  Merged cells hold their value in the top-left cell only, as every
  reader returns them.
- ``fmt_hint``: a version ("2021", "2019"), a ``Format``, or None (then the report year
  written in the sheet decides, else the labels found).
- Returns ``(report, problems)``.  ``report.locations[key]`` is ``"Sheet1!D7"``;
  ``report.agency`` / ``report.year`` are filled when a 填报单位 / 报告年度 field or a title
  such as ``某某局2023年政府信息公开工作年度报告`` is present; section texts (一、五、六) go
  into ``report.texts``.  A table that is not found is absent from ``report.values`` (the
  engine reports ``table.missing``).  ``problems`` is a list of ``GridProblem``.

Labels are compared after normalisation (``xlreport.labels.canon_label``): NFKC (full-width →
half-width), all white space and line breaks removed, quotes dropped, ``1、``/``1．`` → ``1.``,
``一.`` → ``一、``.  A label that
does not match exactly may still match without its trailing note in brackets or without its
numbering, when that shorter form is unambiguous.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..formats import FORMATS, Format, get_format
from ..labels import canon_label, shorter_forms
from ..layout import col_letter
from ..model import Report
from ..values import is_number, normalize

__all__ = ["GridProblem", "read_grid", "norm_label", "address"]


@dataclass(frozen=True)
class GridProblem:
    """Something ``read_grid`` could not find or had to interpret.

    code: ``table_missing`` | ``row_missing`` | ``column_missing`` | ``text_number`` | ``unknown_label``
    """

    code: str
    message: str
    table: str | None = None
    address: str | None = None
    key: str | None = None


# -- labels -----------------------------------------------------------------------------

def norm_label(text) -> str:
    """A label as compared (``xlreport.labels.canon_label``)."""
    return canon_label(text)


_shorter_forms = shorter_forms


class _Matcher:
    """Maps cell text to one of a set of labels: exact normalised form first, then shorter
    unambiguous forms."""

    def __init__(self, labels):
        self.exact: dict[str, str] = {}
        loose: dict[str, set[str]] = {}
        for label in labels:
            self.exact.setdefault(norm_label(label), label)
            for form in _shorter_forms(label):
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
        for form in _shorter_forms(text):
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
    """``Sheet!D7`` for 0-based ``row``/``col``."""
    return f"{sheet}!{col_letter(col + 1)}{row + 1}"


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


def _find_table3(sheets, found: _Found) -> None:
    rmatch, cmatch, _, _ = _labels("三")
    for name, rows, r0, c0 in _anchors(sheets, cmatch, "自然人"):
        cols: dict[str, int] = {}
        bottom = r0
        for r in range(r0, min(r0 + 4, len(rows))):
            for c in range(c0, len(rows[r])):
                label = cmatch(rows[r][c])
                if label is not None and label not in cols:
                    cols[label] = c
                    bottom = max(bottom, r)
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


def _find_table4(sheets, found: _Found) -> None:
    _, cmatch, groups, _ = _labels("四")
    gmatch = _Matcher(groups)
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
        if not col_cells:
            continue
        horizontal = sum(k == "结果维持" for _, _, k in col_cells) > 1
        if horizontal:
            data_row = max(r for r, _, _ in col_cells) + 1
            for r, c, k in col_cells:
                owners = [(gc, g) for gr, gc, g in group_cells if gr < r and gc <= c]
                if not owners:
                    continue
                g = max(owners)[1]
                found.put("四", g, k, _cell(rows, data_row, c), address(name, data_row, c))
        else:  # groups down a column, the five columns across
            for gr, gc, g in group_cells:
                for r, c, k in col_cells:
                    if r < gr and c > gc:
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
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        y = int(value)
    else:
        m = _YEAR.search(unicodedata.normalize("NFKC", str(value)))
        if not m:
            return None
        y = int(m.group(1))
    return y if 2008 <= y <= 2100 else None


# -- the entry point --------------------------------------------------------------------------

def read_grid(sheets: dict, fmt_hint=None) -> tuple[Report, list[GridProblem]]:
    """Find the official tables, meta fields and texts in ``sheets``; see the module docstring."""
    found = _Found()
    _find_table2(sheets, found)
    _find_table3(sheets, found)
    _find_table4(sheets, found)

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
    problems = found.problems
    for tid, rows in found.tables.items():
        for row_label, cols in rows.items():
            for col_label, raw in cols.items():
                cell = report.format.cell_at(tid, row_label, col_label)
                if cell is None:
                    continue
                addr = found.where[(tid, row_label, col_label)]
                report.locations[cell.key] = addr
                if isinstance(raw, str) and raw.strip() and is_number(normalize(raw)):
                    problems.append(GridProblem("text_number", f"{cell.label}（{addr}）：数字以文本形式保存",
                                                tid, addr, cell.key))
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
            else:
                for c in t.block_of(r.id).columns:
                    if c.label not in got[r.label]:
                        problems.append(GridProblem(
                            "column_missing", f"{t.short}「{r.label}」中未找到列“{c.label}”", t.id,
                            key=f"{t.code}.{r.id}.{c.id}"))
    return report, problems


def _guess_format(tables: dict) -> Format:
    """The version whose labels match the most of what was found (2021 on a tie)."""
    best, best_hits = get_format("2021"), -1
    for version in ("2021", "2019"):
        fmt = FORMATS[version]
        paths = {c.path for c in fmt.cells.values()}
        hits = sum(f"{tid}/{r}/{c}" in paths for tid, rows in tables.items() for r, cols in rows.items()
                   for c in cols)
        if hits > best_hits:
            best, best_hits = fmt, hits
    return best
