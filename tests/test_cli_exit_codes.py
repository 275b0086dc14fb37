"""One table of exit codes for every command (README, 命令行): 0 clean, 1 some report has errors
(or cannot be read / summed), 2 a usage or output problem (bad arguments, an output that exists
without --force, a folder that cannot be written), 3 an internal error on some file."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import REAL_JSON, ROOT
from workbooks import filled_bytes, real_report
from xlreport.cli import main

UNWRITABLE = Path("/proc")  # a folder that exists and no one (not even root) can create files in


def _report_txt() -> Path:
    return REAL_JSON[-1].with_suffix(".txt")


def _units(tmp_path) -> Path:
    d = tmp_path / "units"
    d.mkdir()
    (d / "a.xlsx").write_bytes(filled_bytes(real_report(REAL_JSON[-1], "某县教育局")))
    return d


def commands(tmp_path):
    """Each command that writes a file: argv given the output path, with a valid input."""
    units = _units(tmp_path)
    return {
        "check": lambda out: ["check", str(units), "--out", str(out)],
        "check.csv": lambda out: ["check", str(units), "--out", str(out.with_suffix(".csv"))],
        "template": lambda out: ["template", "--year", "2024", "-o", str(out)],
        "aggregate": lambda out: ["aggregate", str(units), "-o", str(out), "--workers", "1"],
        "import": lambda out: ["import", str(_report_txt()), "-o", str(out)],
        "audit": lambda out: ["audit", str(_report_txt()), "--out", str(out)],
        "addin": lambda out: ["addin", "build", "-o", str(out.with_suffix(".xlam"))],
    }


NAMES = ["check", "check.csv", "template", "aggregate", "import", "audit", "addin"]


def _target(tmp_path, name) -> Path:
    out = tmp_path / "out" / "结果.xlsx"
    out.parent.mkdir(exist_ok=True)
    if name == "addin":
        return out.with_suffix(".xlam")
    if name == "check.csv":
        return out.with_suffix(".csv")
    return out


@pytest.mark.parametrize("name", NAMES)
def test_an_existing_output_without_force_is_exit_2_and_untouched(tmp_path, capsys, name):
    argv = commands(tmp_path)[name](tmp_path / "out" / "结果.xlsx")
    target = _target(tmp_path, name)
    target.write_bytes(b"keep me")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "已存在" in err and "--force" in err
    assert target.read_bytes() == b"keep me"


@pytest.mark.parametrize("name", NAMES)
def test_an_unwritable_folder_is_exit_2_before_any_work(tmp_path, capsys, name):
    argv = commands(tmp_path)[name](UNWRITABLE / "结果.xlsx")
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "无法" in err and "共检查" not in out


@pytest.mark.parametrize("name", ["template", "aggregate", "import", "check"])
def test_the_same_command_with_force_is_0(tmp_path, capsys, name):
    argv = commands(tmp_path)[name](tmp_path / "out" / "结果.xlsx")
    target = _target(tmp_path, name)
    target.write_bytes(b"old")
    assert main(argv + ["--force"]) == 0
    assert target.read_bytes()[:2] == b"PK"


def test_reports_with_errors_are_1_and_clean_ones_0(tmp_path, capsys):
    assert main(["check", str(ROOT / "examples" / "2024_淮安市人民政府.xlsx")]) == 0
    assert main(["check", str(ROOT / "examples")]) == 1
    assert main(["audit", str(_report_txt())]) in (0, 1)  # audit's own verdict; not a usage code


def test_usage_mistakes_are_2_for_every_command(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.xlsx")]) == 2
    assert main(["aggregate", str(tmp_path / "nope"), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert main(["import", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert main(["template", "--year", "20x4", "-o", str(tmp_path / "x.xlsx")]) == 2
    for argv in (["check"], ["aggregate", "x"], ["template"], ["import", "x"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2


def test_the_table_is_in_the_help_and_the_readme(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = capsys.readouterr().out
    assert "3某个文件检查时发生内部错误" in "".join(text.split()) and "--force" in text
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]  # the user guide may live in docs/
    table = [p for p in pages if "| 3 |" in (text := p.read_text(encoding="utf-8")) and "输出文件已存在" in text]
    assert table, "the exit-code table is in no user page"


def _hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_check_out_refuses_an_input_and_the_folders_it_reads(tmp_path, capsys):
    cur, prev = tmp_path / "2024", tmp_path / "2023"
    cur.mkdir(), prev.mkdir()
    (cur / "a.xlsx").write_bytes(filled_bytes(real_report(REAL_JSON[-1], "某县教育局")))
    last = real_report(REAL_JSON[-1], "某县教育局")
    last.year = 2023
    (prev / "b.xlsx").write_bytes(filled_bytes(last))
    before = {**_hashes(cur), **_hashes(prev)}
    cases = [
        (["check", str(cur / "a.xlsx"), "--out", str(cur / "a.xlsx"), "--force"], "就是要检查的文件"),
        (["check", str(cur), "--out", str(cur / "a.xlsx"), "--force"], "在要检查的文件夹"),
        (["check", str(cur), "--out", str(cur / "sub" / ".." / "new.csv")], "在要检查的文件夹"),
        (["check", str(cur), "--previous", str(prev), "--out", str(prev / "b.xlsx"), "--force"], "上年报告文件夹"),
        (["check", str(cur), "--previous", str(prev), "--out", str(prev / "结果.json")], "上年报告文件夹"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        assert words in err and "共检查" not in out, argv
    assert {**_hashes(cur), **_hashes(prev)} == before and not (cur / "new.csv").exists()
