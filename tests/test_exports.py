"""Outputs of check and aggregate: .xlsx with links to the cells, .csv without formula injection,
.json in the interchange shape; atomic writes; the roll-up and its refusals."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import REAL_JSON, ROOT
from official_shape import official_grid
from workbooks import edit, filled_bytes, real_report
from xlreport.aggregate import ERRORS_SHEET, TRACE_SHEET, AggregateError, aggregate
from xlreport.batch import check_workbook
from xlreport.cli import main
from xlreport.exports import ExportError, atomic_write, neutralise, write_results
from xlreport.layout import layout

EVIL = "=HYPERLINK(\"http://x\",\"点我\")"


def evil_workbook(path: Path) -> Path:
    """A hand-made sheet whose 填报单位 is text beginning with '='."""
    report = real_report(REAL_JSON[-1])
    grid = official_grid(report, with_title=False, as_text={"t4.review.upheld"})  # one finding
    wb = Workbook()
    ws = wb.active
    ws.append(["填报单位", None])
    ws.cell(1, 2).value = EVIL
    ws.cell(1, 2).data_type = "s"
    ws.append(["报告年度", 2024])
    for row in grid:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "收到的报告"
    d.mkdir()
    for path in REAL_JSON:
        (d / f"{path.stem}.xlsx").write_bytes((ROOT / "examples" / _example(path)).read_bytes())
    evil_workbook(d / "evil.xlsx")
    (d / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    return d


def _example(path):
    import sys
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_examples import AGENCIES
    return f"{path.name[:4]}_{AGENCIES[path.stem]}.xlsx"


def test_neutralise():
    assert [neutralise(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "正常", 5)] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "正常", 5]


def test_xlsx_output_has_status_findings_and_links_to_the_cells(folder, tmp_path):
    out = tmp_path / "结果" / "检查结果.xlsx"
    out.parent.mkdir()
    assert main(["check", str(folder), "--out", str(out), "--workers", "1"]) == 1
    wb = load_workbook(out)
    assert wb.sheetnames == ["检查结果", "问题清单", "说明"]
    assert "相对链接" in wb["说明"]["A1"].value and "--absolute-links" in wb["说明"]["A1"].value
    status = {r[0]: r for r in wb["检查结果"].iter_rows(min_row=2, values_only=True)}
    assert len(status) == len(REAL_JSON) + 2
    assert status[str(folder / "broken.xlsx")][-1] == "无法读取"
    assert status[str(folder / "2023_huaian-hongzequ_1.xlsx")][-1] == "有错误"
    ws = wb["问题清单"]
    rows = list(ws.iter_rows(min_row=2))
    wrong = [r for r in rows if r[4].value == "四.total"]
    assert len(wrong) == 2
    link = wrong[0][5].hyperlink
    assert link.target == "../收到的报告/2023_huaian-hongzequ_1.xlsx#'表四'!E5"
    assert wrong[0][5].value.split(";")[0] == "表四!E5"
    long_rows = [r for r in rows if len(r[6].value) > 70]  # wider than the message column: printed whole
    assert long_rows and all(ws.row_dimensions[r[0].row].height >= 30 for r in long_rows)
    evil = [r for r in wb["检查结果"].iter_rows(min_row=2) if r[1].value == EVIL]
    assert len(evil) == 1 and evil[0][1].data_type == "s"  # text, not a formula
    assert all(not (isinstance(c.value, str) and c.data_type == "f") for r in rows for c in r)
    assert {wb["检查结果"].cell(2, j).alignment.horizontal for j in range(3, 8)} == {"center"}  # 2023 2019 apart
    for sheet in (wb["检查结果"], wb["问题清单"]):  # printed one page wide, headings repeated
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"


def test_csv_output_neutralises_formulas(folder, tmp_path):
    out = tmp_path / "r.csv"
    main(["check", str(folder), "--out", str(out), "--workers", "1"])
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["文件", "填报单位"]
    agencies = {r[1] for r in rows[1:]}
    assert "'" + EVIL in agencies and EVIL not in agencies


def test_json_output_is_the_interchange_shape(folder, tmp_path, capsys):
    out = tmp_path / "r.json"
    main(["check", str(folder), "--out", str(out), "--workers", "2"])
    data = json.loads(out.read_text(encoding="utf-8"))
    capsys.readouterr()
    main(["check", str(folder), "--json", "--workers", "1"])
    printed = json.loads(capsys.readouterr().out)
    assert data == printed and len(data) == len(REAL_JSON) + 2
    keys = set(real_report(REAL_JSON[0]).to_interchange().keys())
    assert all(set(d) == keys for d in data)
    hongze = next(d for d in data if d["file"].endswith("2023_huaian-hongzequ_1.xlsx"))
    assert hongze["tables"]["四"]["行政复议"]["总计"] == 0
    f = next(f for f in hongze["findings"] if f["rule"] == "四.total")
    assert f["severity"] == "error" and f["cells"][0]["address"] == "表四!E5" and f["difference"] == -11
    broken = next(d for d in data if d["file"].endswith("broken.xlsx"))
    assert broken["findings"][0]["rule"] == "workbook.unreadable" and broken["tables"] == {}
    # the tables read back into the same report
    report, findings = check_workbook(folder / "2024_huaian-shi_1.xlsx")
    from xlreport import Report
    again, unknown = Report.from_interchange(next(d for d in data if d["file"].endswith("2024_huaian-shi_1.xlsx")))
    assert not unknown and again.values == report.values


def test_outputs_are_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(ExportError, match="不存在"):
        atomic_write(tmp_path / "nope" / "x.csv", b"1")
    assert not (tmp_path / "nope").exists()
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
    with pytest.raises(ExportError):
        write_results(tmp_path / "x.txt", [])
    assert main(["check", str(ROOT / "examples"), "--out", str(tmp_path / "nope" / "x.xlsx")]) == 2  # said before checking


# -- aggregate ---------------------------------------------------------------------------------------------

def _units(tmp_path, n=3):
    d = tmp_path / "units"
    d.mkdir()
    base = real_report(REAL_JSON[-1])
    reports = []
    for i in range(n):
        r = real_report(REAL_JSON[-1], f"单位{i}" if i else "@单位0")
        for key in ("t3.new.natural", "t3.granted.natural", "t4.review.upheld"):  # still consistent
            r.values[key] = base.values[key] + i
        reports.append(r)
        (d / f"u{i}.xlsx").write_bytes(filled_bytes(r, typed_totals=False))
    return d, reports


def test_aggregate_sums_traces_and_lists_errors(tmp_path):
    d, reports = _units(tmp_path)
    bad = real_report(REAL_JSON[-1], "错单位")
    (d / "z.xlsx").write_bytes(filled_bytes(bad, typed_totals=False))
    data = edit((d / "z.xlsx").read_bytes(), lambda wb: wb["表四"].cell(5, 5, 999))
    (d / "z.xlsx").write_bytes(data)
    out = tmp_path / "汇总.xlsx"
    assert main(["aggregate", str(d), "-o", str(out), "--workers", "1"]) == 1  # written; a unit has errors
    total, findings = check_workbook(out)  # the roll-up is a filled template that checks itself
    assert total.agency == "汇总（4个单位）" and total.year == 2024
    all_reports = reports + [bad]
    for key in ("t3.new.natural", "t4.review.upheld", "t2.fees.fee_amount"):
        assert total.values[key] == sum(r.values[key] for r in all_reports)
    assert not [f for f in findings if f.is_error]
    wb = load_workbook(out)
    trace = wb[TRACE_SHEET]
    header = [c.value for c in trace[1]]
    col = header.index(total.format.cells["t3.new.natural"].label) + 1
    assert trace.cell(2, col).value == layout(total.format).places["t3.new.natural"].address
    contributions = [trace.cell(r, col).value for r in range(4, 8)]
    assert contributions == [int(r.values["t3.new.natural"]) for r in all_reports]
    assert trace.cell(3, col).value == sum(contributions)
    assert trace.cell(4, 1).value == "@单位0" and trace.cell(4, 1).data_type == "s"
    assert trace.print_title_rows == "$1:$3" and trace.print_title_cols == "$A:$B"  # on every printed page
    errs = [r for r in wb[ERRORS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in errs] == ["错单位"] and "表四" in errs[0][4]


def test_aggregate_refuses_a_mix_of_years_or_formats(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["aggregate", str(ROOT / "examples"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "不能汇总" in err and "2019版格式" in err and "2024年度" in err
    assert not out.exists()
    with pytest.raises(AggregateError, match="没有可以汇总"):
        (tmp_path / "bad.xlsx").write_bytes(b"")
        aggregate([tmp_path / "bad.xlsx"], out)
    assert main(["aggregate", str(ROOT / "examples"), "-o", str(tmp_path / "x.csv")]) == 2
    d, _ = _units(tmp_path, 2)
    assert main(["aggregate", str(d), "-o", str(out)]) == 0
    assert main(["aggregate", str(d), "-o", str(out)]) == 2  # exists, no --force: an output problem
    assert main(["aggregate", str(d), "-o", str(out), "--force"]) == 0


def test_an_output_inside_the_checked_folder_is_refused_by_check_and_left_out_by_aggregate(tmp_path, capsys):
    d, _ = _units(tmp_path, 2)
    before = sorted(p.name for p in d.iterdir())
    assert main(["check", str(d), "--out", str(d / "结果.xlsx")]) == 2
    out, err = capsys.readouterr()
    assert "在要检查的文件夹" in err and "共检查" not in out
    assert sorted(p.name for p in d.iterdir()) == before
    for _ in range(2):
        assert main(["aggregate", str(d), "-o", str(d / "汇总.xlsx"), "--force"]) == 0
        assert "已汇总 2 个单位" in capsys.readouterr().out


def test_an_earlier_roll_up_among_its_own_units_is_refused_but_roll_ups_sum(tmp_path, capsys):
    d, reports = _units(tmp_path, n=2)
    assert main(["aggregate", str(d), "-o", str(d / "汇总.xlsx"), "--workers", "1"]) == 0
    (d / "汇总.xlsx").rename(d / "上次的汇总.xlsx")
    capsys.readouterr()
    out = tmp_path / "again.xlsx"
    assert main(["aggregate", str(d), "-o", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "上次的汇总.xlsx" in err and "重复计算" in err and not out.exists()
    # staged: roll-ups of regions sum, as the README describes
    regions = tmp_path / "regions"
    regions.mkdir()
    (d / "上次的汇总.xlsx").rename(regions / "地区一.xlsx")
    assert main(["aggregate", str(d), "-o", str(regions / "地区二.xlsx"), "--workers", "1"]) == 0
    assert main(["aggregate", str(regions), "-o", str(out), "--workers", "1"]) == 1  # two identical roll-ups
    assert "内容完全相同" in capsys.readouterr().err
    assert main(["aggregate", str(d), "-o", str(regions / "地区二.xlsx"), "--workers", "1", "--force",
                 "--agency", "地区二"]) == 0
    assert main(["aggregate", str(regions), "-o", str(out), "--workers", "1"]) == 0
    from xlreport.batch import check_workbook
    report, _ = check_workbook(out)
    assert report.values["t3.new.natural"] == 2 * sum(r.values["t3.new.natural"] for r in reports)


def test_aggregate_refuses_two_workbooks_of_one_unit_naming_both(tmp_path, capsys):
    d, reports = _units(tmp_path, 2)
    fixed = real_report(REAL_JSON[-1], "单位 1")  # the same unit (spaces, width ignored), corrected numbers
    (d / "u1(修改后).xlsx").write_bytes(filled_bytes(fixed, typed_totals=False))
    out = tmp_path / "汇总.xlsx"
    assert main(["aggregate", str(d), "-o", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "u1.xlsx" in err and "u1(修改后).xlsx" in err and "重复计算" in err and not out.exists()
    (d / "u1(修改后).xlsx").unlink()
    (d / "copy.xlsx").write_bytes((d / "u0.xlsx").read_bytes())  # identical content
    with pytest.raises(AggregateError, match="内容完全相同|都是"):
        aggregate([d], out, workers=1)
    (d / "copy.xlsx").unlink()
    assert main(["aggregate", str(d), "-o", str(out), "--workers", "1"]) == 0


# -- outputs hold anything the inputs can hold ---------------------------------------------------------

def _hand_made(path: Path, agency_xml: bytes = b"", huge: bool = False) -> Path:
    """A hand-made sheet; ``agency_xml`` is spliced into the agency's XML as it is (control
    characters: a Word soft line break pasted into Excel is stored as _x000B_); ``huge``: a
    400-digit number typed (kept by Excel as text) in 表三 新收 自然人."""
    import zipfile
    report = real_report(REAL_JSON[-1])
    grid = official_grid(report, with_title=False)
    wb = Workbook()
    ws = wb.active
    ws.append(["填报单位", "某局QQQQ办公室"])
    ws.append(["报告年度", 2024])
    for row in grid:
        ws.append(row)
    if huge:
        v = int(report.values["t3.new.natural"])
        cell = next(c for r in ws.iter_rows() for c in r if c.value == v)
        cell.value = "1" + "0" * 400
        cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename).replace(b"QQQQ", agency_xml))
    path.write_bytes(out.getvalue())
    return path


def test_control_characters_and_huge_numbers_reach_every_output(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    _hand_made(d / "ctl.xlsx", b"_x000B_\x1b", huge=True)
    for suffix in (".xlsx", ".csv", ".json"):
        assert main(["check", str(d), "--out", str(tmp_path / f"r{suffix}")]) == 1
        assert (tmp_path / f"r{suffix}").exists()
    out = capsys.readouterr().out
    assert "\x1b" not in out and "某局 \\x1b办公室" in out.replace("\\x0b", " ")
    wb = load_workbook(tmp_path / "r.xlsx")
    row = [c for c in wb["检查结果"][2]]
    assert row[1].value == "某局 \\x1b办公室"  # soft line break as a space, ESC escaped
    findings = list(wb["问题清单"].iter_rows(min_row=2))
    huge = [c for r in findings for c in r[7:10] if isinstance(c.value, str) and len(c.value) > 300]
    assert huge and all(c.data_type == "s" and c.value.lstrip("-").isdigit() for c in huge)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data[0]["agency"] == "某局\x0b\x1b办公室"  # JSON keeps the text as read


def test_links_quote_names_and_survive_moving_result_and_folder(tmp_path, capsys):
    import shutil
    from urllib.parse import unquote

    d = tmp_path / "收到 的"
    d.mkdir()
    name = "a#b%20c'd.xlsx"
    wrong = edit(filled_bytes(real_report(REAL_JSON[-1], "某局")), lambda wb: wb["表四"].cell(5, 5, 999))
    (d / name).write_bytes(wrong)
    (tmp_path / "结果").mkdir()
    out = tmp_path / "结果" / "r.xlsx"
    assert main(["check", str(d), "--out", str(out)]) == 1
    wb = load_workbook(out)
    status_link = wb["检查结果"]["A2"].hyperlink.target
    assert status_link == "../%E6%94%B6%E5%88%B0%20%E7%9A%84/a%23b%2520c'd.xlsx".replace(
        "%E6%94%B6%E5%88%B0", "收到").replace("%E7%9A%84", "的")
    cell_link = next(r[5].hyperlink.target for r in wb["问题清单"].iter_rows(min_row=2) if r[4].value == "四.total")
    path_part, location = cell_link.split("#")
    assert location == "'表四'!E5"
    assert (out.parent / unquote(path_part)).resolve() == (d / name).resolve()
    # moved together (result and folder keep their relative places): the link still points at the file
    moved = tmp_path / "别处"
    moved.mkdir()
    shutil.move(str(d), moved / d.name)
    shutil.move(str(out.parent), moved / "结果")
    assert (moved / "结果" / unquote(path_part)).resolve().exists()
    # absolute links: a file:// URI of the file
    out2 = tmp_path / "abs.xlsx"
    assert main(["check", str(moved / d.name), "--out", str(out2), "--absolute-links"]) == 1
    wb = load_workbook(out2)
    target = wb["检查结果"]["A2"].hyperlink.target
    assert target.startswith("file:///") and Path(unquote(target[len("file://"):])) == (moved / d.name / name)
    assert "绝对链接" in wb["说明"]["A1"].value


def test_a_quote_in_a_sheet_name_is_doubled_in_the_link():
    from xlreport.exports import link_target
    assert link_target(Path("/r"), "/r/x.xlsx", "它's!D5") == "x.xlsx#'它''s'!D5"
    assert link_target(Path("/r"), "/r/x.xlsx", "'它''s'!D5") == "x.xlsx#'它''s'!D5"
    assert link_target(Path("/r"), "/r/x 1%.xlsx", None) == "x%201%25.xlsx"


def test_aggregate_leaves_out_macos_extras_and_writes_any_name(tmp_path, capsys):
    import os
    d, reports = _units(tmp_path, 2)
    (d / "__MACOSX").mkdir()
    (d / "__MACOSX" / "._u0.xlsx").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (d / "._u1.xlsx").write_bytes(b"\x00\x05\x16\x07 resource fork")
    _hand_made(d / "ctl.xlsx", b"_x000B_\x1b")
    raw = os.fsencode(d) + b"/" + "报告".encode("gbk") + b".xlsx"  # not UTF-8
    with open(raw, "wb") as fh:
        fh.write(b"")  # unreadable, listed by name
    out = tmp_path / "汇总.xlsx"
    assert main(["aggregate", str(d), "-o", str(out), "--workers", "1"]) == 1  # a file not summed: exit 1 (the table)
    printed = capsys.readouterr().out
    assert "已汇总 3 个单位" in printed and "1 个文件无法读取" in printed and "\ufffd" in printed
    wb = load_workbook(out)
    units = [r[0] for r in wb[TRACE_SHEET].iter_rows(min_row=4, values_only=True)]
    assert "某局 \\x1b办公室" in units
    failed = [r[1] for r in wb[ERRORS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert any("\ufffd" in f for f in failed) and not any("MACOSX" in f or "._" in f for f in failed)
