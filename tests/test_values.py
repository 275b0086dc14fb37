from decimal import Decimal

import pytest

from xlreport.values import Invalid, normalize, plain, show


@pytest.mark.parametrize("raw, expected", [
    (3, Decimal(3)), (3.0, Decimal(3)), (0.1, Decimal("0.1")), (Decimal("7.5"), Decimal("7.5")),
    ("12", Decimal(12)), (" 12 ", Decimal(12)), ("１２３", Decimal(123)), ("１２．５", Decimal("12.5")),
    ("1,234", Decimal(1234)), ("1，234，567", Decimal(1234567)), ("1 234", Decimal(1234)),
    ("\u300012\u3000", Decimal(12)), ("+82", Decimal(82)), ("-5", Decimal(-5)), ("－5", Decimal(-5)),
    ("7730.28", Decimal("7730.28")),
])
def test_numbers_as_people_type_them(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—", "——", "/", "无", "\u3000"])
def test_blank_tokens(raw):
    assert normalize(raw) is None


@pytest.mark.parametrize("raw", ["abc", "12件", "1,2", "1.2.3", True, float("nan"), "251000元", [1]])
def test_anything_else_is_invalid_and_keeps_its_text(raw):
    v = normalize(raw)
    assert isinstance(v, Invalid) and v.raw == str(raw)


def test_plain_and_show():
    assert plain(Decimal("3")) == 3 and isinstance(plain(Decimal("3")), int)
    assert plain(Decimal("650.6")) == 650.6
    assert show(Decimal("1E+2")) == "100" and show(Decimal("0.500")) == "0.5"
    assert show(None) == "空白" and show(Invalid("x")) == "“x”"


@pytest.mark.parametrize("raw, expected", [
    ("12件", ("12", "件")), ("3,119件", ("3119", "件")), ("5.2万元", ("5.2", "万元")), (" ３件 ", ("3", "件")),
    ("7 人次", ("7", "人次")), ("+82", ("+82", "")), ("1，234", ("1234", "")), ("251000元", ("251000", "元")),
    ("12件x", None), ("件", None), ("1,2件", None), ("abc", None), (12, None), ("", None),
])
def test_number_and_unit(raw, expected):
    from xlreport.values import number_and_unit
    assert number_and_unit(raw) == expected


def test_a_date_in_a_number_cell_is_invalid_and_says_it_is_a_date():
    import datetime as dt
    for raw in (dt.date(2025, 3, 1), dt.datetime(2025, 3, 1)):
        v = normalize(raw)
        assert isinstance(v, Invalid) and v.raw == "2025年3月1日（日期，不是数字）"
    assert isinstance(normalize(dt.time(3, 15)), Invalid)
