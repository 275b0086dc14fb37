"""Comparing labels as people retype them.  Pure functions on strings, no I/O.

One normaliser for every reader that finds the official tables by their labels (the hand-made
workbook reader ``xlreport.readers.official``; the published-report reader should compare its
labels with the same ``canon_label``): NFKC (full-width → half-width), all white space, line
breaks, zero-width characters and quotes removed, ``1、``/``1．`` → ``1.``, ``一.`` → ``一、``,
lower case.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

__all__ = ["canon_label", "label_core", "shorter_forms", "text_width", "wrapped_lines"]

_DROP = re.compile(r"[\s\u3000\u200b\ufeff“”\"'‘’「」『』]+")
_ARABIC_ITEM = re.compile(r"^(\d+)[、,.](?=\D)")
_CHINESE_ITEM = re.compile(r"^([一二三四五六七八九十]+)[.,、](?=\S)")
_NUMBERING = re.compile(r"^(\d+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")
_TRAILING_NOTE = re.compile(r"(?<=.)\([^()]*\)$")


def canon_label(text) -> str:
    """A label as compared ("" for anything that is not text)."""
    if not isinstance(text, str):
        return ""
    return _canon(text) if len(text) < 200 else _canon.__wrapped__(text)


@lru_cache(maxsize=1 << 16)
def _canon(text: str) -> str:
    s = _DROP.sub("", unicodedata.normalize("NFKC", text))
    s = _ARABIC_ITEM.sub(r"\1.", s)
    s = _CHINESE_ITEM.sub(r"\1、", s)
    return s.lower()


def label_core(canon: str) -> str:
    """A canonical label without its trailing note in brackets ("(二)部分公开(区分处理的…)" → "(二)部分公开")."""
    return _TRAILING_NOTE.sub("", canon)


def shorter_forms(label: str) -> list[str]:
    """The shorter forms a label may be written in: without its trailing note, then also
    without its numbering ("1.", "(一)", "一、")."""
    s = canon_label(label)
    out = []
    core = label_core(s)
    if core != s:
        out.append(core)
    bare = _NUMBERING.sub("", core)
    if bare and bare != core:
        out.append(bare)
    return out


def text_width(text: str) -> float:
    """How wide ``text`` is in Excel column-width units (a CJK character counts two)."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.05 for ch in text)


def wrapped_lines(text: str, per_line: float) -> int:
    """How many lines ``text`` takes wrapped at ``per_line`` width units (each line break starts one)."""
    return sum(max(1, math.ceil(text_width(part) / per_line)) for part in text.split("\n"))
