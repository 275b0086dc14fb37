"""Benchmark: ``xlreport check`` against what an analyst would write, on N generated workbooks.

    python scripts/bench_check.py 2000              # N workbooks in a temporary folder
    python scripts/bench_check.py 20000 --pandas-limit 1000 --json-out bench.json

Generates N filled templates (about 85% valid, 10% damaged templates — totals typed over with
wrong numbers, numbers as text, protection removed, a sheet deleted, 2019 layout — and 5% bad
files: empty, truncated, not a workbook, Excel lock files) by copying a few dozen distinct
workbooks, then times, in one run and over the same files:

  api      xlreport.batch.check_paths(folder, workers=2)          (a Python script: start, read, check,
                                                                  DataFrames)
  cli      python -m xlreport check folder --workers 2             (a new process, end to end)
  cli_out  python -m xlreport check folder --workers 2 --out 结果.xlsx  (the same, writing the result
                                                                  workbook, streamed: memory must stay flat)
  pandas   for p in files: pandas.read_excel(p, sheet_name=None)   (reads only, no checks)
  calamine for p in files: every sheet of CalamineWorkbook(p)     (bare reading, near the floor)

and reports workbooks per second and the peak memory (resident set size of the process and
all its children, sampled from /proc every 50 ms).  pandas is slow, so ``--pandas-limit``
times it on the first files only (its rate is per workbook, so it stays comparable).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlreport import Report  # noqa: E402
from xlreport.formats import Kind, get_format  # noqa: E402
from xlreport.layout import layout  # noqa: E402
from xlreport.template import build_workbook, workbook_bytes  # noqa: E402


# -- workbooks ----------------------------------------------------------------------------------------

def random_report(rng: random.Random, version: str, year: int, agency: str) -> Report:
    """A consistent report: random inputs, 表三 balanced, texts that mention the fee."""
    fmt = get_format(version)
    report = Report.blank(fmt, agency=agency, year=year)
    for cell in fmt.inputs:
        if cell.kind is Kind.SIGNED:
            v = Decimal(rng.randint(-5, 5))
        elif cell.kind in (Kind.MONEY, Kind.AMOUNT):
            v = Decimal(rng.randint(0, 100000)) / 100
        else:
            v = Decimal(rng.choice([0, 0, 0, rng.randint(0, 40)]))
        report.values[cell.key] = v
    t3 = fmt.table("三")
    leaves = [r.id for r in t3.rows if r.role == "input" and r.groups]
    for col in t3.blocks[0].columns:
        if col.role == "input":
            v = report.values
            handled = sum(v[f"t3.{r}.{col.id}"] for r in leaves)
            carried_in = min(v[f"t3.carried_in.{col.id}"], handled + v[f"t3.carried_out.{col.id}"])
            v[f"t3.carried_in.{col.id}"] = carried_in
            v[f"t3.new.{col.id}"] = handled + v[f"t3.carried_out.{col.id}"] - carried_in
    report.texts = {"s1": "本年度，本单位认真贯彻落实《中华人民共和国政府信息公开条例》。",
                    "s5": "存在的问题：公开内容还不够全面。", "s6": "本年度未收取信息处理费。"}
    return report


def _edit(data: bytes, change) -> bytes:
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def variants(seed: int = 1) -> tuple[list[bytes], list[bytes], list[tuple[str, bytes]]]:
    """(valid workbooks, damaged templates, bad files) as bytes."""
    rng = random.Random(seed)
    valid = []
    for i in range(24):
        version, year = ("2021", 2021 + i % 4) if i % 6 else ("2019", 2020)
        valid.append(workbook_bytes(build_workbook(report=random_report(rng, version, year, f"测试单位{i}"))))
    base = random_report(rng, "2021", 2024, "测试单位X")
    places = layout(base.format).places

    def typed_total(wb):
        p = places["t4.review.total"]
        wb[p.sheet].cell(p.row, p.col).value = 12345

    def as_text(wb):
        p = places["t3.new.natural"]
        c = wb[p.sheet].cell(p.row, p.col)
        c.value = str(c.value)

    def unprotect(wb):
        wb["表三"].protection.sheet = False

    def delete(wb):
        del wb["表二"]

    clean = workbook_bytes(build_workbook(report=base))
    damaged = [_edit(clean, f) for f in (typed_total, as_text, unprotect, delete)]
    old = random_report(rng, "2019", 2024, "测试单位旧")
    damaged.append(workbook_bytes(build_workbook(report=old, year=2024)))
    bad = [("empty.xlsx", b""), ("truncated.xlsx", clean[: len(clean) // 2]),
           ("notes.xlsx", "这不是工作簿".encode()), ("~$lock.xlsx", b"\x0cuser" + b" " * 150)]
    return valid, damaged, bad


def generate(folder: Path, n: int, seed: int = 1) -> list[Path]:
    valid, damaged, bad = variants(seed)
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        r = rng.random()
        if r < 0.05:
            name, data = bad[i % len(bad)]
            path = folder / (f"~${i:06d}.xlsx" if name.startswith("~$") else f"{i:06d}_{name}")
        elif r < 0.15:
            data, path = damaged[i % len(damaged)], folder / f"{i:06d}_damaged.xlsx"
        else:
            data, path = valid[i % len(valid)], folder / f"{i:06d}.xlsx"
        path.write_bytes(data)
        paths.append(path)
    return sorted(paths)


# -- measuring -------------------------------------------------------------------------------------------

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_rss_kb(root: int, pss: bool = False) -> int:
    """Resident memory of ``root`` and all its descendants (Linux /proc), in KB: the sum of
    their RSS (pages shared after a fork counted in each process), or with ``pss`` their
    proportional set size (shared pages divided among the processes sharing them)."""
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            if pss:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
            else:
                with open(f"/proc/{pid}/statm") as fh:
                    total += int(fh.read().split()[1]) * _PAGE_KB
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


class PeakRSS:
    """Samples the RSS of a process tree every 50 ms in a thread; ``peak_mb`` after ``stop``."""

    def __init__(self, pid: int | None = None):
        self.pid = pid or os.getpid()
        self.peak = self.peak_pss = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_kb(self.pid))
            self.peak_pss = max(self.peak_pss, _tree_rss_kb(self.pid, pss=True))
            self._stop.wait(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _tree_rss_kb(self.pid))

    @property
    def peak_mb(self) -> float:
        return self.peak / 1024

    @property
    def peak_pss_mb(self) -> float:
        return self.peak_pss / 1024


def _cpu() -> float:
    """CPU seconds (user + system) used so far by this process and its reaped children."""
    import resource
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


API_SCRIPT = """
import json, sys, time
t = time.perf_counter()
from xlreport.batch import check_paths
findings, summary = check_paths([sys.argv[1]], workers=int(sys.argv[2]))
print(json.dumps({"inner_seconds": time.perf_counter() - t, "files": len(summary), "findings": len(findings),
                  "status": summary["status"].value_counts().to_dict()}, ensure_ascii=False))
"""


def bench_api(folder, n, workers):
    """check_paths in a fresh Python process (a user's script), timed from its start."""
    cmd = [sys.executable, "-c", API_SCRIPT, str(folder), str(workers)]
    c, t = _cpu(), time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with PeakRSS(proc.pid) as mem:
        out, _ = proc.communicate()
    dt, cpu = time.perf_counter() - t, _cpu() - c
    info = json.loads(out.strip().splitlines()[-1])
    assert info["files"] == n
    return {"seconds": dt, "per_second": n / dt, "cpu_ms_per_workbook": cpu / n * 1000, "peak_mb": mem.peak_mb,
            "peak_pss_mb": mem.peak_pss_mb, **info}


def bench_cli_out(folder, n, workers):
    """The CLI writing ``--out 结果.xlsx`` beside the folder (never inside it: refused)."""
    out = Path(folder).parent / (Path(folder).name + "-结果.xlsx")
    try:
        res = bench_cli(folder, n, workers, ["--out", str(out), "--force"])
        res["out_mb"] = out.stat().st_size / 1024 / 1024 if out.exists() else None
        return res
    finally:
        if out.exists():
            out.unlink()


def bench_cli(folder, n, workers, extra=()):
    cmd = [sys.executable, "-m", "xlreport", "check", str(folder), "--workers", str(workers), *extra]
    c, t = _cpu(), time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with PeakRSS(proc.pid) as mem:
        out, _ = proc.communicate()
    dt, cpu = time.perf_counter() - t, _cpu() - c
    last = [line for line in out.splitlines() if line.startswith("共检查")]
    return {"seconds": dt, "per_second": n / dt, "cpu_ms_per_workbook": cpu / n * 1000, "peak_mb": mem.peak_mb,
            "peak_pss_mb": mem.peak_pss_mb, "exit_code": proc.returncode,
            "summary": last[-1] if last else ""}


def _read_loop(files, read) -> dict:
    """Time ``read(path)`` over the files (a file that cannot be read is counted, not fatal)."""
    with PeakRSS() as mem:
        t = time.perf_counter()
        ok = 0
        for p in files:
            try:
                read(p)
                ok += 1
            except Exception:
                pass
        dt = time.perf_counter() - t
    return {"files": len(files), "read": ok, "seconds": dt, "per_second": len(files) / dt,
            "peak_mb": mem.peak_mb, "peak_pss_mb": mem.peak_pss_mb}


def bench_pandas(files):
    import warnings

    import pandas as pd
    warnings.simplefilter("ignore")
    return _read_loop(files, lambda p: pd.read_excel(p, sheet_name=None))


def bench_calamine(files):
    from python_calamine import CalamineWorkbook

    def read(p):
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    return _read_loop(files, read)


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "")
    except OSError:
        model = platform.processor()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return f"{model}, {os.cpu_count()} CPU, {mem_gb:.0f} GB, Python {platform.python_version()}, {platform.system()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=2000, help="number of workbooks")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pandas-limit", type=int, default=2000, help="time pandas on at most this many files")
    ap.add_argument("--skip", default="", help="comma-separated phases to skip: api,cli,cli_out,pandas,calamine")
    ap.add_argument("--repeat", type=int, default=3, help="runs of api and cli (the machine may be shared: "
                                                          "best and median are reported)")
    ap.add_argument("--dir", help="folder to generate into (default: a temporary folder, removed after)")
    ap.add_argument("--json-out", help="write the figures as JSON")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    tmp = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="xlreport-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        files = generate(tmp, args.n)
        print(f"generated {len(files)} workbooks in {time.perf_counter() - t:.1f} s ({tmp})", flush=True)
        res = {"n": args.n, "workers": args.workers, "machine": machine()}
        for name, func in (("api", bench_api), ("cli", bench_cli), ("cli_out", bench_cli_out)):
            if name in skip:
                continue
            runs = []
            for _ in range(max(1, args.repeat)):
                runs.append(func(tmp, args.n, args.workers))
                print(name, json.dumps(runs[-1], ensure_ascii=False), flush=True)
            rates = sorted(r["per_second"] for r in runs)
            best = max(runs, key=lambda r: r["per_second"])
            res[name] = {**best, "median_per_second": statistics.median(rates), "runs_per_second": rates,
                         "peak_mb": max(r["peak_mb"] for r in runs),
                         "peak_pss_mb": max(r["peak_pss_mb"] for r in runs)}
        sample = files[: args.pandas_limit]
        if "calamine" not in skip:
            res["calamine"] = bench_calamine(files)
            print("calamine", json.dumps(res["calamine"]), flush=True)
        if "pandas" not in skip:
            res["pandas"] = bench_pandas(sample)
            print("pandas", json.dumps(res["pandas"]), flush=True)
        print()
        res["load_average"] = os.getloadavg()
        print(f"machine: {res['machine']}; load average at the end: {res['load_average']}")
        print(f"{'':10}{'workbooks/s':>12}{'median':>8}{'CPU ms/wb':>10}{'peak RSS MB':>12}{'peak PSS MB':>12}"
              f"{'x pandas':>10}")
        pandas_rate = res.get("pandas", {}).get("per_second")
        for k in ("api", "cli", "cli_out", "calamine", "pandas"):
            if k in res:
                rate = res[k]["per_second"]
                ratio = f"{rate / pandas_rate:.1f}" if pandas_rate else "-"
                med = res[k].get("median_per_second", rate)
                cpu = res[k].get("cpu_ms_per_workbook")
                cpu = f"{cpu:.2f}" if cpu is not None else "-"
                print(f"{k:10}{rate:12.0f}{med:8.0f}{cpu:>10}{res[k]['peak_mb']:12.0f}{res[k]['peak_pss_mb']:12.0f}"
                      f"{ratio:>10}")
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        if not args.dir:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
