"""The project tried as a newcomer tries it: the README's quick start from the clone root, every
command on the bundled data and on the files a real folder holds (a GBK file name from a Windows
zip, a cell at XFD1048576, Excel's ``~$`` lock file, a PDF given to ``check``), the outputs opened
again, and the exit-code table (0 clean, 1 errors, 2 usage/output problem, 3 internal error)
held by every command.  Real files, real subprocesses or ``main()`` calls; nothing mocked but the
one function made to fail when an internal error is the point."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest

from conftest import REAL_JSON, ROOT
from workbooks import filled_bytes, real_report
from xlreport import batch
from xlreport.cli import COMMANDS, build_parser, main

EXAMPLES = ROOT / "examples"
CLEAN = EXAMPLES / "2024_淮安市人民政府.xlsx"  # passes (warnings only)
WRONG = EXAMPLES / "2023_淮安市洪泽区人民政府.xlsx"  # two 表四 errors
GBK_NAME = os.fsdecode("年报".encode("gbk") + b".xlsx")  # a Windows zip unpacked on Linux


def _run(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this worktree's package, as the clone's would be
    return subprocess.run([sys.executable, "-m", "xlreport", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, errors="replace", timeout=300)


# -- the quick start and the help ---------------------------------------------------------------

def test_the_quick_start_check_runs_from_the_clone_root_as_written():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
    assert "xlreport check examples/" in quick  # the line a newcomer copies
    ran = _run("check", "examples/")
    assert ran.returncode == 1, ran.stderr  # the README says: one example has a 表四 error, so exit 1
    n = len(list(EXAMPLES.glob("*.xlsx")))
    assert f"共检查 {n} 个文件：通过 {n - 1}，有错误 1" in ran.stdout
    assert "四.total" in ran.stdout and "Traceback" not in ran.stderr


def test_the_distribution_name_is_not_the_strangers_on_the_index():
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    name = cfg["metadata"]["name"]
    assert name != "xlreport"  # taken on the package index by an unrelated "Easy Excel Export"
    assert "xlreport = xlreport.cli:main" in cfg["options.entry_points"]["console_scripts"]


def _subcommands(parser):
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_the_top_help_lists_every_command_in_chinese():
    ran = _run("--help")
    assert ran.returncode == 0
    names = list(_subcommands(build_parser()))
    assert len(names) == len(COMMANDS)
    for name in names:
        assert re.search(rf"^\s+{name}\s", ran.stdout, re.M), name
    for english in ("usage:", "positional arguments", "options:", "show this help"):
        assert english not in ran.stdout


def test_every_command_help_is_chinese(capsys):
    parsers = dict(_subcommands(build_parser()))
    for name, p in list(parsers.items()):
        parsers.update({f"{name} {k}": v for k, v in _subcommands(p).items()} if any(
            a.__class__.__name__ == "_SubParsersAction" for a in p._actions) else {})
    assert "addin doctor" in parsers and "addin bundle" in parsers
    for name, p in parsers.items():
        text = p.format_help()
        for english in ("usage:", "positional arguments", "options:", "show this help"):
            assert english not in text, (name, english)
        assert re.search(r"[\u4e00-\u9fff]", p.description or ""), name
        for a in p._actions:  # -h's own line is said in Chinese by format_help (checked above)
            if a.help and a.help != "==SUPPRESS==" and a.__class__.__name__ != "_HelpAction":
                assert re.search(r"[\u4e00-\u9fff]", a.help), (name, a.option_strings, a.help)


def test_a_usage_mistake_is_said_in_chinese_with_exit_2():
    ran = _run("check", "--workers", "两个", str(CLEAN))
    assert ran.returncode == 2
    assert "用法错误" in ran.stderr and "应为整数" in ran.stderr and "invalid" not in ran.stderr
    ran = _run("publish", str(CLEAN), "--d")  # --data or --draft?
    assert ran.returncode == 2 and "不明确" in ran.stderr and "--draft" in ran.stderr and "ambiguous" not in ran.stderr
    ran = _run("nosuchcommand")
    assert ran.returncode == 2 and "用法错误" in ran.stderr and "invalid choice" not in ran.stderr


# -- check on what a real folder holds ------------------------------------------------------------

def _far_cell_book(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.active["XFD1048576"] = 2
    wb.save(path)


@pytest.fixture
def messy(tmp_path) -> Path:
    """A folder as a 政务公开办 receives it: a good report, one with errors, one under a GBK name,
    a cell at XFD1048576, Excel's lock file of the good one, and a published PDF dropped in."""
    d = tmp_path / "收到的报告"
    d.mkdir()
    shutil.copy(CLEAN, d / CLEAN.name)
    shutil.copy(WRONG, d / WRONG.name)
    shutil.copy(EXAMPLES / "2022_河北省工业和信息化厅.xlsx", d / GBK_NAME)
    _far_cell_book(d / "远处单元格.xlsx")
    (d / f"~${CLEAN.name}").write_bytes(b"\x00" * 165)
    (d / "已发布.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    return d


def _hashes(folder: Path) -> dict:
    import hashlib
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_a_messy_folder_gets_one_verdict_per_workbook_and_every_output(messy, tmp_path, capsys):
    before = _hashes(messy)
    outs = tmp_path / "结果"
    outs.mkdir()
    for suffix in (".xlsx", ".csv", ".json"):
        assert main(["check", str(messy), "--out", str(outs / f"结果{suffix}"), "--quiet"]) == 1, suffix
    screen = capsys.readouterr().out
    assert "共检查 5 个文件：通过 2，有错误 1，无法读取 1，已跳过 1" in screen
    assert "另有 1 个 PDF、Word 或网页文件，没有检查：已发布的年度报告请用 xlreport audit" in screen
    assert "\ufffd" in screen and "\udcc4" not in screen  # the GBK name shown, not crashed on
    assert _hashes(messy) == before  # inputs never modified

    data = json.loads((outs / "结果.json").read_text(encoding="utf-8"))
    status = {Path(d["file"]).name: d for d in data}
    assert len(status) == 5
    far = status["远处单元格.xlsx"]
    assert far["findings"][0]["rule"] == "workbook.unreadable" and "XFD1048576" in far["findings"][0]["message"]

    wb = openpyxl.load_workbook(outs / "结果.xlsx")
    assert wb.sheetnames[:2] == ["检查结果", "问题清单"]
    ws = wb["检查结果"]
    links = [c.hyperlink.target for row in ws.iter_rows(min_row=2) for c in row if c.hyperlink]
    assert len(links) == 5
    for target in links:  # each relative link opens the file it names, GBK name included
        local = unquote(target.split("#")[0], encoding="utf-8", errors="surrogateescape")
        assert (outs / local).resolve().exists(), target
    problems = wb["问题清单"]
    cell_links = [c.hyperlink.target for row in problems.iter_rows(min_row=2) for c in row
                  if c.hyperlink and "#" in c.hyperlink.target]
    assert any(t.endswith("'表四'!E5") for t in cell_links), cell_links[:5]
    csv_text = (outs / "结果.csv").read_text(encoding="utf-8-sig")
    assert "四.total" in csv_text and "\ufffd" in csv_text


def test_a_pdf_given_to_check_points_to_audit(tmp_path, capsys):
    pdf = tmp_path / "年报.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    assert main(["check", str(pdf)]) == 1
    out = capsys.readouterr().out
    assert "xlreport audit" in out and "无法读取" in out


def test_a_folder_of_published_reports_given_to_check_points_to_audit(tmp_path, capsys):
    d = tmp_path / "网上下载的报告"
    d.mkdir()
    (d / "年报.pdf").write_bytes(b"%PDF-1.4\n")
    (d / "年报.html").write_text("<html></html>", encoding="utf-8")
    assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert "没有找到 .xlsx 或 .xls 工作簿" in err and "2 个 PDF、Word 或网页文件" in err and "xlreport audit" in err


def test_a_gbk_named_workbook_given_by_itself(messy, capsys):
    assert main(["check", str(messy / GBK_NAME), "-q"]) == 0
    assert "\ufffd" in capsys.readouterr().out


# -- the other commands on the bundled data ------------------------------------------------------

def test_import_of_a_report_under_a_gbk_name_writes_the_workbook(tmp_path, capsys):
    """A published report saved under a name that is not UTF-8 (a Windows zip unpacked on Linux):
    ``import`` used to end with an internal error (exit 3) while writing the name into 导入说明."""
    src = tmp_path / os.fsdecode("报告".encode("gbk") + b".txt")
    shutil.copy(REAL_JSON[-1].with_suffix(".txt"), src)
    out = tmp_path / "导入.xlsx"
    assert main(["import", str(src), "-o", str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "\udcb1" not in said and "\ufffd" in said
    wb = openpyxl.load_workbook(out)
    source = [row for row in wb["导入说明"].iter_rows(values_only=True) if row[0] == "来源文件"]
    assert source and "\ufffd" in source[0][1]


def test_publish_out_dir_on_a_messy_folder_names_every_file_safely(messy, tmp_path, capsys):
    """Every workbook of the folder gets its verdict; names that are not UTF-8 or hold a terminal
    escape sequence are printed escaped (they went to the terminal raw)."""
    shutil.copy(CLEAN, messy / "某局\x1b[2J.xlsx")
    out = tmp_path / "发布稿"
    out.mkdir()
    code = main(["publish", str(messy), "--out-dir", str(out), "--to", "html"])
    said = capsys.readouterr()
    text = said.out + said.err
    assert code == 1  # 远处单元格.xlsx cannot be read, 洪泽区 has errors; the others are written
    assert "\x1b" not in text and "\udcc4" not in text and "某局\\x1b[2J" in text
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 3 and os.fsdecode("年报".encode("gbk") + b".html") in written
    assert "已跳过" in said.out and "未生成 2 个" in said.out


def test_template_takes_an_agency_pasted_from_word(tmp_path, capsys):
    """A soft line break (\\x0b) pasted from Word into --agency ended in an internal error (exit 3);
    a name starting with "=" must stay text, never become a formula."""
    out = tmp_path / "模板.xlsx"
    assert main(["template", "--year", "2024", "--agency", "某局\x0b办公室\t", "-o", str(out)]) == 0
    assert "已去掉" in capsys.readouterr().err
    report, findings = __import__("xlreport.batch", fromlist=["check_workbook"]).check_workbook(out)
    assert report.agency == "某局办公室"
    units = _units(tmp_path)
    assert main(["aggregate", str(units), "--agency", "某县\x0b汇总", "-o", str(tmp_path / "汇总.xlsx")]) == 0
    assert "已去掉" in capsys.readouterr().err
    assert __import__("xlreport.batch", fromlist=["x"]).check_workbook(tmp_path / "汇总.xlsx")[0].agency == "某县汇总"
    formula = tmp_path / "公式.xlsx"
    assert main(["template", "--agency", '=HYPERLINK("http://example.invalid","点我")', "-o", str(formula)]) == 0
    cells = [c for row in openpyxl.load_workbook(formula)["封面及正文"].iter_rows() for c in row
             if isinstance(c.value, str) and "点我" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)


def test_template_then_check_then_publish_then_audit_agree(tmp_path, capsys):
    """The round trip a clerk makes: a clean workbook published as .html/.docx and the open data,
    the published files audited back to the same verdict, the open data holding every table."""
    html, docx, data = tmp_path / "年报.html", tmp_path / "年报.docx", tmp_path / "年报.csv"
    assert main(["publish", str(CLEAN), "-o", str(html), "-o", str(docx), "--data", str(data)]) == 0
    for f in (html, docx):
        assert main(["audit", str(f)]) == 0, f
    text = data.read_text(encoding="utf-8-sig")
    assert {"二", "三", "四"} <= {line.split(",")[3] for line in text.splitlines()[1:] if line.count(",") > 4}
    capsys.readouterr()
    # a report with errors is refused (exit 1, nothing written); --draft writes it
    refused = tmp_path / "有错误.html"
    assert main(["publish", str(WRONG), "-o", str(refused)]) == 1 and not refused.exists()
    assert main(["publish", str(WRONG), "-o", str(refused), "--draft"]) == 0
    assert "草稿" in refused.read_text(encoding="utf-8")
    assert main(["audit", str(refused)]) == 1  # the published draft still shows its errors


# -- the exit-code table, every command ---------------------------------------------------------

def _units(tmp_path) -> Path:
    d = tmp_path / "units"
    d.mkdir()
    (d / "甲.xlsx").write_bytes(filled_bytes(real_report(REAL_JSON[-1], "某县教育局")))
    (d / "乙.xlsx").write_bytes(filled_bytes(real_report(REAL_JSON[-1], "某县卫健委")))
    return d


def test_publish_refuses_an_existing_output_or_data_file_with_exit_2(tmp_path, capsys):
    for argv, kept in (
        (["-o", "{out}.html"], ".html"),
        (["-o", "{out}.docx", "--data", "{out}.csv"], ".csv"),
    ):
        out = tmp_path / "已有"
        target = out.with_suffix(kept)
        target.write_bytes(b"keep me")
        args = [a.format(out=out) for a in argv]
        assert main(["publish", str(CLEAN), *args]) == 2, argv
        assert target.read_bytes() == b"keep me"
        assert not any(p.suffix == ".docx" for p in tmp_path.iterdir())  # nothing written half-way
        err = capsys.readouterr().err
        assert "已存在" in err and "--force" in err
        target.unlink()


def test_aggregate_with_an_internal_error_on_one_file_is_exit_3(tmp_path, monkeypatch, capsys):
    """Reported: ``aggregate`` said 0 when a file failed on our side (it was counted as merely
    unreadable).  The roll-up of the others is still written, and the exit code is 3."""
    units = _units(tmp_path)
    real = batch.read_workbook

    def read(path, *a):
        if Path(path).name == "乙.xlsx":
            raise KeyError("模拟的内部错误")
        return real(path, *a)

    monkeypatch.setattr(batch, "read_workbook", read)  # forked workers see it
    out = tmp_path / "汇总.xlsx"
    assert main(["aggregate", str(units), "-o", str(out), "--workers", "1"]) == 3
    said = capsys.readouterr()
    assert "内部错误" in said.out + said.err and "乙.xlsx" in said.out + said.err
    assert out.exists()  # the batch still finished
    rows = list(openpyxl.load_workbook(out)["有错误的单位"].iter_rows(values_only=True))
    assert any("KeyError" in str(r) for r in rows)


def test_aggregate_with_an_unreadable_file_writes_the_roll_up_and_exits_1(tmp_path, capsys):
    """The agreed table: 1 when a file cannot be read.  The roll-up of the others is written, but a
    script must not take it for complete (it said 0)."""
    units = _units(tmp_path)
    _far_cell_book(units / "远处单元格.xlsx")
    (units / "~$甲.xlsx").write_bytes(b"\x00" * 165)  # a lock file is skipped, not unreadable
    out = tmp_path / "汇总.xlsx"
    assert main(["aggregate", str(units), "-o", str(out), "--workers", "1"]) == 1
    said = capsys.readouterr().out
    assert "已汇总 2 个单位" in said and "1 个文件无法读取" in said and "远处单元格.xlsx" in said
    rows = list(openpyxl.load_workbook(out)["有错误的单位"].iter_rows(min_row=2, values_only=True))
    assert [Path(r[1]).name for r in rows] == ["远处单元格.xlsx"]
    (units / "远处单元格.xlsx").unlink()
    assert main(["aggregate", str(units), "-o", str(out), "--workers", "1", "--force"]) == 0


def test_aggregate_never_overwrites_a_units_report_even_with_force(tmp_path, capsys):
    """``-o`` naming a unit's workbook (given by name, or in the folder being summed) dropped that
    unit from the sums and replaced its report with the roll-up, with --force.  An earlier roll-up
    in the folder may still be replaced (it is left out of the sums)."""
    units = _units(tmp_path)
    before = _hashes(units)
    for argv in (["aggregate", str(units), "-o", str(units / "甲.xlsx"), "--force"],
                 ["aggregate", str(units / "甲.xlsx"), str(units / "乙.xlsx"), "-o", str(units / "乙.xlsx"), "--force"]):
        assert main(argv + ["--workers", "1"]) == 2, argv
        err = capsys.readouterr().err
        assert "单位报告" in err or "就是要汇总的报告" in err
    assert _hashes(units) == before
    for _ in range(2):  # the roll-up written beside the units, then replaced
        assert main(["aggregate", str(units), "-o", str(units / "汇总.xlsx"), "--force", "--workers", "1"]) == 0
        assert "已汇总 2 个单位" in capsys.readouterr().out


def _boom(*a, **k):
    raise RuntimeError("模拟的缺陷")


@pytest.mark.parametrize("name,target,argv", [
    ("template", "xlreport.template.write_template", ["template", "-o", "{tmp}/t.xlsx"]),
    ("aggregate", "xlreport.aggregate.aggregate", ["aggregate", "{units}", "-o", "{tmp}/a.xlsx"]),
    ("import", "xlreport.published.audit_file", ["import", "{txt}", "-o", "{tmp}/i.xlsx"]),
    ("publish", "xlreport.publish.publish", ["publish", str(CLEAN), "-o", "{tmp}/p.html"]),
    ("audit", "xlreport.published.audit_file", ["audit", "{txt}"]),
    ("addin", "xlreport.addin.build", ["addin", "build", "-o", "{tmp}/a.xlam"]),
])
def test_an_internal_error_in_any_command_is_exit_3_in_chinese(tmp_path, monkeypatch, capsys, name, target, argv):
    module, attr = target.rsplit(".", 1)
    monkeypatch.setattr(__import__(module, fromlist=[attr]), attr, _boom)
    fill = {"tmp": tmp_path, "units": _units(tmp_path), "txt": REAL_JSON[-1].with_suffix(".txt")}
    assert main([a.format(**fill) for a in argv]) == 3
    err = capsys.readouterr().err
    assert "内部错误" in err and "RuntimeError" in err and "Traceback" not in err


def test_the_exit_code_table_is_in_every_command_help():
    """Each command that reads reports says its exit codes in its own --help (the agreed table)."""
    parsers = _subcommands(build_parser())
    for name in ("check", "aggregate", "publish", "template", "import"):
        text = "".join((parsers[name].description or "").split())
        assert "退出码" in text, name
        assert "2用法" in text or "2：用法" in text or "2表示用法" in text, name


def test_audit_help_states_the_exit_codes():
    text = "".join((_subcommands(build_parser())["audit"].description or "").split())
    assert "退出码" in text


# -- the add-in from a plain (not editable) install ---------------------------------------------

def test_addin_bundle_finds_the_clone_it_is_run_in_after_a_plain_install(tmp_path, monkeypatch):
    """``pip install .`` then ``xlreport addin bundle`` in the clone, as the README says: the
    package runs from site-packages, so the source tree is the current folder (it was refused)."""
    from xlreport import addin
    site = tmp_path / "site-packages" / "xlreport"
    site.mkdir(parents=True)
    monkeypatch.setattr(addin, "__file__", str(site / "addin.py"))
    monkeypatch.chdir(ROOT)
    assert addin.source_root() == ROOT
    monkeypatch.chdir(tmp_path)  # anywhere else: a Chinese message, exit 2
    with pytest.raises(addin.AddinError, match="源码目录"):
        addin.source_root()
    assert main(["addin", "bundle", "--platform", "current", "-o", str(tmp_path / "包")]) == 2
    assert not (tmp_path / "包").exists()


def test_publish_out_dir_with_an_internal_error_on_one_workbook_finishes_and_exits_3(tmp_path, monkeypatch, capsys):
    import xlreport.publish as publishing
    src = tmp_path / "工作簿"
    src.mkdir()
    shutil.copy(CLEAN, src / "好.xlsx")
    shutil.copy(CLEAN, src / "坏.xlsx")
    real = publishing.read_checked

    def read(path, *a, **k):
        if Path(path).name == "坏.xlsx":
            raise KeyError("模拟的内部错误")
        return real(path, *a, **k)

    monkeypatch.setattr(publishing, "read_checked", read)
    out = tmp_path / "发布稿"
    out.mkdir()
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "html"]) == 3
    said = capsys.readouterr()
    assert "内部错误" in said.err and "坏.xlsx" in said.err and "KeyError" in said.err
    assert sorted(p.name for p in out.iterdir()) == ["好.html"]


def test_a_closed_pipe_is_an_output_problem_not_a_report_with_errors():
    """``xlreport check 干净.xlsx | head`` with the reader gone: exit 2 (output problem), not 1,
    which would tell a script that the clean report has errors."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "xlreport", "check", str(CLEAN)], cwd=ROOT,
                              stdout=write_end, stderr=subprocess.PIPE, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(write_end)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr


@pytest.mark.skipif(sys.platform.startswith(("win", "darwin")), reason="what doctor says on a machine without Excel")
def test_addin_doctor_on_linux_says_the_add_in_cannot_be_used_here(capsys):
    code = main(["addin", "doctor"])
    out = capsys.readouterr().out
    assert code in (0, 1) and "本机不是 Windows 或 macOS" in out.splitlines()[0]


def test_the_import_api_takes_a_report_under_a_gbk_name(tmp_path):
    from xlreport.published import audit_file
    from xlreport.published.importer import build
    from xlreport.template import workbook_bytes
    src = tmp_path / os.fsdecode("报告".encode("gbk") + b".txt")
    shutil.copy(REAL_JSON[-1].with_suffix(".txt"), src)
    wb, _, _ = build(audit_file(src))
    failed = None
    try:
        data = workbook_bytes(wb)
    except UnicodeEncodeError as e:
        failed = repr(e)
    import gc
    gc.collect()  # openpyxl's half-written zip, closed here rather than at interpreter exit
    assert failed is None, failed
    assert data[:2] == b"PK"
