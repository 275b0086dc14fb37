"""The template's structure, read back from the saved file: labels, merges, protection,
validation, formulas, metadata and byte-reproducibility (no LibreOffice needed here)."""
from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from conftest import REPORTS, ROOT
from xlreport.formats import FORMATS, Kind, get_format
from xlreport.layout import CHECK_SHEET, COVER_SHEET, META_SHEET, TEMPLATE_VERSION, TABLE_SHEETS, layout
from xlreport.model import Report
from xlreport.values import normalize
from xlreport.template import (CHECK_FIRST_ROW, DEFAULT_PASSWORD, TemplateError, build_workbook, definitions,
                               instances_for,
                               placeable, template_name, workbook_bytes, write_template)

VERSIONS = list(FORMATS)


@pytest.fixture(scope="module", params=VERSIONS)
def saved(request):
    """(format, workbook loaded from the saved bytes) for each version."""
    fmt = get_format(request.param)
    data = workbook_bytes(build_workbook(fmt))
    return fmt, openpyxl.load_workbook(io.BytesIO(data))


def cells_of(ref: str):
    c1, r1, c2, r2 = range_boundaries(ref)
    return {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}


def sqref_cells(sqref) -> set:
    out = set()
    for rng in str(sqref).split():
        out |= cells_of(rng)
    return out


def strings(ws, column_major=False):
    cells = [(c.row, c.column, c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    cells.sort(key=(lambda t: (t[1], t[0])) if column_major else (lambda t: (t[0], t[1])))
    return [v for _, _, v in cells]


def is_subsequence(needle, hay) -> bool:
    it = iter(hay)
    return all(any(x == y for y in it) for x in needle)


def header_sequence(paths):
    """Header texts in official order: each path's elements not shared with the previous path."""
    out, prev = [], ()
    for p in paths:
        for level, text in enumerate(p):
            if p[: level + 1] != prev[: level + 1]:
                out.append(text)
        prev = p
    return out


def test_every_official_label_is_in_its_place(saved):
    fmt, wb = saved
    lay = layout(fmt)
    for sl in lay.sheets:
        ws = wb[sl.name]
        for lab in sl.labels:
            assert ws.cell(lab.row, lab.col).value == lab.text, (sl.name, lab)


def test_every_label_of_the_format_data_appears_verbatim(saved):
    fmt, wb = saved
    found = {v for ws in wb.worksheets for v in strings(ws)}
    expected = {fmt.title} | {s.label for s in fmt.sections} | {s.prompt for s in fmt.sections}
    for t in fmt.tables:
        expected.add(t.title)
        for b in t.blocks:
            expected |= {b.label, b.corner} - {""}
            for c in b.columns:
                expected |= {c.label, *c.groups}
            for r in b.rows:
                expected |= {r.label, *r.groups}
    assert expected - found == set()


def test_labels_in_official_order(saved):
    fmt, wb = saved
    t2, t3, t4 = (fmt.table(i) for i in "二三四")
    seq2 = [t2.title]
    for b in t2.blocks:
        seq2 += [b.label, b.corner, *(c.label for c in b.columns), *(r.label for r in b.rows)]
    assert is_subsequence(seq2, strings(wb[TABLE_SHEETS["二"]]))
    b3 = t3.blocks[0]
    rows3 = header_sequence([r.groups + (r.label,) for r in b3.rows])
    cols3 = header_sequence([c.groups + (c.label,) for c in b3.columns])
    assert len(rows3) > len(b3.rows) and len(cols3) > len(b3.columns)
    assert is_subsequence(rows3, strings(wb[TABLE_SHEETS["三"]]))
    assert is_subsequence(cols3, strings(wb[TABLE_SHEETS["三"]], column_major=True))
    b4 = t4.blocks[0]
    seq4 = header_sequence([r.groups + (r.label,) + c.groups + (c.label,) for r in b4.rows for c in b4.columns])
    assert is_subsequence(seq4, strings(wb[TABLE_SHEETS["四"]], column_major=True))
    cover = strings(wb[COVER_SHEET])
    assert is_subsequence([s.label for s in fmt.sections], cover)


def test_merges_exactly_as_the_layout(saved):
    fmt, wb = saved
    for sl in layout(fmt).sheets:
        expected = {(x.row, x.col, x.row + x.rows - 1, x.col + x.cols - 1)
                    for x in [*sl.labels, *sl.spans] if x.rows > 1 or x.cols > 1}
        got = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in wb[sl.name].merged_cells.ranges}
        assert got == expected, sl.name


def test_every_sheet_and_the_structure_are_protected(saved):
    fmt, wb = saved
    assert [ws.title for ws in wb.worksheets] == [COVER_SHEET, *TABLE_SHEETS.values(), CHECK_SHEET, META_SHEET]
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password, ws.title
    assert wb.security.lockStructure
    assert wb.security.workbookPassword
    assert wb[META_SHEET].sheet_state == "hidden"


def unlocked(ws) -> set:
    return {(c.row, c.column) for row in ws.iter_rows() for c in row if not c.protection.locked}


def test_only_input_cells_are_unlocked(saved):
    fmt, wb = saved
    lay = layout(fmt)
    for sl in lay.sheets:
        expected = set()
        if sl.table is not None:
            expected = {(p.row, p.col) for p in (lay.places[c.key] for c in sl.table.cells if c.is_input)}
        else:
            for key in ("agency", "year", "published", *(s.id for s in fmt.sections)):
                expected.add((lay.places[key].row, lay.places[key].col))
        for sp in sl.spans:  # every cell of a merged input
            if (sp.row, sp.col) in expected:
                expected |= {(sp.row + i, sp.col + j) for i in range(sp.rows) for j in range(sp.cols)}
        assert unlocked(wb[sl.name]) == expected, sl.name
    assert unlocked(wb[CHECK_SHEET]) == set()
    totals = [lay.places[c.key] for c in fmt.totals]
    assert all(wb[p.sheet].cell(p.row, p.col).protection.locked for p in totals)


KIND_TYPE = {Kind.COUNT: ("whole", "greaterThanOrEqual", "0"), Kind.MONEY: ("decimal", "greaterThanOrEqual", "0"),
             Kind.AMOUNT: ("decimal", "greaterThanOrEqual", "0"), Kind.SIGNED: ("whole", "between", None)}


def test_validation_covers_exactly_the_inputs_by_kind(saved):
    fmt, wb = saved
    lay = layout(fmt)
    for tid, sheet in TABLE_SHEETS.items():
        ws = wb[sheet]
        table = fmt.table(tid)
        by_kind: dict = {}
        for c in table.cells:
            if c.is_input:
                p = lay.places[c.key]
                by_kind.setdefault(c.kind, set()).add((p.row, p.col))
        got: dict = {}
        for dv in ws.data_validations.dataValidation:
            kinds = [k for k, cells in by_kind.items() if sqref_cells(dv.sqref) & cells]
            assert len(kinds) == 1, (sheet, dv.sqref)
            kind = kinds[0]
            typ, op, f1 = KIND_TYPE[kind]
            assert (dv.type, dv.operator) == (typ, op)
            if f1 is not None:
                assert dv.formula1 == f1
            assert dv.showErrorMessage and dv.showInputMessage and dv.prompt and dv.error
            assert not dv.allow_blank is False
            got.setdefault(kind, set()).update(sqref_cells(dv.sqref))
        assert got == by_kind, sheet
    if fmt.version == "2019":
        assert Kind.SIGNED in {c.kind for c in fmt.inputs}


def test_totals_are_formulas_derived_from_the_rules(saved):
    fmt, wb = saved
    lay = layout(fmt)
    defs = definitions(fmt)
    assert set(defs) == {c.key for c in fmt.totals}
    for c in fmt.totals:
        p = lay.places[c.key]
        value = wb[p.sheet].cell(p.row, p.col).value
        assert isinstance(value, str) and value.startswith("=SUM("), (c.key, value)
        # every part of the definition is referenced, nothing else
        refs = set()
        for rng in value[5:-1].split(","):
            refs |= cells_of(rng)
        assert refs == {(lay.places[k].row, lay.places[k].col) for k, _ in defs[c.key]}, c.key
    for c in fmt.inputs:
        p = lay.places[c.key]
        assert wb[p.sheet].cell(p.row, p.col).value is None


def test_check_sheet_has_one_line_per_rule_instance(saved):
    fmt, wb = saved
    ws = wb[CHECK_SHEET]
    rows = [(ws.cell(r, 9).value, ws.cell(r, 4).value) for r in range(CHECK_FIRST_ROW, ws.max_row + 1)
            if ws.cell(r, 9).value]
    assert rows == [(i.rule.id, i.where) for i in instances_for(fmt)]
    n3 = len(fmt.table("三").blocks[0].rows)
    assert len(rows) == 7 + n3 + 7 + 3
    status = [ws.cell(r, 8).value for r in range(CHECK_FIRST_ROW, CHECK_FIRST_ROW + len(rows))]
    assert all(s.startswith("=IF(") for s in status)
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    for fn in ("FILTER(", "LET(", "XLOOKUP(", "SEQUENCE(", "UNIQUE("):
        assert fn not in text


def test_defined_names_and_metadata(saved):
    fmt, wb = saved
    lay = layout(fmt)
    assert set(wb.defined_names) == set(lay.names)
    for name in lay.names:
        assert wb.defined_names[name].attr_text == lay.name_ref(name)
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta["format_version"] == fmt.version
    assert meta["template_version"] == TEMPLATE_VERSION
    for key in ("year", "agency", "xlreport_version"):
        assert key in meta
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["format_version"] == fmt.version and props["template_version"] == TEMPLATE_VERSION


def test_print_setup(saved):
    fmt, wb = saved
    lay = layout(fmt)
    for sl in lay.sheets:
        ws = wb[sl.name]
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0  # as many pages down as needed
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        if sl.header_rows and sl.table is not None:
            assert ws.print_title_rows == f"${sl.header_rows[0]}:${sl.header_rows[1]}"
        if sl.freeze:
            assert ws.freeze_panes == sl.freeze
        for lab in sl.labels:
            assert ws.cell(lab.row, lab.col).font.name == "宋体"
            if lab.style in ("header", "rowhead", "prompt", "note"):
                assert ws.cell(lab.row, lab.col).alignment.wrap_text


@pytest.mark.parametrize("version", VERSIONS)
def test_committed_template_is_a_fresh_build(version):
    committed = ROOT / "workbook" / template_name(version)
    assert committed.read_bytes() == workbook_bytes(build_workbook(version)), \
        "workbook/ is stale: run python scripts/build_templates.py"


def test_build_is_deterministic(tmp_path):
    a = write_template(tmp_path / "a.xlsx", "2021", year=2024, agency="某某局")
    b = write_template(tmp_path / "b.xlsx", "2021", year=2024, agency="某某局")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2021-09-26T00:00:00Z" in core
    assert workbook_bytes(build_workbook("2021", year=2024)) != workbook_bytes(build_workbook("2021", year=2025))


def test_format_follows_the_year():
    assert build_workbook(year=2020)[META_SHEET]["B2"].value == "2019"
    assert build_workbook(year=2024)[META_SHEET]["B2"].value == "2021"
    assert build_workbook()[META_SHEET]["B2"].value == "2021"


def test_refuses_to_overwrite_and_writes_atomically(tmp_path):
    target = tmp_path / "模板.xlsx"
    target.write_bytes(b"keep me")
    with pytest.raises(TemplateError, match="已存在"):
        write_template(target)
    assert target.read_bytes() == b"keep me"
    write_template(target, force=True)
    assert zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["模板.xlsx"]  # no temp file left behind
    with pytest.raises(TemplateError, match="不存在"):
        write_template(tmp_path / "nope" / "x.xlsx")
    with pytest.raises(TemplateError, match=".xlsx"):
        write_template(tmp_path / "x.xls")
    with pytest.raises(TemplateError, match="年份"):
        write_template(tmp_path / "y.xlsx", year=1900)
    with pytest.raises(TemplateError, match="格式版本"):
        write_template(tmp_path / "y.xlsx", "2020")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["模板.xlsx"]


def test_filled_from_a_report():
    data = json.loads((REPORTS / "2024_huaian-shi_1.json").read_text(encoding="utf-8"))
    report, _ = Report.from_interchange(data)
    report.texts["s6"] = "=本年度未收取信息处理费"
    report.agency = "某市人民政府"
    wb = build_workbook(report=report)
    lay = layout(report.format)
    for c in report.format.inputs:
        p = lay.places[c.key]
        v = report.values[c.key]
        got = wb[p.sheet].cell(p.row, p.col).value
        assert normalize(got) == v, c.key
    for c in report.format.totals:
        p = lay.places[c.key]
        assert wb[p.sheet].cell(p.row, p.col).value.startswith("=SUM(")
    s6 = lay.places["s6"]
    cell = wb[s6.sheet].cell(s6.row, s6.col)
    assert cell.value == "=本年度未收取信息处理费" and cell.data_type == "s"
    assert wb[COVER_SHEET].cell(lay.places["agency"].row, lay.places["agency"].col).value == "某市人民政府"


def test_mixed_layout_report_places_what_the_template_has():
    """2023_huaian-hongzequ: a 2021 表二 in a 2019 report; the 2019 template cannot hold it."""
    data = json.loads((REPORTS / "2023_huaian-hongzequ_1.json").read_text(encoding="utf-8"))
    report, _ = Report.from_interchange(data)
    assert report.layouts == {"二": "2021"}
    fmt = get_format("2019")
    placed, lost = placeable(report, fmt)
    assert lost and all(path.startswith("二/") for path in lost)
    assert not any(k.startswith("t2.") for k in placed)
    assert {k for k in placed if not k.startswith("t2.")} == {k for k in report.values if not k.startswith("t2.")}
    wb = build_workbook(report=report)
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta["format_version"] == "2019"
    assert "二/行政许可/本年处理决定数量" in meta["unplaced_values"]
    assert "未能填入" in wb[CHECK_SHEET].cell(CHECK_FIRST_ROW - 2, 1).value


def test_invalid_values_are_written_as_their_text():
    report = Report.blank("2021")
    report.set("t3.new.natural", "十二")
    report.set("t3.new.business", "3")
    wb = build_workbook(report=report)
    p = layout(report.format).places
    assert wb["表三"][p["t3.new.natural"].a1].value == "十二"
    assert wb["表三"][p["t3.new.business"].a1].value == 3
    assert DEFAULT_PASSWORD


def test_cell_problems_find_what_pasting_leaves_behind():
    """A paste from another workbook brings its locked format and drops the validation; a paste
    from a web page brings numbers as text; an overwritten total loses its formula."""
    from openpyxl.styles import Protection
    from xlreport.readers.template_reader import cell_problems, template_format

    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook("2021"))))
    assert template_format(wb).version == "2021"
    assert cell_problems(wb) == []
    fmt = get_format("2021")
    p = layout(fmt).places
    ws = wb["表三"]
    pasted = ws[p["t3.new.natural"].a1]
    pasted.value = 5
    pasted.protection = Protection(locked=True)
    for dv in ws.data_validations.dataValidation:  # the paste replaced the cell's validation
        cells = {(r, c) for rng in dv.sqref.ranges for r in range(rng.min_row, rng.max_row + 1)
                 for c in range(rng.min_col, rng.max_col + 1)}
        if (pasted.row, pasted.column) in cells:
            keep = sorted(cells - {(pasted.row, pasted.column)})
            dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(
                " ".join(f"{openpyxl.utils.get_column_letter(c)}{r}" for r, c in keep))
    ws[p["t3.new.business"].a1] = "1,200"
    ws[p["t3.new.research"].a1] = "无数据"
    ws[p["t3.new.total"].a1] = 7
    found = {(x.key, x.kind) for x in cell_problems(wb)}
    assert found == {("t3.new.natural", "locked"), ("t3.new.natural", "no_validation"),
                     ("t3.new.business", "text_number"), ("t3.new.research", "text"),
                     ("t3.new.total", "total_overwritten")}
    assert all("表三!" in x.message for x in cell_problems(wb))


def test_text_starting_with_equals_stays_text_after_saving(tmp_path):
    """An agency or text typed as '=…' (or '+…', '@…') must not become a formula in the saved file."""
    from openpyxl import load_workbook
    from xlreport.layout import META_SHEET
    path = write_template(tmp_path / "t.xlsx", "2021", year=2024, agency='=HYPERLINK("http://x","某局")')
    wb = load_workbook(path)
    lay = layout(get_format("2021"))
    a = lay.places["agency"]
    cell = wb[a.sheet].cell(a.row, a.col)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","某局")', "s")
    meta = {k: (v, c.data_type) for k, v, c in
            ((r[0].value, r[1].value, r[1]) for r in wb[META_SHEET].iter_rows())}
    assert meta["agency"] == ('=HYPERLINK("http://x","某局")', "s")
