"""Which files a folder check reads, and one Chinese line for everything else that looks like a
report: never silence.

``collect(paths)`` returns ``(files, notes, ignored)``: the workbooks to check (as
``readers.guard.listed`` lists them), ``notes`` (path, reason) for spreadsheets of other kinds
(.ods, .et, .xlsb), a folder named like a workbook, and documents given to ``check`` that
``audit`` reads (.pdf, .html, .docx), and the number of files macOS adds to zip archives
(``__MACOSX/``, ``._*``), which are not reports and are left out.  ``note_results`` turns the
notes into ``batch.Result`` rows (无法读取) so they are counted and written like any file.
"""
from __future__ import annotations

import os
from pathlib import Path

from .readers.guard import EXCEL_SUFFIXES, listed

__all__ = ["collect", "note_results", "is_macos_extra", "OTHER_SPREADSHEETS", "AUDIT_DOCUMENTS"]

OTHER_SPREADSHEETS = {
    ".ods": "OpenDocument 表格（.ods，LibreOffice/WPS 另存的格式），本工具不读取：请在表格软件中“另存为”Excel 工作簿（.xlsx）后再检查",
    ".et": "WPS 表格文件（.et），本工具不读取：请在 WPS 中“另存为”Excel 工作簿（.xlsx）后再检查",
    ".xlsb": "Excel 二进制工作簿（.xlsb），本工具不读取：请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再检查",
}
AUDIT_DOCUMENTS = {".pdf": "PDF 文件", ".html": "网页", ".htm": "网页", ".docx": "Word 文档", ".doc": "Word 文档"}


def is_macos_extra(path) -> bool:
    """A file macOS adds to zip archives (resource forks): ``__MACOSX/…`` or ``._name``."""
    p = Path(path)
    return p.name.startswith("._") or "__MACOSX" in p.parts


def _note(path: Path, explicit: bool) -> str | None:
    suffix = path.suffix.lower()
    if path.is_dir():
        if suffix in EXCEL_SUFFIXES:
            return f"这是一个名为“{path.name}”的文件夹，不是工作簿（可能是解压出错）；文件夹中的工作簿请另行指定"
        return None
    if suffix in OTHER_SPREADSHEETS:
        return OTHER_SPREADSHEETS[suffix]
    if explicit and suffix in AUDIT_DOCUMENTS:
        return (f"这是{AUDIT_DOCUMENTS[suffix]}，不是 Excel 工作簿：已发布的年度报告（网页、PDF、Word）"
                "请用 xlreport audit 检查")
    return None


def collect(paths) -> tuple[list[Path], list[tuple[Path, str]], int]:
    files, notes, ignored = [], [], 0
    seen = set()
    for p in paths:
        p = Path(p)
        if p.is_dir() and p.suffix.lower() not in EXCEL_SUFFIXES:
            for q in sorted(p.rglob("*")):
                if is_macos_extra(q.relative_to(p)):
                    ignored += q.suffix.lower() in EXCEL_SUFFIXES or q.suffix.lower() in OTHER_SPREADSHEETS
                    continue
                reason = _note(q, explicit=False)
                if reason is not None and os.path.abspath(q) not in seen:
                    seen.add(os.path.abspath(q))
                    notes.append((q, reason))
            found = [q for q in listed([p]) if not is_macos_extra(q.relative_to(p)) and not q.is_dir()]
        else:
            reason = _note(p, explicit=True)
            if reason is not None:
                if os.path.abspath(p) not in seen:
                    seen.add(os.path.abspath(p))
                    notes.append((p, reason))
                continue
            found = [p]
        for q in found:
            key = os.path.abspath(q)
            if key not in seen:
                seen.add(key)
                files.append(q)
    return files, notes, ignored


def note_results(notes, want_json: bool = False):
    """One ``batch.Result`` (无法读取, rule workbook.unreadable) per note."""
    from .batch import UNREADABLE, Result
    from .frames import finding_rows
    from .model import INTERCHANGE_SCHEMA, Report
    from .readers.template_reader import rule_finding

    stub = Report.blank("2021")
    for path, reason in notes:
        path = str(path)
        f = rule_finding("workbook.unreadable", reason=reason)
        summary = {"file": path, "agency": None, "year": None, "format": None, "errors": 1, "warnings": 0,
                   "status": UNREADABLE}
        rows = [{**row, "agency": None, "year": None, "format": None} for row in finding_rows(stub, [f], file=path)]
        inter = None
        if want_json:
            inter = {"schema": INTERCHANGE_SCHEMA, "file": path, "agency": None, "year": None, "format": None,
                     "layouts": {}, "published": None, "tables": {}, "texts": {}, "missing": [], "uncertain": [],
                     "findings": [f.to_dict()]}
        yield Result(summary, rows, inter)
