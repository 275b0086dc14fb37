"""Property tests of the engine over generated reports (hypothesis)."""
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlreport import FORMATS, Report, check, derive_totals
from xlreport.formats import Kind
from xlreport.rules import ERROR, instances, rules_for

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
versions = st.sampled_from(sorted(FORMATS))
counts = st.integers(min_value=0, max_value=10_000)


@st.composite
def consistent_reports(draw):
    """A report whose numbers satisfy every rule: inputs drawn, then the balance solved for
    一、本年新收 and every total derived."""
    fmt = FORMATS[draw(versions)]
    report = Report.blank(fmt, year=2021 if fmt.version == "2021" else 2020)
    for cell in fmt.inputs:
        if cell.kind is Kind.SIGNED:
            report.values[cell.key] = Decimal(draw(st.integers(-50, 50)))
        elif cell.kind in (Kind.MONEY, Kind.AMOUNT):
            report.values[cell.key] = Decimal(draw(st.integers(0, 10 ** 9))) / 10 ** draw(st.integers(0, 6))
        else:
            report.values[cell.key] = Decimal(draw(counts))
    t3 = fmt.table("三")
    leaves = [r.id for r in t3.rows if r.role == "input" and r.groups]
    for col in t3.blocks[0].columns:
        if col.role != "input":
            continue
        v = report.values
        handled = sum(v[f"t3.{r}.{col.id}"] for r in leaves)
        carried_in = min(v[f"t3.carried_in.{col.id}"], handled + v[f"t3.carried_out.{col.id}"])
        v[f"t3.carried_in.{col.id}"] = carried_in
        v[f"t3.new.{col.id}"] = handled + v[f"t3.carried_out.{col.id}"] - carried_in
    report.values.update(derive_totals(report))
    return report


@SETTINGS
@given(consistent_reports())
def test_a_consistent_report_has_no_error(report):
    assert [f.message for f in check(report) if f.severity == ERROR] == []


def _feeds(fmt):
    """cell key -> the total cells its value feeds (through the rules that define totals)."""
    feeds = {}
    for rule in rules_for(fmt, cross_year=False):
        for inst in instances(rule, fmt.table(rule.table)):
            keys = [k for k, _, _ in inst.left + inst.right]
            for k in keys:
                feeds.setdefault(k, set()).update(keys)
    return feeds


@SETTINGS
@given(consistent_reports(), st.data())
def test_changing_one_input_of_a_consistent_report_is_caught(report, data):
    """Any single changed input of 表三/表四 (which feed the 勾稽关系) gives an error naming
    that cell or a total it feeds.  表二 has no sums: there a wrong value can only be caught by
    its kind (a negative count, a fraction), which is what we change it to."""
    fmt = report.format
    cell = data.draw(st.sampled_from(fmt.inputs))
    old = report.values[cell.key]
    if cell.table.id == "二":
        new = Decimal(-1) if cell.kind is not Kind.SIGNED else old + Decimal("0.5")
    else:
        new = old + data.draw(st.sampled_from([-1, 1, 7]))
    report.values[cell.key] = new
    errors = [f for f in check(report) if f.severity == ERROR]
    named = {c.key for f in errors for c in f.cells}
    related = _feeds(fmt).get(cell.key, set()) | {cell.key}
    assert named & related, (cell.key, [f.message for f in errors])


raw_values = st.one_of(st.none(), st.integers(-10 ** 12, 10 ** 12), st.floats(allow_nan=True),
                       st.text(max_size=8), st.sampled_from(["", "-", "—", "/", "无", "１２", "1,234", "abc"]))


@SETTINGS
@given(versions, st.dictionaries(st.integers(0, 199), raw_values, max_size=60), st.integers(2000, 2030))
def test_blank_and_invalid_values_never_crash(version, raws, year):
    fmt = FORMATS[version]
    keys = list(fmt.cells)
    report = Report.blank(fmt, year=year)
    for i, raw in raws.items():
        report.set(keys[i % len(keys)], raw)
    findings = check(report, previous=Report.blank(fmt))
    assert all(f.message and f.rule for f in findings)
    derive_totals(report)
