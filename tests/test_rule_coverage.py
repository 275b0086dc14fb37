"""Rule coverage: each rule stays quiet on a near miss of its own, and every rule is tested.

A "quiet" test that only re-checks the base case (a real report that passes every rule) cannot fail
unless the base-case test fails too.  Here each rule gets a *near miss*: a change to the base case
that touches exactly what the rule looks at but is still right (a consistent change of the sums, a
negative number where the format allows one, a blank total that is a blank and not a wrong sum, a
2019 table in a 2020 report ...).  A rule that fires on its near miss is too eager.

The meta-tests at the end read the tests themselves: the rule ids each test names in its assertions
(from its syntax tree: the assert statements, and the parametrize values, loop values and module
constants the asserted names stand for), and, over a whole run, the rule ids each passing test
actually produced (recorded by tests/conftest.py).
"""
from __future__ import annotations

import ast
import copy
import functools
from decimal import Decimal
from pathlib import Path

import pytest
from test_rules import previous_of  # last year's report that agrees with a report

import conftest
from conftest import REPORTS, load_transcription
from workbooks import edit, filled_bytes, real_report
from xlreport import RULES, Report, check
from xlreport.batch import check_workbook
from xlreport.layout import layout
from xlreport.template import template_format

TESTS = Path(__file__).resolve().parent


# -- the base case and its near misses (engine rules) --------------------------------------------

def base() -> Report:
    """淮安市 2024 (2021 format): passes every rule, with last year's report that agrees with it."""
    data = load_transcription(REPORTS / "2024_huaian-shi_1.json")
    report, _ = Report.from_interchange({**data, "year": 2024})
    report.texts["s6"] = "本年度未收取信息处理费。"
    return report


def _add(report: Report, **deltas):
    for key, delta in deltas.items():
        report.values[key.replace("__", ".")] += Decimal(delta)


def _real_2019_report(year: int):
    """The base case replaced by a real report in the 2019 format (河北省教育厅 2019), dated ``year``."""
    def change(report, previous):
        old, _ = Report.from_interchange(load_transcription(REPORTS / "2019_hebei-jyt_1.json"))
        report.format, report.values, report.texts, report.layouts = old.format, old.values, old.texts, old.layouts
        report.year = year
    return change


def _set(key, value):
    def change(report, previous):
        report.values[key] = value
    return change


# rule id -> (a change to the base case or last year's report that is still right, the rule that must
# report it instead, if any)
NEAR_MISS = {
    # one more application, granted: new, granted and every total move together
    "三.balance": (lambda r, p: _add(r, t3__new__natural=1, t3__new__total=1, t3__granted__natural=1,
                                     t3__granted__total=1, t3__result_total__natural=1,
                                     t3__result_total__total=1), None),
    # a blank 总计 is a blank cell, not a wrong sum
    "三.row_total": (_set("t3.granted.total", None), "value.blank"),
    "三.subtotal": (_set("t3.result_total.natural", None), "value.blank"),
    "四.total": (lambda r, p: _add(r, t4__review__upheld=3, t4__review__total=3), None),
    # last year's report moved the same way in a column this year's carry-over does not read
    "跨年.carry_over": (lambda r, p: _add(p, t3__new__legal=5, t3__new__total=5, t3__granted__legal=5,
                                         t3__granted__total=5, t3__result_total__legal=5,
                                         t3__result_total__total=5), None),
    # issued one more and in force one more: the chain still holds
    "跨年.in_force": (lambda r, p: _add(r, t2__rules__issued=1, t2__rules__in_force=1), None),
    # full-width digits and a thousands separator are numbers as people type them
    "value.invalid": (lambda r, p: r.set("t2.licensing.decisions", "１,２３４"), None),
    # the 2019 format's 本年增/减 may be negative
    "value.negative": (lambda r, p: (_real_2019_report(2020)(r, p),
                                     r.values.__setitem__("t2.licensing.change", Decimal(-3))), None),
    # money may have decimals, up to six
    "value.integer": (_set("t2.fees.fee_amount", Decimal("12.5")), None),
    "value.decimals": (_set("t2.fees.fee_amount", Decimal("0.123456")), None),
    # 0 is a number: no data is written as 0
    "value.blank": (_set("t2.rules.issued", Decimal(0)), None),
    # a table of zeros is there
    "table.missing": (lambda r, p: r.values.update({c.key: Decimal(0) for c in r.format.table("四").cells}),
                      None),
    # a report all in the 2019 layout is one version, not a mix (an old one for 2024: layout.outdated)
    "layout.mixed": (_real_2019_report(2024), "layout.outdated"),
    # the 2019 layout for report year 2020 is the right one
    "layout.outdated": (_real_2019_report(2020), None),
    # another way of saying no fee was collected
    "text.fee": (lambda r, p: r.texts.__setitem__("s6", "2024年未发生收取政府信息公开处理费的情况。"), None),
}


def test_the_base_case_passes_every_rule():
    report = base()
    assert check(report, previous_of(report)) == []


@pytest.mark.parametrize("rule_id", NEAR_MISS)
def test_rule_is_quiet_on_its_near_miss(rule_id):
    report = base()
    previous = previous_of(report)
    untouched = (copy.deepcopy(report), copy.deepcopy(previous))
    change, instead = NEAR_MISS[rule_id]
    change(report, previous)
    assert (report.values, report.texts, report.year, report.format, previous.values) != (
        untouched[0].values, untouched[0].texts, untouched[0].year, untouched[0].format, untouched[1].values)
    fired = {f.rule for f in check(report, previous)}
    assert rule_id not in fired
    if instead:
        assert instead in fired


# -- near misses of the workbook integrity rules --------------------------------------------------

def _places(wb):
    return layout(template_format(wb)).places


def _reprotect_with_another_password(wb):
    wb["表三"].protection.password = "另一个密码"


def _type_an_input(wb):  # an input typed over (totals stay formulas)
    p = _places(wb)["t3.new.natural"]
    wb[p.sheet].cell(p.row, p.col).value += 1


def _digits_in_a_text_field(wb):  # text where text belongs
    p = _places(wb)["s6"]
    wb[p.sheet].cell(p.row, p.col).value = "2024"


def _delete_the_check_sheet(wb):  # a sheet without a table of the report
    del wb["校验"]


WORKBOOK_NEAR_MISS = {
    "workbook.unprotected": _reprotect_with_another_password,
    "workbook.formula_overwritten": _type_an_input,
    "workbook.number_as_text": _digits_in_a_text_field,
    "workbook.sheet_missing": _delete_the_check_sheet,
}


@functools.cache
def _base_workbook() -> bytes:
    """The base case as a filled template (it gives no integrity finding: tests/test_batch.py)."""
    return filled_bytes(real_report(REPORTS / "2024_huaian-shi_1.json", "某县教育局"))


@pytest.mark.parametrize("rule_id", WORKBOOK_NEAR_MISS)
def test_integrity_rule_is_quiet_on_its_near_miss(tmp_path, rule_id):
    path = tmp_path / "x.xlsx"
    path.write_bytes(edit(_base_workbook(), WORKBOOK_NEAR_MISS[rule_id]))
    report, findings = check_workbook(path)
    assert report is not None
    assert rule_id not in {f.rule for f in findings}


# -- the meta-tests: every rule is tested ---------------------------------------------------------

def _strings(node, env) -> set[str]:
    """The string constants an expression holds, with the names in it resolved through ``env``."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            found.add(sub.value)
        elif isinstance(sub, ast.Name) and sub.id in env:
            found |= env[sub.id]
    return found


def _bind(target, value, env, into):
    for name in ast.walk(target):
        if isinstance(name, ast.Name):
            into[name.id] = into.get(name.id, set()) | _strings(value, env)


def _parametrized(func, env) -> dict[str, set[str]]:
    """Argument name -> strings of its ``pytest.mark.parametrize`` values."""
    out: dict[str, set[str]] = {}
    for dec in func.decorator_list:
        if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "parametrize"
                and len(dec.args) >= 2 and isinstance(dec.args[0], ast.Constant)):
            for name in dec.args[0].value.replace(" ", "").split(","):
                out[name] = out.get(name, set()) | _strings(dec.args[1], env)
    return out


def asserted_rules(path: Path, known=frozenset(RULES)) -> dict[str, set[str]]:
    """Test function name -> the rule ids (of ``known``) its assertions name, directly or through a name
    bound to them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    env: dict[str, set[str]] = {}
    for node in tree.body:  # module constants, in order
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                _bind(target, node.value, env, env)
    out = {}
    for func in tree.body:
        if not (isinstance(func, ast.FunctionDef) and func.name.startswith("test")):
            continue
        local = {**env, **_parametrized(func, env)}
        for _ in range(2):  # local names, loops and comprehensions (twice: a name may use a later one)
            for sub in ast.walk(func):
                if isinstance(sub, ast.Assign):
                    for target in sub.targets:
                        _bind(target, sub.value, local, local)
                elif isinstance(sub, (ast.For, ast.comprehension)):
                    _bind(sub.target, sub.iter, local, local)
        named = set()
        for sub in ast.walk(func):
            if isinstance(sub, ast.Assert):
                named |= _strings(sub, local)
        out[func.name] = named & known
    return out


def _all_asserted() -> dict[tuple[str, str], set[str]]:
    return {(path.name, name): rules for path in sorted(TESTS.glob("test_*.py"))
            for name, rules in asserted_rules(path).items()}


def test_the_assertion_reader_sees_through_names_and_ignores_other_strings(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text('''
"""Docstrings and comments name x.docstring without testing it."""
import pytest
CASES = {"x.one": 1, "x.two": 2}
NOT_ASSERTED = "x.called"

@pytest.mark.parametrize("rule_id", CASES)
def test_param(rule_id):
    assert rule_id in fired()

def test_literal_and_loop():
    # "x.comment" only in a comment
    assert "x.literal" in fired()
    for rule in ("x.loop1", "x.loop2"):
        assert rule in fired()

def test_not_asserted():
    fired(NOT_ASSERTED)
    assert True

def helper():
    assert "x.helper" in fired()
''', encoding="utf-8")
    known = {"x.docstring", "x.one", "x.two", "x.called", "x.comment", "x.literal", "x.loop1", "x.loop2", "x.helper"}
    got = asserted_rules(sample, known)
    assert got == {"test_param": {"x.one", "x.two"}, "test_literal_and_loop": {"x.literal", "x.loop1", "x.loop2"},
                   "test_not_asserted": set()}


def test_every_rule_is_named_by_an_assertion_of_some_test():
    named = set().union(*_all_asserted().values())
    assert sorted(set(RULES) - named) == []


def _whole_suite_ran() -> bool:
    every_file = {p.name for p in TESTS.glob("test_*.py")}
    return conftest.RUN["deselected"] == 0 and conftest.RUN["files"] >= every_file


def untested_rules(produced: dict[str, set[str]], asserted: dict[tuple[str, str], set[str]], rules) -> list[str]:
    """The rules no passing test both produced (``produced``: node id -> rule ids) and asserted on
    (``asserted``: (file name, test function) -> rule ids)."""
    tested = set()
    for nodeid, ids in produced.items():
        parts = nodeid.split("::")
        tested |= ids & asserted.get((Path(parts[0]).name, parts[-1].split("[")[0]), set())
    return sorted(set(rules) - tested)


def test_a_rule_counts_as_tested_only_when_one_test_produced_it_and_asserts_on_it():
    produced = {"tests/test_a.py::test_one[2021-x]": {"r.both", "r.made_only"},
                "tests/test_a.py::test_two": {"r.elsewhere"}}
    asserted = {("test_a.py", "test_one"): {"r.both", "r.named_only"}, ("test_b.py", "test_two"): {"r.elsewhere"}}
    rules = ["r.both", "r.made_only", "r.named_only", "r.elsewhere"]
    assert untested_rules(produced, asserted, rules) == ["r.elsewhere", "r.made_only", "r.named_only"]


@pytest.mark.after_all_tests
def test_every_rule_is_produced_and_asserted_by_a_passing_test():
    """Over the whole suite: for each rule, a passing test made a finding of it and asserts on it."""
    if not _whole_suite_ran():
        pytest.skip("judges the whole suite: run python -m pytest without selecting tests")
    assert len(conftest.PRODUCED) > 100  # the recorder saw the suite
    missing = untested_rules(conftest.PRODUCED, _all_asserted(), RULES)
    assert not missing, f"rules no passing test both produced in this process and asserted on: {missing}"
