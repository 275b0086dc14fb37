"""Normalising the text of a published report before it is parsed.

Pure functions on strings.  The same ``canon`` is applied to the document and to the official
labels of ``xlreport.formats``, so labels are matched as data, never retyped here.
"""
from __future__ import annotations

import re
import unicodedata

GRID_SEP = "\x1f"  # separates the cells of one table row taken from an HTML / Word grid

_FOOTER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?"
                     r"|\d{1,3}\s*/\s*\d{1,3})\s*$")
_ENUM_COMMA = re.compile(r"(?<![\d.])(\d{1,2})\s*、\s*(?=[^\d\s])")
_SPACES = {c: " " for c in (0x09, 0x3000, 0xA0, *range(0x2002, 0x200C), 0xFEFF)}
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1e\x7f]")


def normalize_line(line: str) -> str:
    """One line as the parser sees it: NFKC (full-width digits and brackets become ASCII,
    U+3000 a space), "1、" numbering as "1.", every space kept (column positions), grid separators kept."""
    if GRID_SEP in line:
        return GRID_SEP.join(normalize_line(c).strip() for c in line.split(GRID_SEP))
    if not line.isascii():
        line = unicodedata.normalize("NFKC", line)
    if not line.isprintable():
        line = _CONTROL.sub("", line)
    # every space kept, so that columns of a PDF's layout text stay where they are
    if "\t" in line:
        line = line.replace("\t", " ")
    if "\u200b" in line or "\ufeff" in line or "\xa0" in line:
        line = line.translate(_SPACES)
    line = line.rstrip()
    return _ENUM_COMMA.sub(r"\1.", line) if "、" in line else line


def is_footer(line: str) -> bool:
    """A page footer or page number line ("- 4 -", "第 3 页", "3/12")."""
    return bool(_FOOTER.match(line))


def normalize_lines(text: str) -> list[str]:
    """The document's lines, normalised, with page footers dropped (blank lines kept: in
    one-cell-per-line copies their number tells where a blank cell was)."""
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not raw or (raw.isspace() and GRID_SEP not in raw):  # a grid row of blank cells is a row
            out.append("")
            continue
        body = raw.lstrip(" \u3000").rstrip("\n\r ")
        if "\t" in body and GRID_SEP not in body and _tab_row(body):
            raw = GRID_SEP.join(body.split("\t"))  # a tab-separated table row: keep its blank cells, leading ones too
        line = normalize_line(raw)
        if line and is_footer(line):
            continue
        out.append(line)
    return out


def _tab_row(body: str) -> bool:
    """A tab-separated table row: two cells with text, or a label followed by
    blank cells, as a row whose cells are all blank is copied."""
    cells = body.split("\t")
    filled = sum(1 for c in cells if c.strip())
    return filled >= 2 or (filled == 1 and cells[0].strip() != "" and len(cells) >= 2)


def canon(s: str) -> str:
    """The comparable form of a label or of document text: normalised, all whitespace removed."""
    return _WS.sub("", normalize_line(s)).replace(GRID_SEP, "")


def compact(normalised: str) -> str:
    """``canon`` of text that ``normalize_line`` has already seen."""
    return normalised.replace(" ", "").replace(GRID_SEP, "")


def numbering(label: str) -> str:
    """The numbering that starts a canonical label: "1.", "(一)", "一、" or ""."""
    m = re.match(r"\d{1,2}\.|\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}、", label)
    return m.group(0) if m else ""


def short_form(label: str) -> str | None:
    """A label without its trailing remark in brackets, as some reports print it
    ("(二)部分公开" for the long official row label), or None when there is no remark."""
    m = re.fullmatch(r"(.+?)\([^()]{4,}\)", label)
    if m and len(m.group(1)) - len(numbering(label)) >= 3:
        return m.group(1)
    return None


def heading_pattern(label: str) -> re.Pattern:
    """A regex finding a heading in normalised text, whitespace allowed between its characters."""
    chars = [re.escape(c) for c in canon(label)]
    return re.compile(r"\s*".join(chars))


def prefix_distance(text: str, label: str, limit: int) -> tuple[int, int]:
    """The smallest edit distance between ``label`` and a prefix of ``text``, and that prefix's
    length; ``(limit + 1, 0)`` when every prefix is further than ``limit``."""
    n = len(text)
    prev = list(range(n + 1))  # label[:0] against text[:j]
    for i, ca in enumerate(label, 1):
        cur = [i] + [0] * n
        for j in range(1, n + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != text[j - 1]))
        if min(cur) > limit:
            return limit + 1, 0
        prev = cur
    best = min(range(n + 1), key=lambda j: (prev[j], -j))
    return (prev[best], best) if prev[best] <= limit else (limit + 1, 0)
