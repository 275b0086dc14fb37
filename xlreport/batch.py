"""Check one workbook, or a whole folder of them, fast (worker processes, streamed results).

    from xlreport.batch import check_workbook, check_paths, iter_results
    report, findings = check_workbook("某局.xlsx", previous="某局_2023.xlsx")
    findings_df, summary_df = check_paths(["收到的报告/"], previous_dir="去年/", workers=2)

``iter_results`` yields one small ``Result`` per file, in input order, without keeping reports
in memory, so tens of thousands of workbooks stream through in constant memory; the CLI and
the exports use it.  Files that cannot be read give one ``Result`` with the reason and the
batch goes on.  Input files are opened read-only.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .engine import Finding, check
from .frames import FINDING_COLUMNS, SUMMARY_COLUMNS, finding_rows
from .model import INTERCHANGE_SCHEMA, Report
from .readers import guard
from .readers.template_reader import read_workbook, rule_finding
from .rules import ERROR, WARNING

PASS, FAIL, UNREADABLE, SKIPPED = "通过", "有错误", "无法读取", "已跳过"

__all__ = ["check_workbook", "check_paths", "iter_results", "Result", "listed", "match_previous", "PASS", "FAIL",
           "UNREADABLE", "SKIPPED"]

listed = guard.listed


def check_workbook(path, previous=None) -> tuple[Report | None, list[Finding]]:
    """Read and check one workbook.  ``previous``: last year's workbook of the same unit (a path)
    or ``Report``.  Returns ``(report, findings)``; ``report`` is None when the file cannot be
    read, and ``findings`` then holds the one finding that says why."""
    try:
        report, findings = read_workbook(path)
    except guard.GuardError as e:
        return None, [_guard_finding(e)]
    prev = previous
    if previous is not None and not isinstance(previous, Report):
        try:
            prev, _ = read_workbook(previous)
        except guard.GuardError:
            prev = None
    return report, findings + check(report, prev)


def _guard_finding(e: guard.GuardError) -> Finding:
    if e.rule == "workbook.unreadable":
        return rule_finding(e.rule, reason=e.reason)
    return rule_finding(e.rule)


@dataclass
class Result:
    """One file's outcome: the summary row, the finding rows (``xlreport.frames`` columns) and,
    when asked for, the interchange dict (``--json``) and the report itself (aggregation)."""

    summary: dict
    findings: list[dict]
    interchange: dict | None = None
    values: dict | None = None  # with want_report: the report's values, locations and layouts
    locations: dict | None = None
    layouts: dict | None = None

    def report(self) -> Report | None:
        """The report rebuilt from ``values`` (``want_report=True``), else None."""
        if self.values is None:
            return None
        from .formats import FORMATS, get_format
        fmt = get_format(self.summary["format"])
        for tid, version in (self.layouts or {}).items():
            fmt = fmt.with_table(FORMATS[version].table(tid), fmt.version)
        return Report(fmt, dict(self.values), agency=self.summary["agency"], year=self.summary["year"],
                      source=self.summary["file"], locations=dict(self.locations or {}),
                      layouts=dict(self.layouts or {}))


def agency_key(agency, path) -> str:
    """How this year's and last year's workbooks of one unit are matched: the agency name
    (NFKC, without spaces), else the file name without digits."""
    if agency:
        return "a:" + re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(agency)))
    stem = re.sub(r"[\d_\-\s年度]+", "", unicodedata.normalize("NFKC", Path(path).stem))
    return "f:" + stem


def _result(path, previous_map, want_json, want_report) -> Result:
    path = str(path)
    try:
        report, findings = read_workbook(path)
    except guard.GuardError as e:
        f = _guard_finding(e)
        status = SKIPPED if e.rule in ("workbook.lock_file", "workbook.check_result") else UNREADABLE
        summary = {"file": path, "agency": None, "year": None, "format": None,
                   "errors": int(f.severity == ERROR), "warnings": int(f.severity == WARNING), "status": status}
        rows = [{**row, "format": None} for row in finding_rows(_STUB, [f], file=path)]
        rows = [{**r, "agency": None, "year": None} for r in rows]
        inter = None
        if want_json:
            inter = {"schema": INTERCHANGE_SCHEMA, "file": path, "agency": None, "year": None, "format": None,
                     "layouts": {}, "published": None, "tables": {}, "texts": {}, "missing": [], "uncertain": [],
                     "findings": [f.to_dict()]}
        return Result(summary, rows, inter)
    previous, prev_path, note = None, None, None
    if previous_map:
        prev_path, note = match_previous(previous_map, report, path)
        if prev_path is not None:
            try:
                previous, _ = read_workbook(prev_path)
            except guard.GuardError:
                previous = None
        findings = findings + ([note] if note is not None else [])
    findings = findings + check(report, previous)
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    status = PASS if errors == 0 else FAIL
    summary = {"file": path, "agency": report.agency, "year": report.year, "format": report.version,
               "errors": errors, "warnings": warnings, "status": status}
    if previous_map:
        summary["previous"] = prev_path
    extra = {"previous": prev_path} if previous_map else {}
    inter = report.to_interchange(findings, **extra) if want_json else None
    if want_report:
        return Result(summary, finding_rows(report, findings, file=path, previous=prev_path), inter,
                      dict(report.values), dict(report.locations), dict(report.layouts))
    return Result(summary, finding_rows(report, findings, file=path, previous=prev_path), inter)


_STUB = Report.blank("2021")

# -- worker processes ----------------------------------------------------------------------------

_STATE: dict = {}


def _init(previous_map, want_json, want_report, worker=False):
    _STATE.update(previous_map=previous_map, want_json=want_json, want_report=want_report)
    if worker:
        # A forked worker inherits its parent's objects (a notebook's data frames, say): keep the
        # cyclic garbage collector from walking them again and again, which would also copy their
        # memory pages.  The checker itself makes no reference cycles worth collecting often.
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)


def _worker_gc():
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _work(path):
    return _result(path, _STATE.get("previous_map"), _STATE.get("want_json"), _STATE.get("want_report"))


def _agency_of(path):
    try:
        report, _ = read_workbook(path)
    except guard.GuardError:
        return str(path), None, None
    return str(path), agency_key(report.agency, path), report.year


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _map(func, items, workers, initargs=(), chunksize=None):
    """``func`` over ``items`` in order: in this process for few items or one worker, else in a pool."""
    items = list(items)
    if workers <= 1 or len(items) < 16:
        _init(*initargs) if initargs else None
        try:
            for item in items:
                yield func(item)
        finally:
            _STATE.clear()
        return
    chunk = chunksize or max(1, min(64, len(items) // (workers * 8) or 1))
    initializer = _init if initargs else _worker_gc
    with _context().Pool(workers, initializer=initializer, initargs=(*initargs, True) if initargs else ()) as pool:
        yield from pool.imap(func, items, chunksize=chunk)


def previous_map(previous_dir, workers: int = 1) -> dict[str, list[tuple[str, int | None]]]:
    """Agency key -> every workbook of that unit in ``previous_dir``: (path, report year)."""
    out: dict[str, list[tuple[str, int | None]]] = {}
    paths = [p for p in guard.listed([previous_dir]) if not guard.is_lock_file(p)]
    for path, key, year in _map(_agency_of, paths, workers):
        if key is not None:
            out.setdefault(key, []).append((path, year))
    return out


def match_previous(pmap, report, path) -> tuple[str | None, Finding | None]:
    """Last year's workbook of ``report``'s unit: the one of the same unit (``agency_key``) whose
    year is the report's year − 1 (a workbook without a year only when none has the year).
    Returns ``(path, None)`` for one match, else ``(None, finding)`` saying none or several."""
    cands = [(p, y) for p, y in pmap.get(agency_key(report.agency, path), ())
             if os.path.abspath(p) != os.path.abspath(path)]
    want = report.year - 1 if isinstance(report.year, int) else None
    unit = report.agency or Path(path).name
    if want is None:
        matches = cands
    else:
        matches = [c for c in cands if c[1] == want] or [c for c in cands if c[1] is None]
    if len(matches) == 1:
        return matches[0][0], None
    year_text = f"{want}年度" if want is not None else "上年"
    if matches:
        names = "、".join(Path(p).name for p, _ in matches)
        return None, rule_finding("workbook.previous_ambiguous", agency=unit, year=year_text,
                                  count=len(matches), files=names)
    others = "、".join(f"{Path(p).name}（{y or '未填'}年度）" for p, y in cands)
    found = f"只有{others}" if others else "没有这个单位的报告"
    return None, rule_finding("workbook.previous_missing", agency=unit, year=year_text, found=found)


def iter_results(paths, previous_dir=None, workers: int | None = None, want_json: bool = False,
                 want_report: bool = False):
    """Yield a ``Result`` per workbook under ``paths`` (files or folders), in order."""
    workers = default_workers() if workers is None else max(1, int(workers))
    files = guard.listed(paths)
    pmap = previous_map(previous_dir, workers) if previous_dir else {}
    yield from _map(_work, [str(p) for p in files], workers, initargs=(pmap, want_json, want_report))


def check_paths(paths, previous_dir=None, workers: int | None = None):
    """Check every workbook under ``paths``.  Returns ``(findings, summary)`` DataFrames with the
    columns of ``xlreport.frames`` (FINDING_COLUMNS, SUMMARY_COLUMNS), one summary row per file."""
    findings, summary = [], []
    for r in iter_results(paths, previous_dir, workers):
        summary.append(r.summary)
        findings += r.findings
    import pandas as pd  # after the workers have ended: they need not inherit pandas
    return pd.DataFrame(findings, columns=FINDING_COLUMNS), pd.DataFrame(summary, columns=SUMMARY_COLUMNS)
