"""Normalising raw cell values as people type them. Pure Python, no I/O."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

BLANK_TOKENS = frozenset({"", "-", "--", "—", "——", "–", "/", "无", "空", "null", "none", "n/a"})


@dataclass(frozen=True)
class Invalid:
    """A value that is not a number; ``raw`` keeps what was typed, for the message."""

    raw: str

    def __str__(self) -> str:
        return self.raw


Value = Decimal | Invalid | None

_GROUPED = re.compile(r"[+-]?\d{1,3}([, ]\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


COUNT_UNITS = ("件", "个", "项", "条", "人次", "次")
MONEY_UNITS = ("万元", "元")
_WITH_UNIT = re.compile(r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<unit>%s)"
                        % "|".join(sorted(COUNT_UNITS + MONEY_UNITS, key=len, reverse=True)))


def number_and_unit(text) -> tuple[str, str] | None:
    """A number typed with its unit, as in a cell or a published table: ``"3,119件"`` →
    ``("3119", "件")``, ``"5.2万元"`` → ``("5.2", "万元")``, ``"+82"`` → ``("+82", "")``;
    None for anything else.  The numeric text keeps its sign and decimals, loses its
    thousands separators; full-width characters are accepted.  Shared by the hand-made
    workbook reader and the published-report parser, so both accept the same text."""
    if not isinstance(text, str):
        return None
    t = unicodedata.normalize("NFKC", text).strip().replace("，", ",")
    m = _WITH_UNIT.fullmatch(t)
    if m is None:
        m = _PLAIN_NUMBER.fullmatch(t)
        return (m.group(0).replace(",", ""), "") if m else None
    return m.group("num").replace(",", ""), m.group("unit")


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def date_text(v) -> str:
    """A date, time or duration found in a number cell, as the clerk saw it ("3月1日")."""
    if isinstance(v, dt.datetime) and (v.hour, v.minute, v.second) != (0, 0, 0):
        return f"{v.year}年{v.month}月{v.day}日 {v.hour}:{v.minute:02d}"
    if isinstance(v, dt.date):
        return f"{v.year}年{v.month}月{v.day}日"
    if isinstance(v, dt.time):
        return f"{v.hour}:{v.minute:02d}"
    return str(v)


def normalize(raw: object) -> Value:
    """Turn a typed cell value into a Decimal, None (blank) or Invalid.

    Accepts ints, integral floats (3.0), Decimals, numeric text with full-width digits,
    thousands separators and stray spaces.  '', None, '-', '—', '/', '无' are blank."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return Invalid(str(raw))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else Invalid(str(raw))
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return Invalid(str(raw))
        if raw.is_integer():
            return Decimal(int(raw))
        return Decimal(repr(raw))
    if isinstance(raw, (dt.date, dt.time, dt.timedelta)):  # Excel turned "3-1" into 3月1日
        return Invalid(f"{date_text(raw)}（日期，不是数字）")
    if not isinstance(raw, str):
        return Invalid(str(raw))
    text = unicodedata.normalize("NFKC", raw).strip().replace("\u3000", "")
    text = text.replace("，", ",").replace("−", "-").replace("－", "-")
    if text.lower() in BLANK_TOKENS:
        return None
    compact = text.replace(" ", "")
    if _GROUPED.fullmatch(text):
        compact = text.replace(",", "").replace(" ", "")
    elif "," in compact:
        return Invalid(raw)
    if not _PLAIN.fullmatch(compact):
        return Invalid(raw)
    try:
        return Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid text
        return Invalid(raw)


def is_number(v: Value) -> bool:
    return isinstance(v, Decimal)


def plain(v: Value):
    """A JSON- and spreadsheet-friendly value: int for integral numbers, float otherwise, the raw
    text for invalid; anything else (None, text) as it is."""
    if isinstance(v, Invalid):
        return v.raw
    if not isinstance(v, Decimal):
        return v
    if v == v.to_integral_value():
        return int(v)
    return float(v)


def number_text(v: Decimal) -> str:
    """A number as a clerk reads it: no exponent, no trailing zeros."""
    return str(int(v)) if v == v.to_integral_value() else format(v.normalize(), "f")


def show(v: Value) -> str:
    """A value as a message names it: a number as ``number_text``, 空白, or the invalid text in quotes."""
    if v is None:
        return "空白"
    if isinstance(v, Invalid):
        return f"“{v.raw}”"
    return number_text(v)


def decimals(v: Decimal) -> int:
    exp = v.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0
