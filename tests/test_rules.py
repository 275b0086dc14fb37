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
