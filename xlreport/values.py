"""Normalising raw cell values as people type them. Pure Python, no I/O."""
from __future__ import annotations

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
    """A JSON-friendly value: int for integral numbers, float otherwise, str for invalid."""
    if v is None:
        return None
    if isinstance(v, Invalid):
        return v.raw
    if v == v.to_integral_value():
        return int(v)
    return float(v)


def show(v: Value) -> str:
    """A number as a clerk reads it: no exponent, no trailing zeros."""
    if v is None:
        return "空白"
    if isinstance(v, Invalid):
        return f"“{v.raw}”"
    if v == v.to_integral_value():
        return str(int(v))
    return format(v.normalize(), "f")


def decimals(v: Decimal) -> int:
    exp = v.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0
