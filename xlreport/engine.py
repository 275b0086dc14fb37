"""The one rule engine: derives totals and checks a report against the rules.

Used alike by the batch checker, the Excel add-in and the published-report auditor.
All arithmetic is exact (Decimal).  Totals are never trusted: each total is derived from
the inputs and a stored total that differs is a finding of the rule that defines it.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .formats import FORMATS, Format, version_for_year
from .model import Report
from .rules import (ERROR, FEE_WORDS, HAS_ERRORS, PASSED, RULES, WARNING, CellRef, Finding, Instance, cells_text,
                    instances, rules_for)
from .values import Invalid, decimals, is_number, show

ZERO = Decimal(0)


_CACHE: dict[tuple, tuple] = {}


def _per_format(fmt: Format, what: str, build):
    """Memoise ``build(fmt)`` per format.  Keyed by the identity of the format's tables (module
    constants shared by every copy of a format), because hashing a frozen Format recomputes
    the hash of every table, row and column each time."""
    key = (what, fmt.version, tuple(map(id, fmt.tables)))
    hit = _CACHE.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], fmt.tables)):
        hit = (fmt.tables, build(fmt))  # holding the tables keeps their ids from being reused
        _CACHE[key] = hit
    return hit[1]


def _build_instances(fmt: Format, cross_year: bool) -> tuple[Instance, ...]:
    out = []
    for rule in rules_for(fmt, cross_year):
        try:
            table = fmt.table(rule.table)
        except KeyError:
            continue
        out += instances(rule, table)
    return tuple(out)


def format_instances(fmt: Format, cross_year: bool = False) -> tuple[Instance, ...]:
    """The expanded sum-rule instances of a format, in rule order, the cross-year ones or the
    others (cached per format): what the engine checks and the 校验 sheet has a line for."""
    return _per_format(fmt, f"instances{int(cross_year)}", lambda f: _build_instances(f, cross_year))


def _build_definitions(fmt: Format) -> dict[str, tuple[tuple[str, int], ...]]:
    defs: dict[str, tuple] = {}
    for inst in format_instances(fmt, False):
        if inst.rule.defines and len(inst.left) == 1:
            defs.setdefault(inst.left[0][0], tuple((k, s) for k, s, _ in inst.right))
    return defs


def _definitions(fmt: Format) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each total cell, the cells that derive it (first defining rule wins)."""
    return _per_format(fmt, "definitions", _build_definitions)


def _labels(fmt: Format) -> dict[str, tuple]:
    """cell key -> (cell, official label), cached per format."""
    return _per_format(fmt, "labels", lambda f: {k: (c, c.label) for k, c in f.cells.items()})


class Evaluator:
    """Values as the rules see them: stored numbers, else derived totals, else 0."""

    def __init__(self, report: Report):
        self.report = report
        self.defs = _definitions(report.format)
        self._derived: dict[str, Decimal] = {}

    def derived(self, key: str) -> Decimal:
        """The value of a total computed from the inputs (recursively through other totals)."""
        d = self._derived.get(key)
        if d is None:
            parts = self.defs.get(key)
            if parts is None:
                d = self.effective(key)
            else:
                d = ZERO
                effective = self.effective
                for k, s in parts:
                    if s == 1:
                        d += effective(k)
                    elif s == -1:
                        d -= effective(k)
                    else:
                        d += s * effective(k)
            self._derived[key] = d
        return d

    def effective(self, key: str) -> Decimal:
        v = self.report.values.get(key)
        if isinstance(v, Decimal):
            return v
        if key in self.defs:
            return self.derived(key)
        return ZERO


def derive_totals(report: Report) -> dict[str, Decimal]:
    """Every total cell of the report's format as derived from its inputs."""
    ev = Evaluator(report)
    return {c.key: ev.derived(c.key) for c in report.format.totals if c.key in report.values}


def _ref(report: Report, key: str, previous: Report | None = None) -> CellRef:
    src = previous if previous is not None else report
    label = _labels(src.format)[key][1]
    if previous is not None:
        label = f"上年{label}"
    return CellRef(key, label, src.locations.get(key))


def _effective_map(report: Report, ev: Evaluator) -> dict[str, Decimal]:
    """Each cell of the report as the sum rules read it (stored number, else derived total,
    else 0); cells absent from the report or holding an invalid value are left out."""
    out = {}
    for key, v in report.values.items():
        if isinstance(v, Decimal):
            out[key] = v
        elif v is None:
            out[key] = ev.effective(key)
    cells = report.format.cells
    if any(k not in cells for k in out):
        out = {k: v for k, v in out.items() if k in cells}
    return out


def _sum_findings(report: Report, previous: Report | None) -> list[Finding]:
    out = []
    ev = Evaluator(report)
    eff = _effective_map(report, ev)
    missing = set(report.missing_tables)
    values = report.values
    insts = [(i, False) for i in format_instances(report.format, False)]
    if previous is not None:
        peff = _effective_map(previous, Evaluator(previous))
        insts += [(i, True) for i in format_instances(report.format, True)]
        pmissing = set(previous.missing_tables)

    def side(terms):
        total = ZERO
        for key, sign, prev in terms:
            v = (peff if prev else eff).get(key)
            if v is None:
                return None  # not in the report, or invalid (reported once as value.invalid)
            if sign == 1:
                total += v
            elif sign == -1:
                total -= v
            else:
                total += sign * v
        return total

    for inst, is_cross in insts:
        rule = inst.rule
        if rule.table in missing:
            continue
        if is_cross and (rule.table in pmissing or previous.format.version not in rule.versions):
            continue
        left = side(inst.left)
        if left is None:
            continue
        right = side(inst.right)
        if right is None:
            continue
        if rule.defines and not is_number(values.get(inst.left[0][0])):
            continue  # a blank total is reported as value.blank, not as a wrong sum
        if left == right:
            continue
        lrefs = [_ref(report, key, previous if prev else None) for key, _, prev in inst.left]
        rrefs = [_ref(report, key, previous if prev else None) for key, _, prev in inst.right]
        refs = tuple(lrefs + rrefs)
        shown = tuple(lrefs) if rule.defines else refs
        out.append(rule.finding(refs, table=rule.table, where=inst.where, numbers=(right, left),
                                left=show(left), right=show(right), diff=show(abs(left - right)),
                                cells=cells_text(shown)))
    return out


def _value_plan(fmt: Format) -> tuple:
    """(key, cell, label, negative allowed, integer only, money) per cell, cached per format."""
    return _per_format(fmt, "values", lambda f: tuple(
        (k, c, label, c.kind.negative, c.kind.integer, None if c.kind.integer else c.kind.max_decimals)
        for k, (c, label) in _labels(f).items()))


def _value_findings(report: Report) -> list[Finding]:
    out = []
    blanks: dict[tuple[str, str], list[CellRef]] = defaultdict(list)
    values, locations = report.values, report.locations
    for key, cell, label, signed, integral, places in _value_plan(report.format):
        if key not in values:
            continue
        v = values[key]
        if v is None:
            blanks[(cell.table.id, cell.row.label)].append(CellRef(key, label, locations.get(key)))
            continue
        rule_id = None
        if isinstance(v, Invalid):
            rule_id = "value.invalid"
        elif not signed and v < 0:
            rule_id = "value.negative"
        elif integral and v != v.to_integral_value():
            rule_id = "value.integer"
        elif places is not None and decimals(v) > places:
            rule_id = "value.decimals"
        if rule_id:
            ref = CellRef(key, label, locations.get(key))
            out.append(RULES[rule_id].finding((ref,), table=cell.table.id, where=cell.row.label,
                                              numbers=(None, v if is_number(v) else None), label=cell.label,
                                              address=ref.address or "无单元格地址", value=show(v),
                                              kind=cell.kind.label))
    rule = RULES["value.blank"]
    for (tid, row_label), refs in blanks.items():
        out.append(rule.finding(refs, table=tid, where=row_label, count=len(refs), cells=cells_text(refs)))
    return out


def _structure_findings(report: Report) -> list[Finding]:
    out = []
    fmt = report.format
    for tid in report.missing_tables:
        out.append(RULES["table.missing"].finding(table=tid, title=fmt.table(tid).title))
    for tid, used in report.layouts.items():
        out.append(RULES["layout.mixed"].finding(table=tid, used=used, version=fmt.version))
    if report.year is not None:
        try:
            expected = version_for_year(report.year)
        except ValueError:
            expected = None
        if expected and expected != fmt.version:
            out.append(RULES["layout.outdated"].finding(year=report.year, expected=expected,
                                                        issued=FORMATS[expected].issued_by, version=fmt.version))
    rule = RULES["text.fee"]
    if fmt.version in rule.versions and "s6" in report.texts:
        text = report.texts.get("s6") or ""
        if not any(w in text for w in FEE_WORDS):
            addr = report.location("s6")
            out.append(rule.finding(address=f"（{addr}）" if addr else ""))
    return out


def check(report: Report, previous: Report | None = None) -> list[Finding]:
    """Every finding for one report; ``previous`` is last year's report of the same unit."""
    findings = _structure_findings(report) + _value_findings(report) + _sum_findings(report, previous)
    return findings


def summary(findings) -> dict:
    errors = sum(f.severity == ERROR for f in findings)
    warnings = sum(f.severity == WARNING for f in findings)
    return {"errors": errors, "warnings": warnings, "status": PASSED if errors == 0 else HAS_ERRORS}
