"""Problems found while writing the publishing guide (docs2), by running ``xlreport publish`` as a
newcomer would on the bundled examples.  The xfail tests are reported to the lead: they pass
(and then fail as XPASS, strict) once the code is fixed, and the marker is removed then."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT
from xlreport.cli import main
from xlreport.libreoffice import find_soffice

EXAMPLE = ROOT / "examples" / "2024_淮安市人民政府.xlsx"  # 2021 format, no errors
OTHER = ROOT / "examples" / "2022_湘潭县机关事务服务中心.xlsx"


@pytest.mark.skipif(find_soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler (pdftotext) is not installed")
def test_a_table_heading_row_never_ends_a_page_apart_from_its_rows(tmp_path):
    """表二's last block (第二十条第（八）项) was left alone at the foot of page 1, with its column
    labels and its value on page 2, in every 2021-format example: header rows now keep with the
    rows they head."""
    out = tmp_path / "年报.pdf"
    assert main(["publish", str(EXAMPLE), "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")

    def page_of(needle: str) -> int:
        return next(i for i, p in enumerate(pages) if needle in p)

    assert page_of("第二十条第（八）项") == page_of("行政事业性收费")



def test_a_draft_of_a_report_without_errors_does_not_say_it_has_errors(tmp_path):
    """--draft on a report without errors (a copy for review) printed 草稿：本报告存在错误 on every page."""
    import docx

    html, word = tmp_path / "审阅稿.html", tmp_path / "审阅稿.docx"
    assert main(["publish", str(EXAMPLE), "--draft", "-o", str(html), "-o", str(word)]) == 0
    page = html.read_text(encoding="utf-8")
    header = docx.Document(str(word)).sections[0].header.paragraphs[0].text
    for text in (page, header):
        assert "草稿" in text and "存在错误" not in text
    bad = ROOT / "examples" / "2023_淮安市洪泽区人民政府.xlsx"
    assert main(["publish", str(bad), "--draft", "-o", str(tmp_path / "草稿.html")]) == 0
    assert "草稿：本报告存在错误" in (tmp_path / "草稿.html").read_text(encoding="utf-8")


def test_out_dir_keeps_workbooks_of_the_same_name_in_different_subfolders_apart(tmp_path, capsys):
    src, out = tmp_path / "收到的报告", tmp_path / "发布稿"
    for sub, book in (("甲区", EXAMPLE), ("乙县", OTHER)):
        (src / sub).mkdir(parents=True)
        shutil.copy(book, src / sub / "年报.xlsx")
    out.mkdir()
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "html", "--force"]) == 0
    made = sorted(out.rglob("*.html"))
    assert [p.relative_to(out).as_posix() for p in made] == ["乙县/年报.html", "甲区/年报.html"]  # mirrored
    titles = sorted(p.read_text(encoding="utf-8").split("<title>")[1].split("</title>")[0] for p in made)
    assert titles == sorted(["淮安市人民政府2024年政府信息公开工作年度报告",
                             "湘潭县机关事务服务中心2022年政府信息公开工作年度报告"])


def test_out_dir_skips_excel_lock_files_as_check_does(tmp_path, capsys):
    src, out = tmp_path / "收到的报告", tmp_path / "发布稿"
    src.mkdir()
    out.mkdir()
    shutil.copy(EXAMPLE, src / EXAMPLE.name)
    (src / f"~${EXAMPLE.name}").write_bytes(b"\x0bsomeone" + b"\x00" * 40)  # what Excel leaves beside an open book
    assert main(["check", str(src)]) == 0
    capsys.readouterr()
    assert main(["publish", str(src), "--out-dir", str(out), "--to", "html"]) == 0
    assert [p.name for p in out.iterdir()] == [f"{EXAMPLE.stem}.html"]
    assert "错误" not in capsys.readouterr().err


def test_the_open_data_of_a_draft_cannot_be_taken_for_final_figures(tmp_path):
    book = ROOT / "examples" / "2023_淮安市洪泽区人民政府.xlsx"  # 表四 totals typed over: errors
    out = tmp_path / "年报.csv"
    code = main(["publish", str(book), "--draft", "--data", str(out)])
    if code == 0:  # written: then it says it is a draft
        assert "草稿" in out.read_text(encoding="utf-8-sig")
    else:  # or refused as a usage problem, writing nothing
        assert code == 2 and not out.exists()


def test_without_libreoffice_the_pdf_message_names_writer_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    """The PDF is made by LibreOffice Writer; the message said to install libreoffice-calc."""
    from xlreport import libreoffice

    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    outs = [tmp_path / "年报.html", tmp_path / "年报.pdf"]
    assert main(["publish", str(EXAMPLE)] + [a for o in outs for a in ("-o", str(o))]) == 2
    err = capsys.readouterr().err
    assert "无法生成 PDF" in err and "libreoffice-writer" in err and "libreoffice-calc" not in err
    assert list(tmp_path.iterdir()) == []  # the HTML of the same call is not left behind either
