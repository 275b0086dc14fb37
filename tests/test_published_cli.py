"""The audit and import commands: exit codes, the JSON shape, output files, the workbook."""
from __future__ import annotations

import json
import openpyxl
import pytest

from conftest import REPORTS
from xlreport import check
from xlreport.cli import main
from xlreport.layout import layout
from xlreport.published import audit_file
from xlreport.values import normalize

CLEAN = REPORTS / "2022_xiangtan-county_jiguan-shiwu.txt"  # no findings at all
WRONG = REPORTS / "2023_huaian-hongzequ_1.txt"  # wrong 表四 totals, as published
UNSURE = REPORTS / "2020_hebei-gxt_1.txt"  # run-together digits with lost blanks


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_exit_codes(capsys, tmp_path):
    assert run(capsys, "audit", CLEAN)[0] == 0
    code, out, _ = run(capsys, "audit", WRONG)
    assert code == 1 and "四.total" in out and "洪泽区人民政府" in out
    code, _, err = run(capsys, "audit", tmp_path / "nope.txt")
    assert code == 2 and "找不到文件" in err


def test_a_bad_file_does_not_stop_the_batch(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, _ = run(capsys, "audit", empty, CLEAN, "--json")
    data = json.loads(out)
    assert code == 1
    assert [d["findings"][0]["rule"] if d["findings"] else None for d in data] == ["doc.empty", None]
    assert data[1]["tables"]["三"]["（七）总计"]["总计"] == 0


def test_audit_json_shape(capsys):
    code, out, _ = run(capsys, "audit", UNSURE, WRONG, "--json")
    data = json.loads(out)
    assert code == 1 and len(data) == 2
    for d in data:
        assert {"schema", "file", "agency", "year", "format", "tables", "missing", "uncertain",
                "findings"} <= set(d)
        for f in d["findings"]:
            assert {"rule", "severity", "message", "cells"} <= set(f)
    unsure, wrong = data
    assert unsure["missing"] == ["四"] and "二/行政许可/本年增/减" in unsure["uncertain"]
    assert unsure["tables"]["二"]["规章"] == {"本年新制作数量": None, "本年新公开数量": None, "对外公开总数量": None}
    total = [f for f in wrong["findings"] if f["rule"] == "四.total"]
    assert total and total[0]["cells"][0]["label"] == "表四「行政复议」总计"
    assert total[0]["expected"] == 11 and total[0]["actual"] == 0


def test_audit_out_file_is_written_whole_and_not_overwritten(capsys, tmp_path):
    target = tmp_path / "audit.json"
    code, out, _ = run(capsys, "audit", CLEAN, "--json", "--out", target)
    assert code == 0 and "已写入" in out
    assert json.loads(target.read_text(encoding="utf-8"))[0]["format"] == "2021"
    code, _, err = run(capsys, "audit", CLEAN, "--out", target)
    assert code == 2 and "--force" in err
    assert run(capsys, "audit", CLEAN, "--out", target, "--force")[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))[0]["findings"] == []  # .json is JSON even without --json
    assert [p.name for p in tmp_path.iterdir()] == ["audit.json"]  # no temp file left behind


def test_audit_a_folder(capsys):
    code, out, _ = run(capsys, "audit", REPORTS)
    assert code == 1 and "共检查7份报告" in out


def read_inputs(path, fmt):
    """The input cells of an imported workbook, by the template layout (totals are formulas)."""
    wb = openpyxl.load_workbook(path)
    places = layout(fmt).places
    return wb, {c.key: normalize(wb[places[c.key].sheet].cell(places[c.key].row, places[c.key].col).value)
                for c in fmt.inputs if c.key in places}


@pytest.mark.parametrize("source", [CLEAN, WRONG, UNSURE], ids=lambda p: p.stem)
def test_import_writes_the_parse_into_the_template(capsys, tmp_path, source):
    target = tmp_path / "out.xlsx"
    code, out, _ = run(capsys, "import", source, "-o", target)
    assert code == 0 and "已导入" in out
    report = audit_file(source).report
    wb, inputs = read_inputs(target, report.format)
    same_layout = {c.key for c in report.format.inputs
                   if c.key in inputs and report.format.cells[c.key].table.id not in report.layouts}
    for key in same_layout:
        expected = None if key in report.uncertain else report.values.get(key)
        assert inputs[key] == expected, key
    notes = wb["导入说明"]
    listed = {notes.cell(r, 1).value: notes.cell(r, 3) for r in range(1, notes.max_row + 1)}
    places = layout(report.format).places
    for key in report.uncertain:
        label = report.format.cells[key].label  # 表三「…」自然人, as the check command says it
        assert label in listed and label in out
        if report.format.cells[key].table.id not in report.layouts:
            place = places[key]
            assert listed[label].value == f"{place.sheet}!{place.a1}" and f"{place.sheet}!{place.a1}" in out
            assert listed[label].hyperlink.location == f"'{place.sheet}'!{place.a1}"
    assert notes.page_setup.fitToWidth == 1 and notes.sheet_properties.pageSetUpPr.fitToPage
    wrapped = [r for r in range(7, notes.max_row + 1) if len(str(notes.cell(r, 3).value or "")) > 40]
    assert all(notes.row_dimensions[r].height >= 30 for r in wrapped)  # long notes printed whole
    assert "B1:C1" in {str(m) for m in notes.merged_cells.ranges}  # the source path on one line
    # the texts are on the cover
    cover = wb["封面及正文"]
    texts = [cover[layout(report.format).places[s].a1].value for s in ("s1", "s5")]
    assert all(texts)


def test_import_round_trip_checks_the_same(capsys, tmp_path):
    """What the engine finds in the imported inputs equals what it finds in the parse."""
    target = tmp_path / "out.xlsx"
    assert run(capsys, "import", CLEAN, "-o", target)[0] == 0
    report = audit_file(CLEAN).report
    _, inputs = read_inputs(target, report.format)
    back = report.__class__.blank(report.format)
    back.values.update(inputs)
    for c in report.format.totals:  # totals are formulas in the template: derive them
        back.values[c.key] = report.values[c.key]
    assert back.values == report.values
    assert [f.rule for f in check(back)] == [f.rule for f in check(report)]


def test_import_refuses_to_overwrite_and_unreadable_reports(capsys, tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"keep")
    code, _, err = run(capsys, "import", CLEAN, "-o", target)
    assert code == 2 and "--force" in err and target.read_bytes() == b"keep"
    other = tmp_path / "menu.txt"
    other.write_text("今日菜单\n红烧肉\n", encoding="utf-8")
    code, _, err = run(capsys, "import", other, "-o", tmp_path / "x.xlsx")
    assert code == 1 and "未识别为政府信息公开工作年度报告" in err
    assert not (tmp_path / "x.xlsx").exists()
    code, _, err = run(capsys, "import", CLEAN, "-o", tmp_path / "x.txt")
    assert code == 2 and ".xlsx" in err


def test_audit_with_two_processes_gives_the_same_result(capsys, tmp_path):
    for i in range(3):
        for src in (CLEAN, WRONG, UNSURE):
            (tmp_path / f"{i}-{src.name}").write_bytes(src.read_bytes())
    one = run(capsys, "audit", tmp_path, "--json")
    two = run(capsys, "audit", tmp_path, "--json", "--jobs", "2")
    assert one[0] == two[0] == 1
    assert json.loads(one[1]) == json.loads(two[1])
    assert len(json.loads(two[1])) == 9
    assert run(capsys, "audit", CLEAN, "--jobs", "0")[0] == 2


def test_import_keeps_wrong_published_totals_as_typed(capsys, tmp_path):
    target = tmp_path / "out.xlsx"
    code, out, _ = run(capsys, "import", WRONG, "-o", target)
    assert code == 0 and "表四「行政复议」总计 原文为0" in out
    report = audit_file(WRONG).report
    place = layout(report.format).places["t4.review.total"]
    wb = openpyxl.load_workbook(target)
    assert wb[place.sheet].cell(place.row, place.col).value == 0  # the published 0, not the formula
    clean = tmp_path / "clean.xlsx"
    assert "原文为" not in run(capsys, "import", CLEAN, "-o", clean)[1]
    place = layout(audit_file(CLEAN).report.format).places["t4.review.total"]
    assert str(openpyxl.load_workbook(clean)[place.sheet].cell(place.row, place.col).value).startswith("=")


def test_a_workbook_or_a_missing_file_is_said_plainly(capsys, tmp_path):
    from conftest import ROOT

    workbook = sorted((ROOT / "examples").glob("2024_*.xlsx"))[0]
    code, out, err = run(capsys, "audit", workbook)
    assert code == 1 and "Excel 工作簿" in out and "xlreport check" in out and "KeyError" not in out
    code, _, err = run(capsys, "import", workbook, "-o", tmp_path / "x.xlsx")
    assert code == 1 and "xlreport check" in err and not (tmp_path / "x.xlsx").exists()
    code, _, err = run(capsys, "import", tmp_path / "没有.txt", "-o", tmp_path / "x.xlsx")
    assert code == 2 and "找不到文件" in err and "No such" not in err


def test_output_piped_into_a_closed_reader_is_no_traceback():
    import subprocess
    import sys

    from conftest import ROOT

    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already stopped reading
    try:
        proc = subprocess.run([sys.executable, "-m", "xlreport", "audit", str(UNSURE), str(WRONG), str(CLEAN)],
                              cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    err = proc.stderr.decode()
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_audit_out_follows_the_suffix(capsys, tmp_path):
    code, out, _ = run(capsys, "audit", UNSURE, WRONG, CLEAN, "--out", tmp_path / "结果.xlsx")
    assert code == 1 and "已写入" in out
    wb = openpyxl.load_workbook(tmp_path / "结果.xlsx")  # a real workbook, not text under an .xlsx name
    assert wb.sheetnames == ["检查结果", "问题清单", "说明"]  # 说明: how the links behave
    status = {r[0]: r[-1] for r in wb["检查结果"].iter_rows(min_row=2, values_only=True)}
    assert status == {str(UNSURE): "有错误", str(WRONG): "有错误", str(CLEAN): "通过"}
    rules = [r[4] for r in wb["问题清单"].iter_rows(min_row=2, values_only=True)]
    assert rules.count("四.total") == 2 and "parse.uncertain" in rules
    assert run(capsys, "audit", UNSURE, "--out", tmp_path / "a.json")[0] == 1
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))[0]["file"] == str(UNSURE)
    assert run(capsys, "audit", UNSURE, "--out", tmp_path / "a.csv")[0] == 1
    assert (tmp_path / "a.csv").read_text(encoding="utf-8-sig").startswith("文件,填报单位")
    # the uncertain cells on screen as the checker names cells, in the tables' order
    out = run(capsys, "audit", UNSURE)[1]
    line = next(x for x in out.splitlines() if "无法确定的单元格" in x)
    assert "表二「行政许可」本年增/减；表二「行政许可」处理决定数量" in line and "三/" not in line


def test_import_of_a_mixed_format_report_keeps_every_number_visible(capsys, tmp_path):
    """2023 洪泽区: a 2021-layout 表二 beside a 2019-layout 表三 (issue 15): 表二 keeps the layout it
    was published in, so every number read has a cell in the workbook."""
    report = audit_file(WRONG).report
    assert report.layouts == {"二": "2021"}
    target = tmp_path / "out.xlsx"
    assert run(capsys, "import", WRONG, "-o", target)[0] == 0
    wb = openpyxl.load_workbook(target)
    places = layout(report.format).places
    shown = 0
    for c in report.format.inputs:
        v = report.values.get(c.key)
        if v is None or c.key in report.uncertain:
            continue
        place = places[c.key]
        assert normalize(wb[place.sheet].cell(place.row, place.col).value) == v, c.label
        shown += c.table.id == "二"
    assert shown >= 6  # 表二's numbers among them
    # read back by the checker in the same layouts: the same two errors as the published report
    code, out, _ = run(capsys, "check", target)
    assert code == 1 and "错误 2 条" in out and "表二" not in out


def test_import_writes_the_source_name_as_text_never_a_formula(capsys, tmp_path, monkeypatch):
    name = "=HYPERLINK(\"x\",\"点\")+1.txt"
    (tmp_path / name).write_bytes(CLEAN.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "import", name, "-o", "out.xlsx")[0] == 0
    cell = openpyxl.load_workbook(tmp_path / "out.xlsx")["导入说明"]["B1"]
    assert cell.value == name and cell.data_type == "s"
