"""Measure the add-in: build time and size of the .xlam, and per workbook the time of one 校验
on xlwings' remote engine with the reads, writes and actions it takes.

    python scripts/bench_addin.py [WORKBOOK.xlsx ...]     (default: examples/*.xlsx)

The workbooks are recalculated in LibreOffice first (one call), as the tests do."""
from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # PolyForm Noncommercial (see docs/guide/addin.md, 许可)

from xlbook import book_json, remote_book  # noqa: E402
from xlreport import addin, excel  # noqa: E402
from xlreport.libreoffice import recalculate  # noqa: E402


def main(argv) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "examples").glob("*.xlsx"))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        out = addin.build(Path(tmp) / "xlreport.xlam")
        print(f"addin build: {time.perf_counter() - t:.2f} s, {out.stat().st_size / 1024:.0f} KiB")
        t = time.perf_counter()
        done = recalculate(paths, tmp)
        print(f"LibreOffice recalculation of {len(done)} workbooks: {time.perf_counter() - t:.1f} s")
        print(f"{'workbook':40} {'kind':9} {'findings':>8} {'reads':>5} {'writes':>6} {'actions':>7} {'ms':>6}")
        for path in done:
            payload = book_json(path)
            best = None
            for _ in range(5):
                book = remote_book(copy.deepcopy(payload))  # the engine updates its dict
                t = time.perf_counter()
                run = excel.check_book(book)
                ms = (time.perf_counter() - t) * 1000
                best = ms if best is None else min(best, ms)
            print(f"{path.stem:40} {run.kind:9} {len(run.findings):8} {run.reads:5} {run.writes:6} "
                  f"{len(book.json()['actions']):7} {best:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
