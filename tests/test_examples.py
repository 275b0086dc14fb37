"""The bundled examples (README quick start) are the real reports, rebuilt byte for byte."""
import subprocess
import sys

from conftest import REAL_JSON, REPORTS, ROOT


def test_examples_are_rebuilt_identically(tmp_path):
    committed = {p.name: p.read_bytes() for p in (ROOT / "examples").glob("*.xlsx")}
    assert len(committed) == len(REAL_JSON)
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    (copy / "scripts" / "make_examples.py").write_bytes((ROOT / "scripts" / "make_examples.py").read_bytes())
    (copy / "xlreport").symlink_to(ROOT / "xlreport")
    subprocess.run([sys.executable, str(copy / "scripts" / "make_examples.py"), str(REPORTS)], check=True,
                   capture_output=True)
    rebuilt = {p.name: p.read_bytes() for p in (copy / "examples").glob("*.xlsx")}
    assert rebuilt == committed
