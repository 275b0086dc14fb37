"""Variants of the real reports as real government pages and documents print them, each built
from a transcription (so every expected value is known) and read back: every certain cell equal
to the transcription, no wrong cell that is not marked uncertain, agency, year and format found."""
from __future__ import annotations

import re
from html import escape

import pytest

from conftest import REAL_JSON
from published_render import C, blocks, transcription
from test_published import cells
from xlreport.published import audit_text
from xlreport.published.extract import docx_text, html_text

AGENCY = "某市某某局"
CN_DIGITS = "〇一二三四五六七八九"


def wrong_cells(got: dict, want: dict) -> list:
    flat = dict(cells(got["tables"]))
    unsure = set(got["uncertain"])
    return [(p, v, flat.get(p, "MISSING")) for p, v in cells(want["tables"])
            if flat.get(p, "MISSING") != v and p not in unsure]


def cn_year(year: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(year))


# ---- document shapes -------------------------------------------------------------------------

def _cells_map(rows, f):
    return [[C(f(c.text), c.rows, c.cols) for c in line] for line in rows]


def _is_value(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(?:\.\d+)?", text))


def doc(report, year, *, title=None, heading=None, value=None, blank="", tail=(), head=()):
    """The blocks of a report with its title, headings and cell texts changed."""
    out = list(head)
    for n, (kind, content) in enumerate(blocks(report, AGENCY, year)):
        if n == 0 and title is not None:
            if title:
                out.append(("h", title))
            continue
        if kind == "h" and heading is not None:
            content = heading(content)
        if kind == "table":
            content = _cells_map(content, lambda t: (value(t) if value and _is_value(t) else
                                                     (blank if t == "" else t)))
        out.append((kind, content))
    return out + list(tail)


def html(parts, *, th_rows=0, nested=False, nbsp=False, split=None, heading_tag="strong", caption=False,
         repeat_header=False):
    out = ["<html><head><meta charset='utf-8'></head><body><div class='TRS_Editor'>"]
    for n, (kind, content) in enumerate(parts):
        if caption and kind == "h" and n + 1 < len(parts) and parts[n + 1][0] == "table":
            continue
        if kind == "h":
            out.append(f"<p><{heading_tag}>{escape(content)}</{heading_tag}></p>" if heading_tag
                       else f"<p>{escape(content)}</p>")
        elif kind == "p":
            out.append(f"<p style='text-indent:2em'>{escape(content)}</p>")
        else:
            out.append("<table border='1' cellspacing='0'>")
            if caption and parts[n - 1][0] == "h":
                out.append(f"<caption>{escape(parts[n - 1][1])}</caption>")
            out.append("<tbody>")
            head_rows = next((r for r, line in enumerate(content) if any(_is_value(c.text) for c in line)), 0)
            for r, line in enumerate(content):
                if split and r == split(content):
                    out.append("</tbody></table><p>&nbsp;</p><table border='1'><tbody>")
                    if repeat_header and head_rows:
                        out.extend("<tr>" + "".join(
                            f"<td{f' rowspan={c.rows}' if c.rows > 1 else ''}{f' colspan={c.cols}' if c.cols > 1 else ''}>"
                            f"{escape(c.text)}</td>" for c in h) + "</tr>" for h in content[:head_rows])
                tag = "th" if r < th_rows else "td"
                tds = []
                for c in line:
                    attrs = (f' rowspan="{c.rows}"' if c.rows > 1 else "") + (f' colspan="{c.cols}"' if c.cols > 1 else "")
                    text = escape(c.text)
                    if nbsp:
                        text = text or "&nbsp;"
                        text = f"&nbsp;{text}&nbsp;"
                    if nested:
                        text = f"<p style='text-align:center'><span style='font-family:仿宋'>{text}</span></p>"
                    tds.append(f"<{tag}{attrs} valign='middle'>{text}</{tag}>")
                out.append("<tr>" + "".join(tds) + "</tr>")
            out.append("</tbody></table>")
    out.append("</div></body></html>")
    return Page("\n".join(out))


def text(parts, *, sep="\n", row_end="\n", footer=None, every=8, repeat_header=False):
    """Plain text as copied from a page: the cells of a row (merged cells once) joined by ``sep``."""
    out = []
    for kind, content in parts:
        if kind != "table":
            out.append(content)
            continue
        header = [line for line in content[:3]]
        for r, line in enumerate(content):
            if footer and r and r % every == 0:
                out.append(footer(r // every))
                if repeat_header:
                    out.extend(sep.join(c.text for c in h) for h in header)
            out.append(sep.join(c.text for c in line))
    return row_end.join(out) + "\n"


class Word:
    """A Word document made by python-docx from the blocks."""

    def __init__(self, parts):
        self.parts = parts

    def data(self) -> bytes:
        import io

        import docx
        from published_render import grid

        document = docx.Document()
        for kind, content in self.parts:
            if kind != "table":
                document.add_paragraph(content)
                continue
            positions, width = grid(content)
            table = document.add_table(rows=len(content), cols=width)
            for r, c, cell in positions:
                target = table.cell(r, c)
                if cell.rows > 1 or cell.cols > 1:
                    target = target.merge(table.cell(r + cell.rows - 1, c + cell.cols - 1))
                target.text = cell.text
        buf = io.BytesIO()
        document.save(buf)
        return buf.getvalue()


class Page(str):
    """An HTML page (read through the HTML extractor, as a downloaded .html file is)."""


def read(content: str):
    if isinstance(content, Word):
        content = docx_text(content.data())
    elif isinstance(content, Page):
        content = html_text(content.encode("utf-8"))[0]
    return audit_text(content, source="variant").to_interchange()


# ---- the variants ----------------------------------------------------------------------------

def _split_mid(rows):
    return len(rows) // 2


NAV = [("p", w) for w in ("首页", "机构概况", "政务公开", "政务服务", "互动交流", "专题专栏",
                         "当前位置：首页 > 政务公开 > 政府信息公开年报", "【字体：大 中 小】", "打印本页", "关闭窗口",
                         "索引号：000000000/2024-00001", "主题分类：政务公开", "发文机关：", "成文日期：",
                         "标题：", "发文字号：", "发布日期：", "有效性：")]
FOOT = [("p", w) for w in ("【打印本页】【关闭窗口】", "相关链接", "网站地图 | 联系我们 | 隐私声明",
                          "主办：某市人民政府办公室　承办：某市大数据中心", "地址：某市某路1号　电话：0000-00000000",
                          "网站标识码：0000000000　备案号：某ICP备00000000号")]


def _spaced_labels(parts):
    """Short labels spread out with spaces, as Word users align them ("总  计", "自 然 人")."""
    def spread(t):
        return "  ".join(t) if 2 <= len(t) <= 4 and not _is_value(t) else t
    return [(k, _cells_map(v, spread) if k == "table" else v) for k, v in parts]


def _drop_blank_cells(parts):
    return [(k, [[c for c in line if c.text] for line in v] if k == "table" else v) for k, v in parts]


def _label_then_values(parts):
    """Rows whose label is on one line and whose numbers follow on the next (a narrow copy)."""
    out = []
    for kind, content in parts:
        if kind != "table":
            out.append((kind, content))
            continue
        rows = []
        for line in content:
            labels = [c for c in line if not _is_value(c.text)]
            values = [c for c in line if _is_value(c.text)]
            rows.append(labels if labels else values)
            if labels and values:
                rows.append(values)
        out.append((kind, rows))
    return out


def _heading_in_table(parts):
    """Each table's heading printed as the table's first row, across the whole width."""
    out = []
    for n, (kind, content) in enumerate(parts):
        if kind == "table" and out and out[-1][0] == "h":
            width = sum(c.cols for c in content[0])
            out[-1] = ("table", [[C(out[-1][1], cols=width)]] + content)
            continue
        out.append((kind, content))
    return out


VARIANTS = {
    "html_th_nested_nbsp": lambda r, y: html(doc(r, y), th_rows=2, nested=True, nbsp=True),
    "html_plain_headings": lambda r, y: html(doc(r, y), heading_tag=None),
    "html_table_split_in_two": lambda r, y: html(doc(r, y), split=_split_mid),
    "html_units_jian": lambda r, y: html(doc(r, y, value=lambda t: t + "件" if "." not in t else t)),
    "html_blank_dash": lambda r, y: html(doc(r, y, blank="——")),
    "html_blank_slash": lambda r, y: html(doc(r, y, blank="/")),
    "html_blank_wu": lambda r, y: html(doc(r, y, blank="无")),
    "html_full_width": lambda r, y: html(doc(r, y, value=lambda t: t.translate(
        {ord(c): 0xFF10 + int(c) for c in "0123456789"}))),
    "html_thousands": lambda r, y: html(doc(r, y, value=lambda t: f"{int(t):,}" if t.isdigit() else t)),
    "html_units_wanyuan": lambda r, y: html(doc(r, y, value=lambda t: t + ("万元" if "." in t else "件"))),
    "html_heading_row_inside_table": lambda r, y: html(_heading_in_table(doc(r, y))),
    "html_header_all_th": lambda r, y: html(doc(r, y), th_rows=4),
    "heading_paren": lambda r, y: html(doc(r, y, heading=lambda h: re.sub(r"^([一二三四五六七八九十]+)、", r"（\1）", h))),
    "heading_space": lambda r, y: html(doc(r, y, heading=lambda h: h.replace("、", "、 ", 1))),
    "text_tabs_thousands_full_width": lambda r, y: text(doc(r, y, value=lambda t: (
        f"{int(t):,}" if t.isdigit() else t).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})), sep="\t"),
    "text_cell_per_line_footer": lambda r, y: text(doc(r, y), sep="\n", footer=lambda n: f"- {n + 3} -"),
    "html_table_split_after_header": lambda r, y: html(doc(r, y), split=lambda rows: 3 if len(rows) > 8 else -1),
    "title_year_after": lambda r, y: html(doc(r, y, title=f"{AGENCY}政府信息公开工作年度报告（{y}年度）")),
    "web_page_chrome": lambda r, y: html(doc(r, y, head=NAV + [("p", f"来源：{AGENCY}　发布时间：{y + 1}-01-25 09:30　浏览次数：128")],
                                             tail=FOOT)),
    "text_spaces_blanks_left_out": lambda r, y: text(doc(r, y), sep="  "),
    "text_cell_per_line_blanks_left_out": lambda r, y: text(_drop_blank_cells(doc(r, y)), sep="\n"),
    "text_label_line_then_values": lambda r, y: text(_label_then_values(doc(r, y)), sep=" "),
    "text_tabs_units_trailing_tab": lambda r, y: text(doc(r, y, value=lambda t: t + ("万元" if "." in t else "件")),
                                                     sep="\t", row_end="\t\n"),
    "docx_marks_units_cn_signature": lambda r, y: Word(doc(
        r, y, blank="——", value=lambda t: t + ("万元" if "." in t else "件"),
        title=f"{cn_year(y)}年度政府信息公开工作年度报告",
        tail=[("p", AGENCY), ("p", f"{cn_year(y + 1)}年一月二十五日")])),
    "signature_one_line_then_page_footer": lambda r, y: html(doc(r, y, title=f"{y}年政府信息公开工作年度报告",
                                                                 tail=[("p", f"{AGENCY}　{y + 1}年1月25日")] + FOOT)),
    "html_heading_in_caption": lambda r, y: html(doc(r, y), caption=True),
    "html_split_with_header_repeated": lambda r, y: html(doc(r, y), split=_split_mid, repeat_header=True),
    "text_tabs_blank_hyphen": lambda r, y: text(doc(r, y, blank="-"), sep="\t"),
    "text_tabs_blank_emdash": lambda r, y: text(doc(r, y, blank="—"), sep="\t"),
    "html_spaced_short_labels": lambda r, y: html(_spaced_labels(doc(r, y))),
    "text_tabs_spaced_short_labels": lambda r, y: text(_spaced_labels(doc(r, y)), sep="\t"),
    "title_guanyu": lambda r, y: html(doc(r, y, title=f"{AGENCY}关于{y}年度政府信息公开工作的年度报告")),
    "title_cn_year": lambda r, y: html(doc(r, y, title=f"{AGENCY}{cn_year(y)}年政府信息公开工作年度报告")),
    "title_agency_in_signature": lambda r, y: html(doc(r, y, title=f"{y}年政府信息公开工作年度报告",
                                                       tail=[("p", AGENCY), ("p", f"{y + 1}年1月25日")])),
    "date_iso_posted": lambda r, y: html(doc(r, y, head=[("p", f"发布日期：{y + 1}-01-25")])),
    "date_iso_signature": lambda r, y: text(doc(r, y, tail=[("p", AGENCY), ("p", f"{y + 1}-01-25")]), sep="\t"),
    "date_cn_signature": lambda r, y: text(doc(r, y, title=f"{cn_year(y)}年度政府信息公开工作年度报告",
                                               tail=[("p", AGENCY), ("p", f"{cn_year(y + 1)}年一月二十五日")]),
                                           sep="\t"),
    "heading_dot": lambda r, y: html(doc(r, y, heading=lambda h: re.sub(r"^([一二三四五六七八九十]+)、", r"\1．", h))),
    "heading_part": lambda r, y: html(doc(r, y, heading=lambda h: re.sub(r"^([一二三四五六七八九十]+)、", r"第\1部分 ", h))),
    "text_cell_per_line": lambda r, y: text(doc(r, y), sep="\n"),
    "text_cell_per_line_blank_lines": lambda r, y: text(doc(r, y), sep="\n\n", row_end="\n\n"),
    "text_tabs": lambda r, y: text(doc(r, y), sep="\t"),
    "text_spaces": lambda r, y: text(doc(r, y, blank="——"), sep="   "),
    "text_tabs_footer": lambda r, y: text(doc(r, y), sep="\t", footer=lambda n: f"- {n + 3} -"),
    "text_tabs_footer_page_of": lambda r, y: text(doc(r, y), sep="\t", footer=lambda n: f"第 {n + 3} 页 共 9 页"),
    "text_tabs_repeated_header": lambda r, y: text(doc(r, y), sep="\t", footer=lambda n: f"- {n + 3} -",
                                                   repeat_header=True),
}

# the publication date each variant prints
DATED = {"title_agency_in_signature", "docx_marks_units_cn_signature", "signature_one_line_then_page_footer", "date_iso_posted", "date_iso_signature", "date_cn_signature"}

# a blank cell printed as nothing leaves no trace in these, so blanks may only be uncertain

@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_variant_reads_back(path, variant):
    want, report, year = transcription(path)
    got = read(VARIANTS[variant](report, year))
    assert wrong_cells(got, want) == []
    assert (got["agency"], got["year"], got["format"]) == (AGENCY, year, want["format"])
    assert sorted(got["missing"]) == sorted(want["missing"])
    if variant in DATED:
        assert got["published"] == f"{year + 1}-01-25"


def test_a_table_heading_in_caption_is_kept():
    page = "<table><caption>三、收到和处理政府信息公开申请情况</caption><tr><td>自然人</td><td>1</td></tr></table>"
    text = html_text(page.encode("utf-8"))[0]
    assert text.split("\n")[0] == "三、收到和处理政府信息公开申请情况"


@pytest.mark.parametrize("agency", ["某县人民政府办公室", "某市住房和城乡建设局", "某市发展和改革委员会",
                                    "某区某某街道办事处", "某某镇人民政府", "某市公共资源交易中心"])
@pytest.mark.parametrize("where", ["title", "guanyu", "signature", "source"])
def test_agency_names_found_wherever_printed(agency, where):
    path = next(p for p in REAL_JSON if p.stem.startswith("2023"))
    _, report, year = transcription(path)
    title = {"title": f"{agency}{year}年政府信息公开工作年度报告",
             "guanyu": f"{agency}关于{year}年度政府信息公开工作的年度报告"}.get(where, f"{year}年政府信息公开工作年度报告")
    head = [("p", f"来源：{agency}　发布时间：{year + 1}-01-20")] if where == "source" else []
    tail = [("p", agency), ("p", f"{year + 1}年1月20日")] if where == "signature" else []
    got = read(text(doc(report, year, title=title, head=head, tail=tail), sep="\t"))
    assert (got["agency"], got["year"]) == (agency, year)


def test_no_agency_is_made_up_from_a_closing_sentence():
    path = next(p for p in REAL_JSON if p.stem.startswith("2023"))
    _, report, year = transcription(path)
    got = read(text(doc(report, year, title=f"{year}年政府信息公开工作年度报告",
                        tail=[("p", "特此报告。"), ("p", "六、其他需要报告的事项")]), sep="\t"))
    assert got["agency"] is None


def test_years_and_dates_in_chinese_numerals():
    from xlreport.published.parser import _cn_dates

    assert _cn_dates("二〇二三年度报告") == "2023年度报告"
    assert _cn_dates("二0二四年一月二十五日") == "2024年1月25日"
    assert _cn_dates("二○二四年十二月十日") == "2024年12月10日"
    assert _cn_dates("2023年1月1日") == "2023年1月1日"
