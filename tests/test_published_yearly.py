"""Year on year (audit --previous): reports matched to last year's by agency and year."""
from __future__ import annotations

import json

import pytest

from conftest import REAL_JSON
from published_render import to_html, transcription
from xlreport import Report
from xlreport.cli import main

AGENCY = "某市某某局"
PATH = next(p for p in REAL_JSON if p.stem.startswith("2024"))


def _copy(report: Report, year: int) -> Report:
    return Report(report.format, dict(report.values), dict(report.texts), agency=AGENCY, year=year,
                  layouts=dict(report.layouts))


def pair():
    """This year's report (the real 2024 one) and a consistent last year's: its 结转下年度 is this
    year's 上年结转 and its 现行有效 chains to this year's."""
    _, report, year = transcription(PATH)
    now, before = _copy(report, year), _copy(report, year - 1)
    for c in report.format.table("三").blocks[0].columns:
        delta = now.values[f"t3.carried_in.{c.id}"] - before.values[f"t3.carried_out.{c.id}"]
        before.values[f"t3.carried_out.{c.id}"] += delta
        before.values[f"t3.new.{c.id}"] += delta
    for row in ("rules", "normative"):
        before.values[f"t2.{row}.in_force"] = (now.values[f"t2.{row}.in_force"] - now.values[f"t2.{row}.issued"]
                                               + now.values[f"t2.{row}.repealed"])
    return now, before, year


def write(folder, report, year, name, s5=None):
    folder.mkdir(exist_ok=True)
    page = to_html(report, AGENCY, year)
    if s5:
        page = page.replace("政务公开工作与群众期待还有差距，下一步将继续改进。", s5)
    (folder / name).write_text(page, encoding="utf-8")
    return folder / name


def audit(capsys, *argv):
    code = main(["audit", "--json", *map(str, argv)])
    return code, json.loads(capsys.readouterr().out)


LONG = ("一是主动公开的深度和广度还需进一步拓展，部分领域信息更新不够及时；二是政策解读的形式比较单一，"
        "图解、视频等解读方式运用不多；三是依申请公开办理的规范化水平有待提高。下一步将加强培训，完善制度。")


def test_a_consistent_pair_adds_nothing_but_checks(capsys, tmp_path):
    now, before, year = pair()
    cur = write(tmp_path / "本年", now, year, "本年.html")
    write(tmp_path / "上年", before, year - 1, "上年.html")
    code, [got] = audit(capsys, cur, "--previous", tmp_path / "上年")
    rules = [f["rule"] for f in got["findings"]]
    assert code == 0 and not any(r.startswith(("跨年", "text.copied", "trend.")) for r in rules)


def test_carry_over_and_in_force_chain_mismatches_are_reported(capsys, tmp_path):
    now, before, year = pair()
    before.values["t3.carried_out.natural"] += 5
    before.values["t3.new.natural"] += 5
    before.values["t3.carried_out.total"] += 5
    before.values["t3.new.total"] += 5
    before.values["t2.rules.in_force"] += 2
    cur = write(tmp_path / "本年", now, year, "本年.html")
    write(tmp_path / "上年", before, year - 1, "上年.html")
    code, [got] = audit(capsys, cur, "--previous", tmp_path / "上年")
    found = {(f["rule"], f["severity"]) for f in got["findings"]}
    assert code == 1
    assert ("跨年.carry_over", "error") in found and ("跨年.in_force", "warning") in found
    carry = [f for f in got["findings"] if f["rule"] == "跨年.carry_over"]
    assert {f["message"].split("「")[1].split("」")[0] for f in carry} == {"自然人", "总计"}


def test_copied_sections_and_a_swing_are_hints(capsys, tmp_path):
    now, before, year = pair()
    for c in ("natural", "total"):  # a tenth of the applications last year
        before.values[f"t3.new.{c}"] -= 2700
        before.values[f"t3.result_total.{c}"] -= 2700
        before.values[f"t3.granted.{c}"] -= 1200
        before.values[f"t3.unable_not_held.{c}"] -= 700
        before.values[f"t3.refused_query.{c}"] -= 100
        before.values[f"t3.partial.{c}"] -= 400
        before.values[f"t3.other_misc.{c}"] -= 100
        before.values[f"t3.declined_petition.{c}"] -= 50
        before.values[f"t3.refused_process.{c}"] -= 10
        before.values[f"t3.unable_create.{c}"] -= 10
        before.values[f"t3.declined_repeat.{c}"] -= 20
        before.values[f"t3.other_no_correction.{c}"] -= 60
        before.values[f"t3.refused_law.{c}"] -= 20
        before.values[f"t3.refused_third_party.{c}"] -= 0
    cur = write(tmp_path / "本年", now, year, "本年.html", s5=LONG)
    write(tmp_path / "上年", before, year - 1, "上年.html", s5=LONG.replace("下一步", "今后"))
    code, [got] = audit(capsys, cur, "--previous", tmp_path / "上年")
    hints = {f["rule"]: f for f in got["findings"] if f["rule"] in ("text.copied", "trend.swing")}
    assert set(hints) == {"text.copied", "trend.swing"}
    assert all(f["severity"] == "warning" for f in hints.values())
    assert "五、存在的主要问题及改进情况" in hints["text.copied"]["message"]
    assert "上年为" in hints["trend.swing"]["message"]


def test_only_the_same_agency_and_the_year_before_are_matched(capsys, tmp_path):
    now, before, year = pair()
    before.values["t3.carried_out.natural"] += 5  # would be an error if matched
    cur = write(tmp_path / "本年", now, year, "本年.html")
    write(tmp_path / "两年前", before, year - 2, "两年前.html")
    other = tmp_path / "他单位"
    other.mkdir()
    (other / "x.html").write_text(to_html(before, "另一个局", year - 1), encoding="utf-8")
    for folder in ("两年前", "他单位"):
        code, [got] = audit(capsys, cur, "--previous", tmp_path / folder)
        assert not any(f["rule"].startswith("跨年") for f in got["findings"])


def test_previous_must_be_a_folder(capsys, tmp_path):
    now, _, year = pair()
    cur = write(tmp_path / "本年", now, year, "本年.html")
    assert main(["audit", str(cur), "--previous", str(cur)]) == 2
    assert "文件夹" in capsys.readouterr().err


def test_an_uncertain_cell_makes_the_carry_over_unverifiable():
    from xlreport.published.yearly import year_on_year

    now, before, year = pair()
    before.values["t3.carried_out.natural"] += 5
    before.uncertain = {"t3.carried_out.natural"}
    found = year_on_year(now, before, "上年.html")
    assert not any(f.rule == "跨年.carry_over" and "自然人" == f.where for f in found)
    assert any(f.rule == "parse.cannot_verify" and f.where == "自然人" for f in found)


@pytest.mark.parametrize("a,b,expect", [("完全相同的一段文字" * 5, "完全相同的一段文字" * 5, 1.0),
                                        ("甲乙丙丁" * 10, "戊己庚辛" * 10, 0.0)])
def test_similarity(a, b, expect):
    from xlreport.published.yearly import similarity

    assert similarity(a, b) == expect
