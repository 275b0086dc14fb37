"""The batch checker over real workbooks: filled templates of every real report, integrity
findings, bad input, previous-year matching, the check command's exit codes."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from conftest import REAL_JSON, ROOT, year_of
from workbooks import edit, filled_bytes, real_report
from xlreport import check
from xlreport.batch import check_paths, check_workbook
from xlreport.cli import main
from xlreport.layout import layout
from xlreport.readers.guard import MAX_FILE_BYTES


def rules_of(findings):
    return sorted(f.rule for f in findings)


def write(tmp_path, name, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def base_bytes():
    """淮安市 2024: passes every rule."""
    return filled_bytes(real_report(REAL_JSON[-1], "某县教育局"))


# -- filled templates of every real report ---------------------------------------------------------

@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_a_filled_template_gives_the_findings_of_its_report(tmp_path, path):
    report = real_report(path, "某县教育局")
    wb = write(tmp_path, "r.xlsx", filled_bytes(report))
    got, findings = check_workbook(wb)
    assert got.agency == "某县教育局" and got.year == year_of(path)
    placed = {k for k in layout(got.format).places if k in got.format.cells}
    for key in placed & set(report.values):  # every value the template holds reads back
        cell = report.format.cells.get(key)
        if cell is not None and cell.is_input and cell.table.id not in report.layouts:  # mixed: not placed
            assert got.values[key] == report.values[key], key
    engine_errors = {(f.rule, f.where) for f in check(report) if f.is_error and f.rule[0] in "三四"}
    got_errors = {(f.rule, f.where) for f in findings if f.is_error and f.rule[0] in "三四"}
    assert got_errors == engine_errors
    reader = {f.rule for f in findings if f.rule.startswith("workbook.")}
    assert reader <= {"workbook.formula_overwritten"}
    assert ("workbook.formula_overwritten" in reader) == any(f.rule == "四.total" for f in findings)


def test_examples_give_exit_1_and_name_the_wrong_totals(capsys):
    code = main(["check", str(ROOT / "examples"), "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 1
    assert "淮安市洪泽区人民政府" in out and "表四「行政复议」：总计为0" in out
    assert "共检查 7 个文件：通过 6，有错误 1" in out


# -- integrity findings --------------------------------------------------------------------------

def _unprotect(wb):
    wb["表三"].protection.sheet = False


def _overwrite_total(wb):
    p = layout(wb_format(wb)).places["t3.new.total"]
    wb[p.sheet].cell(p.row, p.col).value = 99


def _as_text(wb):
    p = layout(wb_format(wb)).places["t3.new.natural"]
    c = wb[p.sheet].cell(p.row, p.col)
    c.value = str(c.value)


def _delete_sheet(wb):
    del wb["表四"]


def wb_format(wb):
    from xlreport.template import template_format
    return template_format(wb)


INTEGRITY = {
    "workbook.unprotected": _unprotect,
    "workbook.formula_overwritten": _overwrite_total,
    "workbook.number_as_text": _as_text,
    "workbook.sheet_missing": _delete_sheet,
}


@pytest.mark.parametrize("rule_id", INTEGRITY)
def test_integrity_finding_fires(tmp_path, rule_id):
    data = edit(base_bytes(), INTEGRITY[rule_id])
    report, findings = check_workbook(write(tmp_path, "x.xlsx", data))
    assert rule_id in rules_of(findings)
    f = next(f for f in findings if f.rule == rule_id)
    assert f.message and all("\n" not in f.message for _ in [0])


def test_an_untouched_template_has_no_integrity_finding(tmp_path):
    """The base case; each integrity rule's near miss is in tests/test_rule_coverage.py."""
    _, findings = check_workbook(write(tmp_path, "x.xlsx", edit(base_bytes(), lambda wb: None)))
    assert not [r for r in rules_of(findings) if r in INTEGRITY]
    assert not any(f.is_error for f in findings)


def test_integrity_details(tmp_path):
    _, f = check_workbook(write(tmp_path, "a.xlsx", edit(base_bytes(), _overwrite_total)))
    over = next(x for x in f if x.rule == "workbook.formula_overwritten")
    assert [c.address for c in over.cells] == ["表三!J5"]
    assert f"{over.cells[0].label}（表三!J5）" in over.message and "「" in over.cells[0].label  # label and address
    total = next(x for x in f if x.rule == "三.row_total")  # 99 is compared with the derived total
    assert total.actual == 99 and "表三!J5" in total.message
    _, f = check_workbook(write(tmp_path, "b.xlsx", edit(base_bytes(), _as_text)))
    text = next(x for x in f if x.rule == "workbook.number_as_text")
    assert [c.address for c in text.cells] == ["表三!D5"] and not any(x.rule == "三.row_total" for x in f)
    assert f"{text.cells[0].label}（表三!D5）" in text.message
    _, f = check_workbook(write(tmp_path, "c.xlsx", edit(base_bytes(), _delete_sheet)))
    assert {"workbook.sheet_missing", "table.missing"} <= set(rules_of(f))
    assert "表四" in next(x for x in f if x.rule == "workbook.sheet_missing").message


def test_a_renamed_sheet_is_still_read_by_its_defined_names(tmp_path):
    def rename(wb):  # as Excel does it: the defined names follow the sheet
        wb["表三"].title = "申请情况"
        for dn in wb.defined_names.values():
            dn.attr_text = dn.attr_text.replace("'表三'", "'申请情况'")
    report, f = check_workbook(write(tmp_path, "r.xlsx", edit(base_bytes(), rename)))
    assert "workbook.sheet_missing" not in rules_of(f) and "table.missing" not in rules_of(f)
    assert report.locations["t3.new.natural"] == "申请情况!D5"


def test_2019_layout_in_a_2024_report(tmp_path):
    report = real_report(REAL_JSON[0], "某县教育局")  # 2019 format
    report.year = 2024
    _, f = check_workbook(write(tmp_path, "old.xlsx", filled_bytes(report)))
    assert "layout.outdated" in rules_of(f)
    report2 = real_report(REAL_JSON[0], "某县教育局")
    _, f2 = check_workbook(write(tmp_path, "ok.xlsx", filled_bytes(report2)))
    assert "layout.outdated" not in rules_of(f2)


# -- bad input -------------------------------------------------------------------------------------

def _zip_with(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _encrypted(tmp_path) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = write(tmp_path, "plain.xlsx", base_bytes())
    out = io.BytesIO()
    with open(plain, "rb") as fh:
        OOXMLFile(fh).encrypt("密码123", out)
    plain.unlink()
    return out.getvalue()


def _corrupt(data: bytes) -> bytes:
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo("xl/worksheets/sheet3.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
    return data[:start] + bytes(b ^ 0xFF for b in data[start:start + 40]) + data[start + 40:]


BAD = {
    "empty": (lambda tmp: b"", "workbook.unreadable", "文件为空"),
    "text": (lambda tmp: "这不是工作簿".encode(), "workbook.unreadable", "不是 Excel 工作簿"),
    "truncated": (lambda tmp: base_bytes()[:5000], "workbook.unreadable", "损坏"),
    "corrupt": (lambda tmp: _corrupt(base_bytes()), "workbook.unreadable", "损坏"),
    "encrypted": (_encrypted, "workbook.encrypted", "密码"),
    "docx": (lambda tmp: _zip_with({"[Content_Types].xml": "<x/>", "word/document.xml": "<w/>"}),
             "workbook.unreadable", "Word 文档"),
    "bomb": (lambda tmp: _zip_with({"xl/workbook.xml": b"\0" * (3 * 1024 * 1024)}), "workbook.unreadable",
             "压缩炸弹"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gives_one_row_and_the_batch_goes_on(tmp_path, case):
    make, rule, words = BAD[case]
    folder = tmp_path / "in"
    folder.mkdir()
    bad = write(folder, f"坏_{case}.xlsx", make(tmp_path))
    write(folder, "好.xlsx", base_bytes())
    findings, summary = check_paths([folder], workers=1)
    assert list(summary["status"]) == ["无法读取", "通过"]
    rows = findings[findings["file"] == str(bad)]
    assert list(rows["rule"]) == [rule]
    assert words in rows["message"].iloc[0]
    report, f = check_workbook(bad)
    assert report is None and rules_of(f) == [rule]


def test_lock_files_are_skipped_and_huge_files_refused(tmp_path):
    lock = write(tmp_path, "~$报告.xlsx", b"\x0cuser" + b" " * 150)
    _, f = check_workbook(lock)
    assert rules_of(f) == ["workbook.lock_file"] and not f[0].is_error
    huge = tmp_path / "huge.xlsx"
    with open(huge, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    _, f = check_workbook(huge)
    assert rules_of(f) == ["workbook.unreadable"] and "文件过大" in f[0].message
    _, summary = check_paths([lock, write(tmp_path, "好.xlsx", base_bytes())], workers=1)
    assert list(summary["status"]) == ["已跳过", "通过"]
    assert main(["check", str(lock), str(tmp_path / "好.xlsx")]) == 0


def test_input_files_are_never_changed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for case in ("empty", "truncated", "bomb"):
        write(folder, f"{case}.xlsx", BAD[case][0](tmp_path))
    write(folder, "好.xlsx", base_bytes())
    write(folder, "改.xlsx", edit(base_bytes(), _overwrite_total))
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert main(["check", str(folder), "--out", str(tmp_path / "out.xlsx")]) == 1
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert before == after


# -- previous year ------------------------------------------------------------------------------------

def test_previous_year_is_matched_by_agency(tmp_path):
    prev_dir, cur_dir = tmp_path / "2023", tmp_path / "2024"
    prev_dir.mkdir(), cur_dir.mkdir()
    last = real_report(REAL_JSON[-1], "某县 教育局")
    last.year = 2023
    write(prev_dir, "去年报告.xlsx", filled_bytes(last))
    now = real_report(REAL_JSON[-1], "某县教育局")
    write(cur_dir, "a.xlsx", filled_bytes(now))
    findings, _ = check_paths([cur_dir], previous_dir=prev_dir, workers=1)
    carried_in, carried_out = now.values["t3.carried_in.total"], last.values["t3.carried_out.total"]
    assert carried_in != carried_out
    assert "跨年.carry_over" in set(findings["rule"])
    now.values.update({k.replace("carried_out", "carried_in"): v for k, v in last.values.items()
                       if k.startswith("t3.carried_out.")})
    write(cur_dir, "a.xlsx", filled_bytes(now, typed_totals=False))
    findings, _ = check_paths([cur_dir], previous_dir=prev_dir, workers=1)
    assert "跨年.carry_over" not in set(findings["rule"])
    findings, _ = check_paths([cur_dir], workers=1)
    assert "跨年.carry_over" not in set(findings["rule"])


# -- parallel = serial; CLI -----------------------------------------------------------------------------

def test_workers_give_the_same_result_in_the_same_order(tmp_path):
    for i, path in enumerate(REAL_JSON * 3):
        write(tmp_path, f"{i:02d}.xlsx", filled_bytes(real_report(path)))
    write(tmp_path, "99.xlsx", b"")
    f1, s1 = check_paths([tmp_path], workers=1)
    f2, s2 = check_paths([tmp_path], workers=2)
    assert f1.equals(f2) and s1.equals(s2) and len(s1) == 3 * len(REAL_JSON) + 1


def test_check_command_exit_codes_and_json(tmp_path, capsys):
    good = write(tmp_path, "good.xlsx", base_bytes())
    assert main(["check", str(good)]) == 0
    assert "共检查 1 个文件：通过 1" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "nope.xlsx")]) == 2
    assert main(["check", str(good), "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["check", str(good), "--workers", "0"]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["check", str(empty)]) == 2
    with pytest.raises(SystemExit) as e:
        main(["check"])
    assert e.value.code == 2
    capsys.readouterr()
    assert main(["check", str(good), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["agency"] for d in data] == ["某县教育局"]
    report, findings = check_workbook(good)
    assert data[0] == json.loads(json.dumps(report.to_interchange(findings), ensure_ascii=False))


def test_check_command_with_previous_year(tmp_path, capsys):
    prev_dir, cur_dir = tmp_path / "2023", tmp_path / "2024"
    prev_dir.mkdir(), cur_dir.mkdir()
    last = real_report(REAL_JSON[-1], "某县教育局")
    last.year = 2023
    write(prev_dir, "x.xlsx", filled_bytes(last))
    write(cur_dir, "y.xlsx", base_bytes())
    assert main(["check", str(cur_dir)]) == 0
    capsys.readouterr()
    assert main(["check", str(cur_dir), "--previous", str(prev_dir), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    f = next(f for f in data[0]["findings"] if f["rule"] == "跨年.carry_over")
    assert any(c["label"].startswith("上年") for c in f["cells"])
    assert main(["check", str(cur_dir), "--previous", str(tmp_path / "nope")]) == 2


def test_an_old_result_workbook_or_a_workbook_without_tables_is_one_finding(tmp_path, capsys):
    folder = tmp_path / "收到的报告"
    folder.mkdir()
    write(folder, "好.xlsx", base_bytes())
    write(folder, "改.xlsx", edit(base_bytes(), _overwrite_total))
    assert main(["check", str(folder), "--out", str(tmp_path / "结果.xlsx")]) == 1
    (tmp_path / "结果.xlsx").rename(folder / "上次的结果.xlsx")  # an earlier run's output, renamed
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["通讯录"]), wb.active.append(["张三", "13800000000"])
    wb.save(folder / "通讯录.xlsx")
    findings, summary = check_paths([folder], workers=1)
    capsys.readouterr()
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "已跳过  上次的结果.xlsx" in out and "这是 xlreport 以前输出的检查结果" in out
    assert main(["check", str(folder), "--quiet"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "上次的结果.xlsx" in x)
    assert line.startswith("已跳过") and "跳过原因：这是 xlreport 以前输出的检查结果（有“检查结果”“问题清单”表），不是年度报告" in line
    by_file = {Path(f).name: s for f, s in zip(summary["file"], summary["status"])}
    assert by_file == {"好.xlsx": "通过", "改.xlsx": "有错误", "上次的结果.xlsx": "已跳过", "通讯录.xlsx": "无法读取"}
    old = findings[findings["file"].str.endswith("上次的结果.xlsx")]
    assert list(old["rule"]) == ["workbook.check_result"] and "检查结果" in old["message"].iloc[0]
    other = findings[findings["file"].str.endswith("通讯录.xlsx")]
    assert list(other["rule"]) == ["workbook.not_report"] and "不是年度报告" in other["message"].iloc[0]
    assert "table.missing" not in set(findings["rule"])
    report, f = check_workbook(folder / "上次的结果.xlsx")
    assert report is None and rules_of(f) == ["workbook.check_result"] and not f[0].is_error


def test_an_output_in_a_missing_folder_is_a_usage_error_before_checking(tmp_path, capsys):
    write(tmp_path, "好.xlsx", base_bytes())
    assert main(["check", str(tmp_path / "好.xlsx"), "--out", str(tmp_path / "没有" / "结果.xlsx")]) == 2
    out, err = capsys.readouterr()
    assert "不存在" in err and "共检查" not in out


@pytest.mark.parametrize("argv, words", [
    (["check"], "缺少必填参数：路径"),
    (["check", "x.xlsx", "--workers", "abc"], "应为整数"),
    (["check", "x.xlsx", "--bogus"], "无法识别的参数：--bogus"),
    (["check", "x.xlsx", "--out"], "后面缺少取值"),
])
def test_usage_mistakes_are_said_in_chinese(capsys, argv, words):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and words in err and "argument" not in err and "usage" not in err


@pytest.mark.parametrize("command", ["check", "aggregate", "audit", "import", "template", "addin"])
def test_help_is_in_chinese(capsys, command):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and out.startswith("用法：xlreport") and "选项：" in out
    assert not any(w in out for w in ("usage", "options:", "positional arguments", "show this help"))


def test_a_word_file_given_to_check_points_to_audit(tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("某局2024年政府信息公开工作年度报告")
    doc.save(tmp_path / "报告.docx")
    report, f = check_workbook(tmp_path / "报告.docx")
    assert report is None and rules_of(f) == ["workbook.unreadable"] and "xlreport audit" in f[0].message


def test_a_blank_template_is_an_unfilled_report_not_a_pass(tmp_path):
    from xlreport.template import write_template

    write_template(tmp_path / "空白.xlsx", year=2024, agency="某局")
    report, f = check_workbook(tmp_path / "空白.xlsx")
    assert report is not None and "workbook.empty" in rules_of(f)
    assert next(x for x in f if x.rule == "workbook.empty").is_error
    _, f = check_workbook(write(tmp_path, "好.xlsx", base_bytes()))
    assert "workbook.empty" not in rules_of(f)
    assert main(["check", str(tmp_path / "空白.xlsx")]) == 1


# -- previous year: agency and year -----------------------------------------------------------------

def _carry_over_pair(tmp_path):
    """This year's 2024 report whose 上年结转 matches the 2023 report, an older 2022 report that
    would hide nothing, and a wrong 2023 one: returns (current folder, previous folder, reports)."""
    prev_dir, cur_dir = tmp_path / "去年", tmp_path / "今年"
    prev_dir.mkdir(), cur_dir.mkdir()
    now = real_report(REAL_JSON[-1], "某县教育局")
    last = real_report(REAL_JSON[-1], "某县教育局")
    last.year = 2023
    older = real_report(REAL_JSON[-1], "某县教育局")
    older.year = 2022
    # the 2022 report's carried-out numbers equal this year's carried-in: with it, no error
    older.values.update({k.replace("carried_in", "carried_out"): v for k, v in now.values.items()
                         if k.startswith("t3.carried_in.")})
    write(prev_dir, "0_某县教育局2022.xlsx", filled_bytes(older, typed_totals=False))  # sorts first
    write(prev_dir, "1_某县教育局2023.xlsx", filled_bytes(last))
    write(cur_dir, "某县教育局.xlsx", filled_bytes(now))
    return cur_dir, prev_dir, now, last


def test_previous_is_matched_by_agency_and_year_not_the_first_file(tmp_path, capsys):
    cur_dir, prev_dir, now, last = _carry_over_pair(tmp_path)
    assert now.values["t3.carried_in.total"] != last.values["t3.carried_out.total"]
    findings, summary = check_paths([cur_dir], previous_dir=prev_dir, workers=1)
    assert "跨年.carry_over" in set(findings["rule"])  # the 2023 report was used, not the 2022 one
    assert summary["previous"].iloc[0].endswith("1_某县教育局2023.xlsx")
    carry = findings[findings["rule"] == "跨年.carry_over"].iloc[0]
    assert "[1_某县教育局2023.xlsx]表三!" in carry["addresses"]  # says which workbook the cell is in
    # screen, JSON and the result workbook name the file used
    assert main(["check", str(cur_dir), "--previous", str(prev_dir)]) == 1
    assert "上年报告：" in capsys.readouterr().out
    assert main(["check", str(cur_dir), "--previous", str(prev_dir), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data[0]["previous"].endswith("1_某县教育局2023.xlsx")
    out = tmp_path / "结果.xlsx"
    assert main(["check", str(cur_dir), "--previous", str(prev_dir), "--out", str(out)]) == 1
    from openpyxl import load_workbook
    wb = load_workbook(out)
    head = [c.value for c in wb["检查结果"][1]]
    row = [c for c in wb["检查结果"][2]]
    cell = row[head.index("所用上年报告")]
    assert cell.value.endswith("1_某县教育局2023.xlsx") and cell.hyperlink.target.endswith("1_某县教育局2023.xlsx")
    wf = wb["问题清单"]
    carry_row = next(r for r in wf.iter_rows(min_row=2) if r[4].value == "跨年.carry_over")
    assert "[1_某县教育局2023.xlsx]表三!" in carry_row[5].value


def test_no_previous_report_or_several_is_a_finding(tmp_path, capsys):
    cur_dir, prev_dir, now, last = _carry_over_pair(tmp_path)
    (prev_dir / "1_某县教育局2023.xlsx").unlink()  # only the 2022 report: no match
    findings, summary = check_paths([cur_dir], previous_dir=prev_dir, workers=1)
    rules = set(findings["rule"])
    assert "workbook.previous_missing" in rules and "跨年.carry_over" not in rules
    msg = findings[findings["rule"] == "workbook.previous_missing"]["message"].iloc[0]
    assert "2023年度" in msg and "0_某县教育局2022.xlsx（2022年度）" in msg
    assert summary["previous"].iloc[0] is None
    write(prev_dir, "a.xlsx", filled_bytes(last))
    write(prev_dir, "b.xlsx", filled_bytes(last))  # two 2023 reports of the unit
    findings, _ = check_paths([cur_dir], previous_dir=prev_dir, workers=1)
    amb = findings[findings["rule"] == "workbook.previous_ambiguous"]
    assert len(amb) == 1 and "a.xlsx" in amb["message"].iloc[0] and "b.xlsx" in amb["message"].iloc[0]
    assert "跨年.carry_over" not in set(findings["rule"])
    other = real_report(REAL_JSON[-1], "别的单位")
    other.year = 2023
    others = tmp_path / "别的单位"
    others.mkdir()
    write(others, "x.xlsx", filled_bytes(other))
    findings, _ = check_paths([cur_dir], previous_dir=others, workers=1)
    assert "没有这个单位的报告" in findings[findings["rule"] == "workbook.previous_missing"]["message"].iloc[0]


# -- other spreadsheets (listing.note_results): the same result shape as a workbook of the batch --------

def test_an_ods_and_an_unreadable_file_give_results_shaped_as_the_batch_gives(tmp_path):
    from xlreport.batch import iter_results
    from xlreport.libreoffice import convert
    from xlreport.listing import note_results

    xlsx = write(tmp_path, "某局.xlsx", filled_bytes(real_report(REAL_JSON[-2], "某县教育局")))
    [ods] = convert([xlsx], "ods", tmp_path / "ods")
    broken = write(tmp_path, "坏.ods", b"not a spreadsheet")
    [ours] = iter_results([xlsx], want_json=True)
    got, bad = note_results([(ods, "另一种表格格式"), (broken, "另一种表格格式")], want_json=True)
    same = ("agency", "year", "format", "errors", "status")
    assert list(got.summary) == list(ours.summary) and got.summary["file"] == str(ods)
    assert [got.summary[k] for k in same] == [ours.summary[k] for k in same]
    assert got.summary["warnings"] == len(got.findings) - got.summary["errors"] > 0
    assert list(got.findings[0]) == list(ours.findings[0])
    assert set(got.interchange) == set(ours.interchange)
    assert bad.summary == {"file": str(broken), "agency": None, "year": None, "format": None, "errors": 1,
                           "warnings": 0, "status": "无法读取"}
    assert [r["rule"] for r in bad.findings] == ["workbook.unreadable"]
    assert bad.findings[0]["message"].startswith("无法读取") or "另一种表格格式" in bad.findings[0]["message"]
    assert bad.interchange["findings"][0]["rule"] == "workbook.unreadable"
