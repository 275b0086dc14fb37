"""``xlreport template``: writes the template, refuses to overwrite, clear Chinese errors."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

from conftest import ROOT
from xlreport.cli import main
from xlreport.layout import COVER_SHEET, META_SHEET, layout
from xlreport.formats import get_format
from xlreport.template import DEFAULT_PASSWORD
from openpyxl.utils.protection import hash_password


def run(capsys, *argv):
    code = main(["template", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def meta(path):
    wb = openpyxl.load_workbook(path)
    return wb, {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}


def test_writes_the_template_for_a_year(tmp_path, capsys):
    out = tmp_path / "报告.xlsx"
    code, stdout, _ = run(capsys, "--year", "2024", "--agency", "某县人民政府", "-o", str(out))
    assert code == 0 and "已生成" in stdout and "2021" in stdout
    wb, m = meta(out)
    assert (m["format_version"], m["year"], m["agency"]) == ("2021", 2024, "某县人民政府")
    places = layout(get_format("2021")).places
    assert wb[COVER_SHEET][places["year"].a1].value == 2024
    assert wb[COVER_SHEET][places["agency"].a1].value == "某县人民政府"
    assert wb[COVER_SHEET].protection.password == hash_password(DEFAULT_PASSWORD)


def test_format_and_password(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert run(capsys, "--format", "2019", "--password", "abc123", "-o", str(out))[0] == 0
    wb, m = meta(out)
    assert m["format_version"] == "2019"
    assert wb["表三"].protection.password == hash_password("abc123")
    assert wb.security.workbookPassword == hash_password("abc123")


def test_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"old")
    code, _, err = run(capsys, "-o", str(out))
    assert code == 2 and "已存在" in err and "--force" in err
    assert out.read_bytes() == b"old"
    code, _, _ = run(capsys, "--force", "-o", str(out))
    assert code == 0 and out.read_bytes() != b"old"


@pytest.mark.parametrize("args, words", [
    (["--year", "20x4"], "报告年度"),
    (["--year", "1999"], "报告年度"),
    (["--format", "2020"], "未知的格式版本"),
])
def test_bad_year_or_format(tmp_path, capsys, args, words):
    out = tmp_path / "t.xlsx"
    code, _, err = run(capsys, *args, "-o", str(out))
    assert code == 2 and words in err and err.startswith("错误：")
    assert not out.exists()


@pytest.mark.parametrize("name, words", [("nope/t.xlsx", "不存在"), ("t.xls", ".xlsx"), (".", "文件夹")])
def test_bad_path(tmp_path, capsys, name, words):
    code, _, err = run(capsys, "-o", str(tmp_path / name))
    assert code == 2 and words in err
    assert list(tmp_path.iterdir()) == []


def test_output_is_required(capsys):
    with pytest.raises(SystemExit) as e:
        main(["template"])
    assert e.value.code == 2
    assert "用法错误" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    out = tmp_path / "m.xlsx"
    proc = subprocess.run([sys.executable, "-m", "xlreport", "template", "--year", "2020", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert meta(out)[1]["format_version"] == "2019"


def test_warns_when_the_format_does_not_fit_the_year(tmp_path, capsys):
    code, _, err = run(capsys, "--format", "2019", "--year", "2024", "-o", str(tmp_path / "t.xlsx"))
    assert code == 0 and "应使用2021版格式" in err
