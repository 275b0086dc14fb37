"""Fixtures for every test: the real published reports of tests/data/reports and their transcriptions.

The repository holds the data the tests need (tests/data); nothing outside the clone is read."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# xlwings' remote engine (xlwings.Book(json=...), used by tests/test_excel.py) is in its PRO part,
# licensed PolyForm Noncommercial, which allows this noncommercial project to use it.  The key
# must be set before xlwings is first imported.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


DATA = ROOT / "tests" / "data"
REPORTS = DATA / "reports"  # real published reports (.txt) and their hand transcriptions (.json)
FORMAT_MD = DATA / "FORMAT.md"  # the official format, as written for the people who build xlreport
REAL_JSON = sorted(REPORTS.glob("*.json"))
if not REAL_JSON:  # a parametrised test over no reports would pass by testing nothing
    raise RuntimeError(f"tests/data/reports holds no transcriptions: {REPORTS}")


def load_transcription(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def year_of(path: Path) -> int:
    return int(path.name[:4])


@pytest.fixture(params=REAL_JSON, ids=lambda p: p.stem)
def transcription(request) -> tuple[Path, dict]:
    """Each real report's hand transcription (path, data)."""
    return request.param, load_transcription(request.param)


# -- which rule ids each test produced ------------------------------------------------------------
# The "every rule is tested" meta-test (tests/test_rule_coverage.py) asks, for each rule id, for a
# passing test that both produced a finding of that rule (recorded here, at run time) and names the
# rule in its own assertions (read from the test's syntax tree).  Findings are recorded when they are
# made in this process, and when a worker process's results reach this one through
# ``xlreport.batch.iter_results`` (the folder check runs every file in a worker); a fixture's
# findings count for every test that uses the fixture.

PRODUCED: dict[str, set[str]] = {}  # test node id -> rule ids of the findings made while it ran
_FIXTURE_PRODUCED: dict[str, set[str]] = {}  # fixture name -> rule ids made while it was set up
_COLLECTING: list[set[str]] = []  # the sets being filled, innermost last
RUN = {"deselected": 0, "files": set()}  # what this session runs (is it the whole suite?)


def _record_findings() -> None:
    from xlreport import Finding

    init = Finding.__init__
    if getattr(init, "_records_rule", False):
        return

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        for produced in _COLLECTING:
            produced.add(self.rule)

    recording_init._records_rule = True
    Finding.__init__ = recording_init

    from xlreport import batch

    iter_results = batch.iter_results

    def recording_iter_results(*args, **kwargs):
        for result in iter_results(*args, **kwargs):
            for produced in _COLLECTING:
                produced.update(row["rule"] for row in result.findings)
            yield result

    batch.iter_results = recording_iter_results


_record_findings()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    produced: set[str] = set()
    _COLLECTING.append(produced)
    try:
        return (yield)
    finally:
        _COLLECTING.remove(produced)
        _FIXTURE_PRODUCED.setdefault(fixturedef.argname, set()).update(produced)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    produced: set[str] = set()
    _COLLECTING.append(produced)
    try:
        result = yield
    finally:
        _COLLECTING.remove(produced)
    # reached only when the test passed (a failing test raises out of the yield)
    for name in item.fixturenames:
        produced |= _FIXTURE_PRODUCED.get(name, set())
    PRODUCED[item.nodeid] = produced
    return result


def pytest_deselected(items):
    RUN["deselected"] += len(items)


def pytest_collection_modifyitems(session, config, items):
    """The meta-tests that judge the whole run go last."""
    RUN["files"] = {item.path.name for item in items}
    last = [i for i in items if i.get_closest_marker("after_all_tests")]
    items[:] = [i for i in items if i not in last] + last


def pytest_configure(config):
    config.addinivalue_line("markers", "after_all_tests: runs after every other test of the session")
