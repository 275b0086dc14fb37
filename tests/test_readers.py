"""Readers: the official-shape grid reader, the template reader, the guard against bad input."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import REAL_JSON, load_transcription, year_of
from official_shape import official_grid
from xlreport import Report, check
from xlreport.readers.official import norm_label, read_grid


def real_report(path, agency="某县教育局") -> Report:
    data = load_transcription(path)
    report, unknown = Report.from_interchange({**data, "year": year_of(path), "agency": agency})
    assert not unknown
    return report


def same_values(a: Report, b: Report) -> bool:
    keys = set(a.values) | set(b.values)
    return all(a.values.get(k) == b.values.get(k) for k in keys) and a.missing_tables == b.missing_tables


# -- official.read_grid ---------------------------------------------------------------------

@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_read_grid_finds_every_value_of_a_hand_made_sheet(path):
    report = real_report(path)
    report.texts["s6"] = "本年度未收取信息处理费。"
    got, problems = read_grid({"年报": official_grid(report)})
    assert same_values(got, report)
    assert (got.agency, got.year) == ("某县教育局", year_of(path))
    assert got.texts["s6"] == "本年度未收取信息处理费。"
    assert [p for p in problems if p.code != "table_missing"] == []
    def rules(r):
        return sorted(f.rule for f in check(r) if not f.rule.startswith("layout."))
    assert rules(got) == rules(report)


def test_read_grid_gives_addresses_and_flags_numbers_stored_as_text():
    report = real_report(REAL_JSON[0])
    grid = official_grid(report, as_text={"t3.new.natural"})
    got, problems = read_grid({"Sheet1": grid})
    addr = got.locations["t3.new.natural"]
    sheet, a1 = addr.split("!")
    assert sheet == "Sheet1"
    col = ord(a1[0]) - 65
    row = int(a1[1:]) - 1
    assert grid[row][col] == str(report.values["t3.new.natural"])
    assert [p.key for p in problems if p.code == "text_number"] == ["t3.new.natural"]


def test_read_grid_reports_what_it_cannot_find():
    report = real_report(REAL_JSON[-1])
    grid = official_grid(report)
    grid = [[None if norm_label(v) == norm_label("2.重复申请") else v for v in row] for row in grid]  # a deleted row label
    got, problems = read_grid({"s": grid})
    assert any(p.code == "row_missing" and "2.重复申请" in p.message for p in problems)
    empty, problems = read_grid({"空": [[None, "随便写的"], [1, 2]]}, fmt_hint="2021")
    assert sorted(p.table for p in problems if p.code == "table_missing") == ["三", "二", "四"]
    assert sorted(f.rule for f in check(empty) if f.rule == "table.missing") == ["table.missing"] * 3


def test_read_grid_tables_on_separate_sheets_and_format_hint():
    report = real_report(REAL_JSON[2])
    grid = official_grid(report, with_title=False)
    split = next(i for i, row in enumerate(grid) if row[0] == report.format.table("三").title)
    got, _ = read_grid({"表二": grid[:split], "表三四": grid[split:]}, fmt_hint="2021")
    assert same_values(got, report)
    assert got.year is None and got.version == "2021"


def test_label_normalisation():
    assert norm_label("1、属于国家秘密") == norm_label("1．属于国家秘密") == norm_label("１.属于国家\n秘密")
    assert norm_label("（一）予以公开") == norm_label("(一) 予以公开")
    assert norm_label("危及“三安全一稳定”") == norm_label('危及"三安全一稳定"')
    assert norm_label("一.本年新收") == norm_label("一、本年新收")
    assert norm_label(3) == ""


# -- workbook files: hand-made .xlsx/.xls, and our template recalculated by LibreOffice ----------------

from workbooks import filled_bytes  # noqa: E402
from xlreport.batch import check_workbook  # noqa: E402
from xlreport.libreoffice import convert, find_soffice, recalculate  # noqa: E402

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")


def save_grid(path, grid, sheet="年报"):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in grid:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    """Hand-made official-shape workbooks and filled templates of every real report, plus their
    LibreOffice conversions (.xls, and .xlsx recalculated): two soffice calls in all."""
    root = tmp_path_factory.mktemp("readers")
    hand, tmpl = root / "hand", root / "tmpl"
    hand.mkdir(), tmpl.mkdir()
    out = {"hand": {}, "tmpl": {}}
    for path in REAL_JSON:
        report = real_report(path)
        out["hand"][path.stem] = save_grid(hand / f"{path.stem}.xlsx", official_grid(report))
        t = tmpl / f"{path.stem}.xlsx"
        t.write_bytes(filled_bytes(report))
        out["tmpl"][path.stem] = t
    if find_soffice() is not None:
        out["xls"] = dict(zip(out["hand"], convert(list(out["hand"].values()), "xls", root / "xls")))
        out["recalc"] = dict(zip(out["tmpl"], recalculate(list(out["tmpl"].values()), root / "recalc")))
    return out


def core_rules(findings):
    return sorted((f.rule, f.where or "") for f in findings if not f.rule.startswith(("layout.", "workbook.")))


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_hand_made_xlsx_is_read_by_its_labels(files, path):
    report = real_report(path)
    got, findings = check_workbook(files["hand"][path.stem])
    assert same_values(got, report)
    assert got.agency == "某县教育局" and got.year == year_of(path)
    assert core_rules(findings) == core_rules(check(report))
    assert not any(f.rule.startswith("workbook.") for f in findings)
    assert got.locations["t3.new.natural"].startswith("年报!")


@needs_soffice
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_hand_made_xls_is_read_like_the_xlsx(files, path):
    a, fa = check_workbook(files["hand"][path.stem])
    b, fb = check_workbook(files["xls"][path.stem])
    assert same_values(a, b) and (a.agency, a.year, a.version) == (b.agency, b.year, b.version)
    assert [f.message for f in fa] == [f.message for f in fb]


@needs_soffice
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_a_template_recalculated_by_libreoffice_checks_the_same(files, path):
    a, fa = check_workbook(files["tmpl"][path.stem])
    b, fb = check_workbook(files["recalc"][path.stem])
    assert same_values(a, b)
    assert [(f.rule, f.message) for f in fa] == [(f.rule, f.message) for f in fb]


def test_label_missing_fires_on_a_hand_made_sheet_without_a_row(tmp_path):
    report = real_report(REAL_JSON[-1])
    grid = [[None if norm_label(v) == norm_label("（一）予以公开") else v for v in row]
            for row in official_grid(report)]
    _, findings = check_workbook(save_grid(tmp_path / "x.xlsx", grid))
    f = next(f for f in findings if f.rule == "workbook.label_missing")
    assert f.is_error and "（一）予以公开" in f.message and f.table == "三"
    _, findings = check_workbook(save_grid(tmp_path / "y.xlsx", official_grid(report)))
    assert "workbook.label_missing" not in {f.rule for f in findings}


def test_number_as_text_on_a_hand_made_sheet(tmp_path):
    report = real_report(REAL_JSON[-1])
    _, findings = check_workbook(save_grid(tmp_path / "x.xlsx", official_grid(report, as_text={"t4.review.upheld"})))
    f = next(f for f in findings if f.rule == "workbook.number_as_text_unsummed")  # typed totals: nothing skips it
    assert len(f.cells) == 1 and f.cells[0].key == "t4.review.upheld" and not f.is_error


# -- the OOXML reader --------------------------------------------------------------------------------------

from xlreport.layout import parse_ref  # noqa: E402
from xlreport.readers.ooxml import Book  # noqa: E402


def test_parse_ref():
    assert parse_ref("'表三'!$D$5:$J$27") == ("表三", 5, 4, 27, 10)
    assert parse_ref("='表三'!$D$5:$J$27") == ("表三", 5, 4, 27, 10)  # as xlwings gives it
    assert parse_ref("Sheet1!A1") == ("Sheet1", 1, 1, 1, 1)
    assert parse_ref("'it''s'!$B$2") == ("it's", 2, 2, 2, 2)
    assert parse_ref("#REF!") is None and parse_ref("'表三'!#REF!") is None and parse_ref(None) is None


def test_ooxml_reads_shared_strings_cached_values_and_any_attribute_order(tmp_path):
    import zipfile
    sheet = ('<worksheet><sheetData><row r="1">'
             '<c r="A1" t="s"><v>1</v></c><c r="B1"><f>1+1</f><v>2</v></c>'
             '<c s="3" r="C1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="D1" t="e"><v>#VALUE!</v></c>'
             '<c r="E1" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c><c r="F1"/>'
             '<c r="G1"><v>1.5</v></c></row></sheetData><sheetProtection sheet="1"/></worksheet>')
    path = tmp_path / "m.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="A&amp;B" sheetId="1" r:id="rId1"/>'
                                      '</sheets><definedNames><definedName name="X">\'A&amp;B\'!$A$1'
                                      '</definedName></definedNames></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" '
                                                'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", "<sst><si><t>零</t></si><si><r><t>一</t></r><r><t>二</t></r></si></sst>")
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    with zipfile.ZipFile(path) as z:
        book = Book(z)
        assert book.sheet_names == ["A&B"] and book.names == {"X": "'A&B'!$A$1"}
        sh = book.sheet("A&B")
        assert sh.protected
        cells = sh.cells
        assert cells[(1, 1)].value == "一二"
        assert (cells[(1, 2)].value, cells[(1, 2)].formula) == (2, "1+1")
        assert (cells[(1, 3)].value, cells[(1, 3)].formula) == ("ab", '"a"&"b"')
        assert cells[(1, 4)].type == "e"
        assert cells[(1, 5)].value == "富文本" and cells[(1, 6)].value is None and cells[(1, 7)].value == 1.5
        assert book.grid("A&B")[0][:2] == ["一二", 2]


# -- one reader, every cell source: identical findings ----------------------------------------------

from xlreport.engine import check as engine_check  # noqa: E402
from xlreport.layout import layout  # noqa: E402
from xlreport.readers import source as sources  # noqa: E402
from xlreport.readers.template_reader import content_findings, read_source  # noqa: E402

SOURCE_FIXTURES = {  # fixture -> the sources that read it (template: fast reader, openpyxl, remote engine)
    "filled_2019": ("ooxml", "openpyxl", "remote"), "filled_2021": ("ooxml", "openpyxl", "remote"),
    "unprotected": ("ooxml", "openpyxl", "remote"), "total_typed": ("ooxml", "openpyxl", "remote"),
    "as_text": ("ooxml", "openpyxl", "remote"), "moved": ("ooxml", "openpyxl", "remote"),
    "hand_made": ("calamine", "openpyxl", "remote"),
    "dated": ("ooxml", "openpyxl", "remote"),  # a count cell shown as a date (xlwings' clients send dates)
}
UNSEEN_BY_REMOTE = {"workbook.formula_overwritten", "workbook.unprotected"}  # no formulas, no protection in its JSON


def _real(year_test) -> Report:
    path = next(p for p in REAL_JSON if year_test(year_of(p)))
    return real_report(path)


def _damage(data: bytes, change) -> bytes:
    from workbooks import edit
    return edit(data, change)


def _cell(wb, fmt, key):
    p = layout(fmt).places[key]
    return wb[p.sheet].cell(p.row, p.col)


def _fixture_bytes(name: str) -> bytes:
    from openpyxl.workbook.defined_name import DefinedName
    report = _real(lambda y: y < 2021) if name == "filled_2019" else _real(lambda y: y >= 2021)
    report.texts["s6"] = "本年度未收取信息处理费。"
    data = filled_bytes(report, typed_totals=False)
    fmt = report.format
    total = next(c for c in fmt.totals if c.table.id == "三")
    first_input = next(c for c in fmt.inputs if c.table.id == "四")
    if name == "unprotected":
        return _damage(data, lambda wb: setattr(wb["表三"].protection, "sheet", False))
    if name == "total_typed":
        return _damage(data, lambda wb: setattr(_cell(wb, fmt, total.key), "value", 12345))
    if name == "as_text":
        def text(wb):
            c = _cell(wb, fmt, first_input.key)
            c.value, c.data_type = "7", "s"
        return _damage(data, text)
    if name == "dated":  # Excel turned "3-1" typed into a count cell into 3月1日 (serial 45717)
        def date(wb):
            c = _cell(wb, fmt, first_input.key)
            c.value, c.number_format = dt.datetime(2025, 3, 1), "m月d日"
        return _damage(data, date)
    if name == "moved":
        def move(wb):
            ws = wb["表三"]
            ws.move_range(f"A1:Z{ws.max_row}", rows=2, translate=True)  # two rows inserted above the table
            sheet, r1, c1, r2, c2 = layout(fmt).names["T3_main"]
            ref = f"'{sheet}'!${sources_col(c1)}${r1 + 2}:${sources_col(c2)}${r2 + 2}"
            del wb.defined_names["T3_main"]
            wb.defined_names["T3_main"] = DefinedName("T3_main", attr_text=ref)
        return _damage(data, move)
    return data


def sources_col(c: int) -> str:
    from xlreport.layout import col_letter
    return col_letter(c)


@pytest.fixture(scope="session")
def source_files(tmp_path_factory):
    """The fixture workbooks, recalculated by LibreOffice (one call) so that every total carries
    its cached value, as a workbook saved by Excel does (the remote engine sees values only)."""
    root = tmp_path_factory.mktemp("sources")
    made = []
    for name in SOURCE_FIXTURES:
        path = root / f"{name}.xlsx"
        if name == "hand_made":
            save_grid(path, official_grid(_real(lambda y: y >= 2021)))
        else:
            path.write_bytes(_fixture_bytes(name))
        made.append(path)
    return {p.stem: p for p in recalculate(made, root / "recalc")}


def _open_source(kind: str, path, stack):
    import zipfile
    if kind == "ooxml":
        return sources.OoxmlSource(Book(stack.enter_context(zipfile.ZipFile(path))), path.name)
    if kind == "calamine":
        return sources.CalamineSource(path, path.name)
    if kind == "openpyxl":
        return sources.OpenpyxlSource(path, path.name)
    from xlbook import book_json, remote_book
    return sources.XlwingsSource(remote_book(book_json(path, name=path.name)))


def _seen(read) -> dict:
    findings = content_findings(read.report) + read.findings + engine_check(read.report)
    return {"kind": read.kind, "version": read.fmt.version, "values": read.report.values,
            "locations": read.report.locations, "texts": read.report.texts,
            "meta": (read.report.agency, read.report.year), "moved": read.moved,
            "findings": [(f.rule, f.message) for f in findings]}


@needs_soffice
@pytest.mark.parametrize("name", list(SOURCE_FIXTURES))
def test_every_source_gives_the_same_findings(source_files, name):
    import contextlib
    pytest.importorskip("xlwings")
    path = source_files[name]
    with contextlib.ExitStack() as stack:
        reads = {kind: read_source(_open_source(kind, path, stack)) for kind in SOURCE_FIXTURES[name]}
    seen = {kind: _seen(read) for kind, read in reads.items()}
    first, *others = SOURCE_FIXTURES[name]
    for kind in others:
        unknown = reads[kind].unknown - reads[first].unknown
        expect = dict(seen[first], findings=[f for f in seen[first]["findings"] if f[0] not in unknown])
        assert seen[kind] == expect, kind
    if reads[first].kind == "template":
        assert reads["remote"].unknown == UNSEEN_BY_REMOTE  # said, not guessed
        assert reads["openpyxl"].unknown == set() == reads["ooxml"].unknown
    rules = {r for r, _ in seen[first]["findings"]}
    expected_rule = {"unprotected": "workbook.unprotected", "total_typed": "workbook.formula_overwritten",
                     "as_text": "workbook.number_as_text"}.get(name)
    if expected_rule:  # the damage is seen (by every source that can see it)
        assert expected_rule in rules
    if name == "dated":  # a date, worded as one, whichever source read it
        assert any(r == "value.invalid" and "2025年3月1日（日期，不是数字）" in m for r, m in seen[first]["findings"])
    if name.startswith("filled") or name == "hand_made":
        assert not any(r.startswith("workbook.") for r in rules)
    if name == "moved":
        assert all(read.moved == ["T3_main"] for read in reads.values())
        assert all(read.refusal and "T3_main" in read.refusal for read in reads.values())


@needs_soffice
def test_a_template_saved_as_ods_is_read_by_its_places(source_files, tmp_path):
    """calamine reads values only: the template is still read at its places, with the same
    findings as the .xlsx except the two rules it cannot see."""
    from xlreport.readers.template_reader import read_spreadsheet, read_workbook
    xlsx = source_files["as_text"]
    (ods,) = convert([xlsx], "ods", tmp_path)
    a, fa = read_workbook(xlsx)
    b, fb = read_spreadsheet(ods)
    assert same_values(a, b) and (a.agency, a.year, a.version) == (b.agency, b.year, b.version)
    assert a.locations == b.locations  # by the template's places, not by labels
    assert [(f.rule, f.message) for f in fb] == [(f.rule, f.message) for f in fa if f.rule not in UNSEEN_BY_REMOTE]
    assert "workbook.number_as_text" in {f.rule for f in fb}
