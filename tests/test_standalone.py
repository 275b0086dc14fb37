"""The repository stands on its own: what the tests and scripts read lies inside the clone.

The real reports live in tests/data/reports (see its README); nothing in tests/, scripts/, .ci/
or the package names a folder beside the clone or an absolute path on a developer's machine."""
import re

from conftest import DATA, REAL_JSON, REPORTS, ROOT

# a folder beside the clone, an absolute home on the build machine, or the old escape hatch (the
# strings are put together here so that this file does not itself name them)
BESIDE, ENV = ".." + "/shared", "XLREPORT_" + "SHARED"
OUTSIDE = re.compile("|".join([re.escape(BESIDE), "/work/", ENV, r"parents?(\[\d\])?\s*/\s*[\"']shared[\"']"]))


def _sources():
    for folder in ("tests", "scripts", "xlreport", ".ci"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and DATA not in path.parents and path.suffix in {"", ".py", ".cfg", ".toml", ".sh"}:
                yield path


def test_no_source_reads_outside_the_clone():
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in _sources() for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace")
                                                        .splitlines(), 1)
            if OUTSIDE.search(line) and p != ROOT / "tests" / "test_standalone.py"]
    assert hits == []


def test_the_pattern_catches_the_old_ways_of_finding_the_reports():
    for old in ('ROOT.parent / "shared"', "Path('/work/shared')", f"{BESIDE}/reports",
                f'os.environ.get("{ENV}")'):
        assert OUTSIDE.search(old), old
    assert not OUTSIDE.search('ROOT / "tests" / "data" / "reports"')


def test_every_report_has_its_transcription_and_its_source():
    texts = sorted(REPORTS.glob("*.txt"))
    assert [p.stem for p in texts] == [p.stem for p in REAL_JSON]
    assert len(texts) >= 7
    unsourced = [p.name for p in texts
                 if not p.read_text(encoding="utf-8").startswith("# source: ")]
    # one report was copied from its web page without a source line; the README names it
    assert unsourced == ["2022_xiangtan-county_jiguan-shiwu.txt"]
    assert "2022_xiangtan-county_jiguan-shiwu.txt" in (REPORTS / "README.md").read_text(encoding="utf-8")
