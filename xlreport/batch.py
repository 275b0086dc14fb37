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
import multiprocessing.connection as mp_connection
import os
import re
import sys
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .engine import Finding, check
from .frames import FINDING_COLUMNS, SUMMARY_COLUMNS, finding_rows
from .model import INTERCHANGE_SCHEMA, Report
from .readers import guard
from .readers.template_reader import read_workbook
from .rules import ERROR, HAS_ERRORS, PASSED, SKIPPED, UNREADABLE, WARNING, rule_finding

PASS, FAIL = PASSED, HAS_ERRORS  # the status words of rules.py, under the names this module always gave them

__all__ = ["check_workbook", "check_paths", "iter_results", "Result", "listed", "match_previous", "PASS", "FAIL",
           "UNREADABLE", "SKIPPED", "INTERNAL_ERROR", "has_internal_error", "report_result", "unread_result"]

listed = guard.listed


def check_workbook(path, previous=None) -> tuple[Report | None, list[Finding]]:
    """Read and check one workbook.  ``previous``: last year's workbook of the same unit (a path)
    or ``Report``.  Returns ``(report, findings)``; ``report`` is None when the file cannot be
    read, and ``findings`` then holds the one finding that says why."""
    try:
        report, findings = read_workbook(path)
    except guard.GuardError as e:
        return None, [_guard_finding(e)]
    except _FAILURES as e:  # a defect of ours: this file's finding, never a traceback
        _reraise(e)
        return None, [internal_finding(describe_error(e))]
    prev = previous
    if previous is not None and not isinstance(previous, Report):
        prev = _read_previous(previous)
    try:
        return report, findings + check(report, prev)
    except _FAILURES as e:
        _reraise(e)
        return None, [internal_finding(describe_error(e))]


INTERNAL_ERROR = "workbook.internal_error"
_FAILURES = BaseException  # with a Rust panic from a reading library (pyo3's PanicException: no Exception)


def _reraise(e: BaseException) -> None:
    if isinstance(e, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise e


def internal_finding(error: str) -> Finding:
    """The finding of a file whose reading or checking failed on our side (``error``: what happened)."""
    return rule_finding(INTERNAL_ERROR, error=error)


def describe_error(e: BaseException) -> str:
    """An exception as said in a finding: its class and the start of its message."""
    text = " ".join(str(e).split())
    if isinstance(e, MemoryError):
        return "内存不足（MemoryError）"
    if isinstance(e, RecursionError):
        return "嵌套过深（RecursionError）"
    return f"{type(e).__name__}: {text[:120]}" if text else type(e).__name__


def _read_previous(path):
    """Last year's report, or None when it cannot be read (its own check says why)."""
    try:
        report, _ = read_workbook(path)
    except _FAILURES as e:  # GuardError or a defect: the comparison with last year is skipped
        _reraise(e)
        return None
    return report


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
        status = SKIPPED if e.rule in ("workbook.lock_file", "workbook.check_result") else UNREADABLE
        return unread_result(path, _guard_finding(e), status, want_json)
    previous, prev_path, note = None, None, None
    if previous_map:
        prev_path, note = match_previous(previous_map, report, path)
        if prev_path is not None:
            previous = _read_previous(prev_path)
        findings = findings + ([note] if note is not None else [])
    findings = findings + check(report, previous)
    return report_result(path, report, findings, want_json, want_report, bool(previous_map), prev_path)


def report_result(path: str, report: Report, findings: list[Finding], want_json: bool = False,
                  want_report: bool = False, matched: bool = False, prev_path: str | None = None) -> Result:
    """The result of a file read and checked: its status from its errors.  ``matched``: last year's
    reports were looked for (``prev_path`` is the one found, or None), which adds a ``previous`` column."""
    errors = sum(f.severity == ERROR for f in findings)
    summary = {"file": path, "agency": report.agency, "year": report.year, "format": report.version,
               "errors": errors, "warnings": len(findings) - errors, "status": PASS if errors == 0 else FAIL}
    if matched:
        summary["previous"] = prev_path
    extra = {"previous": prev_path} if matched else {}
    inter = report.to_interchange(findings, **extra) if want_json else None
    rows = finding_rows(report, findings, file=path, previous=prev_path)
    if want_report:
        return Result(summary, rows, inter, dict(report.values), dict(report.locations), dict(report.layouts))
    return Result(summary, rows, inter)


def unread_result(path: str, f: Finding, status: str = UNREADABLE, want_json: bool = False) -> Result:
    """The result of a file that gave no report: its one finding."""
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


def _failed(path, error: str, want_json: bool = False) -> Result:
    """The result of a file whose check failed on our side: an exception, a dead worker, the time limit."""
    return unread_result(str(path), internal_finding(error), UNREADABLE, want_json)


def has_internal_error(result: Result) -> bool:
    """Whether this file's check failed on our side (the exit code 3 of the commands)."""
    return any(f["rule"] == INTERNAL_ERROR for f in result.findings)


_STUB = Report.blank("2021")

# -- worker processes ----------------------------------------------------------------------------
#
# Each file is read and checked in a worker process the batch controls, so that nothing one file
# does can stop the batch: an exception becomes the file's finding (``workbook.internal_error``),
# and a worker that dies (a native library aborting on a crafted file) or spends more than
# ``TIME_LIMIT`` seconds on one file is killed and replaced; that file gets the finding and the
# rest of its chunk goes to the new worker.  (``multiprocessing.Pool`` and ``ProcessPoolExecutor``
# cannot do this: a dead worker hangs the first and breaks the second for every file.)

TIME_LIMIT = float(os.environ.get("XLREPORT_TIME_LIMIT") or 120)  # seconds per file
WORKER_MEMORY = int(float(os.environ.get("XLREPORT_WORKER_MEMORY_MB") or 1024)) * 1024 * 1024  # address space
# a worker may add to what it inherits; past it an allocation fails (MemoryError, or a native
# reader aborts: either way only this file's finding)

_STATE: dict = {}


def _init(previous_map, want_json, want_report, worker=False):
    _STATE.update(previous_map=previous_map, want_json=want_json, want_report=want_report)
    if worker:
        _worker_gc()


def _worker_gc():
    # A forked worker inherits its parent's objects (a notebook's data frames, say): keep the
    # cyclic garbage collector from walking them again and again, which would also copy their
    # memory pages.  The checker itself makes no reference cycles worth collecting often.
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


def _no_agency(path, error):
    return str(path), None, None


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _signal_name(code: int) -> str:
    import signal
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"信号 {-code}"


def _limit_memory(extra: int) -> None:
    try:
        import resource
        with open("/proc/self/statm") as fh:
            vms = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = vms + extra
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or want < soft:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, OSError, ValueError):  # not Linux: no limit, the time limit still holds
        pass


def _serve(conn, slot, progress, func, on_error, init, initargs, memory):
    """A worker: chunks of (index, item) in; lists of (index, result) out, in order, at the end
    of each chunk (and every half second).  Before each item it writes the item's index and the
    time into its ``progress`` slot (shared memory, no system call), so the parent knows which
    file a worker was on when it died or overran the time limit."""
    import faulthandler
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()  # a native abort is reported as the file's finding, not as a stack dump
    if not os.environ.get("XLREPORT_DEBUG"):  # nor a Rust panic's backtrace: the finding says it
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass
    if memory:
        _limit_memory(memory)
    if init is not None:
        init(*initargs)
    clock = time.monotonic
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        out = []
        flushed = clock()
        for index, item in chunk:
            progress[2 * slot] = index
            progress[2 * slot + 1] = now = clock()
            try:
                res = func(item)
            except _FAILURES as e:  # with a Rust panic (pyo3's PanicException is no Exception)
                _reraise(e)
                res = on_error(item, describe_error(e))
            out.append((index, res))
            if now - flushed > 0.5:
                _send(conn, out, on_error, chunk)
                out, flushed = [], clock()
        progress[2 * slot + 1] = 0.0
        if not _send(conn, out, on_error, chunk):
            return


def _send(conn, out, on_error, chunk) -> bool:
    try:
        conn.send(out)
    except (BrokenPipeError, EOFError):
        return False
    except Exception:  # a result that cannot be sent (pickled): each on its own, the bad ones as findings
        items = dict(chunk)
        for index, res in out:
            try:
                conn.send([(index, res)])
            except (BrokenPipeError, EOFError):
                return False
            except Exception as e:
                conn.send([(index, on_error(items[index], describe_error(e)))])
    return True


class _Worker:
    def __init__(self, ctx, slot, progress, func, on_error, init, initargs, memory):
        self.conn, child = ctx.Pipe(duplex=True)
        self.slot, self.progress = slot, progress
        progress[2 * slot], progress[2 * slot + 1] = -1, 0.0
        self.proc = ctx.Process(target=_serve, args=(child, slot, progress, func, on_error, init, initargs, memory),
                                daemon=True)
        self.proc.start()
        child.close()
        self.items: deque = deque()  # (index, item) sent and not yet answered, in order
        self.given = 0.0

    def give(self, chunk, now):
        self.items.extend(chunk)
        self.given = now
        try:
            self.conn.send(chunk)
        except OSError:  # the worker has died meanwhile: found dead on the next round
            pass

    def current(self):
        """(index of the item the worker is on or was on when it stopped, when it started it)."""
        return int(self.progress[2 * self.slot]), self.progress[2 * self.slot + 1]

    def stop(self, kill=False):
        if not kill and self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def _map(func, items, workers, initargs=(), chunksize=None, on_error=None, time_limit=None):
    """``func`` over ``items``, yielding in order.  In worker processes (one file cannot stop the
    others; see above), except on platforms without fork for one worker or few items, where an
    exception still becomes ``on_error(item, error)``."""
    items = list(items)
    on_error = on_error or _failed
    init = _init if initargs else None
    ctx = _context()
    if not items:
        return
    if ctx.get_start_method() != "fork" and (workers <= 1 or len(items) < 16):
        init(*initargs) if init else None
        try:
            for item in items:
                try:
                    res = func(item)
                except _FAILURES as e:
                    _reraise(e)
                    res = on_error(item, describe_error(e))
                yield res
        finally:
            _STATE.clear()
        return
    limit = TIME_LIMIT if time_limit is None else time_limit
    n = max(1, min(workers, len(items)))
    chunk = chunksize or max(1, min(64, len(items) // (n * 8) or 1))
    indexed = list(enumerate(items))
    pending = deque(indexed[i:i + chunk] for i in range(0, len(indexed), chunk))
    progress = ctx.RawArray("d", 2 * n)
    wargs = (progress, func, on_error, _init if initargs else _worker_gc, (*initargs, True) if initargs else (),
             WORKER_MEMORY)
    pool = [_Worker(ctx, i, *wargs) for i in range(n)]
    done: dict = {}
    next_out = 0
    try:
        while next_out < len(items):
            now = time.monotonic()
            for i, w in enumerate(pool):
                if not w.items and pending:
                    if not w.proc.is_alive():
                        w.stop(kill=True)
                        pool[i] = w = _Worker(ctx, i, *wargs)
                    w.give(pending.popleft(), now)
            busy = [w for w in pool if w.items]
            starts = [max(w.current()[1], w.given) for w in busy]
            wait_for = max(0.0, min(starts) + limit - now) + 0.01
            mp_connection.wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=wait_for)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if not w.items:
                    continue
                dead = False
                try:
                    while w.items and w.conn.poll():
                        for index, out in w.conn.recv():
                            done[index] = out
                            if w.items and w.items[0][0] == index:
                                w.items.popleft()
                except (EOFError, OSError):
                    dead = True
                if not w.items:
                    continue
                at, started = w.current()
                if dead or not w.proc.is_alive():
                    w.proc.join(1)
                    code = w.proc.exitcode
                    why = ("检查进程异常终止（" + (_signal_name(code) if code is not None and code < 0
                                                else f"退出码 {code}") + "，可能是读取库无法处理此文件）")
                elif started and now - max(started, w.given) > limit:
                    why = f"超过单个文件的处理时间上限 {limit:g} 秒，已中止"
                else:
                    continue
                rest = list(w.items)
                w.items.clear()
                w.stop(kill=True)
                pool[i] = _Worker(ctx, i, *wargs)
                culprit = next((k for k, (index, _) in enumerate(rest) if index == at), None)
                if culprit is None and len(rest) > 1:  # died before it began an item: one by one
                    pending.extendleft([x] for x in reversed(rest))
                    continue
                culprit = culprit or 0
                index, item = rest[culprit]
                done[index] = on_error(item, why)
                # the items before it were done but their results went with the worker: again
                again = rest[:culprit] + rest[culprit + 1:]
                if again:
                    pending.appendleft(again)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for w in pool:
            w.stop(kill=bool(w.items))


def previous_map(previous_dir, workers: int = 1) -> dict[str, list[tuple[str, int | None]]]:
    """Agency key -> every workbook of that unit in ``previous_dir``: (path, report year)."""
    out: dict[str, list[tuple[str, int | None]]] = {}
    paths = [p for p in guard.listed([previous_dir]) if not guard.is_lock_file(p)]
    for path, key, year in _map(_agency_of, paths, workers, on_error=_no_agency):
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
                 want_report: bool = False, time_limit: float | None = None):
    """Yield a ``Result`` per workbook under ``paths`` (files or folders), in order.  A file whose
    check fails on our side (an exception, a crash of a reading library, more than ``time_limit``
    seconds: default ``TIME_LIMIT``) gets a ``workbook.internal_error`` finding; the batch goes on."""
    workers = default_workers() if workers is None else max(1, int(workers))
    files = guard.listed(paths)
    pmap = previous_map(previous_dir, workers) if previous_dir else {}
    yield from _map(_work, [str(p) for p in files], workers, initargs=(pmap, want_json, want_report),
                    on_error=partial(_failed, want_json=want_json), time_limit=time_limit)


def check_paths(paths, previous_dir=None, workers: int | None = None):
    """Check every workbook under ``paths``.  Returns ``(findings, summary)`` DataFrames with the
    columns of ``xlreport.frames`` (FINDING_COLUMNS, SUMMARY_COLUMNS), one summary row per file."""
    findings, summary = [], []
    for r in iter_results(paths, previous_dir, workers):
        summary.append(r.summary)
        findings += r.findings
    import pandas as pd  # after the workers have ended: they need not inherit pandas
    return pd.DataFrame(findings, columns=FINDING_COLUMNS), pd.DataFrame(summary, columns=SUMMARY_COLUMNS)
