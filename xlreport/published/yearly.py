"""Year on year, for auditors: a published report beside last year's report of the same agency.

``audit --previous 上年报告/`` reads last year's reports, matches each report to the one of the
same agency (``xlreport.batch.agency_key``) and the year before, and adds: the cross-year sum
rules (上年结转 = last year's 结转下年度, 现行有效 chains), sections 五 and 六 copied nearly word
for word from last year's report, and a large swing in the number of new applications (hints).
A rule resting on a cell that either year's reading left uncertain is not a verdict
(``parse.cannot_verify``), as for this year's own sums."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine import Finding, check
from ..model import Report
from ..rules import RULES, SUM_RULES, cells_text
from .text import canon
from .verdict import cannot_verify

CROSS_IDS = frozenset(r.id for r in SUM_RULES if r.cross_year)
COPIED = 0.9  # share of the text found again in last year's section
MIN_COPIED_CHARS = 40  # shorter sections ("无。") are alike by nature
SWING = 3  # a factor this large either way, between counts both at least SWING_FLOOR
SWING_FLOOR = 20


@dataclass
class PreviousIndex:
    """Last year's reports by agency key: each a list of (year, file, report)."""

    by_agency: dict = field(default_factory=dict)

    def add(self, report: Report, file: str) -> None:
        from ..batch import agency_key

        if report is None or not report.agency:
            return
        self.by_agency.setdefault(agency_key(report.agency, file), []).append((report.year, file, report))

    def find(self, report: Report):
        """(file, report) of the same agency's report for the year before, or None."""
        from ..batch import agency_key

        if report is None or not report.agency:
            return None
        for year, file, prev in self.by_agency.get(agency_key(report.agency, report.source or ""), []):
            if report.year is None or year is None or year == report.year - 1:
                return file, prev
        return None


def similarity(a: str, b: str) -> float:
    """The share of ``a`` (compared without spaces and punctuation width) also in ``b``."""
    a, b = canon(a), canon(b)
    if not a or not b:
        return 0.0
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in m.get_matching_blocks()) / len(a)


def year_on_year(report: Report, previous: Report, previous_file: str) -> list[Finding]:
    """The findings that need last year's report."""
    out = []
    unsure = set(report.uncertain)
    for f in check(report, previous):
        if f.rule not in CROSS_IDS:
            continue
        # the left side is this year's cell, the right side names last year's (labels 上年…)
        this_year = [c for c in f.cells if not c.label.startswith("上年")]
        last_year = [c for c in f.cells if c.label.startswith("上年")]
        if any(c.key in unsure for c in this_year) or any(c.key in previous.uncertain for c in last_year):
            mark = Report(report.format, dict(report.values), uncertain={c.key for c in this_year if c.key in unsure})
            out.append(cannot_verify(f, mark) if mark.uncertain else _unverifiable_previous(f))
        else:
            out.append(f)
    for section in report.format.sections:
        if section.id not in ("s5", "s6"):
            continue
        now, before = report.texts.get(section.id), previous.texts.get(section.id)
        if not now or not before or len(canon(now)) < MIN_COPIED_CHARS:
            continue
        share = similarity(now, before)
        if share >= COPIED:
            out.append(RULES["text.copied"].finding(section=section.label, previous=previous_file,
                                                     similarity=int(share * 100)))
    new, old = report.values.get("t3.new.total"), previous.values.get("t3.new.total")
    if isinstance(new, Decimal) and isinstance(old, Decimal) and "t3.new.total" not in unsure \
            and "t3.new.total" not in previous.uncertain and max(new, old) >= SWING_FLOOR:
        low, high = sorted((new, old))
        if low == 0 or high / low >= SWING:
            change = "增加" if new > old else "减少"
            ratio = f"{change}{abs(new - old)}件" + (f"，约为上年的{new / old:.1f}倍" if old and new > old else "")
            out.append(RULES["trend.swing"].finding(table="三", value=int(new), previous=int(old), change=ratio))
    return out


def _unverifiable_previous(f: Finding) -> Finding:
    cells = [c for c in f.cells if c.label.startswith("上年")]
    return RULES["parse.cannot_verify"].finding(cells, table=f.table, where=f.where or "",
                                                rule=RULES[f.rule].title, cells=cells_text(cells))
