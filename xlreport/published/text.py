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


# -- prose as printed: line wraps and the spaces of a PDF's text layer ------------------------------

_FINAL = frozenset("。！？!?；;：:…")  # a line ending in one of these (or in a closing mark after one) ends a sentence
_CLOSING = frozenset("”’」』）)》〉】〕\"'")
_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SPACE = re.compile(rf"(?<=[{_IDEOGRAPH}]) (?=[A-Za-z0-9%])|(?<=[A-Za-z0-9%]) (?=[{_IDEOGRAPH}])")
_CJK_TIGHT = re.compile(rf"[{_IDEOGRAPH}][A-Za-z0-9]|[A-Za-z0-9%][{_IDEOGRAPH}]")
_ITEM_START = re.compile(r"\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]"
                         r"|\d{1,2}\s*[、.．](?!\d)|[①-⑳])")
MIN_MARGIN = 40  # a printed line holds at least 20 Chinese characters
MIN_WRAPPED_LINES = 3  # lines ending at one right margin before a text is taken as printed with wraps


def display_width(line: str) -> int:
    """A line's printed width in half-width columns (CJK characters count two), leading spaces included."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line.rstrip())


def print_margin(lines: list[str]) -> tuple[int, int] | None:
    """The right margin of prose printed with line wraps (a PDF's text, a copy of one) as the
    widths ``(low, high)`` a full line reaches, or None when the lines show no such margin
    (a web page or a Word file gives one line per paragraph). Evidence: at least
    ``MIN_WRAPPED_LINES`` lines without sentence-final punctuation end within a few characters
    of the widest common width, and those lines are a large share of the long lines."""
    widths = sorted((display_width(l), l.rstrip()[-1:]) for l in lines
                    if GRID_SEP not in l and l.strip() and not _ITEM_START.match(l))  # headings are no evidence
    long = [(w, last) for w, last in widths if w >= MIN_MARGIN // 2]
    if len(long) < MIN_WRAPPED_LINES:
        return None
    best = None
    for high in sorted({w for w, _ in long if w >= MIN_MARGIN}):
        low = high - max(6, high // 7)  # punctuation kerning, digits and a first-line indent of two characters
        near = [last for w, last in long if low <= w <= high + 2]
        open_ended = sum(1 for last in near if last not in _FINAL and last not in _CLOSING)
        if open_ended >= MIN_WRAPPED_LINES and len(near) * 3 >= len(long) and (best is None or len(near) >= best[2]):
            best = (low, high + 2, len(near))
    return None if best is None else best[:2]


def ends_sentence(line: str) -> bool:
    s = line.rstrip()
    while s and s[-1] in _CLOSING:
        if len(s) >= 2 and s[-2] in _FINAL:
            return True
        s = s[:-1]
    return bool(s) and s[-1] in _FINAL


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \u3000"))


def rewrap(lines: list[str], margin: tuple[int, int] | None) -> list[str]:
    """Paragraphs of printed lines: a line that reaches the right margin without ending a sentence
    is joined to the next, across blank lines (a page break), unless the next begins a numbered item or heading
    ("二、", "（三）", "1.") or is indented as a paragraph's first line is (when the text keeps the printed indents)."""
    if margin is None:
        return list(lines)
    left = min((_indent(l) for l in lines if l.strip()), default=0)
    out: list[str] = []
    joining = False
    for line in lines:
        if not line.strip():  # a page break (its footer dropped) inside a paragraph keeps it going
            if not joining:
                out.append(line)
            continue
        if joining and out and not _ITEM_START.match(line) and _indent(line) < left + 2:
            out[-1] += line.strip()
        else:
            out.append(line)
        joining = margin[0] <= display_width(line) <= margin[1] and not ends_sentence(line)
    return out


def spaced_cjk(text: str) -> bool:
    """True when the text puts a space between Chinese and Latin letters or digits nearly
    everywhere ("2024 年", "共 5 件"): what a PDF's text layer gives for the gap a word processor
    prints there, not spaces anybody typed."""
    spaced = len(_CJK_SPACE.findall(text))
    return spaced >= 3 and spaced >= 4 * len(_CJK_TIGHT.findall(text))


def unspace_cjk(text: str) -> str:
    """The text without the spaces between Chinese and Latin letters or digits."""
    return _CJK_SPACE.sub("", text)
