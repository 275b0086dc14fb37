"""The template in real LibreOffice: filled with the real reports (and with single cells
changed), recalculated headless, its totals and its 校验 sheet agree with the Python engine;
the filled template prints to A4 PDF pages.

All workbooks are recalculated in one soffice call and converted to PDF in a second one."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import REAL_JSON
from xlreport import engine
from xlreport.formats import get_format
from xlreport.layout import CHECK_SHEET, TABLE_SHEETS, layout
from xlreport.libreoffice import convert, find_soffice, recalculate
from xlreport.model import Report
from xlreport.rules import ERROR, SUM_RULES
from xlreport.rules import NOT_FILLED
from xlreport.template import (BLANK_TOTAL, CHECK_FIRST_ROW, FAIL, INVALID, PASS, build_workbook, instances_for,
                               placeable,
                               workbook_bytes)
from xlreport.values import Invalid, is_number, normalize

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")

SUM_IDS = {r.id for r in SUM_RULES if not r.cross_year}
FIRST_CHECK_ROW = CHECK_FIRST_ROW


def load(path: Path) -> Report:
    report, unknown = Report.from_interchange(json.loads(path.read_text(encoding="utf-8")))
    assert not unknown
    return report


def set_cell(wb, fmt, key, value):
    p = layout(fmt).places[key]
    wb[p.sheet].cell(p.row, p.col).value = value


class Case:
    """One workbook to recalculate: the report it was filled with and how it was changed."""

    def __init__(self, name, report, changes=(), stored_totals=False):
        self.name, self.report, self.changes, self.stored_totals = name, report, dict(changes), stored_totals
        self.fmt = get_format(report.format.version)

    def workbook(self):
        wb = build_workbook(report=self.report)
        if self.stored_totals:  # the published totals typed over the formulas
            placed, _ = placeable(self.report, self.fmt)
            for c in self.fmt.totals:
                if c.key in placed:
                    v = placed[c.key]
                    set_cell(wb, self.fmt, c.key, v.raw if isinstance(v, Invalid) else None if v is None else float(v))
        for key, value in self.changes.items():
            set_cell(wb, self.fmt, key, value)
        return wb


def _cases():
    reports = {p.stem: load(p) for p in REAL_JSON}
    cases = []
    for stem, r in reports.items():
        cases.append(Case(stem, r))
        cases.append(Case(f"{stem}-stored", r, stored_totals=True))
    shi = reports["2024_huaian-shi_1"]
    zero = reports["2022_xiangtan-county_jiguan-shiwu"]
    leaf = int(shi.values["t3.refused_secret.business"]) + 7
    cases += [
        Case("blank-2021", Report.blank("2021")),
        Case("blank-2019", Report.blank("2019")),
        Case("change-leaf", shi, {"t3.refused_secret.business": leaf}),
        Case("change-total4", shi, {"t4.review.total": 999}),
        Case("change-subtotal", shi, {"t3.result_total.natural": 1}),
        Case("change-text", shi, {"t3.new.natural": "三千"}),
        Case("change-blank-total", shi, {"t3.new.total": None, "t3.new.research": 5}),
        Case("change-carried-out", zero, {"t3.carried_out.other": 2}),
        Case("change-bad-values", shi, {"t3.new.natural": -2, "t3.new.business": 1.5,
                                        "t2.fees.fee_amount": 0.1234567, "t4.review.pending": -1,
                                        "t2.rules.issued": 2.5}),
        Case("change-review-input", zero, {"t4.review.upheld": 3, "t4.suit_after.total": 4}),
    ]
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filled")
    paths = []
    for case in CASES:
        path = folder / f"{case.name}.xlsx"
        path.write_bytes(workbook_bytes(case.workbook()))
        paths.append(path)
    outs = recalculate(paths, folder / "recalc")
    return {case.name: (case, openpyxl.load_workbook(out, data_only=True)) for case, out in zip(CASES, outs)}


def read_back(wb, fmt) -> Report:
    """The report as the recalculated template holds it (totals as computed)."""
    lay = layout(fmt)
    report = Report(fmt)
    for key in fmt.cells:
        p = lay.places[key]
        report.values[key] = normalize(wb[p.sheet].cell(p.row, p.col).value)
    return report


def check_lines(wb) -> dict:
    ws = wb[CHECK_SHEET]
    out = {}
    for r in range(FIRST_CHECK_ROW, ws.max_row + 1):
        rule = ws.cell(r, 9).value
        if rule:
            out[(rule, ws.cell(r, 4).value)] = (ws.cell(r, 8).value, ws.cell(r, 7).value)
    return out


def engine_errors(report, findings=None) -> set:
    findings = engine.check(report) if findings is None else findings
    return {(f.rule, f.where) for f in findings if f.rule in SUM_IDS and f.severity == ERROR}


def template_errors(wb) -> set:
    return {k for k, (status, _) in check_lines(wb).items() if status == FAIL}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_check_sheet_agrees_with_the_engine(recalculated, case):
    _, wb = recalculated[case.name]
    lines = check_lines(wb)
    assert list(lines) == [(i.rule.id, i.where) for i in instances_for(case.fmt)]
    assert {s for s, _ in lines.values()} <= {PASS, FAIL, INVALID, BLANK_TOTAL}
    back = read_back(wb, case.fmt)
    findings = engine.check(back)
    assert template_errors(wb) == engine_errors(back, findings)
    # differences are the engine's (actual - expected)
    by_where = {(f.rule, f.where): f for f in findings if f.rule in SUM_IDS}
    for key, (status, diff) in lines.items():
        if status == FAIL:
            assert Decimal(str(diff)) == by_where[key].difference, key
    # an instance naming a non-number cannot be checked, as in the engine
    invalid = {k for k, v in back.values.items() if isinstance(v, Invalid)}
    for inst in instances_for(case.fmt):
        keys = {k for k, _, _ in inst.left + inst.right}
        status = lines[(inst.rule.id, inst.where)][0]
        assert (status == INVALID) == bool(keys & invalid), inst
        if inst.rule.defines and back.values[inst.left[0][0]] is None:
            assert status == BLANK_TOTAL
    assert all(sheet.protection.sheet for sheet in wb.worksheets)  # LibreOffice kept the protection
    ws = wb[CHECK_SHEET]
    blanks = sum(back.values[c.key] is None for c in case.fmt.inputs)
    assert ws["D5"].value == blanks
    assert ws["D6"].value == len(invalid)
    # value faults of input cells (a total made of them repeats the fault; the sheet counts inputs)
    inputs = {c.key for c in case.fmt.inputs}
    faults = [f for f in findings if f.rule in ("value.negative", "value.integer", "value.decimals")
              and f.cells[0].key in inputs]
    assert ws["D7"].value == len(faults)
    bad = any(s in (FAIL, INVALID) for s, _ in lines.values()) or invalid or faults
    empty = blanks == len(case.fmt.inputs)  # a blank template: nothing to pass yet
    assert ws["D3"].value == (NOT_FILLED if empty else FAIL if bad else PASS)
    assert empty == case.name.startswith("blank")
    assert ws["D4"].value == sum(s == FAIL for s, _ in lines.values())


@pytest.mark.parametrize("case", [c for c in CASES if not c.changes and not c.stored_totals], ids=lambda c: c.name)
def test_filled_report_totals_are_the_engines(recalculated, case):
    _, wb = recalculated[case.name]
    placed, _ = placeable(case.report, case.fmt)
    inputs_only = Report(case.fmt, {k: (None if k in {c.key for c in case.fmt.totals} else placed.get(k))
                                    for k in case.fmt.cells})
    expected = engine.derive_totals(inputs_only)
    back = read_back(wb, case.fmt)
    for c in case.fmt.totals:
        assert back.values[c.key] == expected[c.key], c.key
    # with live totals the only errors are ones that inputs alone can make (三.balance)
    assert {r for r, _ in template_errors(wb)} <= {"三.balance"}
    if not engine_errors(case.report):  # consistent as published: same totals as printed
        derived = engine.derive_totals(case.report)
        for c in case.fmt.totals:
            if c.key in placed and is_number(placed[c.key]):
                assert back.values[c.key] == derived[c.key] == placed[c.key], c.key
        assert wb[CHECK_SHEET]["D3"].value == (NOT_FILLED if case.name.startswith("blank") else PASS)


@pytest.mark.parametrize("case", [c for c in CASES if c.stored_totals], ids=lambda c: c.name)
def test_published_totals_show_the_engines_errors(recalculated, case):
    """With the published totals typed over the formulas, 校验 fails exactly where the engine
    fails on the published report (2023_huaian-hongzequ: its two wrong 表四 totals)."""
    _, wb = recalculated[case.name]
    assert template_errors(wb) == engine_errors(case.report)
    if case.name.startswith("2023_huaian-hongzequ"):
        assert template_errors(wb) == {("四.total", "行政复议"), ("四.total", "复议后起诉")}
        assert wb[CHECK_SHEET]["D3"].value == FAIL


def test_single_changes_fail_the_expected_rules(recalculated):
    expect = {
        "change-leaf": {("三.balance", "商业企业"), ("三.balance", "总计")},
        "change-total4": {("四.total", "行政复议")},
        "change-subtotal": {("三.subtotal", "自然人"), ("三.subtotal", "总计"), ("三.balance", "自然人"),
                            ("三.balance", "总计")},
        "change-text": {("三.balance", "总计")},  # the row total ignores the text, as the engine does
        "change-carried-out": {("三.balance", "其他"), ("三.balance", "总计")},
        "change-review-input": {("四.total", "复议后起诉")},
    }
    for name, errors in expect.items():
        _, wb = recalculated[name]
        assert template_errors(wb) == errors, name
    _, wb = recalculated["change-text"]
    assert check_lines(wb)[("三.balance", "自然人")][0] == INVALID
    assert wb[CHECK_SHEET]["D3"].value == FAIL
    for version in ("2021", "2019"):  # an empty template: not filled yet (not 通过), every input blank
        _, wb = recalculated[f"blank-{version}"]
        assert wb[CHECK_SHEET]["D3"].value == NOT_FILLED
        assert wb[CHECK_SHEET]["D5"].value == len(get_format(version).inputs)
    _, wb = recalculated["change-bad-values"]
    assert wb[CHECK_SHEET]["D7"].value == 5 and wb[CHECK_SHEET]["D3"].value == FAIL
    _, wb = recalculated["change-blank-total"]
    assert check_lines(wb)[("三.row_total", "一、本年新收政府信息公开申请数量")][0] == BLANK_TOTAL


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    books = []
    for case in CASES:
        if case.name in ("2024_huaian-shi_1", "2019_hebei-jyt_1"):
            path = folder / f"{case.name}.xlsx"
            path.write_bytes(workbook_bytes(case.workbook()))
            books.append(path)
    return convert(books, "pdf", folder)


def test_filled_template_prints_on_a4(pdfs):
    pdfplumber = pytest.importorskip("pdfplumber")
    for pdf in pdfs:
        fmt = get_format("2021" if "2024" in pdf.name else "2019")
        with pdfplumber.open(pdf) as doc:
            texts = []
            for page in doc.pages:
                w, h = sorted((float(page.width), float(page.height)))
                assert abs(w - 595) < 2 and abs(h - 842) < 2, (pdf.name, page.width, page.height)
                assert all(ch["x1"] <= float(page.width) + 0.5 for ch in page.chars)
                texts.append((page.extract_text() or "").replace(" ", ""))
        assert f"第1页共{len(texts)}页" in texts[0]
        for tid in TABLE_SHEETS:
            table = fmt.table(tid)
            page = next(t for t in texts if table.title in t)
            # the whole width of the table on the title's page: its last column header is there
            last = table.blocks[-1].columns[-1].label
            assert last.replace(" ", "") in page, (pdf.name, tid)
        assert any("校验结果" in t for t in texts)
