"""Rule coverage: every rule id has a case that makes it fire (its near miss that keeps it quiet,
and the meta-tests that every rule is tested, are in tests/test_rule_coverage.py).

The base case is a real report that passes every rule (淮安市 2024, 2021 format)."""
import copy
from decimal import Decimal

import pytest

from conftest import REPORTS, load_transcription
from xlreport import Report, check
from xlreport.formats import FORMAT_2019
from xlreport.values import Invalid


def base() -> Report:
    data = load_transcription(REPORTS / "2024_huaian-shi_1.json")
    report, _ = Report.from_interchange({**data, "year": 2024})
    report.texts["s6"] = "本年度未收取信息处理费。"
    report.locations = {"t3.new.natural": "表三!D5"}
    return report


def previous_of(report: Report) -> Report:
    """Last year's report whose carry-over and 现行有效 chain agree with ``report``."""
    prev = copy.deepcopy(report)
    prev.year = report.year - 1
    for col in ("natural", "business", "research", "nonprofit", "legal", "other", "total"):
        prev.values[f"t3.carried_out.{col}"] = report.values[f"t3.carried_in.{col}"]
    for row in ("rules", "normative"):
        v = report.values
        prev.values[f"t2.{row}.in_force"] = (v[f"t2.{row}.in_force"] - v[f"t2.{row}.issued"]
                                             + v[f"t2.{row}.repealed"])
    return prev


def fired(report, previous=None):
    return {f.rule for f in check(report, previous)}


def test_the_base_case_passes_every_rule():
    report = base()
    assert fired(report, previous_of(report)) == set()


def _set(key, value):
    def change(report, previous):
        report.values[key] = value
    return change


def _year(year):
    def change(report, previous):
        report.year = year
    return change


def _prev(key, delta):
    def change(report, previous):
        previous.values[key] += delta
    return change


def _drop_table(tid):
    def change(report, previous):
        for c in report.format.table(tid).cells:
            report.values.pop(c.key)
    return change


def _text(text):
    def change(report, previous):
        report.texts["s6"] = text
    return change


def _mixed(report, previous):
    mixed, _ = Report.from_tables({**report.tables(), "三": {}}, "2019")
    report.format, report.layouts = mixed.format, mixed.layouts


CASES = {
    "三.balance": _set("t3.carried_out.natural", Decimal(104)),
    "三.row_total": _set("t3.granted.total", Decimal(1)),
    "三.subtotal": _set("t3.result_total.natural", Decimal(1)),
    "四.total": _set("t4.suit_direct.total", Decimal(27)),
    "跨年.carry_over": _prev("t3.carried_out.legal", 1),
    "跨年.in_force": _prev("t2.rules.in_force", 2),
    "value.invalid": _set("t2.licensing.decisions", Invalid("很多")),
    "value.negative": _set("t2.penalty.decisions", Decimal(-1)),
    "value.integer": _set("t2.coercion.decisions", Decimal("2.5")),
    "value.decimals": _set("t2.fees.fee_amount", Decimal("1.1234567")),
    "value.blank": _set("t2.rules.issued", None),
    "table.missing": _drop_table("四"),
    "layout.mixed": _mixed,
    "layout.outdated": _year(2019),
    "text.fee": _text("无其他需要报告的事项。"),
}


@pytest.mark.parametrize("rule_id", CASES)
def test_rule_fires(rule_id):
    report = base()
    previous = previous_of(report)
    CASES[rule_id](report, previous)
    assert rule_id in fired(report, previous)


def test_the_balance_message_reads_as_the_issue_says():
    report = base()
    report.values["t3.new.natural"] += 1
    f = next(f for f in check(report) if f.rule == "三.balance")
    assert f.message.startswith("表三「自然人」列：第一项+第二项=")
    assert "第三项（七）总计+第四项=" in f.message and "相差1" in f.message
    assert "表三!D5" in f.message  # the address is named where the report knows it
    assert f.difference == 1 and f.table == "三"


def test_text_fee_is_quiet_when_the_text_is_unknown_or_the_format_is_2019():
    report = base()
    del report.texts["s6"]
    assert "text.fee" not in fired(report)
    old = Report.blank(FORMAT_2019)
    old.texts["s6"] = ""
    assert "text.fee" not in fired(old)


def test_a_blank_total_is_a_blank_not_a_wrong_sum():
    report = base()
    report.values["t3.carried_in.total"] = None
    rules = fired(report)
    assert "value.blank" in rules and "三.row_total" not in rules and "三.balance" not in rules


def test_invalid_values_are_reported_once_not_as_wrong_sums():
    report = base()
    report.values["t3.new.natural"] = Invalid("三十")
    findings = check(report)
    assert [f.rule for f in findings] == ["value.invalid"]
    assert "“三十”" in findings[0].message and "表三!D5" in findings[0].message


def test_cross_year_rules_skip_a_previous_report_without_the_table():
    report = base()
    previous = previous_of(report)
    for c in previous.format.table("三").cells:
        previous.values.pop(c.key)
    assert "跨年.carry_over" not in fired(report, previous)


# -- one place for each piece of logic: rule.finding, cell keys, value kinds, years, reprs ---------------

def test_each_rule_builds_its_own_finding():
    from xlreport.rules import RULES, CellRef, rule_finding
    ref = CellRef("t3.new.total", "表三「一、本年新收政府信息公开申请数量」总计", "表三!J5")
    f = RULES["workbook.formula_overwritten"].finding((ref,), table="三", cells="x")
    assert (f.rule, f.severity, f.table, f.cells) == ("workbook.formula_overwritten", "warning", "三", (ref,))
    assert f.message.startswith("表三合计单元格的公式已被覆盖或删除：x")
    assert rule_finding("workbook.formula_overwritten", (ref,), table="三", cells="x") == f  # the thin old name
    blank = RULES["value.blank"].finding((ref,), table="三", where="（一）予以公开", count=1, cells="表三!J5")
    assert blank.message.startswith("表三「（一）予以公开」有1个单元格空白") and blank.where == "（一）予以公开"


def test_format_table_raises_key_error_and_reprs_are_short():
    from xlreport.formats import FORMAT_2021
    with pytest.raises(KeyError):
        FORMAT_2021.table("五")
    with pytest.raises(KeyError):
        FORMAT_2021.table("三").row("no_such_row")
    report = Report.blank("2021", agency="某县教育局", year=2024)
    assert len(repr(FORMAT_2021)) < 100 and len(repr(report)) < 120
    assert "0/200" in repr(report) and "某县教育局" in repr(report)


def test_cell_key_is_built_and_split_in_one_place():
    from xlreport.formats import FORMAT_2021, cell_key, split_key
    t3 = FORMAT_2021.table("三")
    row, col = t3.rows[0], t3.blocks[0].columns[0]
    key = cell_key(t3, row, col)
    assert key in FORMAT_2021.cells and cell_key("t3", row.id, col.id) == key
    assert split_key(key) == ("t3", row.id, col.id)


def test_value_kinds_declare_their_limits_once():
    from xlreport.formats import Kind
    assert (Kind.COUNT.negative, Kind.COUNT.integer) == (False, True)
    assert (Kind.SIGNED.negative, Kind.SIGNED.integer) == (True, True)
    assert (Kind.MONEY.integer, Kind.MONEY.max_decimals) == (False, 6)
    assert Kind.AMOUNT.max_decimals is None and not Kind.TEXT.numeric
    # the engine follows them: 7 decimals are too many for money, any number is fine for an amount
    report = Report.blank("2021")
    report.values["t2.fees.fee_amount"] = Decimal("0.1234567")
    assert "value.decimals" in {f.rule for f in check(report)}
    report.values["t2.fees.fee_amount"] = Decimal("0.123456")
    assert "value.decimals" not in {f.rule for f in check(report)}


def test_one_year_parser():
    from xlreport.formats import MAX_YEAR, MIN_YEAR, parse_year
    assert [parse_year(v) for v in (2024, 2024.0, "2024", " 2024年 ", "2024年度")] == [2024] * 5
    assert [parse_year(v) for v in (2024.5, "二〇二四", True, None, MIN_YEAR - 1, MAX_YEAR + 1, float("nan"))] \
        == [None] * 7


def test_one_function_says_which_version_fits_the_labels():
    from xlreport.formats import FORMATS, best_fit
    for version, fmt in FORMATS.items():
        own = [c.path for c in fmt.table("二").cells]
        assert best_fit(own, "二")[0].version == version
        assert best_fit(own)[0].version == version
    shared = [c.path for c in FORMATS["2021"].table("四").cells]  # 表四 is the same in both versions
    assert best_fit(shared, "四", prefer="2019")[0].version == "2019"
    assert best_fit(shared, "四", prefer="2021")[0].version == "2021"
    assert best_fit([], "四")[1] == 0


def test_cells_are_listed_in_one_style_each_label_once():
    from xlreport.rules import CellRef, cells_text
    refs = [CellRef("t3.new.natural", "表三「一、本年新收」自然人", "表三!D5"),
            CellRef("t3.new.business", "表三「一、本年新收」商业企业", "表三!E5"),
            CellRef("t3.carried_in.natural", "表三「二、上年结转」自然人", None)]
    assert cells_text(refs) == "表三「一、本年新收」自然人（表三!D5）、商业企业（表三!E5）、表三「二、上年结转」自然人"
    report = Report.blank("2021")
    blank = next(f for f in check(report) if f.rule == "value.blank" and f.table == "二")
    row_label = blank.cells[0].label.rpartition("」")[0]
    assert blank.message.count(row_label) == 2  # once for the row, once before its cells: not per cell
