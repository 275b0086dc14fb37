"""xlreport: 政府信息公开工作年度报告 — the official layouts, the rules, and their adapters.

The core (formats, layout, values, model, rules, engine, frames) imports no I/O library.
"""
from .engine import CellRef, Finding, check, derive_totals, summary
from .formats import FORMAT_2019, FORMAT_2021, FORMATS, Format, FormatError, get_format, version_for_year
from .model import Report
from .rules import RULES

__version__ = "0.1.0"
__all__ = ["CellRef", "Finding", "FORMATS", "FORMAT_2019", "FORMAT_2021", "Format", "FormatError", "Report",
           "RULES", "check", "derive_totals", "get_format", "summary", "version_for_year"]
