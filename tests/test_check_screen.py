"""What `xlreport check` prints and writes for unusual folders: every finding grouped by rule,
--quiet, relative names, escaped names, files that are not workbooks, outputs that hold anything."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import REAL_JSON
from workbooks import edit, filled_bytes, real_report
from xlreport.cli import main
from xlreport.layout import layout


def good_bytes(agency="某县教育局"):
    return filled_bytes(real_report(REAL_JSON[-1], agency))


def two_error_bytes():
    """Two different rules broken: 表四 总计 typed wrong, and 表三 新收 total typed wrong."""
    report = real_report(REAL_JSON[-1], "某县教育局")

    def change(wb):
        fmt = report.format
        places = layout(fmt).places
        for key in ("t4.review.total", "t4.litigation_direct.total", "t3.new.total"):
            if key in places:
                p = places[key]
                wb[p.sheet].cell(p.row, p.col).value = 987654
    return edit(filled_bytes(report), change)


def test_every_error_of_a_file_is_listed_grouped_by_rule(tmp_path, capsys):
    (tmp_path / "坏.xlsx").write_bytes(two_error_bytes())
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    heads = [line for line in out.splitlines() if line.startswith("  【")]
    assert len([h for h in heads if h.startswith("  【错误】")]) == 3  # every error, not only the first
    assert len(heads) == len(set(heads))  # each rule's title once
    assert any("（workbook.formula_overwritten），2 处：" in h for h in heads)  # several places: one title
    details = [line for line in out.splitlines() if line.startswith("      ")]
    assert len(details) > len(heads) and "987654" in out
    assert main(["check", str(tmp_path), "--quiet"]) == 1
    quiet = capsys.readouterr().out
    assert "【错误】" not in quiet and quiet.splitlines()[0].startswith("状态")


def test_a_cut_quiet_table_says_how_many_files_are_not_shown(tmp_path, capsys, monkeypatch):
    import xlreport.commands.check as check_cmd
    monkeypatch.setattr(check_cmd, "QUIET_ROWS", 3)
    bad = two_error_bytes()
    for i in range(5):
        (tmp_path / f"{i}.xlsx").write_bytes(bad)
    (tmp_path / "good.xlsx").write_bytes(good_bytes())
    assert main(["check", str(tmp_path), "--quiet", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "上表只列出 3 个文件，另有 3 个未列出：通过 1，有错误 2" in out


def test_files_are_named_relative_to_the_folder(tmp_path, capsys):
    for sub in ("甲", "乙"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "报告.xlsx").write_bytes(good_bytes(f"{sub}局"))
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"甲{os.sep}报告.xlsx" in out and f"乙{os.sep}报告.xlsx" in out and str(tmp_path) not in out
    assert main(["check", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"甲{os.sep}报告.xlsx" in out and f"乙{os.sep}报告.xlsx" in out


def test_terminal_escapes_in_names_are_shown_escaped(tmp_path, capsys):
    name = "\x1b[2J\x1b[31m伪造\r通过  0  0.xlsx"
    (tmp_path / name).write_bytes(two_error_bytes())
    agency = "某局\u202e局某"  # a right-to-left override would reverse what follows on the terminal
    (tmp_path / "b.xlsx").write_bytes(good_bytes(agency))
    for argv in (["check", str(tmp_path)], ["check", str(tmp_path), "--quiet"]):
        assert main(argv) == 1
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
        assert "\\x1b[31m伪造\\x0d通过" in out and "某局\\u202e局某" in out


def test_a_name_that_is_not_utf8_is_shown_and_written_with_replacement(tmp_path, capsys):
    folder = tmp_path / "收到的"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "报告".encode("gbk") + b".xlsx"  # a Windows zip unpacked on Linux
    with open(raw, "wb") as fh:
        fh.write(two_error_bytes())
    for suffix in (".xlsx", ".csv", ".json"):
        out = tmp_path / f"结果{suffix}"
        assert main(["check", str(folder), "--out", str(out)]) == 1
        printed = capsys.readouterr().out
        assert "\ufffd" in printed and "结果已写入" in printed
        assert out.exists()
    wb = load_workbook(tmp_path / "结果.xlsx")
    name = wb["检查结果"]["A2"].value
    assert "\ufffd" in name and name.endswith(".xlsx")
    data = json.loads((tmp_path / "结果.json").read_text(encoding="utf-8"))
    assert "\ufffd" in data[0]["file"]


def test_macos_extras_are_skipped_and_other_spreadsheets_get_one_line(tmp_path, capsys):
    (tmp_path / "好.xlsx").write_bytes(good_bytes())
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._好.xlsx").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (tmp_path / "._好.xlsx").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (tmp_path / "表.ods").write_bytes(b"PK\x03\x04 ods")
    (tmp_path / "表.et").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "表.xlsb").write_bytes(b"PK\x03\x04 xlsb")
    (tmp_path / "文件夹.xlsx").mkdir()
    assert main(["check", str(tmp_path), "--json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    by_name = {Path(d["file"]).name: d["findings"][0]["message"] if d["findings"] else "" for d in data}
    assert set(by_name) == {"好.xlsx", "表.ods", "表.et", "表.xlsb", "文件夹.xlsx"}
    assert ".ods" in by_name["表.ods"] and "WPS" in by_name["表.et"] and ".xlsb" in by_name["表.xlsb"]
    assert "文件夹" in by_name["文件夹.xlsx"]
    assert "已忽略 2 个 macOS 压缩包附带的文件" in captured.err
    assert "共检查 5 个文件：通过 1，有错误 0，无法读取 4" in captured.err


@pytest.mark.parametrize("name", ["报告.pdf", "报告.html", "报告.docx"])
def test_published_documents_given_to_check_point_to_audit(tmp_path, capsys, name):
    (tmp_path / name).write_bytes(b"%PDF-1.4" if name.endswith("pdf") else b"<html></html>")
    assert main(["check", str(tmp_path / name)]) == 1
    assert "xlreport audit" in capsys.readouterr().out


def test_outputs_get_the_users_umask(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(good_bytes())
    old = os.umask(0o027)
    try:
        assert main(["check", str(tmp_path / "in"), "--out", str(tmp_path / "r.csv")]) == 0
        assert main(["template", "--year", "2024", "-o", str(tmp_path / "t.xlsx")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "t.xlsx").stat().st_mode) == 0o640


def test_os_errors_are_said_in_chinese(tmp_path, capsys):
    (tmp_path / "好.xlsx").write_bytes(good_bytes())
    os.symlink("环.xlsx", tmp_path / "环.xlsx")  # a symlink loop: stat fails with ELOOP
    assert main(["check", str(tmp_path), "--out", str(tmp_path.parent / f"{tmp_path.name}.csv")]) == 1
    out = capsys.readouterr().out
    assert "文件无法打开（符号链接循环）" in out and "Too many levels" not in out


def test_an_ods_is_read_through_calamine_and_checked(tmp_path, capsys):
    """A report saved as .ods by LibreOffice (real soffice) is checked like the .xlsx it came from."""
    from xlreport.libreoffice import convert

    src = tmp_path / "src"
    src.mkdir()
    (src / "好.xlsx").write_bytes(good_bytes())
    (src / "坏.xlsx").write_bytes(two_error_bytes())
    d = tmp_path / "收到"
    d.mkdir()
    convert([src / "好.xlsx", src / "坏.xlsx"], "ods", d)
    (d / "损坏.ods").write_bytes(b"PK\x03\x04 not an ods")
    assert sorted(p.name for p in d.iterdir()) == ["坏.ods", "好.ods", "损坏.ods"]
    assert main(["check", str(d), "--json"]) == 1
    captured = capsys.readouterr()
    data = {Path(x["file"]).name: x for x in json.loads(captured.out)}
    assert data["好.ods"]["agency"] == "某县教育局" and data["好.ods"]["year"] == 2024
    assert not [f for f in data["好.ods"]["findings"] if f["severity"] == "error"]
    assert {"四.total", "三.row_total"} <= {f["rule"] for f in data["坏.ods"]["findings"]}
    broken = data["损坏.ods"]["findings"]
    assert len(broken) == 1 and broken[0]["rule"] == "workbook.unreadable" and ".ods" in broken[0]["message"]
    assert "通过 1，有错误 1，无法读取 1" in captured.err


def test_the_progress_bar_runs_while_the_result_is_written(tmp_path, capsys, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    data = good_bytes()
    for i in range(20):
        (d / f"{i:02d}.xlsx").write_bytes(data)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert main(["check", str(d), "--quiet", "--workers", "2", "--out", str(tmp_path / "r.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "20/20" in err and "写入结果" in err  # the bar counts every file, then says it is writing


def test_template_and_aggregate_print_names_escaped(tmp_path, capsys):
    out = tmp_path / "模板\x1b[31m.xlsx"
    assert main(["template", "--year", "2024", "-o", str(out)]) == 0
    assert main(["template", "--year", "2024", "-o", str(out)]) == 2  # exists
    d = tmp_path / "单位"
    d.mkdir()
    (d / "a.xlsx").write_bytes(good_bytes())
    assert main(["aggregate", str(d), "-o", str(tmp_path / "汇总\x1b.xlsx"), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "模板\\x1b[31m.xlsx" in captured.out + captured.err
