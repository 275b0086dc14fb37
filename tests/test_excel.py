"""The ribbon buttons (xlreport.excel) against xlwings' own remote engine.

Each workbook is a real file (our template filled with a real report, broken copies, the same
data without the template's hidden sheet, a workbook that is no report), recalculated by
LibreOffice so its totals carry values, and turned into the JSON Excel sends to xlwings
(tests/xlbook.py).  ``xlwings.Book(json=...)`` is xlwings' PRO remote engine, used here under
its PolyForm Noncommercial licence (XLWINGS_LICENSE_KEY=noncommercial); the tests assert the
actions it returns (``book.json()``)."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

pytest.importorskip("xlwings")

from xlbook import book_json, remote_book  # noqa: E402
from xlreport import derive_totals  # noqa: E402
from xlreport import excel  # noqa: E402
from xlreport.batch import check_workbook  # noqa: E402
from xlreport.formats import FORMATS, MAX_YEAR, MIN_YEAR  # noqa: E402
from xlreport.layout import META_SHEET, layout  # noqa: E402
from xlreport.libreoffice import find_soffice, recalculate  # noqa: E402
from xlreport.rules import ERROR, RULES, SumRule  # noqa: E402
from xlreport.layout import rectangles  # noqa: E402
from xlreport.readers.template_reader import template_format  # noqa: E402
from xlreport.template import Formulas  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.xlsx"))
CORRECT_SOURCE = next(p for p in EXAMPLES if p.name.startswith("2024_"))
FEE_TEXT = "本年度未收取信息处理费。"
DESKTOP_ONLY = {"workbook.formula_overwritten", "workbook.unprotected"}  # need formulas / protection state

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is needed to recalculate")


def _places(fmt):
    return layout(fmt).places


def _first_total(fmt, table_id):
    return next(c for c in fmt.totals if c.table.id == table_id)


def _first_input(fmt, table_id, n=0):
    return [c for c in fmt.inputs if c.table.id == table_id][n]


def _make_broken(src: Path, dst: Path, strip_template: bool = False) -> dict:
    """A copy of ``src`` with typical faults; returns the addresses of each fault."""
    wb = openpyxl.load_workbook(src)
    fmt = template_format(wb)
    places = _places(fmt)
    faults = {}
    t3_total = _first_total(fmt, "三")
    p = places[t3_total.key]
    wb[p.sheet].cell(p.row, p.col).value = 99999  # a total typed over with a wrong number
    faults["wrong_total"] = (t3_total.key, p.address)
    t4_total = _first_total(fmt, "四")
    p = places[t4_total.key]
    wb[p.sheet].cell(p.row, p.col).value = None  # a total formula deleted
    faults["deleted_total"] = (t4_total.key, p.address)
    cell = _first_input(fmt, "三", -1)
    p = places[cell.key]
    wb[p.sheet].cell(p.row, p.col).value = "十二"  # not a number
    faults["invalid"] = (cell.key, p.address)
    cell = _first_input(fmt, "二", 0)
    p = places[cell.key]
    wb[p.sheet].cell(p.row, p.col).value = -3
    faults["negative"] = (cell.key, p.address)
    cell = _first_input(fmt, "四", 2)
    p = places[cell.key]
    c = wb[p.sheet].cell(p.row, p.col)
    c.value, c.data_type = "5", "s"  # a number stored as text
    faults["as_text"] = (cell.key, p.address)
    if strip_template:
        del wb[META_SHEET]
        for name in list(wb.defined_names):
            del wb.defined_names[name]
    wb.save(dst)
    return faults


def _with_fee_text(src: Path, dst: Path, strip_template: bool = False) -> None:
    wb = openpyxl.load_workbook(src)
    fmt = template_format(wb)
    p = _places(fmt)["s6"]
    wb[p.sheet].cell(p.row, p.col).value = FEE_TEXT
    if strip_template:
        del wb[META_SHEET]
        for name in list(wb.defined_names):
            del wb.defined_names[name]
    wb.save(dst)


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    """Every workbook of these tests, recalculated in one LibreOffice call."""
    src = tmp_path_factory.mktemp("excel-src")
    made = {}
    for p in EXAMPLES:
        shutil.copy(p, src / p.name)
        made[p.stem] = src / p.name
    _with_fee_text(CORRECT_SOURCE, src / "correct.xlsx")
    _with_fee_text(CORRECT_SOURCE, src / "official_correct.xlsx", strip_template=True)
    made["correct"] = src / "correct.xlsx"
    made["official_correct"] = src / "official_correct.xlsx"
    FAULTS["template"] = _make_broken(src / "correct.xlsx", src / "broken.xlsx")
    FAULTS["official"] = _make_broken(src / "correct.xlsx", src / "official_broken.xlsx", strip_template=True)
    made["broken"] = src / "broken.xlsx"
    made["official_broken"] = src / "official_broken.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "采购清单"
    wb.active.append(["名称", "数量", "单价"])
    wb.active.append(["打印纸", 20, 25.5])
    wb.save(src / "not_a_report.xlsx")
    made["not_a_report"] = src / "not_a_report.xlsx"
    shutil.copy(ROOT / "workbook" / "年报模板_2021.xlsx", src / "blank.xlsx")
    made["blank"] = src / "blank.xlsx"  # the committed template, nothing filled in
    out = tmp_path_factory.mktemp("excel-calc")
    keys = list(made)
    done = recalculate([made[k] for k in keys], out)
    return dict(zip(keys, done))


FAULTS: dict[str, dict] = {}


def _book(path: Path, extra_sheets: list[dict] = ()):
    """A remote book and the payload as sent (the engine updates the dict it is given)."""
    import copy
    payload = book_json(path)
    payload["sheets"] += list(extra_sheets)
    return remote_book(copy.deepcopy(payload)), payload


def _writes(payload: dict, actions: list[dict]) -> list[tuple[str, str, set]]:
    """(func, sheet name, {(row, col)}) of every action, following added sheets."""
    names = [s["name"] for s in payload["sheets"]]
    out = []
    for a in actions:
        if a["func"] == "addSheet":
            names.insert(a["args"][0], a["args"][1])
            out.append((a["func"], a["args"][1], set()))
            continue
        sheet = names[a["sheet_position"]] if a["sheet_position"] is not None else None
        cells = set()
        if a["start_row"] is not None:
            cells = {(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                     for i in range(a["row_count"]) for j in range(a["column_count"])}
        out.append((a["func"], sheet, cells))
    return out


def _colours(payload, actions) -> dict[str, str | None]:
    """Address -> colour set by the colour actions (cells kept as they were are absent)."""
    from xlreport.layout import col_letter
    names = [s["name"] for s in payload["sheets"]]
    out = {}
    for a in actions:
        if a["func"] == "addSheet":
            names.insert(a["args"][0], a["args"][1])
        if a["func"] != "setRangeColors":
            continue
        sheet = names[a["sheet_position"]]
        for i, row in enumerate(a["args"][0]):
            for j, colour in enumerate(row):
                if colour != "keep":
                    out[f"{sheet}!{col_letter(a['start_column'] + 1 + j)}{a['start_row'] + 1 + i}"] = colour
    return out


def _result_rows(actions) -> list[list]:
    rows = [a["values"] for a in actions if a["func"] == "setFormula" and a["values"]
            and str(a["values"][0][0]).startswith("校验结果")]
    assert len(rows) == 1
    return rows[0]


def _total_cells(fmt) -> dict[str, set]:
    out: dict[str, set] = {}
    for c in fmt.totals:
        p = _places(fmt)[c.key]
        out.setdefault(p.sheet, set()).add((p.row, p.col))
    return out


def _assert_writes_only_totals_and_result(payload, actions, fmt):
    totals = _total_cells(fmt)
    for func, sheet, cells in _writes(payload, actions):
        if func in ("setValues", "setFormula") and sheet != excel.RESULT_SHEET:
            assert cells <= totals.get(sheet, set()), f"{func} outside the totals on {sheet}"


def _defines(f) -> bool:
    rule = RULES.get(f.rule)
    return isinstance(rule, SumRule) and rule.defines


def _engine_findings(path):
    _, findings = check_workbook(path)
    return [(f.rule, f.message) for f in findings if f.rule not in DESKTOP_ONLY]


# -- 校验 on our template ------------------------------------------------------------------

def test_correct_report_passes_and_writes_only_totals_and_result(files):
    book, payload = _book(files["correct"])
    run = excel.on_ribbon("check", book)
    actions = book.json()["actions"]
    assert run.kind == "template" and run.findings == []
    fmt = FORMATS["2021"]
    _assert_writes_only_totals_and_result(payload, actions, fmt)
    formulas = Formulas(fmt, layout(fmt))
    written = {}
    for a, (func, sheet, cells) in zip(actions, _writes(payload, actions)):
        if func == "setFormula" and sheet != excel.RESULT_SHEET:
            for (r, c), f in zip(sorted(cells), [f for row in a["values"] for f in row]):
                written[(sheet, r, c)] = f
    expected = {(p.sheet, p.row, p.col): formulas.total(c.key) for c in fmt.totals
                for p in [_places(fmt)[c.key]]}
    assert written == expected  # every total formula put back, nothing else
    colours = _colours(payload, actions)
    assert set(colours.values()) <= {None, excel.TOTAL_COLOR.lower()}
    assert any(a["func"] == "addSheet" and a["args"][1] == excel.RESULT_SHEET for a in actions)
    assert "全部勾稽关系校验通过" in str(_result_rows(actions))
    assert actions[-1]["func"] == "alert" and actions[-1]["args"][0].startswith("校验通过")


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_real_reports_same_findings_as_check_marks_and_links(files, name):
    book, payload = _book(files[name])
    run = excel.check_book(book)
    actions = book.json()["actions"]
    got = [(f.rule, f.message) for f in run.findings]
    assert got == _engine_findings(files[name])  # the button and xlreport check agree
    fmt = excel.locate(remote_book(book_json(files[name])), excel.Run("x")).fmt
    _assert_writes_only_totals_and_result(payload, actions, fmt)
    colours = _colours(payload, actions)
    marked = {}
    for f in run.findings:
        for c in excel._marked_keys(f):
            if marked.get(c.address) != ERROR:
                marked[c.address] = f.severity
    for address, severity in marked.items():
        assert colours[address] == excel.MARK_COLORS[severity].lower()
    for address, colour in colours.items():
        if address not in marked:
            assert colour in (None, excel.TOTAL_COLOR.lower())
    rows = _result_rows(actions)[excel.RESULT_FIRST_ROW - 1:]
    assert len(rows) == max(1, len(run.findings))
    for row, f in zip(rows, run.findings):
        assert row[2] == f.rule and row[3] == f.message
        first = next((c.address for c in f.cells if c.address), None)
        if first:
            sheet, a1 = first.split("!")
            assert row[4] == f'=HYPERLINK("#\'{sheet}\'!{a1}","{first}")'


def test_wrong_totals_of_a_real_report_are_marked_and_refilled(files):
    """洪泽区 2023 published wrong 表四 totals (typed over the formulas in the example)."""
    book, payload = _book(files["2023_淮安市洪泽区人民政府"])
    run = excel.check_book(book)
    actions = book.json()["actions"]
    sums = [f for f in run.findings if _defines(f) and f.severity == ERROR and f.table == "四"]
    assert sums
    colours = _colours(payload, actions)
    rows = _result_rows(actions)
    for f in sums:
        assert colours[f.cells[0].address] == excel.MARK_COLORS[ERROR].lower()
        line = next(r for r in rows if r[3] == f.message)
        assert line[5] == "已填回合计"
    formula_cells = {(sheet, rc) for func, sheet, cells in _writes(payload, actions) if func == "setFormula"
                     for rc in cells}
    for f in sums:
        p = excel._place(f.cells[0].address)
        assert (p.sheet, (p.row, p.col)) in formula_cells


def test_broken_template(files):
    book, payload = _book(files["broken"])
    run = excel.check_book(book)
    actions = book.json()["actions"]
    faults = FAULTS["template"]
    by_address = {}
    for f in run.findings:
        for c in f.cells:
            by_address.setdefault(c.address, set()).add(f.rule)
    assert by_address[faults["invalid"][1]] >= {"value.invalid"}
    assert by_address[faults["negative"][1]] >= {"value.negative"}
    assert "workbook.number_as_text" in by_address[faults["as_text"][1]]
    assert "value.blank" in by_address[faults["deleted_total"][1]]
    wrong = [f for f in run.findings if f.cells and f.cells[0].address == faults["wrong_total"][1]
             and _defines(f)]
    assert wrong and wrong[0].actual == Decimal(99999)
    colours = _colours(payload, actions)
    red, yellow = excel.MARK_COLORS[ERROR].lower(), excel.MARK_COLORS["warning"].lower()
    for key in ("invalid", "negative", "wrong_total", "as_text"):
        assert colours[faults[key][1]] == red, key
    assert colours[faults["deleted_total"][1]] == yellow
    _assert_writes_only_totals_and_result(payload, actions, FORMATS["2021"])
    assert [(f.rule, f.message) for f in run.findings] == _engine_findings(files["broken"])
    alert = actions[-1]["args"][0]
    errors = sum(f.severity == ERROR for f in run.findings)
    assert alert.startswith(f"校验完成：错误 {errors} 项")


def test_round_trips_do_not_depend_on_the_findings(files):
    fmt = FORMATS["2021"]
    lay = layout(fmt)
    blocks = len(lay.block_names)
    rects = sum(len(rectangles([lay.places[c.key] for c in fmt.totals if lay.places[c.key].sheet == s]))
                for s in {lay.places[c.key].sheet for c in fmt.totals})
    bound = rects + blocks + 1 + 1 + len(excel.RESULT_WIDTHS) + 1 + 1
    counts = set()
    for name in ("correct", "broken", "2024_淮安市人民政府", "2022_湘潭县机关事务服务中心"):
        book, _ = _book(files[name])
        run = excel.check_book(book)
        counts.add((len(book.json()["actions"]), run.writes, run.reads))
        assert run.reads == _reads(files[name], blocks)
    assert counts == {(bound, bound, _reads(files["correct"], blocks))}


def _reads(path, blocks: int) -> int:
    """Round trips of reading a template on the remote engine: the hidden sheet, each defined
    name, each block's values, the cover's fields (no formula or protection reads there)."""
    return 1 + len(book_json(path)["names"]) + blocks + 1


# -- hand-made workbooks in the official shape ------------------------------------------------

def test_official_shape_writes_derived_totals_only_where_wrong(files):
    book, payload = _book(files["official_broken"])
    run = excel.check_book(book)
    actions = book.json()["actions"]
    assert run.kind == "official"
    assert [(f.rule, f.message) for f in run.findings] == _engine_findings(files["official_broken"])
    faults = FAULTS["official"]
    from xlreport.layout import col_letter
    values = {}
    for a, (func, sheet, cells) in zip(actions, _writes(payload, actions)):
        assert func != "setFormula" or sheet == excel.RESULT_SHEET
        if func == "setValues":
            for (r, c), v in zip(sorted(cells), [v for row in a["values"] for v in row]):
                values[f"{sheet}!{col_letter(c)}{r}"] = v
    report = excel.locate(remote_book(book_json(files["official_broken"])), excel.Run("x")).report
    derived = derive_totals(report)
    totals = {report.location(c.key): c.key for c in report.format.totals if report.location(c.key)}
    assert set(values) <= set(totals)  # never an input cell
    assert faults["wrong_total"][1] in values and faults["deleted_total"][1] in values
    for address, v in values.items():
        assert Decimal(str(v)) == derived[totals[address]]
        assert report.values[totals[address]] != derived[totals[address]]
    # a total over the cell typed as 十二 is not filled: its inputs are not all numbers
    from xlreport.template import definitions
    defs = definitions(report.format)

    def leaves(key):
        return {key} if key not in defs else set().union(*(leaves(k) for k, _ in defs[key]))

    invalid_key = faults["invalid"][0]
    above = [k for k in defs if invalid_key in leaves(k)]
    assert above and not any(report.location(k) in values for k in above)


def test_official_correct_matches_template_findings(files):
    book, _ = _book(files["official_correct"])
    run = excel.check_book(book)
    assert run.kind == "official" and run.findings == []
    assert not [a for a in book.json()["actions"] if a["func"] == "setValues"]


def test_not_a_report_writes_nothing(files):
    book, _ = _book(files["not_a_report"])
    for tag in ("check", "fill", "clear"):
        run = excel.on_ribbon(tag, book)
        assert "不是政府信息公开工作年度报告" in run.message
    assert [a["func"] for a in book.json()["actions"]] == ["alert"] * 3


# -- 填充合计 and 清除标记 ----------------------------------------------------------------------

def test_fill_only_puts_back_formulas(files):
    book, payload = _book(files["broken"])
    run = excel.on_ribbon("fill", book)
    actions = book.json()["actions"]
    assert {a["func"] for a in actions} == {"setFormula", "alert"}
    _assert_writes_only_totals_and_result(payload, actions, FORMATS["2021"])
    assert FAULTS["template"]["wrong_total"][1] in run.filled


def _result_sheet_from(actions) -> dict:
    """The 校验结果 sheet as Excel would send it back: links show their text."""
    rows = []
    for row in _result_rows(actions):
        rows.append([re.sub(r'^=HYPERLINK\("[^"]*","([^"]*)"\)$', r"\1", v) if isinstance(v, str) else v
                     for v in row])
    return {"name": excel.RESULT_SHEET, "values": rows, "pictures": [], "tables": []}


def test_clear_template_restores_fills_and_deletes_result(files):
    first, _ = _book(files["broken"])
    excel.check_book(first)
    book, payload = _book(files["broken"], [_result_sheet_from(first.json()["actions"])])
    excel.on_ribbon("clear", book)
    actions = book.json()["actions"]
    assert {a["func"] for a in actions} == {"setRangeColors", "sheetDelete", "alert"}
    assert set(_colours(payload, actions).values()) == {None, excel.TOTAL_COLOR.lower()}


def test_clear_official_resets_exactly_the_marked_cells(files):
    first, _ = _book(files["official_broken"])
    run = excel.check_book(first)
    book, payload = _book(files["official_broken"], [_result_sheet_from(first.json()["actions"])])
    excel.on_ribbon("clear", book)
    actions = book.json()["actions"]
    colours = _colours(payload, actions)
    assert colours and set(colours.values()) == {None}
    assert set(colours) == set(run.marked)
    assert actions[-2]["func"] == "sheetDelete"


def test_second_check_unmarks_cells_fixed_since(files):
    first, _ = _book(files["official_broken"])
    run = excel.check_book(first)
    book, payload = _book(files["official_correct"], [_result_sheet_from(first.json()["actions"])])
    excel.check_book(book)
    colours = _colours(payload, book.json()["actions"])
    assert set(colours) == set(run.marked) and set(colours.values()) == {None}


# -- the seam, the tags, 新建模板 and 帮助 --------------------------------------------------------

def test_protection_seam_wraps_the_writes(files):
    seam = excel.Protection("secret")
    book, _ = _book(files["correct"])
    excel.check_book(book, seam)
    sheets = ["表二", "表三", "表四"]
    assert seam.calls == [("unprotect", "workbook")] + [("unprotect", s) for s in sheets] + \
        [("protect", s) for s in sheets] + [("protect", "workbook")]
    seam = excel.Protection()
    book, _ = _book(files["official_correct"])
    excel.check_book(book, seam)
    assert seam.calls == []


def test_every_ribbon_tag_has_an_action():
    root = ET.parse(ROOT / "macros" / "customUI14.xml").getroot()
    tags = [el.get("tag") for el in root.iter() if el.get("onAction")]
    assert tags
    for tag in tags:
        action, _, arg = tag.partition(":")
        assert action in excel.ACTIONS
        if action == "new":
            assert MIN_YEAR <= int(arg) <= MAX_YEAR


def test_unknown_tag_and_help(files):
    book, _ = _book(files["correct"])
    run = excel.on_ribbon("bogus", book)
    assert "未知的按钮" in run.message
    run = excel.on_ribbon("help", book)
    assert "校验" in run.message and "填充合计" in run.message
    assert [a["func"] for a in book.json()["actions"]] == ["alert", "alert"]


@pytest.mark.parametrize("year, version", [(2024, "2021"), (2020, "2019")])
def test_new_template_for_a_year(files, tmp_path, year, version):
    book, _ = _book(files["not_a_report"])
    opened = []
    run = excel.new_template(book, str(year), folder=tmp_path, opener=lambda b, p: opened.append(p))
    path = Path(run.filled[0])
    assert opened == [path] and path.parent == tmp_path
    wb = openpyxl.load_workbook(path)
    assert template_format(wb).version == version
    p = _places(FORMATS[version])["year"]
    assert wb[p.sheet].cell(p.row, p.col).value == year
    again = excel.new_template(book, str(year), folder=tmp_path, opener=lambda b, p: None)
    assert Path(again.filled[0]) != path and path.exists()  # never overwrites


def test_new_template_reads_the_year_as_every_reader_does(files, tmp_path):
    book, _ = _book(files["not_a_report"])
    run = excel.new_template(book, "2024年度", folder=tmp_path, opener=lambda b, p: None)
    assert "2024" in Path(run.filled[0]).name


def test_new_template_bad_year(files, tmp_path):
    book, _ = _book(files["not_a_report"])
    with pytest.raises(excel.NotAReport, match="年度"):
        excel.new_template(book, "12", folder=tmp_path, opener=lambda b, p: None)
    assert list(tmp_path.iterdir()) == []


def test_newer_template_version_is_refused_without_writing(files):
    payload = book_json(files["correct"])
    meta = next(s for s in payload["sheets"] if s["name"] == META_SHEET)
    for row in meta["values"]:
        if row and row[0] == "template_version":
            row[1] = "99"
    book = remote_book(payload)
    run = excel.on_ribbon("check", book)
    assert "更新版本" in run.message and "99" in run.message
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]


def test_a_2019_template_reads_its_own_layout(files):
    book, payload = _book(files["2020_河北省工业和信息化厅"])
    run = excel.check_book(book)
    located = excel.locate(remote_book(book_json(files["2020_河北省工业和信息化厅"])), excel.Run("x"))
    assert located.fmt.version == "2019" and run.kind == "template"
    blocks = len(layout(FORMATS["2019"]).block_names)
    assert run.reads == _reads(files["2020_河北省工业和信息化厅"], blocks)


def test_old_template_without_hidden_sheet_is_read_by_its_names(files):
    payload = book_json(files["broken"])
    payload["sheets"] = [s for s in payload["sheets"] if s["name"] != META_SHEET]
    book = remote_book(payload)
    run = excel.check_book(book)
    assert run.kind == "template"
    assert [(f.rule, f.message) for f in run.findings] == _engine_findings(files["broken"])


def test_moved_template_blocks_are_refused_without_writing(files):
    payload = book_json(files["correct"])
    name = next(n for n in payload["names"] if n["name"] == "T3_main")
    name["address"] = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), name["address"])  # a row inserted above
    book = remote_book(payload)
    run = excel.on_ribbon("check", book)
    assert "版式已被改动" in run.message and "T3_main" in run.message
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]


@pytest.mark.parametrize("name", ["broken", "official_broken", "blank"])
def test_button_and_the_check_command_agree(files, name, capsys):
    """The same workbook through ``xlreport check --json`` and through the 校验 button."""
    from xlreport.cli import main
    main(["check", "--json", "--workers", "1", str(files[name])])
    import json
    (doc,) = json.loads(capsys.readouterr().out)
    book, _ = _book(files[name])
    unseen = excel.locate(book, excel.Run("x")).unknown  # what the remote engine cannot see, said by the reader
    assert unseen == DESKTOP_ONLY
    command = [(f["rule"], f["message"]) for f in doc["findings"] if f["rule"] not in unseen]
    book, _ = _book(files[name])
    run = excel.check_book(book)
    assert command and [(f.rule, f.message) for f in run.findings] == command


@pytest.mark.parametrize("tag", ["check", "clear"])
def test_a_foreign_result_sheet_is_never_overwritten(files, tag):
    foreign = {"name": excel.RESULT_SHEET, "values": [["我的备注"], ["不要删"]], "pictures": [], "tables": []}
    book, _ = _book(files["broken"], [foreign])
    run = excel.on_ribbon(tag, book)
    assert "不是本加载项生成的" in run.message
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]
    book, payload = _book(files["broken"], [foreign])
    excel.on_ribbon("fill", book)  # filling the totals does not touch that sheet
    assert all(sheet != excel.RESULT_SHEET for _, sheet, _ in _writes(payload, book.json()["actions"]))
