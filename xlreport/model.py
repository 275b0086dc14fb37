"""One report's values and text, and its interchange form (official labels as keys)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .formats import FORMATS, Format, Table, best_fit, cell_key, cell_path, get_format
from .values import Value, normalize, plain

INTERCHANGE_SCHEMA = 1


@dataclass
class Report:
    """The values of one report, keyed by the format's stable cell keys.

    A key absent from ``values`` belongs to a table that is missing from the report;
    a key present with ``None`` is a blank cell.  ``texts`` holds sections 一/五/六 by id
    (absent: not known, e.g. a transcription without text).  ``locations`` maps keys to
    human addresses (``表三!D5``) when the report came from a sheet."""

    format: Format
    values: dict[str, Value] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)
    agency: str | None = None
    year: int | None = None
    published: dt.date | None = None
    source: str | None = None
    locations: dict[str, str] = field(default_factory=dict)
    uncertain: set[str] = field(default_factory=set)
    layouts: dict[str, str] = field(default_factory=dict)  # table id -> version, where it differs

    def __repr__(self) -> str:  # short: the values of a report fill a screen
        filled = sum(v is not None for v in self.values.values())
        who = ", ".join(f"{k}={v!r}" for k, v in (("agency", self.agency), ("year", self.year),
                                                    ("source", self.source)) if v is not None)
        return (f"Report({self.format.version!r}, {filled}/{len(self.values)} cells filled"
                f"{', ' + who if who else ''})")

    @classmethod
    def blank(cls, fmt: Format | str = "2021", **meta) -> "Report":
        fmt = fmt if isinstance(fmt, Format) else get_format(fmt)
        return cls(fmt, {k: None for k in fmt.cells}, **meta)

    @property
    def version(self) -> str:
        return self.format.version

    @property
    def missing_tables(self) -> list[str]:
        return [t.id for t in self.format.tables if not any(c.key in self.values for c in t.cells)]

    def set(self, key: str, raw: object) -> None:
        if key not in self.format.cells:
            raise KeyError(key)
        self.values[key] = normalize(raw)

    def get(self, key: str) -> Value:
        return self.values.get(key)

    def location(self, key: str) -> str | None:
        return self.locations.get(key)

    # -- interchange ------------------------------------------------------------------
    def tables(self) -> dict:
        """``{"二": {row: {col: v}}, "三": {...}, "四": {group: {col: v}}}`` with official labels."""
        out: dict = {}
        for t in self.format.tables:
            if t.id in self.missing_tables:
                continue
            out[t.id] = {r.label: {c.label: plain(self.values.get(cell_key(t, r, c)))
                                   for c in t.block_of(r.id).columns} for r in t.rows}
        return out

    @classmethod
    def from_tables(cls, tables: dict, fmt: Format | str | None = None, *, year: int | None = None,
                    **meta) -> tuple["Report", list[str]]:
        """Build a report from label-keyed tables.  Returns the report and the labels that
        matched no official cell (for a finding, never silently dropped).

        A table whose labels follow the other version of the format (a 2021 表二 in a report
        that keeps the 2019 表三, seen in real reports) is read with that version's layout and
        recorded in ``layouts``."""
        fmt = fmt if isinstance(fmt, Format) else get_format(fmt, year)
        unknown: list[str] = []
        layouts: dict[str, str] = {}
        for tid, rows in (tables or {}).items():
            if rows is None:
                continue
            best = _best_table(fmt, tid, rows)
            if best is not None and best[1] != fmt.version:
                fmt = fmt.with_table(best[0])
                layouts[tid] = best[1]
        report = cls(fmt, year=year, layouts=layouts, **meta)
        for tid, rows in (tables or {}).items():
            if rows is None:
                continue
            if tid not in {t.id for t in fmt.tables}:
                unknown.append(str(tid))
                continue
            for c in fmt.table(tid).cells:  # a present table has every cell, blank by default
                report.values[c.key] = None
            for row_label, cols in rows.items():
                for col_label, raw in (cols or {}).items():
                    cell = fmt.cell_at(tid, row_label, col_label)
                    if cell is None:
                        unknown.append(cell_path(tid, row_label, col_label))
                    else:
                        report.values[cell.key] = normalize(raw)
        return report, unknown

    def to_interchange(self, findings=(), **extra) -> dict:
        """The JSON shape shared by `xlreport check --json` and `xlreport audit --json`."""
        return {
            "schema": INTERCHANGE_SCHEMA,
            "file": self.source,
            "agency": self.agency,
            "year": self.year,
            "format": self.version,
            "layouts": dict(self.layouts),
            "published": self.published.isoformat() if self.published else None,
            "tables": self.tables(),
            "texts": {s.label: self.texts[s.id] for s in self.format.sections if s.id in self.texts},
            "missing": self.missing_tables,
            "uncertain": sorted(self.format.cells[k].path for k in self.uncertain if k in self.format.cells),
            "findings": [f.to_dict() for f in findings],
            **extra,
        }

    @classmethod
    def from_interchange(cls, data: dict) -> tuple["Report", list[str]]:
        fmt = data.get("format")
        year = data.get("year")
        report, unknown = cls.from_tables(data.get("tables") or {}, fmt, year=year,
                                          agency=data.get("agency"), source=data.get("file"))
        for path in data.get("uncertain") or []:
            cell = report.format.cell_by_path(path)
            if cell is not None:
                report.uncertain.add(cell.key)
        labels = {s.label: s.id for s in report.format.sections}
        for label, text in (data.get("texts") or {}).items():
            if label in labels:
                report.texts[labels[label]] = text
        if data.get("published"):
            report.published = dt.date.fromisoformat(data["published"])
        return report, unknown


def _best_table(fmt: Format, tid: str, rows: dict) -> tuple[Table, str] | None:
    """The version whose table ``tid`` matches the most labels of ``rows`` (``fmt``'s on a tie)."""
    if not any(t.id == tid for f in FORMATS.values() for t in f.tables):
        return None
    best, _ = best_fit((cell_path(tid, r, c) for r, cols in rows.items() for c in (cols or {})), tid, fmt.version)
    table = (fmt if best.version == fmt.version else best).table(tid)
    return table, best.version
