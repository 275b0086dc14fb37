"""The hand-made workbook reader (``xlreport.readers.official``) on the layouts departments
really use, each built from the real reports: both a consistent and a broken variant."""
from __future__ import annotations

from xlreport.labels import canon_label, shorter_forms
from xlreport.readers.official import norm_label


def test_one_label_normaliser():
    assert norm_label is not None and norm_label("１、属于\n国家秘密") == canon_label("1．属于国家秘密")
    assert canon_label("（一）予以公开") == canon_label("(一) 予以公开") == "(一)予以公开"
    assert canon_label("“三安全一稳定”") == canon_label('"三安全一稳定"') == canon_label("三安全\u200b一稳定")
    assert canon_label("一.本年新收") == canon_label("一、本年新收")
    assert canon_label(None) == canon_label(3) == ""
    assert shorter_forms("（二）部分公开（区分处理的）") == ["(二)部分公开", "部分公开"]


import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402

from conftest import REAL_JSON, year_of  # noqa: E402
from official_shape import official_grid  # noqa: E402
from workbooks import real_report  # noqa: E402
from xlreport import check  # noqa: E402
from xlreport.readers.official import Formula, grid_findings, read_grid  # noqa: E402
from xlreport.rules import cells_text  # noqa: E402

AGENCY = "某县教育局"


def report_of(path):
    return real_report(path, AGENCY)


def rules(findings):
    return sorted((f.rule, f.where or "") for f in findings if not f.rule.startswith("layout."))


def findings_of(got, problems):
    return check(got) + grid_findings(got, problems)


def at(sheets, address):
    """The raw cell value at ``Sheet!D7``."""
    sheet, a1 = address.rsplit("!", 1)
    col = 0
    letters = "".join(ch for ch in a1 if ch.isalpha())
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return sheets[sheet][int(a1[len(letters):]) - 1][col - 1]


def assert_same(got, report):
    keys = set(got.values) | set(report.values)
    diff = {k: (got.values.get(k), report.values.get(k)) for k in keys if got.values.get(k) != report.values.get(k)}
    assert not diff
    assert got.missing_tables == report.missing_tables


def broken(report, key="t4.review.upheld", by=1):
    """The report with one input changed: a real error of the rule that sums that input."""
    bad = report_of_values(report, {key: (report.values.get(key) or 0) + by})
    return bad


def report_of_values(report, changes):
    from copy import deepcopy
    out = deepcopy(report)
    out.values.update({k: Decimal(v) for k, v in changes.items()})
    return out


def assert_reads_exactly(sheets, report, allowed=()):
    """The grid reads as the report: same values, same findings, each value found at its address."""
    got, problems = read_grid(sheets)
    assert_same(got, report)
    assert [p.code for p in problems if p.code not in ("table_missing", *allowed)] == []
    assert rules(check(got)) == rules(check(report))
    for key, addr in got.locations.items():
        if key in report.values and report.values[key] is not None and key.startswith("t"):
            raw = at(sheets, addr)
            raw = raw.cached if isinstance(raw, Formula) else raw
            assert str(raw).replace(",", "").removesuffix("件").removesuffix("万元") == str(
                report.values[key]) or Decimal(str(raw).replace(",", "").removesuffix("件").removesuffix("万元")) == \
                report.values[key], key
    return got, problems


def assert_error_at(sheets, bad, rule_id, key):
    """A broken report's error is found, at the cell that holds ``key``."""
    got, problems = read_grid(sheets)
    assert_same(got, bad)
    hits = [f for f in check(got) if f.rule == rule_id and any(r.key == key for r in f.cells)]
    assert hits, rules(check(got))
    ref = next(r for r in hits[0].cells if r.key == key)
    assert ref.address == got.locations[key]
    assert Decimal(str(at(sheets, ref.address))) == bad.values[key]
    assert rules(check(got)) == rules(check(bad))


# -- a blank spacer row between each table's header and its data -------------------------------------

@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_spacer_rows_are_skipped(path):
    report = report_of(path)
    assert_reads_exactly({"年报": official_grid(report, spacer=True)}, report)


@pytest.mark.parametrize("path", REAL_JSON[-3:], ids=lambda p: p.stem)
def test_a_real_table4_error_is_found_through_the_spacer_row(path):
    bad = broken(report_of(path))
    assert_error_at({"年报": official_grid(bad, spacer=True)}, bad, "四.total", "t4.review.total")


# -- 表四 in either orientation -------------------------------------------------------------------

@pytest.mark.parametrize("spacer", [False, True])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_table4_laid_out_vertically(path, spacer):
    report = report_of(path)
    assert_reads_exactly({"年报": official_grid(report, table4="column", spacer=spacer)}, report)


@pytest.mark.parametrize("key", ["t4.review.pending", "t4.suit_direct.upheld", "t4.suit_after.other"])
def test_a_table4_error_in_the_vertical_layout_is_at_its_cell(key):
    bad = broken(report_of(REAL_JSON[-1]), key, 2)
    total = key.rsplit(".", 1)[0] + ".total"
    assert_error_at({"年报": official_grid(bad, table4="column")}, bad, "四.total", total)
    assert_error_at({"年报": official_grid(bad, table4="column")}, bad, "四.total", key)


# -- the 总计 header merged down over the header rows -----------------------------------------------

@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_total_header_merged_down(path):
    report = report_of(path)
    assert_reads_exactly({"年报": official_grid(report, total_on_top=True)}, report)


def test_a_row_total_error_under_a_merged_total_header():
    bad = broken(report_of(REAL_JSON[3]), "t3.new.natural", 5)
    assert_error_at({"年报": official_grid(bad, total_on_top=True)}, bad, "三.row_total", "t3.new.total")


def test_a_missing_column_is_named_once():
    report = report_of(REAL_JSON[-1])
    grid = official_grid(report, total_on_top=True)
    grid = [[None if v == "总计" else v for v in row] for row in grid]  # 表三 and 表四 lose their 总计 header
    got, problems = read_grid({"年报": grid})
    found = grid_findings(got, problems)
    missing = [f.message for f in found if f.rule == "workbook.label_missing"]
    assert missing == ["表三中未找到：列“总计”（请按官方表格的行列标题填写）",
                       "表四中未找到：列“总计”（请按官方表格的行列标题填写）"]
    # a column missing in one row only is still named with its row
    grid = official_grid(report)
    row = next(i for i, r in enumerate(grid) if any(v == "结果维持" for v in r))
    first = next(c for c, v in enumerate(grid[row]) if v == "结果维持")
    grid[row][first] = None
    got, problems = read_grid({"年报": grid})
    assert [p.message for p in problems if p.code == "column_missing"] == ["表四「行政复议」中未找到列“结果维持”"]


# -- units typed in the cell ------------------------------------------------------------------------

UNIT_KEYS = ("t3.new.natural", "t3.new.total", "t3.granted.natural", "t4.review.upheld", "t2.fees.fee_amount")


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_units_in_cells_are_read_as_numbers_with_a_warning(path):
    report = report_of(path)
    keys = [k for k in UNIT_KEYS if k in report.format.cells and report.values.get(k) is not None]
    sheets = {"年报": official_grid(report, units=keys)}
    got, problems = assert_reads_exactly(sheets, report, allowed=("unit",))
    assert sorted(p.key for p in problems if p.code == "unit") == sorted(keys)
    warned = [f for f in grid_findings(got, problems) if f.rule == "value.unit"]
    assert sorted(c.key for f in warned for c in f.cells) == sorted(keys)
    assert all(f.severity == "warning" for f in warned)
    assert not [f for f in findings_of(got, problems) if f.rule == "value.invalid"]


def test_units_text_as_typed():
    report = report_of(REAL_JSON[-1])
    report = report_of_values(report, {"t3.new.natural": 3119, "t3.new.total": report.values["t3.new.total"] + 3119
                                       - report.values["t3.new.natural"]})
    grid = official_grid(report, units=["t3.new.natural"])
    got, problems = read_grid({"年报": grid})
    assert at({"年报": grid}, got.locations["t3.new.natural"]) == "3,119件"
    assert got.values["t3.new.natural"] == 3119
    msg = next(p.message for p in problems if p.code == "unit")
    assert "“3,119件”" in msg and "已按3119读取" in msg


def test_a_unit_that_does_not_fit_the_cell_is_invalid():
    report = report_of(REAL_JSON[-1])
    grid = official_grid(report)
    got, _ = read_grid({"年报": grid})
    addr = got.locations["t2.fees.fee_amount"]
    sheet = {"年报": grid}
    r, c = _rc(addr)
    grid[r][c] = "251000元"  # 元 in a 万元 cell: not guessed
    r, c = _rc(got.locations["t3.new.natural"])
    grid[r][c] = "12万元"
    got, problems = read_grid(sheet)
    bad = sorted(c.key for f in check(got) if f.rule == "value.invalid" for c in f.cells)
    assert bad == ["t2.fees.fee_amount", "t3.new.natural"]
    assert not [p for p in problems if p.code == "unit"]


def test_a_sum_error_with_units_is_at_its_cell():
    bad = broken(report_of(REAL_JSON[2]), "t3.new.natural", 7)
    assert_error_at_units = read_grid({"年报": official_grid(bad, units=["t3.new.natural", "t3.new.total"])})[0]
    assert_same(assert_error_at_units, bad)
    f = next(f for f in check(assert_error_at_units) if f.rule == "三.row_total" and f.where == "一、本年新收政府信息公开申请数量")
    assert f.cells[0].address == assert_error_at_units.locations["t3.new.total"]


def _rc(addr):
    sheet, a1 = addr.rsplit("!", 1)
    letters = "".join(ch for ch in a1 if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(a1[len(letters):]) - 1, col - 1


# -- numbers stored as text, dates in number cells ------------------------------------------------------

def test_numbers_as_text_with_typed_totals_are_a_warning():
    report = report_of(REAL_JSON[-2])
    keys = ("t3.new.natural", "t4.review.upheld")
    got, problems = read_grid({"年报": official_grid(report, as_text=keys)})
    assert_same(got, report)
    found = grid_findings(got, problems)
    assert [(f.rule, f.severity) for f in found] == [("workbook.number_as_text_unsummed", "warning")] * 2
    assert sorted(c.key for f in found for c in f.cells) == sorted(keys)


def test_cells_of_one_row_are_listed_in_the_shared_style():
    # One style for listing cells (rules.cells_text): the row label once, then each column.
    report = report_of(REAL_JSON[-2])
    keys = ("t3.new.natural", "t3.new.business")
    got, problems = read_grid({"年报": official_grid(report, as_text=keys)})
    [found] = grid_findings(got, problems)
    assert found.message.count("一、本年新收政府信息公开申请数量") == 1
    assert cells_text(found.cells) in found.message and "商业企业（" in found.message


def test_numbers_as_text_summed_by_a_formula_are_an_error():
    report = derived_report(report_of(REAL_JSON[-2]))
    grid = official_grid(report, as_text=("t4.review.upheld",))
    got, _ = read_grid({"年报": grid})
    r, c = _rc(got.locations["t4.review.total"])
    first, last = _rc(got.locations["t4.review.upheld"])[1], _rc(got.locations["t4.review.pending"])[1]
    from xlreport.layout import col_letter
    text = f"SUM({col_letter(first + 1)}{r + 1}:{col_letter(last + 1)}{r + 1})"
    grid[r][c] = Formula(text, float(report.values["t4.review.total"] - report.values["t4.review.upheld"]))  # Excel skipped the text
    got, problems = read_grid({"年报": grid})
    found = grid_findings(got, problems) + check(got)
    assert ("workbook.number_as_text", "error") in [(f.rule, f.severity) for f in found]
    if report.values["t4.review.upheld"]:
        assert "四.total" in [f.rule for f in found]


def test_a_date_in_a_number_cell_is_invalid():
    report = report_of(REAL_JSON[-1])
    grid = official_grid(report)
    got, _ = read_grid({"年报": grid})
    r, c = _rc(got.locations["t3.new.natural"])
    grid[r][c] = dt.datetime(2025, 3, 1)  # "3-1" typed, as calamine returns it
    got, problems = read_grid({"年报": grid})
    f = next(f for f in check(got) if f.rule == "value.invalid")
    assert f.severity == "error" and f.cells[0].address == got.locations["t3.new.natural"]
    assert "2025年3月1日（日期，不是数字）" in f.message
    assert not [f for f in check(got) if f.rule == "三.row_total" and "自然人" in f.message]


# -- totals saved as formulas without their results (files written by programs) --------------------------

def with_total_formulas(report, grid, sheet="年报", wrap=None, cached=False):
    """``grid`` with every total cell a formula summing its official input cells: a row total as
    SUM(range), a column total as SUM(a,b,…), 表四 as a+b+c+d.  ``wrap``: {key: fn(text)}."""
    from xlreport.engine import _definitions
    from xlreport.layout import col_letter
    got, _ = read_grid({sheet: grid})
    grid = [list(r) for r in grid]
    a1 = {k: v.rsplit("!", 1)[1] for k, v in got.locations.items()}
    for key, parts in _definitions(report.format).items():
        if key not in got.locations:
            continue
        cells = [a1[k] for k, _ in parts]
        if key.startswith("t3.") and key.endswith(".total"):
            r, c = _rc(got.locations[parts[0][0]])
            r2, c2 = _rc(got.locations[parts[-1][0]])
            text = f"SUM({col_letter(c + 1)}{r + 1}:{col_letter(c2 + 1)}{r2 + 1})"
        elif key.startswith("t3."):
            text = f"SUM({','.join(cells)})"
        else:
            text = "+".join(cells)
        if wrap and key in wrap:
            text = wrap[key](text)
        r, c = _rc(got.locations[key])
        grid[r][c] = Formula(text, float(report.values[key]) if cached and report.values[key] is not None else None)
    return grid


def derived_report(report):
    from xlreport import derive_totals
    from copy import deepcopy
    out = deepcopy(report)
    out.values.update(derive_totals(report))
    return out


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_plain_sum_formulas_without_results_are_evaluated(path):
    report = derived_report(report_of(path))
    grid = with_total_formulas(report, official_grid(report))
    got, problems = read_grid({"年报": grid})
    assert_same(got, report)
    assert [p.code for p in problems if p.code != "table_missing"] == []
    assert rules(check(got)) == rules(check(report))
    def blanks(r):
        return sorted(c.key for f in check(r) if f.rule == "value.blank" for c in f.cells)
    assert blanks(got) == blanks(report)
    assert not [k for k in blanks(got) if not report.format.cells[k].is_input]


def test_formulas_with_cached_results_keep_them():
    report = report_of(REAL_JSON[-2])
    grid = with_total_formulas(report, official_grid(report), cached=True)
    got, problems = read_grid({"年报": grid})
    assert_same(got, report)


def test_a_formula_summing_the_wrong_cells_gives_the_error_at_its_cell():
    report = derived_report(report_of(REAL_JSON[-1]))
    wrong = {"t3.new.total": lambda t: t.replace("SUM(", "SUM(").rsplit(":", 1)[0] + ":" + _prev_col(t.rsplit(":", 1)[1])}
    grid = with_total_formulas(report, official_grid(report), wrap=wrong)
    got, problems = read_grid({"年报": grid})
    expected = report.values["t3.new.total"] - report.values["t3.new.other"]
    assert got.values["t3.new.total"] == expected
    f = next(f for f in check(got) if f.rule == "三.row_total" and f.cells[0].key == "t3.new.total")
    assert f.cells[0].address == got.locations["t3.new.total"] and f.actual == expected
    assert not [p for p in problems if p.code == "formula_unevaluated"]


def _prev_col(ref_end: str) -> str:  # "J7)" -> "I7)"
    letters = "".join(ch for ch in ref_end if ch.isalpha())
    return chr(ord(letters[-1]) - 1) + ref_end[len(letters):]


def test_a_formula_that_is_not_a_plain_sum_is_one_finding_not_a_blank():
    report = derived_report(report_of(REAL_JSON[-1]))
    grid = with_total_formulas(report, official_grid(report),
                               wrap={"t4.review.total": lambda t: f"ROUND({t},0)", "t3.new.total": lambda t: f"{t}*1"})
    got, problems = read_grid({"年报": grid})
    assert sorted(p.key for p in problems if p.code == "formula_unevaluated") == ["t3.new.total", "t4.review.total"]
    found = check(got) + grid_findings(got, problems)
    assert [c.key for f in found if f.rule == "value.blank" for c in f.cells] == [
        c.key for f in check(report) if f.rule == "value.blank" for c in f.cells]
    unevaluated = [f for f in found if f.rule == "workbook.formula_unevaluated"]
    assert len(unevaluated) == 2 and all("空白" not in f.message and "请填0" not in f.message for f in unevaluated)
    assert "ROUND(" in unevaluated[-1].message and unevaluated[-1].cells[0].address == got.locations["t4.review.total"]
    assert rules([f for f in check(got)]) == rules(check(report))


def test_a_formula_naming_cells_outside_the_tables_is_not_evaluated():
    report = derived_report(report_of(REAL_JSON[-1]))
    grid = with_total_formulas(report, official_grid(report), wrap={"t4.review.total": lambda t: t + "+A1"})
    got, problems = read_grid({"年报": grid})  # A1 holds the title
    assert [p.key for p in problems if p.code == "formula_unevaluated"] == ["t4.review.total"]


# -- a workbook that also keeps last year's tables (a sheet per year, the older one first) ----------------

PAIRS = [(REAL_JSON[i], REAL_JSON[j]) for i, j in ((0, 2), (1, 3), (5, 6))]  # same unit or consecutive years


def two_years(prev_path, cur_path, names=None, titles=True, cover=None):
    prev, cur = report_of(prev_path), report_of(cur_path)
    names = names or (f"{prev.year}年", f"{cur.year}年")
    sheets = {}
    if cover is not None:
        sheets["封面"] = [["报告年度", cover], ["填报单位", AGENCY]]
    sheets[names[0]] = official_grid(prev, with_title=titles)
    sheets[names[1]] = official_grid(cur, with_title=titles)
    return prev, cur, sheets


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0].stem}+{p[1].stem}")
@pytest.mark.parametrize("how", ["sheet names", "titles", "both"])
def test_the_current_year_is_chosen_with_a_warning(pair, how):
    names = ("Sheet1", "Sheet2") if how == "titles" else None
    prev, cur, sheets = two_years(*pair, names=names, titles=how != "sheet names")
    got, problems = read_grid(sheets)
    assert_same(got, cur)
    assert got.year == cur.year and got.version == cur.version
    assert all(a.startswith(list(sheets)[1] + "!") for a in got.locations.values())
    ignored = [p for p in problems if p.code == "year_ignored"]
    assert len(ignored) == 1 and f"{prev.year}年度" in ignored[0].message and list(sheets)[0] in ignored[0].message
    found = grid_findings(got, problems)
    assert [(f.rule, f.severity) for f in found] == [("workbook.other_year", "warning")]
    assert rules(check(got)) == rules(check(cur))


def test_a_cover_that_states_the_year_decides():
    prev, cur, sheets = two_years(*PAIRS[0], titles=False, cover=f"{prev_year()}年")
    got, problems = read_grid(sheets)
    assert_same(got, prev)
    assert got.year == prev.year
    assert [p.code for p in problems if p.code.startswith("year")] == ["year_ignored"]
    # the cover's year is none of the copies': nothing decides
    prev, cur, sheets = two_years(*PAIRS[0], titles=False, cover="2030年")
    _, problems = read_grid(sheets)
    assert [p.code for p in problems if p.code.startswith("year")] == ["year_ambiguous"]


def prev_year():
    return report_of(PAIRS[0][0]).year


def test_nothing_decides_the_year_is_an_error():
    prev, cur, sheets = two_years(*PAIRS[2], names=("Sheet1", "Sheet2"), titles=False)
    got, problems = read_grid(sheets)
    found = grid_findings(got, problems)
    amb = [f for f in found if f.rule == "workbook.year_ambiguous"]
    assert len(amb) == 1 and amb[0].severity == "error"
    assert "“Sheet1”" in amb[0].message and "“Sheet2”" in amb[0].message and "表二、表三、表四" in amb[0].message
    assert all(a.startswith("Sheet2!") for a in got.locations.values())  # read from the last copy, said so


def test_a_real_error_in_this_years_copy_is_found_and_last_years_is_not_read():
    prev_path, cur_path = PAIRS[2]
    prev, cur = report_of(prev_path), report_of(cur_path)
    bad_cur = broken(cur, "t4.suit_direct.other", 3)
    bad_prev = broken(prev, "t3.new.natural", 9)
    sheets = {f"{prev.year}年": official_grid(bad_prev), f"{cur.year}年": official_grid(bad_cur)}
    got, problems = read_grid(sheets)
    assert_same(got, bad_cur)
    assert rules(check(got)) == rules(check(bad_cur))
    f = next(f for f in check(got) if f.rule == "四.total" and f.cells[0].key == "t4.suit_direct.total")
    assert f.cells[0].address.startswith(f"{cur.year}年!")


def test_tables_on_separate_sheets_of_one_year_are_not_copies():
    report = report_of(REAL_JSON[2])
    grid = official_grid(report)
    split = next(i for i, row in enumerate(grid) if row[0] == report.format.table("三").title)
    got, problems = read_grid({"表二": grid[:split], "表三四": grid[split:]})
    assert_same(got, report)
    assert not [p for p in problems if p.code.startswith("year")]


def test_labels_in_a_notes_sheet_are_not_a_second_copy():
    report = report_of(REAL_JSON[-1])
    notes = [["说明"], ["自然人", "指个人申请"], ["行政复议", "含撤回"], ["结果维持", "结果纠正", "总计"],
             ["（一）予以公开"], ["1.规章"]]
    got, problems = read_grid({"年报": official_grid(report), "填表说明": notes})
    assert_same(got, report)
    assert not [p for p in problems if p.code.startswith("year")]


def test_numbers_as_text_skipped_by_an_uncalculated_sum_are_an_error():
    report = derived_report(report_of(REAL_JSON[-1]))
    grid = with_total_formulas(report, official_grid(report, as_text=("t3.new.natural", "t3.new.business")))
    got, problems = read_grid({"年报": grid})
    skipped = [p.key for p in problems if p.code == "text_number" and p.skipped]
    nonzero = [k for k in ("t3.new.natural", "t3.new.business") if report.values[k]]
    assert skipped == nonzero  # SUM(D:J) evaluated as Excel does leaves the text out
    found = grid_findings(got, problems) + check(got)
    assert [f.rule for f in found if f.rule.startswith("workbook.")] == ["workbook.number_as_text"] + (
        ["workbook.number_as_text_unsummed"] if len(nonzero) < 2 else [])
    assert any(f.rule == "三.row_total" and f.cells[0].key == "t3.new.total" for f in found)


# -- the same layouts as real .xlsx files through ``xlreport check``'s reader -----------------------------

from xlreport.batch import check_workbook  # noqa: E402


def save_book(path, sheets: dict, merges=()):
    """An .xlsx as a program writes it (openpyxl: formulas saved without results)."""
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(grid, 1):
            for c, v in enumerate(row, 1):
                if v is None:
                    continue
                cell = ws.cell(r, c)
                if isinstance(v, Formula):
                    cell.value = "=" + v.text
                elif isinstance(v, dt.date):
                    cell.value, cell.number_format = v, "m月d日"
                else:
                    cell.value = v
    for sheet, rng in merges:
        wb[sheet].merge_cells(rng)
    wb.save(path)
    return path


def workbook_rules(findings):
    return sorted((f.rule, f.where or "") for f in findings if not f.rule.startswith("layout."))


def test_files_in_every_layout_read_like_the_report(tmp_path):
    report = report_of(REAL_JSON[-1])
    expected = workbook_rules(check(report))
    for i, kw in enumerate([dict(spacer=True), dict(table4="column", spacer=True), dict(total_on_top=True)]):
        got, findings = check_workbook(save_book(tmp_path / f"{i}.xlsx", {"年报": official_grid(report, **kw)}))
        assert_same(got, report)
        assert workbook_rules(findings) == expected, kw


def test_a_merged_total_header_in_a_file(tmp_path):
    report = report_of(REAL_JSON[3])
    grid = official_grid(report, total_on_top=True)
    r = next(i for i, row in enumerate(grid) if "总计" in row and APPLICANTS_LABEL in row)
    c = grid[r].index("总计")
    from xlreport.layout import col_letter
    rng = f"{col_letter(c + 1)}{r + 1}:{col_letter(c + 1)}{r + 3}"
    got, findings = check_workbook(save_book(tmp_path / "m.xlsx", {"年报": grid}, merges=[("年报", rng)]))
    assert_same(got, report)
    assert "workbook.label_missing" not in {f.rule for f in findings}


from xlreport.formats import APPLICANTS as APPLICANTS_LABEL  # noqa: E402


def test_totals_written_by_a_program_are_evaluated_in_a_file(tmp_path):
    report = derived_report(report_of(REAL_JSON[-1]))
    grid = with_total_formulas(report, official_grid(report))
    got, findings = check_workbook(save_book(tmp_path / "f.xlsx", {"年报": grid}))
    assert_same(got, report)
    assert workbook_rules(findings) == workbook_rules(check(report))
    # one formula that is not a plain sum: one finding, no blank warning
    grid = with_total_formulas(report, official_grid(report), wrap={"t4.review.total": lambda t: f"ROUND({t},0)"})
    got, findings = check_workbook(save_book(tmp_path / "g.xlsx", {"年报": grid}))
    assert [f.rule for f in findings if f.rule in ("workbook.formula_unevaluated", "value.blank")] == [
        "workbook.formula_unevaluated"]


def test_last_years_sheet_in_a_file(tmp_path):
    prev, cur, sheets = two_years(*PAIRS[2])
    got, findings = check_workbook(save_book(tmp_path / "y.xlsx", sheets))
    assert_same(got, cur) and got.year == cur.year
    assert workbook_rules(findings) == sorted(workbook_rules(check(cur)) + [("workbook.other_year", "")])


def test_units_and_dates_in_a_file(tmp_path):
    report = report_of(REAL_JSON[-1])
    grid = official_grid(report, units=["t3.new.natural", "t3.new.total"])
    got, _ = read_grid({"年报": grid})
    r, c = _rc(got.locations["t4.review.pending"])
    grid[r][c] = dt.datetime(2025, 3, 1)
    got, findings = check_workbook(save_book(tmp_path / "u.xlsx", {"年报": grid}))
    assert got.values["t3.new.natural"] == report.values["t3.new.natural"]
    unit = next(f for f in findings if f.rule == "value.unit")
    assert sorted(c.key for c in unit.cells) == ["t3.new.natural", "t3.new.total"] and unit.severity == "warning"
    bad = next(f for f in findings if f.rule == "value.invalid")
    assert bad.cells[0].key == "t4.review.pending" and "3月1日" in bad.message


def test_the_layouts_as_xls_files(tmp_path):
    """The same files saved as .xls by LibreOffice (read by calamine: no formulas, dates as dates)."""
    from xlreport.libreoffice import convert, find_soffice
    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    report = report_of(REAL_JSON[-2])
    grid = official_grid(report, table4="column", spacer=True, total_on_top=True, units=["t3.new.natural"])
    got, _ = read_grid({"年报": grid})
    r, c = _rc(got.locations["t4.review.pending"])
    grid[r][c] = dt.datetime(2025, 3, 1)
    prev = report_of(REAL_JSON[-3])
    src = save_book(tmp_path / "a.xlsx", {f"{prev.year}年": official_grid(prev), f"{report.year}年": grid})
    (xls,) = convert([src], "xls", tmp_path / "out")
    got, findings = check_workbook(xls)
    assert got.values["t3.new.natural"] == report.values["t3.new.natural"] and got.year == report.year
    rules_found = {f.rule for f in findings}
    assert {"value.unit", "workbook.other_year", "value.invalid"} <= rules_found
    assert next(f for f in findings if f.rule == "value.invalid").cells[0].key == "t4.review.pending"
    expected = {k: v for k, v in report.values.items() if k != "t4.review.pending"}
    assert {k: got.values.get(k) for k in expected} == expected


# -- both years' tables on one sheet, one copy under the other ----------------------------------------------

@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0].stem}+{p[1].stem}")
def test_stacked_copies_on_one_sheet_read_the_report_year(pair):
    prev, cur = report_of(pair[0]), report_of(pair[1])
    top = official_grid(prev)
    grid = top + [[]] + official_grid(cur)
    width = max(len(r) for r in grid)
    grid = [r + [None] * (width - len(r)) for r in grid]
    got, problems = read_grid({"年报": grid})
    assert_same(got, cur)
    assert got.year == cur.year
    assert all(int(a.split("!")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) > len(top) for a in got.locations.values())
    assert [p.code for p in problems if p.code != "table_missing"] == ["year_ignored"]
    assert rules(check(got)) == rules(check(cur))


def test_stacked_copies_without_titles_are_an_error():
    prev, cur = report_of(PAIRS[2][0]), report_of(PAIRS[2][1])
    grid = official_grid(prev, with_title=False) + [[], []] + official_grid(cur, with_title=False)
    got, problems = read_grid({"年报": grid})
    assert_same(got, cur)
    found = grid_findings(got, problems)
    assert [f.rule for f in found] == ["workbook.year_ambiguous"] and found[0].severity == "error"


def test_a_plain_sum_over_an_invalid_cell_is_not_reported_twice():
    report = derived_report(report_of(REAL_JSON[-1]))
    grid = with_total_formulas(report, official_grid(report))
    got, _ = read_grid({"年报": grid})
    r, c = _rc(got.locations["t4.suit_after.pending"])
    grid[r][c] = dt.datetime(2025, 3, 1)  # the total t4.suit_after.total is a+b+c+d over it
    got, problems = read_grid({"年报": grid})
    found = check(got) + grid_findings(got, problems)
    assert [(f.rule, f.cells[0].key) for f in found if f.severity == "error"] == [("value.invalid", "t4.suit_after.pending")]
    assert not [f for f in found if f.rule in ("workbook.formula_unevaluated", "value.blank")]


def test_an_error_in_this_years_stacked_copy_is_at_its_cell():
    prev, cur = report_of(PAIRS[1][0]), report_of(PAIRS[1][1])
    bad_prev, bad_cur = broken(prev, "t3.new.natural", 4), broken(cur, "t4.review.corrected", 2)
    top = official_grid(bad_prev)
    grid = top + [[]] + official_grid(bad_cur)
    width = max(len(r) for r in grid)
    sheets = {"年报": [r + [None] * (width - len(r)) for r in grid]}
    assert_error_at(sheets, bad_cur, "四.total", "t4.review.total")
    assert_error_at(sheets, bad_cur, "四.total", "t4.review.corrected")


def test_every_official_label_as_people_retype_it_normalises_alike():
    from official_shape import FULL, mangle
    from xlreport.formats import FORMATS
    labels = set()
    for fmt in FORMATS.values():
        for t in fmt.tables:
            labels.add(t.title)
            for b in t.blocks:
                labels |= {b.label, b.corner} | {r.label for r in b.rows} | {c.label for c in b.columns}
                labels |= {g for r in b.rows for g in r.groups}
    labels.discard(None)
    assert len(labels) > 60
    for label in labels:
        n = canon_label(label)
        assert canon_label(n) == n  # idempotent
        for i in range(4):
            assert canon_label(mangle(label, i)) == n, (label, i)
        assert canon_label(label.translate(FULL)) == n
        assert canon_label(label.replace("、", "．", 1)) == n or "、" not in label[:3]


# -- every combination of the layouts, and the Excel button reading the same file ------------------------

import itertools  # noqa: E402


@pytest.mark.parametrize("combo", list(itertools.product(["row", "column"], [False, True], [False, True], [False, True])),
                         ids=lambda c: "-".join(map(str, c)))
def test_any_combination_of_layouts_reads_exactly(combo):
    table4, spacer, on_top, with_units = combo
    for path in REAL_JSON:
        report = report_of(path)
        units = [k for k in UNIT_KEYS if k in report.format.cells and report.values.get(k) is not None] if with_units else []
        sheets = {"年报": official_grid(report, table4=table4, spacer=spacer, total_on_top=on_top, units=units)}
        got, problems = assert_reads_exactly(sheets, report, allowed=("unit",))
        found = grid_findings(got, problems)
        assert [f.rule for f in found] == (["value.unit"] * len({report.format.cells[k].table.id for k in units}))


def test_the_excel_button_reads_the_layouts_as_check_does(tmp_path):
    """The ribbon's 校验 (xlwings' remote engine: values only) finds what ``xlreport check`` finds."""
    from xlbook import book_json, remote_book
    from xlreport import excel
    prev, cur = report_of(PAIRS[2][0]), report_of(PAIRS[2][1])
    bad = broken(cur, "t4.review.other", 2)
    grid = official_grid(bad, table4="column", spacer=True, total_on_top=True, units=["t3.new.natural"],
                         as_text=["t3.granted.natural"])
    path = save_book(tmp_path / "b.xlsx", {f"{prev.year}年": official_grid(prev), f"{cur.year}年": grid})
    _, expected = check_workbook(path)
    run = excel.check_book(remote_book(book_json(path)))
    desktop_only = {"workbook.unprotected"}
    assert [(f.rule, f.message) for f in run.findings] == [(f.rule, f.message) for f in expected
                                                           if f.rule not in desktop_only]
    assert {"workbook.other_year", "value.unit", "workbook.number_as_text_unsummed", "四.total"} <= {
        f.rule for f in run.findings}


def test_the_year_field_of_each_sheet_decides():
    prev, cur = report_of(PAIRS[0][0]), report_of(PAIRS[0][1])
    sheets = {"Sheet1": [["报告年度：", f"{prev.year}年度"]] + official_grid(prev, with_title=False),
              "Sheet2": [["报告年度：", cur.year]] + official_grid(cur, with_title=False)}
    got, problems = read_grid(sheets)
    assert_same(got, cur)
    assert got.year == cur.year and [p.code for p in problems if p.code.startswith("year")] == ["year_ignored"]
