"""No verdict on what was not read: sum rules over uncertain cells (xlreport.published.verdict)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import REAL_JSON
from published_render import to_glued, transcription, variant
from xlreport.engine import check
from xlreport.published import audit_text
from xlreport.published.verdict import SUM_IDS, checked

REPORTS = {p.stem: transcription(p)[1] for p in REAL_JSON}


def _copy(report):
    from xlreport import Report
    return Report(report.format, dict(report.values), dict(report.texts), year=report.year,
                  layouts=dict(report.layouts))


def _numeric_keys(report):
    return sorted(k for k, v in report.values.items() if k.split(".")[0] in ("t3", "t4") and v is not None)


@st.composite
def misread(draw):
    """A real report, some of its cells marked uncertain, and some of those read wrongly."""
    stem = draw(st.sampled_from(sorted(REPORTS)))
    report = _copy(REPORTS[stem])
    keys = _numeric_keys(report)
    unsure = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=6, unique=True))
    wrong = {}
    for k in unsure:
        if draw(st.booleans()):
            wrong[k] = draw(st.one_of(st.none(), st.integers(0, 5000).map(Decimal)))
    return stem, report, set(unsure), wrong


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(misread())
def test_no_sum_error_names_an_uncertain_cell(case):
    stem, report, unsure, wrong = case
    truth = {(f.rule, f.where) for f in check(report) if f.rule in SUM_IDS}
    report.values.update(wrong)
    report.uncertain = set(unsure)
    findings = checked(report)
    for f in findings:
        if f.rule in SUM_IDS:
            assert not any(c.key in unsure for c in f.cells), f.message
            assert (f.rule, f.where) in truth, f.message  # only what the printed table has
    assert all(c.key in unsure for f in findings if f.rule == "parse.cannot_verify" for c in f.cells)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(REPORTS)), st.data())
def test_one_misread_cell_is_given_back_its_reading(stem, data):
    """A single uncertain cell read wrongly: the reading that satisfies the rules is chosen."""
    report = _copy(REPORTS[stem])
    key = data.draw(st.sampled_from(_numeric_keys(report)))
    true = report.values[key]
    if check(report):
        before = {(f.rule, f.where) for f in check(report) if f.rule in SUM_IDS}
    else:
        before = set()
    report.values[key] = data.draw(st.integers(0, 5000).map(Decimal))
    report.uncertain = {key}
    findings = checked(report)
    if not before and any(f.rule in SUM_IDS for f in check(_with(report, key, true + 1))):
        # the cell is in some rule: its reading is recovered, nothing is reported on it
        assert report.values[key] == true
        assert not [f for f in findings if f.rule == "parse.cannot_verify"]


def _with(report, key, value):
    r = _copy(report)
    r.values[key] = value
    return r


def test_no_reading_gives_one_cannot_verify_per_rule_not_an_error():
    report = _copy(REPORTS[sorted(REPORTS)[-1]])
    # 自然人 uncertain, but the row's total is below its other (certain) entries: no count fits
    report.values["t3.new.business"] = report.values["t3.new.total"] + 10
    report.uncertain = {"t3.new.natural"}
    findings = checked(report)
    cv = [f for f in findings if f.rule == "parse.cannot_verify"]
    assert cv and all(f.severity == "warning" for f in cv)
    assert any("新收" in f.message and "自然人" in f.message for f in cv)
    assert not [f for f in findings if f.rule in SUM_IDS and any(c.key == "t3.new.natural" for c in f.cells)]


@pytest.mark.parametrize("shape", ["as_published", "blank_totals", "zeros_blank"])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_run_together_digits_never_silently_wrong(path, shape):
    """Digits run together with several splits (and blanks left out): every cell exact or
    uncertain, no sum error (the printed tables are consistent)."""
    _, report, year = transcription(path)
    want = variant(report, **{shape: True} if shape != "as_published" else {})
    got = audit_text(to_glued(want, "某市某某局", year))
    wrong = [(k, v, got.report.values.get(k)) for k, v in want.values.items()
             if k not in got.report.uncertain and got.report.values.get(k) != v]
    assert wrong == []
    assert [f.message for f in got.findings if f.rule in SUM_IDS] == []
