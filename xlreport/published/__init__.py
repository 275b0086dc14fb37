"""Reading published annual reports (text, HTML, Word, PDF): extract, parse, audit.

An adapter: it reads files; the core it feeds (``xlreport.engine``) does not."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Finding, check
from ..model import Report
from ..rules import RULES
from .extract import read_document
from .parser import parse_text
from .verdict import checked

__all__ = ["Audit", "audit_file", "audit_text", "read_document", "parse_text"]


@dataclass
class Audit:
    """One report read and checked: ``report`` is None when nothing could be read."""

    file: str
    report: Report | None
    findings: list = field(default_factory=list)
    kind: str | None = None

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    def to_interchange(self) -> dict:
        if self.report is not None:
            return self.report.to_interchange(self.findings)
        from ..model import INTERCHANGE_SCHEMA
        return {"schema": INTERCHANGE_SCHEMA, "file": self.file, "agency": None, "year": None, "format": None,
                "layouts": {}, "published": None, "tables": {}, "texts": {}, "missing": [], "uncertain": [],
                "findings": [f.to_dict() for f in self.findings]}


def _doc_finding(rule_id: str, reason: str) -> Finding:
    return RULES[rule_id].finding(reason=reason)


def audit_text(text: str, source: str | None = None, year_hint: int | None = None, previous=None,
               kind: str | None = None) -> Audit:
    """Parse and check a report's text; ``previous``: a ``yearly.PreviousIndex`` of last year's
    reports (the cross-year rules and the year-on-year hints are added when one matches);
    ``kind``: the kind of document the text came from ("pdf", "html", "docx"; None: plain text)."""
    parsed = parse_text(text, source=source, year_hint=year_hint, kind=kind)
    if parsed.report is None:
        return Audit(source or "", None, parsed.findings)
    findings = parsed.findings + checked(parsed.report)
    match = previous.find(parsed.report) if previous is not None else None
    if match is not None:
        from .yearly import year_on_year

        findings += year_on_year(parsed.report, match[1], match[0])
    return Audit(source or "", parsed.report, _ordered(findings))


def audit_file(path, previous=None) -> Audit:
    """Read, parse and check one published report file; never raises for a bad file."""
    path = Path(path)
    doc = read_document(path)
    if doc.problem is not None:
        return Audit(str(path), None, [_doc_finding(*doc.problem)], doc.kind)
    result = audit_text(doc.text, source=str(path), previous=previous, kind=doc.kind)
    result.file = str(path)
    result.kind = doc.kind
    if doc.garbled:
        result.findings.insert(0, _doc_finding("doc.garbled", doc.garbled))
    return result


def _ordered(findings):
    return sorted(findings, key=lambda f: (f.severity != "error",))
