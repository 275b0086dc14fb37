"""Fixes of the problems found by the documentation pass (issue 14, publish2): --out-dir names and
listing, a draft's open data, the HTML caption, warnings for empty 正文 boxes and a missing
发布日期, font notes once per run, and one LibreOffice start for the PDFs of a folder."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from html.parser import HTMLParser

import pytest

from conftest import REAL_JSON, ROOT
from workbooks import filled_bytes, real_report
from xlreport.cli import main
from xlreport.libreoffice import find_soffice

EXAMPLE = ROOT / "examples" / "2024_淮安市人民政府.xlsx"  # 2021 format, no errors, no texts, no date
OTHER = ROOT / "examples" / "2022_湘潭县机关事务服务中心.xlsx"
BAD = ROOT / "examples" / "2023_淮安市洪泽区人民政府.xlsx"  # errors
TEXTS = {"s1": "全年主动公开政府信息128条。", "s5": "公开内容不够全面。", "s6": "本年度未收取信息处理费。"}


def title(path) -> str:
    return path.read_text(encoding="utf-8").split("<title>")[1].split("</title>")[0]


def complete_book(tmp_path):
    """A real report with every 正文 box and the 发布日期 filled in."""
    report = real_report(REAL_JSON[-1], "某市某某局")
    report.texts = dict(TEXTS)
    report.published = dt.date(report.year + 1, 1, 20)
    book = tmp_path / "完整.xlsx"
    book.write_bytes(filled_bytes(report))
    return book


# -- --out-dir: names and listing ---------------------------------------------------------------

def test_same_named_files_given_by_themselves_get_distinct_outputs_and_it_is_said(tmp_path, capsys):
    a, b, out = tmp_path / "甲区", tmp_path / "乙县", tmp_path / "发布稿"
    for folder, book in ((a, EXAMPLE), (b, OTHER)):
        folder.mkdir()
        shutil.copy(book, folder / "年报.xlsx")
    out.mkdir()
    assert main(["publish", str(a / "年报.xlsx"), str(b / "年报.xlsx"), "--out-dir", str(out),
                 "--to", "html", "--data", "csv"]) == 0
    said = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["年报.csv", "年报.html", "年报（2）.csv", "年报（2）.html"]
    assert title(out / "年报.html").startswith("淮安市人民政府")
    assert title(out / "年报（2）.html").startswith("湘潭县机关事务服务中心")
    assert "年报（2）" in said and "同名" in said


def test_a_clash_is_never_an_overwrite_even_with_force(tmp_path):
    src, out = tmp_path / "收到的报告", tmp_path / "发布稿"
    (src / "甲区").mkdir(parents=True)
    out.mkdir()
    shutil.copy(EXAMPLE, src / "甲区.xlsx")  # 甲区.xlsx and 甲区/ are different names ...
    shutil.copy(OTHER, src / "甲区" / "年报.xlsx")
    shutil.copy(EXAMPLE, src / "年报.xlsx")  # ... and 年报.xlsx is not 甲区/年报.xlsx
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "html", "--force"]) == 0
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert made == ["年报.html", "甲区.html", "甲区/年报.html"]
    assert title(out / "甲区" / "年报.html").startswith("湘潭县")


def test_out_dir_leaves_out_the_files_macos_adds_to_archives(tmp_path, capsys):
    src, out = tmp_path / "收到的报告", tmp_path / "发布稿"
    (src / "__MACOSX").mkdir(parents=True)
    out.mkdir()
    shutil.copy(EXAMPLE, src / "年报.xlsx")
    for extra in (src / "._年报.xlsx", src / "__MACOSX" / "._年报.xlsx"):
        extra.write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 60)  # an AppleDouble header, not a workbook
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "html"]) == 0
    captured = capsys.readouterr()
    assert [p.name for p in out.iterdir()] == ["年报.html"]
    assert "错误" not in captured.err and "已忽略 2 个 macOS" in captured.out


def test_a_lock_file_is_said_as_skipped_and_not_counted_as_a_workbook(tmp_path, capsys):
    src, out = tmp_path / "收到的报告", tmp_path / "发布稿"
    src.mkdir()
    out.mkdir()
    shutil.copy(EXAMPLE, src / "年报.xlsx")
    (src / "~$年报.xlsx").write_bytes(b"\x0bsomeone" + b"\x00" * 40)
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "html"]) == 0
    said = capsys.readouterr().out
    assert "已跳过" in said and "共 1 个工作簿：已生成 1 个" in said


# -- a draft's open data ------------------------------------------------------------------------

def test_the_json_of_a_draft_says_draft_in_every_row(tmp_path):
    out = tmp_path / "年报.json"
    assert main(["publish", str(BAD), "--draft", "--data", str(out)]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows and all(r["draft"] is True and r["status"] == "草稿" for r in rows)


# -- the HTML caption ---------------------------------------------------------------------------

class _Shown(HTMLParser):
    """The text a browser shows, and the captions with their style."""

    def __init__(self):
        super().__init__()
        self.text, self.captions, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self._in = dict(attrs).get("style", "")
            self.captions.append([self._in, ""])

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self.captions[-1][1] += data
        else:
            self.text.append(data)


def test_the_html_shows_each_table_title_once_and_keeps_the_caption(tmp_path):
    out = tmp_path / "年报.html"
    assert main(["publish", str(EXAMPLE), "-o", str(out)]) == 0
    p = _Shown()
    p.feed(out.read_text(encoding="utf-8"))
    assert len(p.captions) == 3
    for style, text in p.captions:
        assert text in p.text  # the section heading shows it ...
        rules = dict(r.split(":", 1) for r in style.rstrip(";").split(";"))
        assert rules["position"] == "absolute" and rules["width"] == rules["height"] == "1px"  # ... the caption not
        assert rules["overflow"] == "hidden" and rules["clip"] == "rect(0,0,0,0)"


# -- warnings for what the workbook left empty ----------------------------------------------------

def test_empty_text_boxes_and_a_missing_date_are_warned_not_blocking(tmp_path, capsys):
    out = tmp_path / "年报.html"
    assert main(["publish", str(EXAMPLE), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    for label in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert f"[提示] 发布稿：“{label}”的正文框是空的" in said
    assert "没有填写发布日期" in said
    assert out.exists()

    from xlreport.publish import publish
    result = publish(EXAMPLE, tmp_path / "api.html")
    assert len(result.notices) == 4 and all("提示" not in n for n in result.notices)

    book = complete_book(tmp_path)
    assert main(["publish", str(book), "-o", str(tmp_path / "完整.html")]) == 0
    said = capsys.readouterr().out
    assert "正文框是空的" not in said and "发布日期" not in said
    assert f"{TEXTS['s5']}</p>" in (tmp_path / "完整.html").read_text(encoding="utf-8")
    assert ">2025年1月20日</p>" in (tmp_path / "完整.html").read_text(encoding="utf-8")  # the 落款 date, read


# -- fonts --------------------------------------------------------------------------------------

def test_font_notes_name_only_faces_a_writer_uses():
    from xlreport.publish.fonts import SUBHEADING, fallbacks_used
    from xlreport.publish.word import FACES

    assert SUBHEADING not in FACES
    assert not any("楷体" in n for n in fallbacks_used(FACES, frozenset()))
    assert any("楷体" in n for n in fallbacks_used(have=frozenset()))  # the list itself still knows 楷体


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_a_folder_of_pdfs_says_each_font_note_once_and_starts_libreoffice_once(tmp_path, capsys, monkeypatch):
    from xlreport import libreoffice
    from xlreport.publish.fonts import fallbacks_used
    from xlreport.publish.word import FACES

    starts = []
    real_convert = libreoffice.convert

    def counting(paths, *a, **k):
        starts.append(len(list(paths)))
        return real_convert(paths, *a, **k)

    monkeypatch.setattr(libreoffice, "convert", counting)
    import xlreport.publish.pdf as pdf
    monkeypatch.setattr(pdf, "convert", counting)
    src, out = tmp_path / "收到的报告", tmp_path / "发布稿"
    src.mkdir()
    out.mkdir()
    for book in (EXAMPLE, OTHER):
        shutil.copy(book, src / book.name)
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "pdf"]) == 0
    said = capsys.readouterr().out
    assert starts == [2]  # one LibreOffice start for both PDFs
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{b.stem}.pdf" for b in (EXAMPLE, OTHER))
    assert all((out / f"{b.stem}.pdf").read_bytes().startswith(b"%PDF") for b in (EXAMPLE, OTHER))
    for note in fallbacks_used(FACES):
        assert said.count(note) == 1
    assert "楷体" not in said


@pytest.mark.parametrize("typed", ["2025年1月20日", "2025-01-20", dt.datetime(2025, 1, 20)])
def test_the_date_of_the_signature_is_read_as_the_clerk_typed_it(tmp_path, typed):
    from workbooks import edit
    from xlreport.publish import publish

    def put(wb):
        wb["封面及正文"]["B6"] = typed  # 发布日期

    book = tmp_path / "年报.xlsx"
    book.write_bytes(edit(EXAMPLE.read_bytes(), put))
    result = publish(book, tmp_path / "年报.html")
    assert ">2025年1月20日</p>" in (tmp_path / "年报.html").read_text(encoding="utf-8")
    assert not any("发布日期" in n for n in result.notices)
