"""The fuzz corpus in CI: a few hundred seeded mutations of the example workbooks, and every case
that ever failed (``tests/data/fuzz/``), checked as one folder the way ``xlreport check --out``
does.  No case may end in a traceback, a dead worker or the time limit (a
``workbook.internal_error`` finding); every case gets a verdict and ``--out`` is written whole.
The long run is ``scripts/fuzz.py`` (10,000 cases)."""
from __future__ import annotations

import json
from pathlib import Path

import fuzz  # tests/fuzz.py (pytest puts tests/ on the path: rootdir-relative imports)
from xlreport import batch
from xlreport.cli import main

CASES = 300
FIRST_SEED = 1_000_000  # not the seeds of the long run's default range: more cases over time


def test_the_mutator_is_seeded_and_mutates():
    a, b = fuzz.case(FIRST_SEED), fuzz.case(FIRST_SEED)
    assert a == b
    names = {m for s in range(FIRST_SEED, FIRST_SEED + 200) for m in fuzz.case(s)[2]}
    assert {f.__name__ for f in fuzz.MUTATIONS} <= names  # every kind of mutation is drawn
    assert all(fuzz.case(s)[1] != fuzz.BASES[0].read_bytes() for s in range(FIRST_SEED, FIRST_SEED + 20))


def test_seeded_mutations_and_the_regression_corpus_check_to_completion(tmp_path, capsys):
    folder = tmp_path / "fuzz"
    folder.mkdir()
    names = {}
    for seed in range(FIRST_SEED, FIRST_SEED + CASES):
        name, data, done = fuzz.case(seed)
        (folder / name).write_bytes(data)
        names[name] = done
    regressions = sorted(fuzz.REGRESSIONS.glob("*.xls*")) if fuzz.REGRESSIONS.is_dir() else []
    for p in regressions:
        (folder / f"regression_{p.name}").write_bytes(p.read_bytes())
        names[f"regression_{p.name}"] = ["regression"]
    failed = []
    seen = set()
    for r in batch.iter_results([folder], workers=2, time_limit=60):
        name = Path(r.summary["file"]).name
        seen.add(name)
        assert r.summary["status"] in (batch.PASS, batch.FAIL, batch.UNREADABLE, batch.SKIPPED)
        kind = fuzz.classify(r)
        if kind != "ok":
            failed.append((name, names[name], kind, [f["message"] for f in r.findings]))
    assert seen == set(names)
    assert not failed, failed  # copy each case into tests/data/fuzz/ when fixing it
    for suffix in (".json", ".csv", ".xlsx"):  # every writer takes whatever a damaged file holds
        out = tmp_path / f"结果{suffix}"
        code = main(["check", str(folder), "--out", str(out), "--workers", "2"])
        assert code in (0, 1)
        assert out.stat().st_size > 0
    data = json.loads((tmp_path / "结果.json").read_text(encoding="utf-8"))
    assert len(data) == len(names)
    capsys.readouterr()
