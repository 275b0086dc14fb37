"""A date in a number cell (Excel turns "3-1" typed into a count cell into 3月1日): flagged as
invalid by every reader.  ``xlreport.readers.dates`` finds the date-formatted cells of an .xlsx."""
from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from conftest import REAL_JSON
from workbooks import edit, filled_bytes, real_report
from xlreport.batch import check_workbook
from xlreport.layout import layout
from xlreport.readers.dates import date_styles, is_date_format, serial_date, style_index


@pytest.mark.parametrize("code", ["m月d日", "yyyy/m/d", "yyyy\"年\"m\"月\"d\"日\"", "[$-804]aaaa", "h:mm", "mm-dd-yy",
                                  "[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"", "d-mmm", "yyyy-mm-dd;@"])
def test_date_formats(code):
    assert is_date_format(code)


@pytest.mark.parametrize("code", ["General", "0", "#,##0", "0.00_);(0.00)", "@", "0\"件\"", "[红色]0", "#,##0.00\"万元\"",
                                  "0_ ", "\"d\"0", ""])
def test_number_formats(code):
    assert not is_date_format(code)


def test_serial_dates():
    assert serial_date(45717) == dt.datetime(2025, 3, 1)
    assert serial_date(1) == dt.datetime(1900, 1, 1) and serial_date(61) == dt.datetime(1900, 3, 1)
    assert serial_date(0, date1904=True) == dt.datetime(1904, 1, 1)
    assert style_index('r="D5" s="12" t="n"') == 12 and style_index('r="D5"') == 0


def _dated_template(cell_key="t3.new.natural"):
    """Our filled template with 45717 in a count cell shown as 3月1日, as Excel saves "3-1" typed there."""
    report = real_report(REAL_JSON[-1], "某县教育局")
    p = layout(report.format).places[cell_key]

    def change(wb):
        c = wb[p.sheet].cell(p.row, p.col)
        c.value, c.number_format = dt.datetime(2025, 3, 1), "m月d日"
    return edit(filled_bytes(report), change), p


def test_date_styles_finds_the_cell_style(tmp_path):
    data, p = _dated_template()
    path = tmp_path / "d.xlsx"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("xl/styles.xml").decode()
        from xlreport.readers.ooxml import Book
        raw = Book(zf).sheet(p.sheet).raw
    attrs, inner = raw[p.address.split("!")[1]]
    assert "<v>45717</v>" in inner
    dated = date_styles(styles)
    assert style_index(attrs) in dated
    others = [a for a1, (a, _) in raw.items() if a1 != p.address.split("!")[1]]
    assert not [a for a in others if style_index(a) in dated]


def test_a_date_in_a_hand_made_workbook_is_invalid(tmp_path):
    data, p = _dated_template()
    from workbooks import edit as _edit
    from xlreport.layout import META_SHEET

    def strip(wb):  # no longer our template: read by labels with calamine
        del wb[META_SHEET]
        for name in list(wb.defined_names):
            del wb.defined_names[name]
    path = tmp_path / "hand.xlsx"
    path.write_bytes(_edit(data, strip))
    report, findings = check_workbook(path)
    f = next(f for f in findings if f.rule == "value.invalid")
    assert f.cells[0].key == "t3.new.natural" and "2025年3月1日（日期，不是数字）" in f.message


def test_a_date_in_a_template_count_cell_is_invalid(tmp_path):
    data, p = _dated_template()
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    report, findings = check_workbook(path)
    assert report.values["t3.new.natural"] != 45717
    f = next(f for f in findings if f.rule == "value.invalid")
    assert f.cells[0].key == "t3.new.natural" and f.cells[0].address == p.address
    assert "2025年3月1日（日期，不是数字）" in f.message


def test_every_reader_words_a_date_alike():
    from xlreport.values import normalize
    assert normalize(serial_date(45717)) == normalize(dt.date(2025, 3, 1)) == normalize(dt.datetime(2025, 3, 1))


@pytest.mark.parametrize("piece", ['<numFmt numFmtId="1" ', "<cellXfs>", '<xf numFmtId="14" ',
                                   '<numFmt numFmtId="200" formatCode="' + "[" * 20 + '"/>'])
def test_a_crafted_styles_part_is_read_in_linear_time(tmp_path, piece):
    """The styles part is read for every template (its date styles): a piece repeated over 300 KB
    (an unclosed tag, a format code of brackets) is read in linear time, and the template with it
    still gets its ordinary verdict."""
    from test_hostile import assert_finishes, edited, folder_with
    data = edited("xl/styles.xml", lambda t: t.replace("</numFmts>", "</numFmts>" + piece * (300_000 // len(piece)))
                  if "</numFmts>" in t else t.replace("<cellXfs", piece * (300_000 // len(piece)) + "<cellXfs", 1))
    assert_finishes(folder_with(tmp_path, "样式.xlsx", data), tmp_path, "样式.xlsx")
    from xlreport.readers.dates import date_styles
    assert 7 in date_styles(zipfile.ZipFile(tmp_path / "收到的报告" / "样式.xlsx").read("xl/styles.xml").decode()) \
        or piece.startswith(("<cellXfs", "<xf"))  # the crafted tags come before the template's own
