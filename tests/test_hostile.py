"""Hostile files: no file can crash, hang or exhaust a folder check (issue 13).

Each test makes its crafted file itself (from a real example workbook, or a minimal .xlsx), puts
it in a folder with good workbooks and checks the folder the way ``xlreport check`` does: the
check finishes, every file has a verdict, ``--out`` is written, and no file hits the per-file
time limit or kills its worker (either would be a ``workbook.internal_error`` finding).
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from fuzz import members_of, zipped  # tests/fuzz.py: the same zip editing as the fuzzer
from xlreport import batch
from xlreport.batch import check_workbook, iter_results
from xlreport.cli import main
from xlreport.readers import guard

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.xlsx"))
EXAMPLE = ROOT / "examples" / "2021_河北省教育厅.xlsx"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
LIMIT = 60.0  # seconds per file: far above any real file (milliseconds), far below a quadratic scan


# -- making files ------------------------------------------------------------------------------------

def members(path=EXAMPLE) -> dict[str, bytes]:
    return members_of(Path(path).read_bytes())


def edited(part: str, change, path=EXAMPLE) -> bytes:
    """The example workbook with one part changed (``change``: text -> text, or bytes -> bytes)."""
    m = members(path)
    try:
        m[part] = change(m[part].decode("utf-8")).encode("utf-8")
    except (UnicodeDecodeError, TypeError):
        m[part] = change(m[part])
    return zipped(m)


def sheet_part(name: str, path=EXAMPLE) -> str:
    """The part of sheet ``name`` in the example."""
    m = members(path)
    rid = re.search(rf'<sheet\b[^>]*name="{name}"[^>]*r:id="(\w+)"', m["xl/workbook.xml"].decode()).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                       m["xl/_rels/workbook.xml.rels"].decode())
    t = target.group(1) or target.group(2)
    return t.lstrip("/") if t.startswith("/") else "xl/" + t


def minimal(sheet_xml: str, sheets: int = 1, alias: int = 0) -> bytes:
    """A hand-made .xlsx (not our template) whose sheets share ``sheet_xml``; ``alias`` more
    sheet entries point at the first sheet's part."""
    entries = "".join(f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(sheets))
    entries += "".join(f'<sheet name="别名{i}" sheetId="{sheets + i + 1}" r:id="rId1"/>' for i in range(alias))
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(sheets))
    m = {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               b'<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f"<workbook {NS} {RNS}><sheets>{entries}</sheets></workbook>".encode(),
        "xl/_rels/workbook.xml.rels": ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                       f'relationships">{rels}</Relationships>').encode(),
    }
    for i in range(sheets):
        m[f"xl/worksheets/sheet{i + 1}.xml"] = sheet_xml.encode()
    return zipped(m)


def grid_sheet(*cells: tuple[str, object]) -> str:
    """A sheet with an official 表三-like label near A1 and the given cells (ref, value)."""
    rows = {}
    for ref, value in (("A1", "三、收到和处理政府信息公开申请情况"), *cells):
        r = int(re.match(r"[A-Z]+(\d+)", ref).group(1))
        v = (f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>' if isinstance(value, str)
             else f'<c r="{ref}"><v>{value}</v></c>')
        rows.setdefault(r, []).append(v)
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    return f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>"


def folder_with(tmp_path, name: str, data: bytes) -> Path:
    """A folder of good workbooks (the examples) and the crafted one."""
    folder = tmp_path / "收到的报告"
    folder.mkdir(parents=True, exist_ok=True)
    for p in EXAMPLES:
        shutil.copy(p, folder / p.name)
    (folder / name).write_bytes(data)
    return folder


def check_folder(folder: Path, tmp_path, out_suffix=".json", time_limit=LIMIT, workers=2):
    """The folder checked as ``xlreport check --out``: (results by file name, exit code, --out path)."""
    results = {Path(r.summary["file"]).name: r
               for r in iter_results([folder], workers=workers, want_json=True, time_limit=time_limit)}
    out = tmp_path / f"结果{out_suffix}"
    code = main(["check", str(folder), "--out", str(out), "--workers", str(workers)])
    return results, code, out


def assert_finishes(folder, tmp_path, crafted: str) -> dict:
    """The crafted file gets an ordinary verdict (no internal error, no time limit, no dead
    worker), every good workbook still gets its own, and --out is written whole."""
    started = time.monotonic()
    results, code, out = check_folder(folder, tmp_path)
    assert set(results) == {p.name for p in EXAMPLES} | {crafted}
    for name, r in results.items():
        assert r.summary["status"] in (batch.PASS, batch.FAIL, batch.UNREADABLE, batch.SKIPPED)
        assert not batch.has_internal_error(r), (name, r.findings)
    for p in EXAMPLES:
        assert results[p.name].summary["status"] in (batch.PASS, batch.FAIL)
    assert code in (0, 1)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data) == len(results)
    assert time.monotonic() - started < 2 * LIMIT
    return results[crafted].summary | {"messages": [f["message"] for f in results[crafted].findings]}


# -- isolation: an exception, a dead worker, the time limit ----------------------------------------

def test_an_exception_on_one_file_is_its_finding_and_exit_code_3(tmp_path, monkeypatch, capsys):
    folder = folder_with(tmp_path, "坏.xlsx", EXAMPLE.read_bytes())
    real = batch.read_workbook

    def read(path, *a):
        if Path(path).name == "坏.xlsx":
            raise KeyError("某个内部错误")
        return real(path, *a)

    monkeypatch.setattr(batch, "read_workbook", read)  # the workers are forked: they see it
    results, code, out = check_folder(folder, tmp_path, out_suffix=".csv")
    bad = results["坏.xlsx"]
    assert bad.summary["status"] == batch.UNREADABLE
    [f] = bad.findings
    assert f["rule"] == "workbook.internal_error" and "KeyError" in f["message"] and "维护者" in f["message"]
    assert all(not batch.has_internal_error(r) for n, r in results.items() if n != "坏.xlsx")
    assert code == 3
    assert "workbook.internal_error" in out.read_text(encoding="utf-8-sig")
    assert "内部错误" in capsys.readouterr().out
    _, findings = check_workbook(folder / "坏.xlsx")  # the one-file API says it the same way
    assert [f.rule for f in findings] == ["workbook.internal_error"]


def test_a_worker_killed_by_a_native_abort_is_replaced_and_only_its_file_fails(tmp_path, monkeypatch):
    far = minimal(grid_sheet(("B2", 1), ("XFD1048576", 1)))
    folder = folder_with(tmp_path, "远处单元格.xlsx", far)
    for i in range(20):  # enough files for several chunks per worker
        shutil.copy(EXAMPLE, folder / f"副本{i:02d}.xlsx")
    monkeypatch.setattr(guard, "check_grid", lambda book: None)  # let calamine really allocate and abort
    monkeypatch.setattr(batch, "WORKER_MEMORY", 0)  # not even an address-space limit to save it
    results = {Path(r.summary["file"]).name: r for r in iter_results([folder], workers=2, time_limit=LIMIT)}
    assert len(results) == len(EXAMPLES) + 21
    [f] = results["远处单元格.xlsx"].findings
    assert f["rule"] == "workbook.internal_error" and "SIGABRT" in f["message"], f
    for name, r in results.items():
        if name != "远处单元格.xlsx":
            assert r.summary["status"] in (batch.PASS, batch.FAIL), (name, r.findings)


def test_a_file_over_the_time_limit_is_stopped_and_the_batch_goes_on(tmp_path, monkeypatch):
    folder = folder_with(tmp_path, "慢.xlsx", EXAMPLE.read_bytes())
    real = batch.read_workbook

    def read(path, *a):
        if Path(path).name == "慢.xlsx":
            time.sleep(600)
        return real(path, *a)

    monkeypatch.setattr(batch, "read_workbook", read)
    started = time.monotonic()
    results = {Path(r.summary["file"]).name: r for r in iter_results([folder], workers=2, time_limit=2)}
    assert time.monotonic() - started < 60
    [f] = results["慢.xlsx"].findings
    assert f["rule"] == "workbook.internal_error" and "时间上限 2 秒" in f["message"]
    assert all(r.summary["status"] in (batch.PASS, batch.FAIL) for n, r in results.items() if n != "慢.xlsx")


def test_a_traceback_in_a_command_exits_3_with_a_chinese_message(tmp_path, monkeypatch, capsys):
    from xlreport.commands import check as check_command

    def broken(args):
        raise RuntimeError("模拟的缺陷")

    monkeypatch.setattr(check_command, "run", broken)
    assert main(["check", str(EXAMPLE)]) == 3
    err = capsys.readouterr().err
    assert "内部错误" in err and "RuntimeError" in err and "Traceback" not in err


# -- bounded readers: one test per class of hostile file --------------------------------------------

def test_a_cell_at_xfd1048576_is_refused_before_calamine_allocates(tmp_path):
    s = assert_finishes(folder_with(tmp_path, "远处.xlsx", minimal(grid_sheet(("B2", 1), ("XFD1048576", 1)))),
                        tmp_path, "远处.xlsx")
    assert s["status"] == batch.UNREADABLE
    assert any("XFD1048576" in m and f"{guard.MAX_GRID_CELLS:,}" in m for m in s["messages"]), s


def test_cells_without_addresses_count_towards_the_bound(tmp_path):
    row = "<c><v>1</v></c>" * 3000
    sheet = (f'<worksheet {NS}><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1000">{row}</row>'
             "</sheetData></worksheet>")
    s = assert_finishes(folder_with(tmp_path, "无地址.xlsx", minimal(sheet)), tmp_path, "无地址.xlsx")
    assert any("超过上限" in m for m in s["messages"]), s


@pytest.mark.parametrize("part,tag", [
    ("xl/workbook.xml", "<sheet "),
    ("xl/workbook.xml", "<definedName "),
    ("xl/_rels/workbook.xml.rels", "<Relationship "),
    ("sheet", '<c r="A1">'),
    ("sheet", "<f"),
    ("sheet", "<sheetProtection "),
])
def test_an_unclosed_tag_repeated_over_300_kb_is_read_in_linear_time(tmp_path, part, tag):
    part = sheet_part("表三") if part == "sheet" else part
    piece = tag * (300_000 // len(tag))
    if tag[1] in "cf":  # cells: inside the sheet data, no </c> after them
        data = edited(part, lambda t: t.replace("</sheetData>", piece + "</sheetData>"))
    else:  # a truncated part: no closing '>' after them (the case a backtracking pattern rescans)
        data = edited(part, lambda t: t + piece)
    assert_finishes(folder_with(tmp_path, "未闭合.xlsx", data), tmp_path, "未闭合.xlsx")


def test_unclosed_shared_strings_are_read_in_linear_time(tmp_path):
    m = members()
    m["xl/sharedStrings.xml"] = (f'<sst {NS}><si><t>某局</t></si>' + "<si>" * 60_000 + "</sst>").encode()
    part = sheet_part("封面及正文")
    m[part] = re.sub(r'<c r="B2"[^>]*?(/>|>.*?</c>)', '<c r="B2" t="s"><v>0</v></c>', m[part].decode(), 1).encode()
    assert_finishes(folder_with(tmp_path, "共享字符串.xlsx", zipped(m)), tmp_path, "共享字符串.xlsx")


@pytest.mark.parametrize("what", ["sheet", "sharedStrings"])
def test_a_part_that_is_not_utf8_is_a_finding(tmp_path, what):
    m = members()
    if what == "sheet":
        part = sheet_part("表三")
        m[part] = m[part].decode().replace("</sheetData>", '<row r="99"><c r="A99" t="inlineStr"><is><t>某局</t></is></c>'
                                                           "</row></sheetData>").encode("gbk")
    else:
        m["xl/sharedStrings.xml"] = f'<sst {NS}><si><t>某局</t></si></sst>'.encode("gbk")
        part = sheet_part("表三")
        m[part] = re.sub(r'<c r="D5"[^>]*?(/>|>.*?</c>)', '<c r="D5" t="s"><v>0</v></c>', m[part].decode(), 1).encode()
    s = assert_finishes(folder_with(tmp_path, "编码.xlsx", zipped(m)), tmp_path, "编码.xlsx")
    assert s["status"] == batch.UNREADABLE and any("UTF-8" in x for x in s["messages"]), s


def test_a_missing_sheet_part_is_a_finding(tmp_path):
    m = members()
    del m[sheet_part("表三")]
    s = assert_finishes(folder_with(tmp_path, "缺部件.xlsx", zipped(m)), tmp_path, "缺部件.xlsx")
    assert s["status"] == batch.UNREADABLE and any("缺失" in x for x in s["messages"]), s


@pytest.mark.parametrize("index", ["abc", "-1", "1.5", "9" * 40])
def test_a_shared_string_index_that_is_no_integer_is_a_finding(tmp_path, index):
    part = sheet_part("表三")
    data = edited(part, lambda t: re.sub(r'<c r="D5"[^>]*?(/>|>.*?</c>)', f'<c r="D5" t="s"><v>{index}</v></c>', t, 1))
    s = assert_finishes(folder_with(tmp_path, "编号.xlsx", data), tmp_path, "编号.xlsx")
    assert s["status"] == batch.UNREADABLE and any("共享字符串编号" in x for x in s["messages"]), s


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_number_of_thousands_of_digits_is_a_finding(tmp_path, digits):
    part = sheet_part("表三")
    data = edited(part, lambda t: re.sub(r'<c r="D5"[^>]*?(/>|>.*?</c>)', f'<c r="D5"><v>{"7" * digits}</v></c>', t, 1))
    s = assert_finishes(folder_with(tmp_path, "大数.xlsx", data), tmp_path, "大数.xlsx")
    assert s["status"] == batch.UNREADABLE and any("位" in x and "上限" in x for x in s["messages"]), s


@pytest.mark.parametrize("year", ["inf", "-inf", "nan", "1e999"])
def test_a_year_of_inf_is_read_as_no_year(tmp_path, year):
    s = assert_finishes(folder_with(tmp_path, "年度.xlsx", with_field("META_year", year)), tmp_path, "年度.xlsx")
    assert s["status"] in (batch.PASS, batch.FAIL) and s["year"] in (None, 2021), s


def test_sheets_aliasing_one_part_and_too_many_sheets_are_findings(tmp_path):
    sheet = grid_sheet(("B2", 1))
    s = assert_finishes(folder_with(tmp_path / "1", "别名.xlsx", minimal(sheet, sheets=1, alias=200)), tmp_path / "1",
                        "别名.xlsx")
    assert any("同一部件" in m for m in s["messages"]), s
    s = assert_finishes(folder_with(tmp_path / "2", "多表.xlsx", minimal(sheet, sheets=300)), tmp_path / "2", "多表.xlsx")
    assert any("上限 255 张" in m for m in s["messages"]), s


def test_a_doctype_with_an_entity_bomb_is_refused(tmp_path):
    bomb = ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    data = edited("xl/workbook.xml", lambda t: bomb + t.replace('name="表三"', 'name="&c;"') if "<?xml" not in t
                  else t.replace("?>", "?>" + bomb, 1))
    s = assert_finishes(folder_with(tmp_path, "实体.xlsx", data), tmp_path, "实体.xlsx")
    assert s["status"] == batch.UNREADABLE and any("DOCTYPE" in m for m in s["messages"]), s


def _under_declared(size: int) -> bytes:
    """An .xlsx whose sheet part inflates to ``size`` bytes but declares 1,000."""
    m = members()
    part = sheet_part("表三")
    m[part] = m[part] + b" " * size
    data = bytearray(zipped(m))
    name = part.encode()
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        i = 0
        while (i := data.find(sig, i)) >= 0:
            n = int.from_bytes(data[i + (26 if sig == b"PK\x03\x04" else 28):][:2], "little")
            start = i + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[start:start + n]) == name:
                data[i + off:i + off + 4] = (1000).to_bytes(4, "little")
            i += 4
    return bytes(data)


def test_a_member_that_under_declares_its_size_is_not_inflated_past_it(tmp_path):
    data = _under_declared(1_500_000_000)  # 1.5 GB of spaces, about 1.5 MB compressed
    folder = folder_with(tmp_path, "少报大小.xlsx", data)
    code = (f"import resource, subprocess, sys; r = subprocess.run([sys.executable, '-m', 'xlreport', 'check', "
            f"{str(folder)!r}, '--out', {str(tmp_path / '结果.json')!r}, '--workers', '2']); "
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    rc, peak_kb = map(int, out.stdout.split()[-2:])
    assert rc == 1, out.stderr
    assert peak_kb < 1024 * 1024, f"peak {peak_kb / 1024:.0f} MB"
    data = json.loads((tmp_path / "结果.json").read_text(encoding="utf-8"))
    [bad] = [d for d in data if d["file"].endswith("少报大小.xlsx")]
    assert [f["rule"] for f in bad["findings"]] == ["workbook.unreadable"]


def test_read_member_stops_at_the_declared_size(tmp_path):
    with zipfile.ZipFile(io.BytesIO(_under_declared(50_000_000))) as zf:
        part = sheet_part("表三")
        with pytest.raises(zipfile.BadZipFile):
            guard.read_member(zf, part)


def test_a_symlink_loop_in_the_folder_does_not_stop_the_check(tmp_path):
    folder = folder_with(tmp_path, "好.xlsx", EXAMPLE.read_bytes())
    (folder / "环").symlink_to(folder, target_is_directory=True)
    (folder / "自己.xlsx").symlink_to(folder / "自己.xlsx")
    results, code, out = check_folder(folder, tmp_path)
    assert code in (0, 1) and out.exists()
    assert results["自己.xlsx"].summary["status"] == batch.UNREADABLE
    assert all(not batch.has_internal_error(r) for r in results.values())


def test_a_broken_trace_sheet_does_not_stop_aggregate(tmp_path):
    from xlreport.aggregate import TRACE_SHEET, rollup_units

    def with_trace(styles: bytes) -> bytes:
        m = members()
        m["xl/workbook.xml"] = m["xl/workbook.xml"].decode().replace(
            "</sheets>", f'<sheet name="{TRACE_SHEET}" sheetId="99" r:id="rId99"/></sheets>').encode()
        rel = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               'worksheet" Target="worksheets/trace.xml"/></Relationships>')
        m["xl/_rels/workbook.xml.rels"] = m["xl/_rels/workbook.xml.rels"].decode().replace("</Relationships>", rel).encode()
        m["xl/worksheets/trace.xml"] = grid_sheet(("A4", "某县教育局"), ("A5", "某县财政局")).encode()
        m["xl/styles.xml"] = styles
        return zipped(m)

    good = tmp_path / "汇总.xlsx"
    good.write_bytes(with_trace(members()["xl/styles.xml"]))
    assert rollup_units(good) == ["某县教育局", "某县财政局"]
    for i, styles in enumerate([b"<styleSheet", b'<!DOCTYPE x [<!ENTITY a "a">]><styleSheet/>', b"\xff\xfe"]):
        p = tmp_path / f"坏{i}.xlsx"
        p.write_bytes(with_trace(styles))
        assert rollup_units(p) == ["某县教育局", "某县财政局"]  # styles are not needed to read names
    p = tmp_path / "坏表.xlsx"
    p.write_bytes(edited("xl/workbook.xml", lambda t: t.replace("</sheets>", f'<sheet name="{TRACE_SHEET}" '
                                                                'sheetId="99" r:id="rId99"/></sheets>')))
    assert rollup_units(p) is None or rollup_units(p) == []


def test_a_corrupt_xls_that_would_abort_calamine_is_refused_and_an_abort_costs_only_its_file(
        tmp_path, monkeypatch, capfd):
    # found by fuzzing an .xls LibreOffice made of an example: calamine asks for 36 GB and aborts
    crafted = ROOT / "tests" / "data" / "fuzz" / "abort" / "calamine_abort_584.xls"
    folder = folder_with(tmp_path / "1", "损坏.xls", crafted.read_bytes())
    s = assert_finishes(folder, tmp_path / "1", "损坏.xls")
    assert s["status"] == batch.UNREADABLE and any(f"{guard.MAX_GRID_CELLS:,}" in m for m in s["messages"]), s
    # without the bound, the abort still costs only this file (the worker is replaced)
    monkeypatch.setattr(guard, "xls_bounds", lambda stream: None)
    (tmp_path / "2").mkdir()  # check --out refuses to overwrite the first run's result
    results, code, out = check_folder(folder, tmp_path / "2")
    [f] = results["损坏.xls"].findings
    assert f["rule"] == "workbook.internal_error" and "SIGABRT" in f["message"]
    assert all(r.summary["status"] in (batch.PASS, batch.FAIL) for n, r in results.items() if n != "损坏.xls")
    assert code == 3 and len(json.loads(out.read_text(encoding="utf-8"))) == len(results)
    assert "memory allocation" not in capfd.readouterr().err  # the worker's stderr: no Rust noise


def test_a_shared_string_table_declaring_billions_of_strings_is_refused():
    import struct
    sst = struct.pack("<HHii", 0x00FC, 8, 10, 2_000_000_000)
    assert "共享字符串表" in guard.xls_bounds(sst)
    assert guard.xls_bounds(struct.pack("<HHii", 0x00FC, 8, 10, 3)) is None
    sheet = struct.pack("<HHIBB", 0x0085, 8, 12, 0, 0) + b"ab"  # a BOUNDSHEET: the sheet starts at 12
    far = struct.pack("<HHHHHd", 0x0203, 14, 60000, 200, 0, 1.0)
    assert f"{guard.MAX_GRID_CELLS:,}" in guard.xls_bounds(sheet + far)
    declared = struct.pack("<HHIIHHH", 0x0200, 14, 0, 65536, 0, 256, 0)
    assert "声明的数据区域" in guard.xls_bounds(sheet + declared)
    near = struct.pack("<HHHHHd", 0x0203, 14, 30, 10, 0, 1.0) + struct.pack("<HHIIHHH", 0x0200, 14, 0, 31, 0, 11, 0)
    assert guard.xls_bounds(sheet + near) is None


# -- outputs (xlreport/exports.py, owned by the "folder" helper): what the inputs can hold -------------

def with_field(name: str, text: str) -> bytes:
    """The example with the cover field of defined name ``name`` (META_year, META_agency) replaced
    by ``text`` (an inline string)."""
    m = members()
    names = m["xl/workbook.xml"].decode()
    sheet, col, row = re.search(rf'name="{name}"[^>]*>\'?([^\'!<]+)\'?!\$?([A-Z]+)\$?(\d+)[:<]', names).groups()
    part = sheet_part(sheet)
    m[part] = re.sub(rf'<c r="{col}{row}"[^>]*?(/>|>.*?</c>)',
                     f'<c r="{col}{row}" t="inlineStr"><is><t>{text}</t></is></c>', m[part].decode(), 1).encode()
    assert f"<t>{text}</t>" in m[part].decode()
    return zipped(m)


@pytest.mark.parametrize("text", ["某县\x0b教育局", "\x1b[31m某县教育局\x1b[0m"])
def test_out_xlsx_accepts_a_control_character_in_an_agency_name(tmp_path, text):
    folder = folder_with(tmp_path, "控制字符.xlsx", with_field("META_agency", text))
    out = tmp_path / "结果.xlsx"
    code = main(["check", str(folder), "--out", str(out), "--workers", "2"])
    assert code in (0, 1) and out.exists()
