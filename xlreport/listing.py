"""Which files a folder check reads, and one Chinese line for everything else that looks like a
report: never silence.

``collect(paths)`` returns ``(files, notes, ignored)``: the workbooks to check (as
``readers.guard.listed`` lists them), ``notes`` (path, reason) for spreadsheets of other kinds
(.ods, .et, .xlsb), a folder named like a workbook, and documents given to ``check`` that
``audit`` reads (.pdf, .html, .docx), and the number of files macOS adds to zip archives
(``__MACOSX/``, ``._*``), which are not reports and are left out.  ``note_results`` turns the
notes into ``batch.Result`` rows (checked, or 无法读取 with the reason) so they are counted and written
like any file.
"""
from __future__ import annotations

import os
from pathlib import Path

from .readers.guard import EXCEL_SUFFIXES, listed

__all__ = ["collect", "note_results", "is_macos_extra", "OTHER_SPREADSHEETS", "AUDIT_DOCUMENTS"]

OTHER_SPREADSHEETS = {
    ".ods": "OpenDocument 表格（.ods，LibreOffice/WPS 另存的格式）无法读取：请在表格软件中“另存为”Excel 工作簿（.xlsx）后再检查",
    ".et": "WPS 表格文件（.et），本工具不读取：请在 WPS 中“另存为”Excel 工作簿（.xlsx）后再检查",
    ".xlsb": "Excel 二进制工作簿（.xlsb）无法读取：请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再检查",
}
CALAMINE_READS = (".ods", ".xlsb")  # read through python-calamine, each in a child process with bounds
CHILD_SECONDS = 60
CHILD_MEMORY = 2 * 1024 ** 3
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

    def first_time(path) -> bool:  # each file once, however it is named
        key = os.path.abspath(path)
        new = key not in seen
        seen.add(key)
        return new

    for p in paths:
        p = Path(p)
        if p.is_dir() and p.suffix.lower() not in EXCEL_SUFFIXES:
            for q in sorted(p.rglob("*")):
                if is_macos_extra(q.relative_to(p)):
                    ignored += q.suffix.lower() in EXCEL_SUFFIXES or q.suffix.lower() in OTHER_SPREADSHEETS
                    continue
                reason = _note(q, explicit=False)
                if reason is not None and first_time(q):
                    notes.append((q, reason))
            found = [q for q in listed([p]) if not is_macos_extra(q.relative_to(p)) and not q.is_dir()]
        else:
            reason = _note(p, explicit=True)
            if reason is not None:
                if first_time(p):
                    notes.append((p, reason))
                continue
            found = [p]
        files += [q for q in found if first_time(q)]
    return files, notes, ignored


def _zip_bounds(path: Path) -> str | None:
    """Why an .ods/.xlsb (a zip) must not be opened (size, members, zip bomb), else None."""
    import zipfile

    from .readers import guard
    try:
        size = path.stat().st_size
        if size > guard.MAX_FILE_BYTES:
            return f"文件过大（{size // 1024 // 1024} MB），不像是年度报告工作簿"
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (OSError, zipfile.BadZipFile):
        return "文件已损坏或不完整（zip 结构无效）"
    if len(infos) > guard.MAX_MEMBERS or sum(i.file_size for i in infos) > guard.MAX_UNCOMPRESSED:
        return "压缩包内文件过多或解压后过大，可能是压缩炸弹"
    if any(i.file_size > 1024 * 1024 and i.file_size > guard.MAX_RATIO * max(i.compress_size, 1) for i in infos):
        return "压缩比异常，可能是压缩炸弹"
    return None


def _child_read(path, conn):
    """In a child process: memory bounded, read the spreadsheet, send (report, findings) back."""
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    except (ImportError, ValueError, OSError):
        pass
    try:
        from .engine import check
        from .readers.guard import GuardError
        from .readers.template_reader import read_spreadsheet
        try:
            report, findings = read_spreadsheet(path)
        except GuardError as e:
            conn.send(("guard", e.rule, e.reason))
            return
        conn.send(("ok", report, findings + check(report)))
    except BaseException as e:  # reported as this file's reason, never the batch's end
        conn.send(("error", type(e).__name__, str(e)[:80]))
    finally:
        conn.close()


def read_other_spreadsheet(path):
    """``(report, findings)`` of an .ods or .xlsb read by python-calamine in a child process
    (a crash, a hang or a huge allocation ends only the child); raises ``guard.GuardError``."""
    import multiprocessing as mp

    from .readers.guard import GuardError
    why = _zip_bounds(Path(path))
    if why is not None:
        raise GuardError("workbook.unreadable", why)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_read, args=(str(path), child), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(CHILD_SECONDS):
            raise GuardError("workbook.unreadable", f"读取超过 {CHILD_SECONDS} 秒，已停止")
        try:
            msg = parent.recv()
        except EOFError:
            raise GuardError("workbook.unreadable", "读取时进程异常退出（文件可能已损坏）") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if msg[0] == "ok":
        return msg[1], msg[2]
    if msg[0] == "guard":
        raise GuardError(msg[1], msg[2])
    raise GuardError("workbook.unreadable", f"工作簿内容无法解析（{msg[1]}：{msg[2]}）")


def note_results(notes, want_json: bool = False):
    """One ``batch.Result`` per note: an .ods/.xlsb read through python-calamine and checked, else
    无法读取 (rule workbook.unreadable) with the note's reason."""
    from .batch import report_result, unread_result
    from .readers.guard import GuardError
    from .rules import rule_finding

    for path, reason in notes:
        if Path(path).suffix.lower() in CALAMINE_READS and Path(path).is_file():
            try:
                report, findings = read_other_spreadsheet(path)
            except GuardError as e:
                reason = f"{reason}（{e.reason}）" if e.rule == "workbook.unreadable" else reason
            else:
                report.source = str(path)
                yield report_result(str(path), report, findings, want_json)
                continue
        yield unread_result(str(path), rule_finding("workbook.unreadable", reason=reason), want_json=want_json)
