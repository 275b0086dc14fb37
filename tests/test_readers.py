"""Readers: the official-shape grid reader, the template reader, the guard against bad input."""
from __future__ import annotations

import json

import pytest

from conftest import REAL_JSON, load_transcription, year_of
from official_shape import official_grid
from xlreport import Report, check
from xlreport.readers.official import norm_label, read_grid


def real_report(path, agency="某县教育局") -> Report:
    data = load_transcription(path)
    report, unknown = Report.from_interchange({**data, "year": year_of(path), "agency": agency})
    assert not unknown
    return report


def same_values(a: Report, b: Report) -> bool:
    keys = set(a.values) | set(b.values)
    return all(a.values.get(k) == b.values.get(k) for k in keys) and a.missing_tables == b.missing_tables


# -- official.read_grid ---------------------------------------------------------------------

@pytest.mark.parametrize("path", REAL_JSON, ids=lambda p: p.stem)
def test_read_grid_finds_every_value_of_a_hand_made_sheet(path):
    report = real_report(path)
    report.texts["s6"] = "本年度未收取信息处理费。"
    got, problems = read_grid({"年报": official_grid(report)})
    assert same_values(got, report)
    assert (got.agency, got.year) == ("某县教育局", year_of(path))
    assert got.texts["s6"] == "本年度未收取信息处理费。"
    assert [p for p in problems if p.code != "table_missing"] == []
    def rules(r):
        return sorted(f.rule for f in check(r) if not f.rule.startswith("layout."))
    assert rules(got) == rules(report)


def test_read_grid_gives_addresses_and_flags_numbers_stored_as_text():
    report = real_report(REAL_JSON[0])
    grid = official_grid(report, as_text={"t3.new.natural"})
    got, problems = read_grid({"Sheet1": grid})
    addr = got.locations["t3.new.natural"]
    sheet, a1 = addr.split("!")
    assert sheet == "Sheet1"
    col = ord(a1[0]) - 65
    row = int(a1[1:]) - 1
    assert grid[row][col] == str(report.values["t3.new.natural"])
    assert [p.key for p in problems if p.code == "text_number"] == ["t3.new.natural"]


def test_read_grid_reports_what_it_cannot_find():
    report = real_report(REAL_JSON[-1])
    grid = official_grid(report)
    grid = [[None if norm_label(v) == norm_label("2.重复申请") else v for v in row] for row in grid]  # a deleted row label
    got, problems = read_grid({"s": grid})
    assert any(p.code == "row_missing" and "2.重复申请" in p.message for p in problems)
    empty, problems = read_grid({"空": [[None, "随便写的"], [1, 2]]}, fmt_hint="2021")
    assert sorted(p.table for p in problems if p.code == "table_missing") == ["三", "二", "四"]
    assert sorted(f.rule for f in check(empty) if f.rule == "table.missing") == ["table.missing"] * 3


def test_read_grid_tables_on_separate_sheets_and_format_hint():
    report = real_report(REAL_JSON[2])
    grid = official_grid(report, with_title=False)
    split = next(i for i, row in enumerate(grid) if row[0] == report.format.table("三").title)
    got, _ = read_grid({"表二": grid[:split], "表三四": grid[split:]}, fmt_hint="2021")
    assert same_values(got, report)
    assert got.year is None and got.version == "2021"


def test_label_normalisation():
    assert norm_label("1、属于国家秘密") == norm_label("1．属于国家秘密") == norm_label("１.属于国家\n秘密")
    assert norm_label("（一）予以公开") == norm_label("(一) 予以公开")
    assert norm_label("危及“三安全一稳定”") == norm_label('危及"三安全一稳定"')
    assert norm_label("一.本年新收") == norm_label("一、本年新收")
    assert norm_label(3) == ""
