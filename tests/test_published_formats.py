"""The real reports' transcriptions published again as HTML (tables with rowspan/colspan), Word
(tables with merged cells) and PDF (made for real by LibreOffice), then read back."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import REAL_JSON, REPORTS
from published_render import to_docx, to_html, to_xlsx, transcription
from test_published import cells
from xlreport.libreoffice import convert, find_soffice
from xlreport.published import audit_file
from xlreport.published.extract import docx_grid, html_grid, read_document
from xlreport.published.text import GRID_SEP

AGENCY = "某市某某局"


def exact(got: dict, want: dict) -> list:
    flat = dict(cells(got["tables"]))
    return [(p, v, flat.get(p, "MISSING")) for p, v in cells(want["tables"]) if flat.get(p, "MISSING") != v]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every transcription as .html, .docx and .xlsx (the last turned into PDF by one LibreOffice call)."""
    out = tmp_path_factory.mktemp("rendered")
    for path in REAL_JSON:
        _, report, year = transcription(path)
        (out / f"{path.stem}.html").write_text(to_html(report, AGENCY, year), encoding="utf-8")
        to_docx(report, AGENCY, year, out / f"{path.stem}.docx")
        to_xlsx(report, AGENCY, year, out / f"{path.stem}.xlsx")
    return out


@pytest.mark.parametrize("ext", [".html", ".docx"])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_html_and_word_tables_read_back_exactly(rendered, path, ext):
    want, _, year = transcription(path)
    a = audit_file(rendered / f"{path.stem}{ext}")
    got = a.to_interchange()
    assert exact(got, want) == []
    assert got["uncertain"] == []
    assert (got["agency"], got["year"], got["format"]) == (AGENCY, year, want["format"])
    assert sorted(got["missing"]) == sorted(want["missing"])
    assert not any(f.rule.startswith(("parse.", "doc.")) for f in a.findings)


@pytest.mark.skipif(find_soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler (pdftotext) is not installed")
def test_pdfs_read_back_with_every_cell_equal_or_marked_uncertain(rendered):
    pdfs = convert(sorted(rendered.glob("*.xlsx")), "pdf", rendered / "pdf")
    exact_reports = 0
    for path, pdf in zip(REAL_JSON, pdfs):
        want, _, year = transcription(path)
        a = audit_file(pdf)
        assert a.kind == "pdf"
        got = a.to_interchange()
        wrong = [d for d in exact(got, want) if d[0] not in got["uncertain"]]
        assert wrong == [], path.stem
        assert (got["year"], got["format"]) == (year, want["format"])
        assert sorted(got["missing"]) == sorted(want["missing"])
        assert not any(f.rule == "parse.label_typo" for f in a.findings)
        exact_reports += not got["uncertain"]
    # blank cells in a PDF leave no trace in its text, so only reports without blanks read exactly;
    # those are most of them
    assert exact_reports >= 5


def test_html_grid_expands_rowspan_and_colspan():
    from lxml import html
    table = html.fromstring('<table><tr><td rowspan="2">A</td><td colspan="2">B</td></tr>'
                            '<tr><td>1</td><td>2</td></tr></table>')
    assert html_grid(table) == [["A", "B", ""], ["", "1", "2"]]


def test_word_merged_cells_appear_once(tmp_path):
    import docx
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "A"
    t.cell(0, 1).merge(t.cell(0, 2)).text = "B"
    t.cell(1, 1).text, t.cell(1, 2).text = "1", "2"
    assert docx_grid(t) == [["A", "B", ""], ["", "1", "2"]]
    d.save(str(tmp_path / "t.docx"))
    text = read_document(tmp_path / "t.docx").text
    assert text.split("\n") == [GRID_SEP.join(["A", "B", ""]), GRID_SEP.join(["", "1", "2"])]


def test_gbk_html_page_with_meta_charset(tmp_path):
    _, report, year = transcription(REPORTS / "2021_hebei-jyt_1.json")
    page = to_html(report, AGENCY, year).replace('charset="utf-8"', 'charset="gbk"')
    path = tmp_path / "gbk.html"
    path.write_bytes(page.encode("gb18030"))
    want = json.loads((REPORTS / "2021_hebei-jyt_1.json").read_text(encoding="utf-8"))
    assert exact(audit_file(path).to_interchange(), want) == []


@pytest.mark.parametrize("path", REAL_JSON[:3], ids=lambda p: p.stem)
def test_the_fast_word_reader_equals_python_docx(rendered, path):
    import docx

    from xlreport.published.extract import docx_xml_grid
    document = docx.Document(str(rendered / f"{path.stem}.docx"))
    assert document.tables
    for table in document.tables:
        assert docx_xml_grid(table._tbl) == docx_grid(table)


def test_a_web_page_with_a_layout_table_around_the_report(rendered):
    path = REPORTS / "2024_huaian-shi_1.json"
    want, _, year = transcription(path)
    body = (rendered / "2024_huaian-shi_1.html").read_text(encoding="utf-8").split("<body>")[1].split("</body>")[0]
    page = ('<html><head><script>var s = "<table>";</script></head><body><table width="100%">'
            "<tr><td>首页 &gt; 政府信息公开 &gt; 年度报告</td></tr><tr><td>发布时间：2025-01-20&nbsp;&nbsp;来源：某单位</td></tr>"
            f"<tr><td>{body}</td></tr></table></body></html>")
    target = rendered / "nested.html"
    target.write_text(page, encoding="utf-8")
    got = audit_file(target).to_interchange()
    assert exact(got, want) == []
    assert (got["agency"], got["year"], got["published"]) == (AGENCY, year, "2025-01-20")


def test_a_web_page_saved_as_txt_is_read_as_html(rendered, tmp_path):
    want, _, _ = transcription(REPORTS / "2021_hebei-jyt_1.json")
    page = tmp_path / "page.txt"
    page.write_bytes((rendered / "2021_hebei-jyt_1.html").read_bytes())
    a = audit_file(page)
    assert a.kind == "html" and exact(a.to_interchange(), want) == []
