"""``xlreport publish``: every real report and generated reports of both formats, published as
.docx, .html and .pdf (PDF made for real by LibreOffice Writer), read back by the published-report
reader (``xlreport audit``) cell for cell, with the same findings as ``check``; the HTML table
grids equal the template's; reports with errors refused; drafts marked 草稿 on every page."""
from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import REAL_JSON
from test_properties import consistent_reports
from workbooks import filled_bytes, real_report
from xlreport.cli import main
from xlreport.libreoffice import find_soffice
from xlreport.publish import PublishError, Refused, publish, read_checked, same_findings
from xlreport.publish import pdf as pdf_writer
from xlreport.publish.document import build
from xlreport.published import audit_file

AGENCY = "某市某某局"
TEXTS = {
    "s1": "2024年，本机关坚持以公开为常态、不公开为例外。\n全年主动公开政府信息128条，其中规章0件。\n"
          "依申请公开工作规范有序，政府信息管理和平台建设持续加强。",
    "s5": "一是公开内容不够全面；二是解读形式较为单一。\n下一步将加强培训，丰富解读形式。",
    "s6": "本年度未收取信息处理费。\n无其他需要报告的事项。",
}
needs_pdf = pytest.mark.skipif(find_soffice() is None or shutil.which("pdftotext") is None,
                               reason="LibreOffice or poppler (pdftotext) is not installed")


def workbook(folder: Path, name: str, report) -> Path:
    path = folder / f"{name}.xlsx"
    path.write_bytes(filled_bytes(report))
    return path


def real(path: Path):
    report = real_report(path, AGENCY)
    report.texts = dict(TEXTS)
    return report


def finding_keys(findings) -> list:
    """A finding as both readers can name it: rule, severity, the cells it names."""
    return sorted((f.rule, f.severity, tuple(sorted(c.key for c in f.cells))) for f in findings)


def assert_reads_back(published: Path, report, findings) -> object:
    """The published file read back: every cell equal, no uncertain cell, the same findings."""
    audit = audit_file(published)
    got = audit.report
    assert got is not None, [f.message for f in audit.findings]
    assert (got.agency, got.year, got.version) == (report.agency, report.year, report.version)
    assert sorted(got.missing_tables) == sorted(report.missing_tables)
    wrong = [(k, report.values.get(k), got.values.get(k, "缺失")) for k in report.values
             if got.values.get(k, "缺失") != report.values.get(k)]
    assert wrong == []
    assert sorted(got.uncertain) == []
    assert finding_keys(audit.findings) == finding_keys(same_findings(findings, report))
    for sid in ("s1", "s5"):
        assert got.texts.get(sid) == report.texts.get(sid), sid
    return audit


# -- the real reports -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_books(tmp_path_factory):
    """Every real report as a filled template, read and checked like `xlreport check` does."""
    folder = tmp_path_factory.mktemp("books")
    out = {}
    for path in REAL_JSON:
        book = workbook(folder, path.stem, real(path))
        report, findings = read_checked(book)
        assert report.texts == TEXTS  # the 正文 boxes hold the texts
        out[path.stem] = (book, report, findings)
    return out


@pytest.mark.parametrize("ext", [".html", ".docx"])
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_real_reports_read_back_exactly_from_html_and_word(real_books, tmp_path, path, ext):
    book, report, findings = real_books[path.stem]
    out = tmp_path / f"年报{ext}"
    publish(book, out, draft=any(f.is_error for f in findings))  # a report with errors: a draft
    assert_reads_back(out, report, findings)


@pytest.fixture(scope="module")
def real_pdfs(real_books, tmp_path_factory):
    """Every real report as a PDF, made by one LibreOffice Writer run."""
    folder = tmp_path_factory.mktemp("pdf")
    items = [(build(r, f, draft=any(x.is_error for x in f)), r.format) for _, r, f in real_books.values()]
    out = {}
    for stem, data in zip(real_books, pdf_writer.render_many(items, folder)):
        (folder / f"{stem}.pdf").write_bytes(data)
        out[stem] = folder / f"{stem}.pdf"
    return out


@needs_pdf
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_real_reports_read_back_exactly_from_pdf(real_books, real_pdfs, path):
    """Every cell read back exactly, blank cells included (placed under their column headers by the
    table's ruling), no uncertain cell, the same findings."""
    _, report, findings = real_books[path.stem]
    assert_reads_back(real_pdfs[path.stem], report, findings)


@needs_pdf
def test_texts_read_back_unchanged_from_pdf(real_books, real_pdfs):
    """A PDF's printed line breaks inside paragraphs and the space its text layer puts between
    Chinese and digits (2024 年) are not part of the texts read back."""
    _, report, _ = real_books[REAL_JSON[-1].stem]
    got = audit_file(real_pdfs[REAL_JSON[-1].stem]).report
    assert [got.texts.get(s) for s in ("s1", "s5")] == [report.texts[s] for s in ("s1", "s5")]


@pytest.mark.parametrize("ext", [".html", ".docx", ".pdf"])
def test_section_six_reads_back_unchanged(real_books, request, tmp_path, ext):
    """The 落款 (agency, date) below 六 is no part of its text, in every format."""
    book, report, _ = real_books[REAL_JSON[-1].stem]
    if ext == ".pdf":
        if find_soffice() is None or shutil.which("pdftotext") is None:
            pytest.skip("LibreOffice or poppler (pdftotext) is not installed")
        out = request.getfixturevalue("real_pdfs")[REAL_JSON[-1].stem]
    else:
        out = tmp_path / f"年报{ext}"
        publish(book, out)
    assert audit_file(out).report.texts.get("s6") == TEXTS["s6"]


# -- generated reports of both formats ----------------------------------------------------------------

paragraph = st.text(st.sampled_from("政府信息公开工作本年度机关主动依申请平台建设监督保障，。；、"), min_size=2, max_size=60)
texts = st.fixed_dictionaries({
    "s1": st.lists(paragraph, min_size=1, max_size=3).map("\n".join),
    "s5": st.lists(paragraph, min_size=1, max_size=3).map("\n".join),
    "s6": paragraph.map(lambda p: "本年度未收取信息处理费。" + p),
})
SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _generated(tmp_path, report, text):
    report.agency = "某县人民政府办公室"
    report.texts = dict(text)
    book = workbook(tmp_path, "generated", report)
    read, findings = read_checked(book)
    assert read.texts == report.texts
    return book, read, findings


@SETTINGS
@given(consistent_reports(), texts)
def test_generated_reports_read_back_exactly_from_html_and_word(tmp_path, report, text):
    book, read, findings = _generated(tmp_path, report, text)
    assert not any(f.is_error for f in findings)
    for ext in (".html", ".docx"):
        out = tmp_path / f"年报{ext}"
        publish(book, out, force=True)
        assert_reads_back(out, read, findings)


@SETTINGS
@given(consistent_reports(), texts, st.data())
def test_generated_reports_with_blank_cells_read_back_blank_from_html_and_word(tmp_path, report, text, data):
    """Blank inputs stay blank (never 0) and read back blank; the audit names them as a published
    report's blank cells (table.blank_cells) where check says value.blank."""
    keys = data.draw(st.lists(st.sampled_from([c.key for c in report.format.inputs]), min_size=1, max_size=12))
    for key in keys:
        report.values[key] = None
    from xlreport import derive_totals
    report.values.update(derive_totals(report))
    book, read, findings = _generated(tmp_path, report, text)
    assert all(read.values[k] is None for k in keys)
    assert any(f.rule == "value.blank" for f in findings)
    for ext in (".html", ".docx"):
        out = tmp_path / f"年报{ext}"
        publish(book, out, force=True, draft=any(f.is_error for f in findings))
        assert_reads_back(out, read, findings)


@needs_pdf
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(consistent_reports(), texts)
def test_generated_reports_read_back_exactly_from_pdf(tmp_path, report, text):
    book, read, findings = _generated(tmp_path, report, text)
    out = tmp_path / "年报.pdf"
    publish(book, out, force=True)
    assert out.read_bytes().startswith(b"%PDF")
    assert_reads_back(out, read, findings)


# -- the HTML for a CMS -------------------------------------------------------------------------------

def html_tables(text: str) -> list[tuple[str, list[list[str]], list[tuple[str, str]]]]:
    """(caption, grid with merged cells' text in their first position, [(tag, scope)]) per table,
    read with the standard library's HTML parser."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell, self.caption = [], None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "table":
                self.tables.append({"caption": "", "rows": [], "heads": []})
            elif tag == "caption":
                self.caption = ""
            elif tag == "tr":
                self.tables[-1]["rows"].append([])
            elif tag in ("td", "th"):
                self.cell = [int(a.get("rowspan", 1)), int(a.get("colspan", 1)), ""]
                self.tables[-1]["rows"][-1].append(self.cell)
                self.tables[-1]["heads"].append((tag, a.get("scope")))

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.cell = None
            elif tag == "caption":
                self.tables[-1]["caption"], self.caption = self.caption, None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell[2] += data
            elif self.caption is not None:
                self.caption += data

    p = P()
    p.feed(text)
    out = []
    for t in p.tables:
        taken, cells = set(), {}
        for r, line in enumerate(t["rows"]):
            c = 0
            for rows, cols, txt in line:
                while (r, c) in taken:
                    c += 1
                cells[(r, c)] = txt
                taken |= {(r + i, c + j) for i in range(rows) for j in range(cols)}
                c += cols
        nrows = 1 + max(r for r, _ in taken)
        ncols = 1 + max(c for _, c in taken)
        out.append((t["caption"], [[cells.get((r, c), "") for c in range(ncols)] for r in range(nrows)], t["heads"]))
    return out


def template_grids(book: Path, report) -> dict:
    """Each table sheet of the filled template as a grid (merged cells' text in their first
    position), from its header rows down, with the values as the reader reads them."""
    import openpyxl

    from xlreport.layout import TABLE_SHEETS, layout
    from xlreport.publish.document import cell_text

    wb = openpyxl.load_workbook(book)
    lay = layout(report.format)
    out = {}
    for t in report.format.tables:
        if t.id in report.missing_tables:
            continue
        ws = wb[TABLE_SHEETS[t.id]]
        sheet = next(s for s in lay.sheets if s.name == ws.title)
        grid = [["" if ws.cell(r, c).value is None else str(ws.cell(r, c).value)
                 for c in range(1, sheet.ncols + 1)] for r in range(2, sheet.nrows + 1)]
        for c in t.cells:  # totals are formulas in the template: their values from the reader
            p = lay.places[c.key]
            grid[p.row - 2][p.col - 1] = cell_text(report.values.get(c.key))
        out[t.id] = (ws.cell(1, 1).value, grid)
    return out


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_html_tables_have_the_grids_of_the_template(real_books, tmp_path, path):
    book, report, _ = real_books[path.stem]
    out = tmp_path / "年报.html"
    publish(book, out, draft=True)
    text = out.read_text(encoding="utf-8")
    tables = html_tables(text)
    want = template_grids(book, report)
    assert [caption for caption, _, _ in tables] == [want[t][0] for t in want]
    for (caption, grid, heads), tid in zip(tables, want):
        assert grid == want[tid][1], tid
        assert all(scope in ("col", "row", "colgroup", "rowgroup") for tag, scope in heads if tag == "th")
        assert any(tag == "th" for tag, _ in heads) and any(tag == "td" for tag, _ in heads)
    low = text.lower()
    for banned in ("<script", "<style", "<link", "class=", "javascript:", "<img"):
        assert banned not in low


def test_blank_cells_print_blank_and_zero_prints_zero(real_books, tmp_path):
    book, report, _ = real_books["2019_hebei-jyt_1"]
    out = tmp_path / "年报.html"
    publish(book, out, draft=True)
    cells = {}
    for caption, grid, _ in html_tables(out.read_text(encoding="utf-8")):
        cells[caption] = grid
    t3 = cells["三、收到和处理政府信息公开申请情况"]
    assert report.values["t3.partial.natural"] is None and report.values["t3.partial.total"] == 0
    row = next(r for r in t3 if r[2].startswith("（二）部分公开") or r[1].startswith("（二）部分公开"))
    assert row[-7:] == [""] * 6 + ["0"]


# -- refusing errors, drafts, warnings ----------------------------------------------------------------

def error_book(tmp_path) -> Path:
    """淮安市洪泽区 2023: its published 表四 totals are wrong (typed over the formulas)."""
    return workbook(tmp_path, "有错误", real(next(p for p in REAL_JSON if p.stem.startswith("2023_"))))


def test_a_report_with_errors_is_refused_with_the_findings_of_check(tmp_path, capsys):
    book = error_book(tmp_path)
    from xlreport.batch import check_workbook
    _, findings = check_workbook(book)
    errors = [f for f in findings if f.is_error]
    assert errors
    out = tmp_path / "年报.docx"
    assert main(["publish", str(book), "-o", str(out), "-o", str(tmp_path / "年报.html")]) == 1
    err = capsys.readouterr().err
    assert "未生成发布稿" in err
    for f in findings:  # every finding of check is listed, errors and warnings
        assert f.message in err
    assert not out.exists() and not (tmp_path / "年报.html").exists()
    with pytest.raises(Refused) as e:
        publish(book, out)
    assert [f.message for f in e.value.findings] == [f.message for f in findings]


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


@needs_pdf
def test_a_draft_carries_its_mark_on_every_page(tmp_path, capsys):
    import docx

    book = error_book(tmp_path)
    outs = [tmp_path / f"草稿{ext}" for ext in (".pdf", ".docx", ".html")]
    args = ["publish", str(book), "--draft"] + [a for o in outs for a in ("-o", str(o))]
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "已按 --draft 生成草稿" in said and "四.total" in said
    pages = pdf_pages(outs[0])
    assert len(pages) >= 4
    assert all("草稿" in p for p in pages)
    assert all(f"— {i} —" in p.replace("—", "— ").replace("  ", " ") or f"—{i}—" in p.replace(" ", "")
               for i, p in enumerate(pages, 1))  # page numbers: — 1 —
    d = docx.Document(str(outs[1]))
    for section in d.sections:
        assert "草稿" in section.header.paragraphs[0].text and "草稿" in section.even_page_header.paragraphs[0].text
    assert "草稿" in outs[2].read_text(encoding="utf-8").split("<h1")[0]


@needs_pdf
def test_final_pdf_has_no_draft_mark_embeds_fonts_and_names_fallbacks(real_books, tmp_path, capsys):
    book, report, findings = real_books[REAL_JSON[-1].stem]
    assert not any(f.is_error for f in findings)
    out = tmp_path / "年报.pdf"
    assert main(["publish", str(book), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    pages = pdf_pages(out)
    assert not any("草稿" in p for p in pages)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # the emb column
    from xlreport.publish.fonts import fallbacks_used
    from xlreport.publish.word import FACES
    for note in fallbacks_used(FACES):
        assert note in said
    assert "楷体" not in said  # no writer uses it


def test_warnings_are_listed_and_do_not_block(real_books, tmp_path, capsys):
    book, _, findings = real_books["2019_hebei-jyt_1"]
    warnings = [f for f in findings if not f.is_error]
    assert warnings and not any(f.is_error for f in findings)
    out = tmp_path / "年报.html"
    assert main(["publish", str(book), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert all(f.message in said for f in warnings)
    assert "草稿" not in out.read_text(encoding="utf-8")


# -- open data, roll-ups, folders, bad output -----------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_open_data_in_long_form(real_books, tmp_path, suffix):
    import csv

    book, report, _ = real_books["2020_hebei-gxt_1"]  # no 表四
    out = tmp_path / f"年报{suffix}"
    assert main(["publish", str(book), "--data", str(out)]) == 0
    if suffix == ".json":
        rows = json.loads(out.read_text(encoding="utf-8"))
    else:
        with out.open(encoding="utf-8-sig", newline="") as fh:
            raw = list(csv.reader(fh))
        assert raw[0] == ["填报单位", "报告年度", "格式版本", "表格", "行", "列", "数值", "状态"]
        rows = [dict(zip(("agency", "year", "format", "table", "row", "column", "value", "status"), r))
                for r in raw[1:]]
    assert {r["status"] for r in rows} == {"正式"}  # not a draft
    if suffix == ".json":
        assert {r["draft"] for r in rows} == {False}
    present = [c for t in report.format.tables if t.id not in report.missing_tables for c in t.cells]
    assert len(rows) == len(present)
    for r, c in zip(rows, present):
        assert (r["table"], r["row"], r["column"]) == (c.table.id, c.row.label, c.column.label)
        assert str(r["agency"]) == AGENCY and str(r["year"]) == str(report.year)
        v = report.values[c.key]
        if v is None:
            assert r["value"] in (None, "")
        else:
            assert Decimal(str(r["value"])) == v


def test_a_rollup_publishes_the_same_way(real_books, tmp_path):
    from xlreport.aggregate import aggregate

    src = tmp_path / "各单位"
    src.mkdir()
    report = real(REAL_JSON[-1])
    for name in ("甲局", "乙局"):
        report.agency = name
        workbook(src, name, report)
    rollup = aggregate([src], tmp_path / "汇总.xlsx", workers=1, agency="某市汇总").report
    out = tmp_path / "汇总.html"
    assert main(["publish", str(tmp_path / "汇总.xlsx"), "-o", str(out)]) == 0
    got = audit_file(out).report
    assert got.agency == "某市汇总"
    single = real(REAL_JSON[-1])
    for c in report.format.inputs:
        assert got.values[c.key] == rollup.values[c.key] == 2 * single.values[c.key]


def test_a_folder_is_published_and_a_bad_file_does_not_stop_it(real_books, tmp_path, capsys):
    src = tmp_path / "报告"
    src.mkdir()
    for stem in ("2021_hebei-jyt_1", "2024_huaian-shi_1"):
        shutil.copy(real_books[stem][0], src / f"{stem}.xlsx")
    (src / "坏文件.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "发布稿"
    out.mkdir()
    code = main(["publish", str(src), "--out-dir", str(out), "--to", "html", "--to", "docx", "--data", "csv"])
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{s}{e}" for s in ("2021_hebei-jyt_1", "2024_huaian-shi_1") for e in (".html", ".docx", ".csv"))
    assert "坏文件.xlsx" in capsys.readouterr().err


def test_outputs_are_never_overwritten_without_force_nor_left_half_written(real_books, tmp_path, capsys):
    book = real_books["2024_huaian-shi_1"][0]
    out = tmp_path / "年报.html"
    out.write_text("旧", encoding="utf-8")
    assert main(["publish", str(book), "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "旧"
    assert "--force" in capsys.readouterr().err
    assert main(["publish", str(book), "-o", str(out), "--force"]) == 0
    assert "<table" in out.read_text(encoding="utf-8")
    assert main(["publish", str(book), "-o", str(tmp_path / "年报.txt")]) == 2
    assert main(["publish", str(book), "-o", str(tmp_path / "无此文件夹" / "年报.html")]) == 2
    assert main(["publish", str(tmp_path / "无此.xlsx"), "-o", str(tmp_path / "x.html")]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["年报.html"]  # no temp file left behind
    with pytest.raises(PublishError):
        publish(book, tmp_path / "年报.html")


# -- the ribbon button 生成发布稿 ------------------------------------------------------------------------

@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is needed to give the workbook Excel's cached values")
def test_the_ribbon_button_publishes_the_open_workbook_beside_it(real_books, tmp_path, monkeypatch):
    import xml.etree.ElementTree as ET

    from conftest import ROOT
    from xlbook import book_json, remote_book
    from xlreport import excel
    from xlreport.libreoffice import recalculate

    root = ET.parse(ROOT / "macros" / "customUI14.xml").getroot()
    assert [el.get("label") for el in root.iter() if el.get("tag") == "publish"] == ["生成发布稿"]
    good = real_books["2024_huaian-shi_1"][0]
    bad = error_book(tmp_path)
    recalc = dict(zip(("good", "bad"), recalculate([good, bad], tmp_path / "recalc")))  # cached values, as Excel has
    out = tmp_path / "文档"
    out.mkdir()
    monkeypatch.setattr(excel, "_documents", lambda: out)  # a remote book has no folder of its own

    book = remote_book(book_json(recalc["bad"]))
    run = excel.on_ribbon("publish", book)
    assert "未生成发布稿" in run.message and "四.total" not in run.message and "表四" in run.message
    assert list(out.iterdir()) == []

    book = remote_book(book_json(recalc["good"]))
    run = excel.on_ribbon("publish", book)
    assert run.message.startswith("已生成发布稿"), run.message
    made = sorted(Path(p).suffix for p in run.filled)
    assert made == sorted([".docx", ".html"] + ([".pdf"] if find_soffice() else []))
    _, report, findings = real_books["2024_huaian-shi_1"]
    assert_reads_back(out / f"{recalc['good'].stem}_发布稿.html", report, findings)
    run = excel.on_ribbon("publish", book)  # again: new names, nothing overwritten
    assert all("（2）" in p for p in run.filled)
    assert [a["func"] for a in book.json()["actions"]][-1] == "alert"
