"""Every form a reader meets, built from each real report's transcription and read back cell by
cell: HTML and Word tables read by the header's positions (label cells split over two columns,
总计 left blank, zeros printed as blanks, tables split with and without their header, 表三 without
its group-label column).  Every cell exact or marked uncertain; no sum error on a consistent report."""
from __future__ import annotations

import pytest

from conftest import REAL_JSON
from published_render import C, to_html, transcription, variant, write_forms
from xlreport.engine import check
from xlreport.published import audit_file, audit_text
from xlreport.published.extract import html_text
from xlreport.rules import SUM_RULES

AGENCY = "某市某某局"
SUM_IDS = {r.id for r in SUM_RULES}
SHAPES = {"as_published": {}, "blank_totals": {"blank_totals": True}, "zeros_blank": {"zeros_blank": True},
          "both": {"blank_totals": True, "zeros_blank": True}}


def verdict(want, audit):
    """(wrong cells, false sum errors) of a reading against the values the document prints."""
    got = audit.report
    assert got is not None, [f.message for f in audit.findings]
    wrong = [(k, v, got.values.get(k, "MISSING")) for k, v in want.values.items()
             if k not in got.uncertain and got.values.get(k, "MISSING") != v]
    truth = {(f.rule, f.where) for f in check(want) if f.rule in SUM_IDS}
    false = [f.message for f in audit.findings if f.rule in SUM_IDS and (f.rule, f.where) not in truth]
    return wrong, false


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_html_grid_read_by_position(path, shape):
    _, report, year = transcription(path)
    want = variant(report, **SHAPES[shape])
    got = audit_text(html_text(to_html(want, AGENCY, year).encode("utf-8"))[0])
    assert verdict(want, got) == ([], [])
    assert not got.report.uncertain


def _without_group_column(page: str) -> str:
    """表三 printed without its group-label column: the group cells (rowspan) left out and the
    labels under them no longer spanning."""
    import re

    page = re.sub(r"<td rowspan=\"\d+\">三、本年度办理结果</td>", "", page)
    page = re.sub(r"<td rowspan=\"\d+\">（[三四五]）[^<]*</td>", "", page)
    return page


def _split(page: str, every: int, header: bool) -> str:
    """Each table cut into pieces of ``every`` rows (a page break), with or without its header rows."""
    import re

    out = []
    for part in re.split(r"(<table><tbody>.*?</tbody></table>)", page, flags=re.S):
        if not part.startswith("<table>"):
            out.append(part)
            continue
        rows = re.findall(r"<tr>.*?</tr>", part, flags=re.S)
        head = [r for r in rows[:4] if not re.search(r"<td>\d", r)]
        body = rows[len(head):]
        pieces = ["<table><tbody>" + "".join(head + body[:every]) + "</tbody></table>"]
        for i in range(every, len(body), every):
            pieces.append("<p>- 2 -</p><table><tbody>" + "".join((head if header else []) + body[i:i + every])
                          + "</tbody></table>")
        out.append("".join(pieces))
    return "".join(out)


@pytest.mark.parametrize("case", ["no_group_column", "split_no_header", "split_header_repeated"])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_html_tables_split_or_without_group_column(path, case):
    _, report, year = transcription(path)
    want = variant(report, blank_totals=True)
    page = to_html(want, AGENCY, year)
    page = {"no_group_column": _without_group_column, "split_no_header": lambda p: _split(p, 5, False),
            "split_header_repeated": lambda p: _split(p, 5, True)}[case](page)
    got = audit_text(html_text(page.encode("utf-8"))[0])
    assert verdict(want, got) == ([], [])


def test_split_label_cell_and_blank_total_do_not_shift_the_row():
    """The defect of issue 15: 三、本年度办理结果 | （一）予以公开 | numbers | (blank 总计) put the
    自然人 figure under 商业企业."""
    path = next(p for p in REAL_JSON if p.stem.startswith("2024"))
    _, report, year = transcription(path)
    want = variant(report, blank_totals=True)
    got = audit_text(html_text(to_html(want, AGENCY, year).encode("utf-8"))[0]).report
    assert got.values["t3.granted.natural"] == want.values["t3.granted.natural"] != 0
    assert got.values["t3.granted.total"] is None


def _cases():
    cases, wants = [], {}
    for path in REAL_JSON:
        _, report, year = transcription(path)
        for shape, opts in SHAPES.items():
            name = f"{path.stem}__{shape}"
            wants[name] = variant(report, **opts)
            cases.append((name, wants[name], AGENCY, year))
    return cases, wants


@pytest.fixture(scope="session")
def word_files(tmp_path_factory):
    cases, wants = _cases()
    return write_forms(cases, tmp_path_factory.mktemp("forms"), forms=("docx",)), wants


@pytest.fixture(scope="session")
def pdf_files(tmp_path_factory):
    """Every case printed to PDF by LibreOffice: Writer from the .docx, Calc from a sheet laid out
    like the table (one soffice call per kind for the whole session), with grid lines as the
    official tables have them and (``unruled``) without."""
    cases, wants = _cases()
    cases = [c for c in cases if c[0].endswith(PDF_SHAPES)]
    ruled = write_forms(cases, tmp_path_factory.mktemp("pdf"), forms=("docx_pdf", "xlsx_pdf"))
    plain = [c for c in cases if c[0].endswith("__both")]
    unruled = write_forms(plain, tmp_path_factory.mktemp("pdf_unruled"), forms=("docx_pdf", "xlsx_pdf"), ruled=False)
    return ruled, unruled, wants


PDF_SHAPES = ("__as_published", "__both")  # each PDF costs a LibreOffice conversion: two shapes


@pytest.mark.parametrize("form", ["docx_pdf", "xlsx_pdf"])
@pytest.mark.parametrize("shape", ["as_published", "both"])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_pdf_ruled_tables_read_by_position(pdf_files, path, shape, form):
    ruled, _, wants = pdf_files
    name = f"{path.stem}__{shape}"
    got = audit_file(ruled[(name, form)])
    assert verdict(wants[name], got) == ([], [])
    assert not got.report.uncertain


def test_blank_totals_are_one_finding_per_table_each_label_once():
    """Issue 15: not a value.blank per row repeating its label and advising "没有数据请填0"."""
    path = next(p for p in REAL_JSON if p.stem.startswith("2024"))
    _, report, year = transcription(path)
    want = variant(report, blank_totals=True)
    want.values["t3.declined_publication.natural"] = None  # a row wholly blank besides
    want.values["t3.declined_publication.total"] = None
    got = audit_text(html_text(to_html(want, AGENCY, year).encode("utf-8"))[0])
    blanks = [f for f in got.findings if f.rule.startswith(("value.blank", "table.blank"))]
    assert sorted((f.rule, f.severity) for f in blanks) == [("table.blank_cells", "warning"),
                                                            ("table.blank_total", "error")]
    error = next(f for f in blanks if f.rule == "table.blank_total")
    assert "没有数据请填0" not in error.message
    for label in ("一、本年新收政府信息公开申请数量", "（七）总计"):
        assert error.message.count(f"「{label}」") == 1
    warning = next(f for f in blanks if f.rule == "table.blank_cells")
    assert "「3.要求提供公开出版物」" in warning.message and "「一、本年新收" not in warning.message
    assert got.errors == 1  # the sums themselves hold on the entries


def test_prose_mentioning_table_markup_is_read_as_text(tmp_path):
    """A .txt is read as HTML only when it is an HTML document with table rows (issue 15)."""
    from conftest import REPORTS
    from xlreport.published.extract import read_document

    real = next(p for p in sorted(REPORTS.glob("*.txt")) if p.stem.startswith("2024"))
    prose = tmp_path / "notes.txt"
    prose.write_text("编辑说明：网页中的表格用 <table> 标签排版，本文为纯文字。\n"
                     + real.read_text(encoding="utf-8"), encoding="utf-8")
    doc = read_document(prose)
    assert doc.kind == "text"
    assert audit_file(prose).report.values == audit_file(real).report.values
    page = tmp_path / "saved.txt"
    page.write_text("<div><table><tr><td>自然人</td><td>1</td></tr><tr><td>其他</td><td>2</td></tr></table></div>",
                    encoding="utf-8")
    assert read_document(page).kind == "html"


@pytest.mark.parametrize("junk", ["(cid:1234)", "\ufffd", "abcdefgh "])
def test_garbled_extraction_is_a_finding_with_a_hint(tmp_path, junk):
    from conftest import REPORTS

    real = next(p for p in sorted(REPORTS.glob("*.txt")) if p.stem.startswith("2024"))
    text = real.read_text(encoding="utf-8")
    bad = tmp_path / "garbled.txt"
    if junk.startswith("abc"):
        bad.write_text(junk * 2000 + text[:3000], encoding="utf-8")
    else:
        bad.write_text(text.replace("公开", junk), encoding="utf-8")
    got = audit_file(bad)
    f = [x for x in got.findings if x.rule == "doc.garbled"]
    assert f and "文字识别" in f[0].message
    assert not any(x.rule == "doc.garbled" for x in audit_file(real).findings)


@pytest.mark.parametrize("agency", ["某某市人民政府办公厅", "某县自然资源局", "某市发展和改革委员会"])
def test_agency_after_the_year_in_the_title(agency):
    path = next(p for p in REAL_JSON if p.stem.startswith("2023"))
    _, report, year = transcription(path)
    page = to_html(report, "", year).replace(f"{year}年政府信息公开工作年度报告",
                                             f"{year}年{agency}政府信息公开工作年度报告", 1)
    got = audit_text(html_text(page.encode("utf-8"))[0]).report
    assert (got.agency, got.year) == (agency, year)
    plain = audit_text(html_text(to_html(report, "", year).encode("utf-8"))[0]).report
    assert (plain.agency, plain.year) == (None, year)


@pytest.mark.parametrize("form", ["docx_pdf", "xlsx_pdf"])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_pdf_without_grid_lines_never_silently_wrong(pdf_files, path, form):
    """Without grid lines (总计 blank, zeros as blanks) the columns come from the layout text: a
    cell may be uncertain, never silently wrong, and no sum error the printed table lacks."""
    _, unruled, wants = pdf_files
    name = f"{path.stem}__both"
    assert verdict(wants[name], audit_file(unruled[(name, form)])) == ([], [])


@pytest.mark.parametrize("form", ["docx_pdf", "xlsx_pdf"])
def test_pdf_without_grid_lines_read_by_x_position(pdf_files, form):
    """Issue 15: without grid lines the numbers are placed by their x-position under the header's
    column labels, zeros printed as blanks as blank cells in their columns: (总计 blank, zeros as
    blanks) every cell of every real report exact (``scripts/accuracy.py --unruled`` measures all
    shapes).  A number that cannot be placed leaves its row as printed: uncertain, never absent."""
    _, unruled, wants = pdf_files
    exact = 0
    for path in REAL_JSON:
        name = f"{path.stem}__both"
        got = audit_file(unruled[(name, form)])
        assert verdict(wants[name], got) == ([], [])
        exact += not got.report.uncertain
    assert exact == len(REAL_JSON)


def test_unruled_rows_cut_by_a_page_end_are_joined():
    """A row whose label (or a number wrapped in a narrow cell) goes on at the top of the next page
    is one row: its label whole, its digits joined ("17" over "8" is 178)."""
    from xlreport.published.extract import _label_cells, _render

    def word(text, x0, top):
        return {"text": text, "x0": x0, "x1": x0 + 7 * len(text), "top": top, "bottom": top + 11}

    columns = [(236.0, 258.0), (273.0, 295.0)]
    row = ["", columns, [word("7.属于行政执", 187, 700)], [word("17", 236, 700)], [word("8", 236, 71)], 700]
    row[2].append(word("法案卷", 187, 71))  # the next page's first line
    assert _label_cells(row[2]) == ["7.属于行政执法案卷"]
    assert _render(row, "left") == "7.属于行政执法案卷 178 -"
    # a number over two columns is not guessed: the row stays as printed (its cells read as uncertain)
    straddling = ["7.属于行政执法案卷 1234", columns, [word("7.属于行政执法案卷", 100, 700)], [word("1234", 250, 700)], [], 700]
    assert _render(straddling, "left") == "7.属于行政执法案卷 1234"
