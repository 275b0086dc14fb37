"""Long fuzz run: N seeded mutations of the example workbooks through the folder check.

    python scripts/fuzz.py 10000                 # cases 0..9999, 2 workers, 30 s per file
    python scripts/fuzz.py 2000 --start 50000 --keep tests/data/fuzz

Each case is a real workbook (examples/*.xlsx, workbook/*.xlsx) with one to three mutations
(``tests/fuzz.py``), checked by ``xlreport.batch.iter_results`` exactly as ``xlreport check`` does,
in batches of ``--batch`` files in a temporary folder.  Prints the figure: cases, verdicts by
status, and the failures — tracebacks (a ``workbook.internal_error`` from an exception), aborts
(a worker died), hangs (the per-file time limit) — each with its seed, mutations and message.
Each batch's results are also written as --out .xlsx, .csv and .json (a failure there counts).
``--keep DIR`` copies every failing case there (the regression corpus the tests run).  Exit 1
when any case failed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import fuzz  # noqa: E402  (tests/fuzz.py)
from xlreport.batch import iter_results  # noqa: E402
from xlreport.exports import write_results  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", type=int, nargs="?", default=10000)
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds per file")
    ap.add_argument("--batch", type=int, default=1000, help="files per folder check")
    ap.add_argument("--keep", help="copy failing cases into this folder")
    ap.add_argument("--json-out", help="write the figure as JSON")
    args = ap.parse_args(argv)

    started = time.monotonic()
    kinds, status, mutations = Counter(), Counter(), Counter()
    failures = []
    for first in range(args.start, args.start + args.cases, args.batch):
        seeds = range(first, min(first + args.batch, args.start + args.cases))
        with tempfile.TemporaryDirectory(prefix="xlreport-fuzz-") as tmp:
            info = {}
            for seed in seeds:
                name, data, done = fuzz.case(seed)
                (Path(tmp) / name).write_bytes(data)
                info[name] = (seed, done)
                mutations.update(done)
            kept = []
            for r in iter_results([tmp], workers=args.workers, time_limit=args.time_limit, want_json=True):
                kept.append(r)
                kind = fuzz.classify(r)
                kinds[kind] += 1
                status[r.summary["status"]] += 1
                if kind != "ok":
                    name = Path(r.summary["file"]).name
                    seed, done = info[name]
                    message = next(f["message"] for f in r.findings if f["rule"] == "workbook.internal_error")
                    failures.append({"seed": seed, "kind": kind, "mutations": done, "message": message})
                    print(f"{kind}: seed {seed} {'+'.join(done)}: {message[:160]}", flush=True)
                    if args.keep:
                        Path(args.keep).mkdir(parents=True, exist_ok=True)
                        shutil.copy(r.summary["file"], Path(args.keep) / name)
            for suffix in (".xlsx", ".csv", ".json"):  # --out: written whole whatever the files hold
                try:
                    write_results(Path(tmp) / f"结果{suffix}", kept)
                except Exception as e:
                    kinds["out"] += 1
                    failures.append({"seed": None, "kind": "out", "mutations": [suffix],
                                     "message": f"{type(e).__name__}: {e}"[:300]})
                    print(f"--out {suffix} failed: {type(e).__name__}: {str(e)[:200]}", flush=True)
        print(f"… {min(first + args.batch, args.start + args.cases) - args.start} cases, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    figure = {"cases": args.cases, "first_seed": args.start, "seconds": round(time.monotonic() - started, 1),
              "tracebacks": kinds["traceback"], "aborts": kinds["abort"], "hangs": kinds["hang"], "out_failures": kinds["out"],
              "status": dict(status), "mutations": dict(mutations), "failures": failures}
    print(f"{args.cases} cases in {figure['seconds']} s: tracebacks {kinds['traceback']}, aborts {kinds['abort']}, "
          f"hangs {kinds['hang']}, --out failures {kinds['out']}; verdicts: " + ", ".join(f"{k} {v}" for k, v in status.most_common()))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figure, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
