"""Reading the real published reports: every report in tests/data/reports parses to its hand
transcription, the findings agree with its checks, and the hard cases each have a focused test
on a small real excerpt."""
from __future__ import annotations

import json

import pytest

from conftest import REAL_JSON, REPORTS
from xlreport import RULES
from xlreport.published import audit_file, audit_text
from xlreport.published.extract import decode, read_document
from xlreport.published.parser import row_specs, splits
from xlreport.published.text import canon, normalize_lines

CHECKS = {"三_balance": "三.balance", "三_row_totals": "三.row_total", "三_subtotal": "三.subtotal",
          "四_totals": "四.total"}


def cells(tables: dict):
    for tid, rows in tables.items():
        for row, cols in rows.items():
            for col, v in cols.items():
                yield f"{tid}/{row}/{col}", v


def compare(got: dict, want: dict) -> list:
    """Differences between a parse and a transcription: every certain cell must be equal, every
    cell the transcription marks uncertain must be equal or marked uncertain by the parse."""
    wu, gu = set(want.get("uncertain", [])), set(got["uncertain"])
    flat = dict(cells(got["tables"]))
    bad = []
    for path, v in cells(want["tables"]):
        g = flat.get(path, "MISSING")
        if g != v and not (path in wu and path in gu):
            bad.append((path, v, g))
    return bad


@pytest.fixture(scope="module")
def audits():
    return {p.stem: audit_file(p.with_suffix(".txt")) for p in REAL_JSON}


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_each_real_report_parses_to_its_transcription(path, audits):
    want = json.loads(path.read_text(encoding="utf-8"))
    got = audits[path.stem].to_interchange()
    assert compare(got, want) == []
    assert got["format"] == want["format"]
    assert sorted(got["missing"]) == sorted(want["missing"])
    assert got["year"] == int(path.name[:4])


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_each_real_report_findings_agree_with_its_checks(path, audits):
    want = json.loads(path.read_text(encoding="utf-8"))
    fired = {f.rule for f in audits[path.stem].findings}
    for check, ok in want["checks"].items():
        assert (CHECKS[check] not in fired) == ok, check


def test_uncertain_cells_are_exactly_where_the_text_does_not_decide(audits):
    got = set(audits["2020_hebei-gxt_1"].to_interchange()["uncertain"])
    want = set(json.loads((REPORTS / "2020_hebei-gxt_1.json").read_text(encoding="utf-8"))["uncertain"])
    assert want <= got
    # a blank may also have been dropped from the total, so a row's 总计 is not certain either;
    # and 表二 drops blanks ("其他对外管理服务事项00" for three cells), so its run-together rows
    # ("规范性文件222", "行政事业性收费30") may hold fewer cells than they split into (no rule decides)
    extra = got - want
    assert {p.rsplit("/", 1)[1] for p in extra if not p.startswith("二/")} <= {"总计"}
    assert audits["2022_xiangtan-county_jiguan-shiwu"].report.uncertain == set()
    assert audits["2024_huaian-shi_1"].report.uncertain == set()


def test_metadata_of_the_real_reports(audits):
    a = audits["2023_huaian-hongzequ_1"].report
    assert (a.agency, a.year, a.version, a.layouts) == ("洪泽区人民政府", 2023, "2019", {"二": "2021"})
    b = audits["2019_hebei-jyt_1"].report
    assert (b.agency, b.published.isoformat()) == ("河北省教育厅", "2020-01-15")
    assert audits["2022_xiangtan-county_jiguan-shiwu"].report.agency == "湘潭县机关事务服务中心"
    assert "本年度未收取信息处理费用" in audits["2022_xiangtan-county_jiguan-shiwu"].report.texts["s6"]


def test_the_real_label_typo_is_a_warning_and_correct_labels_are_quiet(audits):
    typos = [f for f in audits["2023_huaian-hongzequ_1"].findings if f.rule == "parse.label_typo"]
    assert len(typos) == 1 and "其他法律行政止公开" in typos[0].message and typos[0].severity == "warning"
    for stem in ("2024_huaian-shi_1", "2022_hebei-gxt_1", "2019_hebei-jyt_1"):
        assert not any(f.rule == "parse.label_typo" for f in audits[stem].findings)


def test_the_sentence_instead_of_table_four_is_a_missing_table(audits):
    a = audits["2020_hebei-gxt_1"]
    assert "四" in a.report.missing_tables
    assert any(f.rule == "table.missing" and f.table == "四" for f in a.findings)


def test_the_2019_row_in_a_2023_report_is_outdated(audits):
    assert any(f.rule == "layout.outdated" for f in audits["2023_huaian-hongzequ_1"].findings)
    assert not any(f.rule == "layout.outdated" for f in audits["2024_huaian-shi_1"].findings)


# -- the hard cases, on small real excerpts -----------------------------------------------------

T3_2021 = [s.label for s in row_specs("2021", "三")]


def t3_text(rows: list[str], sep="\n", head="三、收到和处理政府信息公开申请情况\n") -> str:
    """A table 三 built from real row texts (each a label followed by its cells)."""
    return ("某局2022年政府信息公开工作年度报告\n一、总体情况\n工作情况。\n二、主动公开政府信息情况\n"
            + head + sep.join(rows) + "\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n无\n")


def zero_rows(version="2021", values=None):
    values = values or {}
    return [f"{label}{values.get(label, '0000000')}" for label in (s.label for s in row_specs(version, "三"))]


def test_run_together_digits_split_three_ways_are_decided_by_the_columns():
    # 2022 河北省工信厅: rows 一 and （七） are both "121010014"
    v = {T3_2021[0]: "121010014", "（一）予以公开": "3101005", T3_2021[3]: "1000001",
         "1.本机关不掌握相关政府信息": "8000008", "（七）总计": "121010014"}
    a = audit_text(t3_text(zero_rows(values=v), sep=""))
    t3 = a.to_interchange()["tables"]["三"]
    assert list(t3["（七）总计"].values()) == [12, 1, 0, 1, 0, 0, 14]
    assert list(t3[T3_2021[0]].values()) == [12, 1, 0, 1, 0, 0, 14]
    assert a.report.uncertain == set()


def test_digits_that_still_split_several_ways_are_uncertain_never_guessed():
    # when the leaf row is just as ambiguous the column rules cannot decide "121010014"
    v = {T3_2021[0]: "121010014", "（一）予以公开": "121010014", "（七）总计": "121010014"}
    a = audit_text(t3_text(zero_rows(values=v), sep=""))
    unsure = a.to_interchange()["uncertain"]
    assert f"三/{T3_2021[0]}/自然人" in unsure and f"三/{T3_2021[0]}/总计" not in unsure
    assert any(f.rule == "parse.uncertain" for f in a.findings)
    # the reading shown still satisfies the rules, so no false sum errors
    assert not any(f.rule.startswith("三.") for f in a.findings)


def test_digits_that_no_split_fits_are_a_finding():
    v = {"2.重复申请": "99999999"}  # seven ways to cut it, none sums to its total
    a = audit_text(t3_text(zero_rows(values=v), sep=""))
    f = [f for f in a.findings if f.rule == "parse.no_split"]
    assert f and "99999999" in f[0].message and f[0].severity == "error"
    assert "三/2.重复申请/总计" in a.to_interchange()["uncertain"]
    quiet = audit_text(t3_text(zero_rows(), sep=""))
    assert not any(f.rule in ("parse.no_split", "parse.uncertain") for f in quiet.findings)


def test_blank_cells_dropped_from_run_together_digits_lose_their_positions():
    # 2020 河北省工信厅: "一、本年新收政府信息公开申请数量11二、上年结转…" (one applicant, total 1)
    v = {T3_2021[0]: "11", T3_2021[3]: "11", "（七）总计": "11"}
    rows = [f"{label}{v.get(label, '')}" for label in T3_2021]
    a = audit_text(t3_text(rows, sep=""))
    got = a.to_interchange()
    assert got["tables"]["三"]["（七）总计"]["总计"] == 1  # the reading shown keeps the total
    assert {f"三/（七）总计/{c}" for c in ("自然人", "商业企业", "其他", "总计")} <= set(got["uncertain"])
    assert "三/（一）予以公开/自然人" not in got["uncertain"]  # a row without digits is blank


def test_one_cell_per_line_with_blank_runs_keeps_blank_positions():
    # 2021 河北省教育厅: cells separated by two blank lines, a blank cell adds three
    rows = []
    for label in T3_2021:
        vals = ["0"] * 7
        if label == T3_2021[1]:
            vals = ["0"] * 6 + [None]
        body = label + "".join("\n\n\n" + x if x is not None else "\n\n\n" for x in vals)
        rows.append(body)
    a = audit_text(t3_text(rows, sep="\n\n\n\n\n"))
    got = a.to_interchange()
    assert got["tables"]["三"][T3_2021[1]]["总计"] is None
    assert got["tables"]["三"][T3_2021[1]]["其他"] == 0
    assert got["uncertain"] == []
    blanks = [f for f in a.findings if f.rule.startswith(("value.blank", "table.blank"))]
    assert [f.rule for f in blanks] == ["table.blank_cells"] and T3_2021[1] in blanks[0].message


def test_pdf_rows_whose_numbers_sit_between_label_fragments():
    # 2023 洪泽区 / 2024 淮安市 pdfplumber text
    text = (REPORTS / "2024_huaian-shi_1.txt").read_text(encoding="utf-8")
    a = audit_text(text)
    t3 = a.to_interchange()["tables"]["三"]
    assert list(t3["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"].values()) == [447, 7, 0, 0, 0, 0, 454]
    assert list(t3["1.本机关不掌握相关政府信息"].values()) == [746, 12, 0, 0, 10, 1, 769]


def test_normalisation_of_published_text():
    lines = normalize_lines("１、申请人\u3000无正当理由\n- 4 -\n第 3 页\n２０２２年\n")
    assert lines[:2] == ["1.申请人 无正当理由", "2022年"]
    assert canon("（二）部分公开 （区分处理的，只计这一情形，不计其他情形）") == canon(T3_2021[3])


def test_units_in_cells_and_full_width_digits():
    text = ("某局2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n"
            "规章 ０ ０ ０\n行政规范性文件 1 0 12\n第二十条第（五）项\n行政许可 5件\n第二十条第（六）项\n行政处罚 3\n行政强制 0\n"
            "第二十条第（八）项\n行政事业性收费 25.1万元\n三、收到和处理政府信息公开申请情况\n")
    t2 = audit_text(text).to_interchange()["tables"]["二"]
    assert t2["行政许可"]["本年处理决定数量"] == 5
    assert t2["行政事业性收费"]["本年收费金额（单位：万元）"] == 25.1
    assert t2["规章"]["现行有效件数"] == 0


def test_splits_respect_kinds_and_leading_zeros():
    from xlreport.formats import Kind
    assert splits(["5426"], [Kind.COUNT] * 3) == [("5", "4", "26"), ("5", "42", "6"), ("54", "2", "6")]
    assert splits(["0012"], [Kind.COUNT] * 3) == [("0", "0", "12")]
    assert ("97", "+82", "179") in splits(["97+82179"], [Kind.COUNT, Kind.SIGNED, Kind.COUNT])
    assert all(p[1].startswith("+") for p in splits(["97+82179"], [Kind.COUNT, Kind.SIGNED, Kind.COUNT]))


# -- the narrative, the deadline, the fee -----------------------------------------------------------

def test_narrative_number_contradicting_table_three():
    rows = []
    for label in T3_2021:
        vals = ["0"] * 7
        if label in (T3_2021[0], "（一）予以公开", "（七）总计"):
            vals = ["95", "0", "0", "0", "0", "0", "95"]
        rows.append(label + " " + " ".join(vals))
    text = t3_text(rows).replace("工作情况。", "本年度共收到政府信息公开申请17件。")
    a = audit_text(text)
    f = [f for f in a.findings if f.rule == "text.narrative_mismatch"]
    assert f and "17" in f[0].message and "95" in f[0].message
    assert not any(f.rule == "text.narrative_mismatch"
                   for f in audit_text(text.replace("申请17件", "申请95件")).findings)


def test_publication_after_the_deadline():
    rows = [label + " " + " ".join(["0"] * 7) for label in T3_2021]
    text = t3_text(rows) + "六、其他需要报告的事项\n本年度未收取信息处理费。\n某局\n2023年3月5日\n"
    a = audit_text(text)
    assert a.report.published.isoformat() == "2023-03-05"
    assert any(f.rule == "text.late" and "2023年1月31日" in f.message for f in a.findings)
    on_time = audit_text(text.replace("2023年3月5日", "2023年1月20日"))
    assert not any(f.rule == "text.late" for f in on_time.findings)
    government = audit_text(text.replace("某局", "某县人民政府"))
    assert not any(f.rule == "text.late" for f in government.findings)  # 3月31日 for a government


def test_section_six_silent_on_the_fee():
    rows = [label + " " + " ".join(["0"] * 7) for label in T3_2021]
    silent = audit_text(t3_text(rows) + "六、其他需要报告的事项\n无。\n")
    assert any(f.rule == "text.fee" for f in silent.findings)
    said = audit_text(t3_text(rows) + "六、其他需要报告的事项\n本年度未收取信息处理费。\n")
    assert not any(f.rule == "text.fee" for f in said.findings)


# -- bad input ----------------------------------------------------------------------------------------

def test_bad_files_are_findings_not_crashes(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 40)
    blank = tmp_path / "blank.html"
    blank.write_text("<html><body>   </body></html>", encoding="utf-8")
    fake_pdf = tmp_path / "fake.pdf"
    fake_pdf.write_bytes(b"%PDF-1.4\nnot really a pdf")
    fake_docx = tmp_path / "fake.docx"
    fake_docx.write_bytes(b"PK\x03\x04garbage")
    other = tmp_path / "menu.txt"
    other.write_text("今日菜单\n红烧肉 25元\n青菜 8元\n", encoding="utf-8")
    expected = {empty: "doc.empty", garbage: "doc.unreadable", blank: "doc.empty",
                fake_pdf: "doc.unreadable", fake_docx: "doc.unreadable", other: "parse.unrecognised"}
    for path, rule in expected.items():
        a = audit_file(path)
        assert a.report is None and [f.rule for f in a.findings] == [rule], path
        assert RULES[rule].severity == "error"
    assert "未识别为政府信息公开工作年度报告" in audit_file(other).findings[0].message


def test_a_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    from xlreport.published import extract
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    monkeypatch.setattr(extract, "MAX_BYTES", 1024)
    a = audit_file(big)
    assert [f.rule for f in a.findings] == ["doc.too_large"]
    monkeypatch.setattr(extract, "MAX_BYTES", 30 * 1024 * 1024)
    assert audit_file(REPORTS / "2024_huaian-shi_1.txt").report is not None


def test_good_files_have_no_document_findings(audits):
    for a in audits.values():
        assert not any(f.rule.startswith(("doc.", "parse.unrecognised")) for f in a.findings)


def test_gb18030_text_is_detected(tmp_path):
    src = (REPORTS / "2022_hebei-gxt_1.txt").read_text(encoding="utf-8")
    gb = tmp_path / "gb.txt"
    gb.write_bytes(src.encode("gb18030"))
    doc = read_document(gb)
    assert doc.encoding == "gb18030" and doc.text == src
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + src.encode("utf-8"))
    assert read_document(bom).text == src
    want = json.loads((REPORTS / "2022_hebei-gxt_1.json").read_text(encoding="utf-8"))
    assert compare(audit_file(gb).to_interchange(), want) == []
    assert decode(b"\x00\x01\x02binary")[0] is None


def test_tab_separated_rows_keep_their_blank_cells():
    # a table copied from a web page or a sheet: one row per line, cells separated by tabs
    rows = []
    for label in T3_2021:
        vals = ["0"] * 7
        if label == T3_2021[0]:
            vals = ["3,001", "53", "", "", "61", "4", "3,119"]
        if label == "（七）总计":
            vals = ["3,001", "53", "", "", "61", "4", "3,119"]
        rows.append("\t".join([label] + vals))
    got = audit_text(t3_text(rows)).to_interchange()
    assert got["tables"]["三"][T3_2021[0]] == {"自然人": 3001, "商业企业": 53, "科研机构": None, "社会公益组织": None,
                                              "法律服务机构": 61, "其他": 4, "总计": 3119}
    assert got["uncertain"] == []


def test_pdf_layout_text_places_numbers_of_rows_with_blank_cells_under_their_columns():
    # pdftotext -layout keeps the printed columns: a row that lost blanks is placed by position
    rows = []
    for label in T3_2021:
        cells = ["0"] * 7
        if label == T3_2021[1]:
            cells = ["34", "", "", "", "", "", "34"]
        line = label.ljust(40)
        for j, v in enumerate(cells):
            line = line.ljust(40 + 10 * (j + 1) - len(v)) + v
        rows.append(line)
    got = audit_text(t3_text(rows)).to_interchange()
    assert got["tables"]["三"][T3_2021[1]] == {"自然人": 34, "商业企业": None, "科研机构": None, "社会公益组织": None,
                                              "法律服务机构": None, "其他": None, "总计": 34}
    assert got["uncertain"] == []
    # without the layout (single spaces, as pdfplumber gives) the same row is uncertain
    flat = [" ".join(r.split()) for r in rows]
    assert f"三/{T3_2021[1]}/商业企业" in audit_text(t3_text(flat)).to_interchange()["uncertain"]


def test_other_numbers_in_the_narrative_are_not_compared():
    rows = [label + " " + " ".join(["0"] * 7) for label in T3_2021]
    text = t3_text(rows).replace("工作情况。", "全年收到行政复议申请2件，未收到政府信息公开申请。")
    assert not any(f.rule == "text.narrative_mismatch" for f in audit_text(text).findings)
    text = t3_text(rows).replace("工作情况。", "全年共受理依申请公开事项3件。")
    assert any(f.rule == "text.narrative_mismatch" for f in audit_text(text).findings)


def test_a_row_whose_label_is_not_found_is_uncertain_not_blank():
    rows = [label + " " + " ".join(["0"] * 7) for label in T3_2021 if label != "2.重复申请"]
    a = audit_text(t3_text(rows))
    got = a.to_interchange()
    assert {f"三/2.重复申请/{c}" for c in ("自然人", "总计")} <= set(got["uncertain"])
    assert any(f.rule == "parse.uncertain" and "找不到该行的标签" in f.message for f in a.findings)


def test_mangled_real_reports_never_crash_the_parser():
    import random
    texts = [p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt"))]
    rnd = random.Random(7)
    for _ in range(150):
        t = rnd.choice(texts)
        a, b = sorted(rnd.randrange(len(t)) for _ in range(2))
        t = rnd.choice([t[:a], t[a:], t[:a] + t[b:],
                        "".join(c if rnd.random() > 0.05 else rnd.choice("0123456789 \n\t、.") for c in t)])
        audit_text(t)  # any finding is fine; an exception is not


def test_a_very_long_run_of_digits_is_uncertain_not_a_hang():
    v = {"2.重复申请": "1" * 60}
    a = audit_text(t3_text(zero_rows(values=v), sep=""))
    assert "三/2.重复申请/自然人" in a.to_interchange()["uncertain"]
    assert any(f.rule in ("parse.uncertain", "parse.no_split") for f in a.findings)


@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_reworded_section_headings_give_the_same_tables(path, audits):
    import re
    text = path.with_suffix(".txt").read_text(encoding="utf-8")
    text = text.replace("三、收到和处理政府信息公开申请情况", "三、收到和处理申请的情况") \
               .replace("二、主动公开政府信息情况", "二、主动公开情况")
    text = re.sub(r"四、(因)?政府信息公开(工作)?(被申请)?行政复议、(提起)?行政诉讼情况", "四、复议诉讼", text)
    got = audit_text(text).to_interchange()
    want = audits[path.stem].to_interchange()
    assert (got["tables"], got["missing"], sorted(got["uncertain"])) == \
           (want["tables"], want["missing"], sorted(want["uncertain"]))


def test_a_web_page_publication_date_comes_first():
    rows = [label + " " + " ".join(["0"] * 7) for label in T3_2021]
    text = "发布时间：2023-02-10  来源：某局\n" + t3_text(rows) + "六、其他需要报告的事项\n本年度未收取信息处理费。\n某局\n2023年1月20日\n"
    a = audit_text(text)
    assert a.report.published.isoformat() == "2023-02-10"
    assert any(f.rule == "text.late" for f in a.findings)


def test_pdf_text_with_a_row_short_goes_by_the_nearest_label():
    # 2023 洪泽区 with one row printed blank: numbers no longer pair with rows in order
    want = json.loads((REPORTS / "2023_huaian-hongzequ_1.json").read_text(encoding="utf-8"))
    text = (REPORTS / "2023_huaian-hongzequ_1.txt").read_text(encoding="utf-8")
    got = audit_text(text.replace("7.属于行政执法案卷 1 0 0 0 0 0 1", "7.属于行政执法案卷")).to_interchange()
    wrong = [(p, v) for p, v in cells({"三": want["tables"]["三"]})
             if dict(cells(got["tables"]))[p] != v and p not in got["uncertain"]]
    assert wrong == []
    assert {p.split("/")[1] for p in got["uncertain"]} == {"7.属于行政执法案卷"}


def test_an_article_about_administrative_review_is_not_a_report():
    text = ("关于行政复议和行政诉讼的说明\n四、行政复议与行政诉讼的衔接\n结果维持 结果纠正 其他结果 尚未审结 总计\n"
            "12 3 1 0 16\n本文介绍行政复议、行政诉讼的基本程序。\n")
    a = audit_text(text)
    assert a.report is None and [f.rule for f in a.findings] == ["parse.unrecognised"]


def test_a_bare_page_number_inside_pdf_text_is_not_a_cell():
    text = (REPORTS / "2024_huaian-shi_1.txt").read_text(encoding="utf-8").replace("- 4 -", "4")
    want = json.loads((REPORTS / "2024_huaian-shi_1.json").read_text(encoding="utf-8"))
    got = audit_text(text).to_interchange()
    assert compare(got, want) == [] and got["uncertain"] == []


def test_a_table_cell_reading_wu_is_blank():
    rows = ["\t".join([label] + ["0"] * 7) for label in T3_2021]
    rows[1] = "\t".join([T3_2021[1], "无", "无", "无", "无", "无", "无", "无"])
    got = audit_text(t3_text(rows)).to_interchange()
    assert set(got["tables"]["三"][T3_2021[1]].values()) == {None}
    assert got["uncertain"] == []
