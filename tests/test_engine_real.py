"""The engine's verdict on real published reports matches the hand-checked `checks`."""
from decimal import Decimal

from conftest import REPORTS, load_transcription, year_of
from xlreport import Report, check, derive_totals

CHECK_IDS = {"三_balance": "三.balance", "三_row_totals": "三.row_total",
             "三_subtotal": "三.subtotal", "四_totals": "四.total"}


def load(path):
    data = load_transcription(path)
    report, unknown = Report.from_interchange({**data, "year": year_of(path)})
    assert unknown == []
    return data, report


def test_verdict_matches_the_recorded_checks(transcription):
    path, data = transcription
    _, report = load(path)
    fired = {f.rule for f in check(report)}
    for name, passed in data["checks"].items():
        assert (CHECK_IDS[name] not in fired) == passed, name


def test_tables_round_trip_through_the_model(transcription):
    path, data = transcription
    _, report = load(path)
    assert report.tables() == {k: v for k, v in data["tables"].items() if v}
    assert sorted(report.missing_tables) == sorted(data["missing"])
    assert sorted(report.to_interchange()["uncertain"]) == sorted(data["uncertain"])


def test_published_error_in_hongzequ_names_the_right_cells():
    _, report = load(REPORTS / "2023_huaian-hongzequ_1.json")
    found = [f for f in check(report) if f.rule == "四.total"]
    assert [f.where for f in found] == ["行政复议", "复议后起诉"]
    review, after = found
    assert (review.actual, review.expected, review.difference) == (0, 11, -11)
    assert review.cells[0].key == "t4.review.total"
    assert review.cells[0].label == "表四「行政复议」总计"
    assert {c.key for c in review.cells[1:]} == {
        "t4.review.upheld", "t4.review.corrected", "t4.review.other", "t4.review.pending"}
    assert "总计为0" in review.message and "=11" in review.message and "相差11" in review.message
    assert (after.actual, after.expected) == (0, 5)
    # its mixed layout and outdated 三 are said, not crashed on
    rules = {f.rule for f in check(report)}
    assert {"layout.mixed", "layout.outdated"} <= rules


def test_blank_rows_are_warnings_not_errors():
    _, report = load(REPORTS / "2019_hebei-jyt_1.json")
    findings = check(report)
    assert not [f for f in findings if f.is_error]
    blanks = [f for f in findings if f.rule == "value.blank"]
    assert blanks and all(f.severity == "warning" for f in blanks)
    row = next(f for f in blanks if f.where == "1.属于国家秘密")
    assert len(row.cells) == 7 and "空白不等于0" in row.message


def test_derived_totals_of_a_real_report():
    _, report = load(REPORTS / "2024_huaian-shi_1.json")
    totals = derive_totals(report)
    assert totals["t3.new.total"] == 3119
    assert totals["t3.result_total.total"] == 3050
    assert totals["t4.review.total"] == 351
    assert all(isinstance(v, Decimal) for v in totals.values())
