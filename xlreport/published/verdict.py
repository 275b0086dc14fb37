"""No verdict on what was not read: the engine's sum findings over a published report whose
reading left some cells uncertain (run-together digits, blanks left out, rows not found).

A sum rule whose instance involves an uncertain cell is never reported as an error.  When the
uncertain cells can take values (valid for their kind) that satisfy every rule, that reading is
chosen (the cells stay marked uncertain, so the reader still checks them); the instances that no
reading found here satisfies become one ``parse.cannot_verify`` finding each, naming the rule and
the uncertain cells, as a warning: the report may be wrong there, but what was not read is no
evidence either way.  Pure: works on the core's Report and Findings, imports no I/O library."""
from __future__ import annotations

from decimal import Decimal

from ..engine import CellRef, Finding, check, format_instances
from ..formats import Kind
from ..model import Report
from ..rules import RULES, SUM_RULES, cells_text

SUM_IDS = frozenset(r.id for r in SUM_RULES)
MAX_ROUNDS = 60


def _instance_map(report: Report) -> dict:
    return {(inst.rule.id, inst.where): inst for inst in format_instances(report.format)}


def _sum_findings(report: Report, previous: Report | None) -> list[Finding]:
    return [f for f in check(report, previous) if f.rule in SUM_IDS]


def _valid(cell, v: Decimal) -> bool:
    if cell.kind is Kind.SIGNED:
        return v == v.to_integral_value()
    if v < 0:
        return False
    return cell.kind in (Kind.MONEY, Kind.AMOUNT) or v == v.to_integral_value()


def _touches(f: Finding, unsure: set, report: Report | None = None) -> bool:
    """True when the finding rests on an uncertain cell: named, or behind a blank total that
    the rules derive from it."""
    if any(c.key in unsure for c in f.cells):
        return True
    if report is None:
        return False
    totals = _totals(report)
    return any(k in unsure for c in f.cells for k, _ in _behind(report, c.key, 1, totals))


def _behind(report: Report, key: str, sign: int, totals: dict, depth: int = 0) -> list:
    """(cell, sign) pairs a cell stands for in a sum: a blank total stands for its inputs."""
    if report.values.get(key) is None and key in totals and depth < 4:
        out = []
        for k in totals[key]:
            out += _behind(report, k, sign, totals, depth + 1)
        return out
    return [(key, sign)]


def choose_reading(report: Report, previous: Report | None = None) -> dict:
    """Change uncertain cells of ``report`` (in place), one at a time, to the value that makes a
    failing sum instance hold, while that lowers the number of failing instances.  Returns the
    cells changed (key -> value before)."""
    unsure = set(report.uncertain)
    if not unsure:
        return {}
    insts = _instance_map(report)
    cells = report.format.cells
    totals = _totals(report)
    changed: dict = {}
    failing = _sum_findings(report, previous)
    for _ in range(MAX_ROUNDS):
        targets = [f for f in failing if _touches(f, unsure, report) and f.actual is not None
                   and f.expected is not None]
        if not targets:
            break
        best = None
        for f in targets:
            inst = insts.get((f.rule, f.where))
            if inst is None:
                continue
            gap = f.expected - f.actual  # the left side must grow by this much
            for side, terms in ((1, inst.left), (-1, inst.right)):
                expanded = [(k, s2, prev) for key, sign, prev in terms
                            for k, s2 in ([(key, sign)] if prev else _behind(report, key, sign, totals))]
                for key, sign, prev in expanded:
                    if prev or key not in unsure or key not in cells:
                        continue
                    old = report.values.get(key)
                    base = old if isinstance(old, Decimal) else Decimal(0)
                    new = base + side * sign * gap
                    if not _valid(cells[key], new) or new == base:
                        continue
                    report.values[key] = new
                    after = _sum_findings(report, previous)
                    report.values[key] = old
                    if len(after) < len(failing) and (best is None or len(after) < len(best[2])):
                        best = (key, new, after)
        if best is None:
            break
        key, new, failing = best
        changed.setdefault(key, report.values.get(key))
        report.values[key] = new
    return changed


def cannot_verify(f: Finding, report: Report) -> Finding:
    rule = RULES["parse.cannot_verify"]
    totals = _totals(report)
    keys = []
    for c in f.cells:
        for k, _ in _behind(report, c.key, 1, totals):
            if k in report.uncertain and k not in keys:
                keys.append(k)
    cells = report.format.cells
    unsure = [CellRef(k, cells[k].label, report.locations.get(k)) for k in keys if k in cells]
    return rule.finding(unsure, table=f.table, where=f.where or "", rule=RULES[f.rule].title, cells=cells_text(unsure))


def checked(report: Report, previous: Report | None = None) -> list:
    """The engine's findings for a published report, with no sum error resting on an uncertain
    cell: a reading satisfying the rules is chosen where one is found (the report's values change,
    the cells stay uncertain), the instances still failing become ``parse.cannot_verify``.  Blank
    cells are reported per table as a reader of a published report needs (``blank_findings``)."""
    findings = check(report, previous)
    if report.uncertain and any(f.rule in SUM_IDS and _touches(f, report.uncertain, report) for f in findings):
        if choose_reading(report, previous):
            findings = check(report, previous)
        findings = [cannot_verify(f, report) if f.rule in SUM_IDS and _touches(f, report.uncertain, report)
                    else f for f in findings]
    return [f for f in findings if f.rule != "value.blank"] + blank_findings(report)


def _totals(report: Report) -> dict:
    """Each total cell defined by a sum rule -> its input cells (row totals, 表三's （七）总计)."""
    out = {}
    for inst in format_instances(report.format):
        if inst.rule.defines and len(inst.left) == 1:
            out.setdefault(inst.left[0][0], [k for k, _, _ in inst.right])
    return out


def blank_findings(report: Report) -> list:
    """Blank cells of a published report, one finding per table and severity, each row label
    named once: an error for a 总计 left blank beside non-zero entries (the table as published is
    incomplete), a warning for the other blank cells (whole rows blank, zeros printed as blanks).
    Uncertain cells are the reader's doubt, not the report's blanks: left out."""
    totals = _totals(report)
    values = report.values
    out = []
    for table in report.format.tables:
        if table.id in report.missing_tables:
            continue
        bad: list[str] = []
        blank: list[str] = []
        cells: dict[str, list[CellRef]] = {"table.blank_total": [], "table.blank_cells": []}
        for cell in table.cells:
            key = cell.key
            if key not in values or values[key] is not None or key in report.uncertain:
                continue
            label = cell.row.label if len(table.blocks) == 1 else f"{cell.row.label}（{cell.column.label}）"
            parts = totals.get(key)
            ref = CellRef(key, cell.label, report.locations.get(key))
            if parts and any(isinstance(values.get(k), Decimal) and values[k] != 0 for k in parts):
                cells["table.blank_total"].append(ref)
                if label not in bad:
                    bad.append(label)
            else:
                cells["table.blank_cells"].append(ref)
                if label not in blank:
                    blank.append(label)
        blank = [b for b in blank if b not in bad]
        for rule_id, labels in (("table.blank_total", bad), ("table.blank_cells", blank)):
            if labels:
                out.append(RULES[rule_id].finding(cells[rule_id], table=table.id,
                                                  labels="、".join(f"「{x}」" for x in labels)))
    return out
