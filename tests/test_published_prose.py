"""The texts of 一, 五, 六 as published, not as printed: a PDF's line wraps inside paragraphs
re-joined where a line ends at the right margin without ending a sentence, the space a PDF's
text layer puts between Chinese and digits dropped, and the 落款 below the last section left out.
Built from the real reports in the repository (two of them are PDF text copies)."""
from __future__ import annotations

from conftest import REPORTS
from xlreport.published import audit_file, audit_text
from xlreport.published.text import print_margin, rewrap

HUAIAN = REPORTS / "2024_huaian-shi_1.txt"  # a PDF's text: lines wrapped at the margin, "2024 年"


def test_wrapped_lines_of_a_pdf_copy_are_joined_into_paragraphs():
    texts = audit_file(HUAIAN).report.texts
    assert texts["s6"] == "2024年，市政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费3940元。"
    paragraphs = texts["s5"].split("\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("对照上级新要求") and paragraphs[0].endswith("流动性过快的问题。")
    assert all(p.startswith("（") for p in texts["s1"].split("\n")[1:])  # one paragraph per numbered item


def test_paragraphs_of_a_web_copy_are_left_as_they_are():
    """A copy of a web page has one line per paragraph: no margin, nothing joined, spaces kept."""
    path = REPORTS / "2022_xiangtan-county_jiguan-shiwu.txt"
    text = path.read_text(encoding="utf-8")
    assert print_margin(text.split("\n")) is None
    s1 = audit_file(path).report.texts["s1"]
    assert "（二）依法依申请公开方面\n" in s1


def test_a_line_ending_a_sentence_or_followed_by_an_item_is_not_joined():
    lines = ["本机关坚持以公开为常态、不公开为例外，全面推进决策、执行、管理", "服务、结果公开。",
             "（一）主动公开情况。本机关全年主动公开政府信息一百二十八条，其中", "规章零件。"]
    margin = (50, 70)
    assert rewrap(lines, margin) == ["本机关坚持以公开为常态、不公开为例外，全面推进决策、执行、管理服务、结果公开。",
                                     "（一）主动公开情况。本机关全年主动公开政府信息一百二十八条，其中规章零件。"]
    assert rewrap(["第一段落的文字写满了这一整行但是没有句号结束的地方在这里", "（二）下一项"], margin)[1] == "（二）下一项"
    assert rewrap(["x" * 60, "    下一段首行缩进", "续行"], margin)[1] == "    下一段首行缩进"


def test_signature_below_the_last_section_is_not_its_text():
    for name, key, last in (("2021_hebei-jyt_1", "s6", "无。"), ("2019_hebei-jyt_1", "s5", "加强与公众的互动交流。")):
        text = audit_file(REPORTS / f"{name}.txt").report.texts[key]
        assert text.endswith(last), (name, text[-40:])
        assert "河北省教育厅" not in text.split("\n")[-1]


def test_signature_forms():
    """The 落款 as real reports print it, on the report whose 六 is "无。"."""
    text = (REPORTS / "2021_hebei-jyt_1.txt").read_text(encoding="utf-8")
    body = text[:text.rindex("无。") + 2]
    for sign in ("某某市某某局\n2024年1月20日", "某某市某某局 2024年1月20日", "某某市人民政府办公室\n二〇二四年一月二十日",
                 "2024年1月20日", "\n\n      某某县人民政府办公室\n\n      2024-01-20\n"):
        assert audit_text(f"{body}\n{sign}\n").report.texts["s6"] == "无。", sign
    # a last line that only looks short is kept
    assert audit_text(f"{body}\n其他事项详见附件\n").report.texts["s6"] == "无。\n其他事项详见附件"
