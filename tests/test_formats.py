"""The official layouts as data: verbatim labels, shapes, versions."""
import re

import pytest

from conftest import FORMAT_MD as FORMAT_MD_PATH
from xlreport.formats import FORMAT_2019, FORMAT_2021, FORMATS, FormatError, Kind, get_format, version_for_year
from xlreport.layout import layout

FORMAT_MD = FORMAT_MD_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS.values(), ids=FORMATS)
def test_every_label_is_verbatim_from_the_official_format(fmt):
    labels = {fmt.title, *(s.label for s in fmt.sections)}
    for t in fmt.tables:
        for b in t.blocks:
            labels |= {b.label, b.corner, *(c.label for c in b.columns), *(r.label for r in b.rows)}
            labels |= {g for c in b.columns for g in c.groups} | {g for r in b.rows for g in r.groups}
    labels.discard("")
    # FORMAT.md prints the 二 blocks' columns separated by ' · ' and rows indented; search as substrings
    missing = [l for l in labels if l not in FORMAT_MD]
    assert missing == []


def test_shapes_match_the_official_tables():
    assert [len(t.rows) for t in FORMAT_2021.tables] == [6, 25, 3]
    assert [len(t.rows) for t in FORMAT_2019.tables] == [8, 23, 3]
    for fmt in FORMATS.values():
        t3 = fmt.table("三")
        assert [c.label for c in t3.blocks[0].columns] == [
            "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
        assert len(fmt.table("四").cells) == 15
        # totals: the 总计 column of 三, the （七）总计 row, the three 四 总计 cells
        assert len(fmt.totals) == len(t3.rows) + 6 + 3
        assert all(c.kind is Kind.COUNT for c in t3.cells)


def test_value_kinds_of_table_two():
    assert FORMAT_2021.cells["t2.fees.fee_amount"].kind is Kind.MONEY
    assert FORMAT_2019.cells["t2.licensing.change"].kind is Kind.SIGNED
    assert FORMAT_2019.cells["t2.procurement.procurement_amount"].kind is Kind.AMOUNT
    assert FORMAT_2021.cells["t2.normative.in_force"].kind is Kind.COUNT


def test_keys_are_stable_and_unique():
    for fmt in FORMATS.values():
        assert len(fmt.cells) == len({c.path for c in fmt.cells.values()})
        assert all(re.fullmatch(r"t[234]\.[a-z_0-9]+\.[a-z_0-9]+", k) for k in fmt.cells)
    # the keys shared by both versions mean the same cell
    shared = FORMAT_2019.cells.keys() & FORMAT_2021.cells.keys()
    assert "t3.new.natural" in shared and "t4.suit_after.total" in shared
    for k in shared:
        assert FORMAT_2019.cells[k].row.label.lstrip("行政") == FORMAT_2021.cells[k].row.label.lstrip("行政")


@pytest.mark.parametrize("year, version", [(2019, "2019"), (2020, "2019"), (2021, "2021"), (2025, "2021")])
def test_version_from_year(year, version):
    assert version_for_year(year) == version
    assert get_format(year=year).version == version


@pytest.mark.parametrize("bad", [1999, 3000, "2021"])
def test_bad_year_or_version_has_a_chinese_message(bad):
    with pytest.raises(FormatError, match="报告年度|格式版本"):
        version_for_year(bad) if not isinstance(bad, str) else get_format("2020")


def test_layout_places_every_cell_once():
    for fmt in FORMATS.values():
        lay = layout(fmt)
        places = [lay.places[k] for k in fmt.cells]
        assert len(set(places)) == len(places)
        label_cells = {(s.name, l.row, l.col) for s in lay.sheets for l in s.labels}
        assert not label_cells & {(p.sheet, p.row, p.col) for p in places}
        assert lay.places["t3.new.natural"].address == "表三!D5"
