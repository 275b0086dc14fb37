"""Bad input, caught before any parser sees it: one clear Chinese reason per file.

``inspect(path)`` returns ``Verdict(kind, rule, reason)`` where ``kind`` is ``"xlsx"``, ``"xls"``
(readable), or ``None`` with the id of the rule to report (``workbook.lock_file``,
``workbook.encrypted``, ``workbook.unreadable``) and the reason.  ``open_zip`` opens an
``.xlsx`` only within the limits (the zip's member count, uncompressed size and
compression ratio), so a zip bomb never gets decompressed.  Files are only ever read.
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..output import oserror_text

MAX_FILE_BYTES = 50 * 1024 * 1024  # a filled report is ~50 KB; an Excel file over 50 MB is not one
MAX_MEMBERS = 2000
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all members together
MAX_RATIO = 200  # uncompressed / compressed, for members over 1 MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}

MAX_GRID_CELLS = 2_000_000  # rows x columns of one sheet's used area, from A1 (an official table: ~1,000)

__all__ = ["Verdict", "inspect", "open_zip", "GuardError", "is_lock_file", "EXCEL_SUFFIXES", "read_member",
           "check_grid", "xls_bounds", "MAX_GRID_CELLS"]


class GuardError(Exception):
    """A file that must not be parsed; ``rule`` is the rule id, the message is Chinese."""

    def __init__(self, rule: str, reason: str):
        super().__init__(reason)
        self.rule, self.reason = rule, reason


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # "xlsx" | "xls" | None
    rule: str | None = None
    reason: str | None = None


def is_lock_file(path) -> bool:
    return Path(path).name.startswith("~$")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def inspect(path) -> Verdict:
    """What a file is, from its name, size and first bytes (never trusting the suffix alone)."""
    path = Path(path)
    if is_lock_file(path):
        return Verdict(None, "workbook.lock_file", "Excel 临时锁定文件")
    try:
        size = path.stat().st_size
        if not path.is_file():
            return Verdict(None, "workbook.unreadable", "不是普通文件")
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as e:
        return Verdict(None, "workbook.unreadable", f"文件无法打开（{oserror_text(e)}）")
    if size == 0:
        return Verdict(None, "workbook.unreadable", "文件为空（0 字节）")
    if size > MAX_FILE_BYTES:
        return Verdict(None, "workbook.unreadable",
                       f"文件过大（{_mb(size)}，上限 {_mb(MAX_FILE_BYTES)}），不像是年度报告工作簿")
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return Verdict("xlsx")
    if head.startswith(OLE_MAGIC):
        return _ole(path)
    if head.startswith(b"PK"):
        return Verdict(None, "workbook.unreadable", "文件已损坏（zip 结构无效）")
    return Verdict(None, "workbook.unreadable", "不是 Excel 工作簿（文件内容既不是 .xlsx 也不是 .xls）")


def _ole(path: Path) -> Verdict:
    """An OLE compound file: an encrypted .xlsx (EncryptionInfo stream), an .xls, maybe encrypted."""
    try:
        import olefile
    except ImportError:  # pragma: no cover - olefile is a dependency
        olefile = None
    if olefile is not None:
        try:
            with olefile.OleFileIO(str(path)) as ole:
                if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                    return Verdict(None, "workbook.encrypted", "工作簿已加密")
                if not ole.exists("Workbook") and not ole.exists("Book"):
                    return Verdict(None, "workbook.unreadable", "不是 Excel 工作簿（是其他 Office 文件）")
                stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read(MAX_FILE_BYTES)
            reason = xls_bounds(stream)
            if reason is not None:
                return Verdict(None, "workbook.unreadable", reason)
        except Exception:
            return Verdict(None, "workbook.unreadable", "文件已损坏（OLE 结构无效）")
    try:  # an .xls with a FILEPASS record (optional: msoffcrypto-tool)
        import msoffcrypto
        with open(path, "rb") as fh:
            if msoffcrypto.OfficeFile(fh).is_encrypted():
                return Verdict(None, "workbook.encrypted", "工作簿已加密")
    except Exception:
        pass  # not decidable here: the .xls reader reports what it finds
    return Verdict("xls")


# BIFF records that give calamine a cell (row and column: two u16 at the start); MULRK's last
# column is its last u16.  Blank cells (BLANK, MULBLANK) make no cell in calamine's grid.
_XLS_CELLS = {0x0006, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x00BD, 0x00D6, 0x0002, 0x0003, 0x0004, 0x0005,
              0x0206, 0x0406}
_XLS_MULRK, _XLS_EOF, _XLS_SST, _XLS_SHEET, _XLS_DIMENSIONS = 0x00BD, 0x000A, 0x00FC, 0x0085, 0x0200


def _records(stream: bytes, pos: int):
    """(type, body start, body end) of the BIFF records from ``pos`` to the EOF record."""
    import struct

    end = len(stream)
    while pos + 4 <= end:
        typ, length = struct.unpack_from("<HH", stream, pos)
        body, pos = pos + 4, pos + 4 + length
        if pos > end:
            return
        yield typ, body, pos
        if typ == _XLS_EOF:
            return


def xls_bounds(stream: bytes) -> str | None:
    """Why calamine must not read this .xls workbook stream (None: it may).  calamine reads the
    globals, then each sheet from the offset its BOUNDSHEET record gives, and before reading the
    cells it reserves room for the area the sheet's DIMENSIONS record declares, sizes its grid
    by the farthest cell and its string table by the declared count; a failed allocation
    aborts the process (one damaged 64 KB file asked for 36 GB, another for 1.9 TB).  The same
    walk here refuses a declared or actual area over ``MAX_GRID_CELLS`` and a string count the
    stream cannot hold."""
    import struct

    unpack = struct.unpack_from
    sheets = []
    for typ, body, end in _records(stream, 0):
        if typ == _XLS_SST and end - body >= 8:
            count = unpack("<i", stream, body + 4)[0]
            if count < 0 or count > len(stream):  # each string takes at least 3 bytes
                return f"共享字符串表声明了 {count:,} 个字符串，超过文件所能容纳的数量（文件已损坏）"
        elif typ == _XLS_SHEET and end - body >= 4:
            sheets.append(unpack("<I", stream, body)[0])
    for number, start in enumerate(sheets, 1):
        rows = cols = 0
        for typ, body, end in _records(stream, start):
            length = end - body
            if typ == _XLS_DIMENSIONS and length in (10, 14):
                if length == 10:
                    rf, rl, cf, cl = unpack("<HHHH", stream, body)
                else:
                    rf, rl, cf, cl = unpack("<IIHH", stream, body)
                if rl >= 1 and cl >= 1:
                    declared = (rl - rf if rl > rf else 2**32) * (cl - cf if cl > cf else 2**16)
                    if declared > MAX_GRID_CELLS:
                        return (f"第 {number} 张工作表声明的数据区域约 {declared:,} 个单元格，"
                                f"超过上限 {MAX_GRID_CELLS:,} 个（文件可能已损坏）")
            elif typ in _XLS_CELLS and length >= 4:
                r, c = unpack("<HH", stream, body)
                if typ == _XLS_MULRK and length >= 6:
                    c = max(c, unpack("<H", stream, end - 2)[0])
                rows, cols = max(rows, r + 1), max(cols, c + 1)
                if rows * cols > MAX_GRID_CELLS:
                    return (f"第 {number} 张工作表的数据区域从 A1 起 {rows:,} 行 × {cols:,} 列，"
                            f"约 {rows * cols:,} 个单元格，超过上限 {MAX_GRID_CELLS:,} 个（文件可能已损坏）")
    return None


def open_zip(path) -> zipfile.ZipFile:
    """Open an .xlsx within the limits; raises ``GuardError`` with the reason.  The file (at
    most MAX_FILE_BYTES, checked by ``inspect``) is read into memory in one go: fewer system
    calls than seeking to each member."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):  # e.g. "zip file version 18.0"
        raise GuardError("workbook.unreadable", "文件已损坏或不完整（zip 结构无效，可能下载或复制中断）") from None
    except OSError as e:
        raise GuardError("workbook.unreadable", f"文件无法打开（{oserror_text(e)}）") from None
    try:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise GuardError("workbook.unreadable", f"压缩包内文件过多（{len(infos)} 个），可能是压缩炸弹")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise GuardError("workbook.unreadable",
                                 f"“{info.filename}”解压后 {_mb(info.file_size)}，压缩比异常，可能是压缩炸弹")
            if info.flag_bits & 0x1:
                raise GuardError("workbook.encrypted", "工作簿已加密")
            if info.flag_bits & 0x60:  # compressed patched data, strong encryption: not Excel's
                raise GuardError("workbook.unreadable", "文件已损坏（zip 成员的标志位不是 Excel 使用的）")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise GuardError("workbook.unreadable", f"文件已损坏（压缩方式编号 {info.compress_type} 不是 Excel 使用的）")
        if total > MAX_UNCOMPRESSED:
            raise GuardError("workbook.unreadable",
                             f"解压后共 {_mb(total)}，超过上限 {_mb(MAX_UNCOMPRESSED)}，可能是压缩炸弹")
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            kind = "Word 文档" if "word/document.xml" in names else (
                "PowerPoint 文稿" if "ppt/presentation.xml" in names else "zip 压缩包")
            hint = "；已发布的 Word 报告请用 xlreport audit 检查" if kind == "Word 文档" else ""
            raise GuardError("workbook.unreadable", f"不是 Excel 工作簿（是{kind}）{hint}")
    except GuardError:
        zf.close()
        raise
    return zf


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, inflated as a stream that stops at the size the zip declares for it
    (``ZipFile.read`` would inflate up to 2 GB of a member that under-declares its size before
    its CRC rejects it).  ``open_zip`` has bounded the declared sizes and their ratios; a member
    whose data is longer than declared fails its CRC check here (``zipfile.BadZipFile``)."""
    info = zf.getinfo(name)
    size = info.file_size
    try:
        with zf.open(info) as fh:
            data = fh.read(size)  # ZipExtFile.read(n) inflates at most n bytes
            if len(data) == size and fh.read(1):  # pragma: no cover - ZipExtFile stops at the declared size
                raise zipfile.BadZipFile(f"{name}: longer than declared")
    except (NotImplementedError, ValueError, RuntimeError) as e:  # an odd header: a damaged file
        raise zipfile.BadZipFile(str(e)) from None
    return data


def _area(book, name: str) -> tuple[int, int]:
    """(rows, columns) a sheet's cells with content span from A1, an upper bound found without
    parsing: the largest row and column of its cells, plus cells and rows that give no address
    (placed one after another), and its declared <dimension> when it is past Excel's last cell
    (calamine sizes its grid by the cells, not by the declared dimension)."""
    import re

    from ..layout import col_index
    from .ooxml import OoxmlError
    try:
        xml = book.sheet_xml(name)
    except OoxmlError:
        return 0, 0
    if not xml:
        return 0, 0
    rows = cols = 0
    refs = re.findall(r'<c\b[^<>]*?\br="([A-Z]+)(\d+)"[^<>/]*>', xml)
    if refs:
        cols = max(col_index(c) if len(c) <= 4 else 10**9 for c in {c for c, _ in refs})
        rows = max(int(r) if len(r) <= 9 else 10**9 for r in {r for _, r in refs})
    rows = max([rows, *(int(r) if len(r) <= 9 else 10**9 for r in re.findall(r'<row\b[^<>]*?\br="(\d+)"', xml))])
    rows += len(re.findall(r"<row(?![^<>]*\br=)[\s>/]", xml))
    cols += len(re.findall(r"<c(?![^<>]*\br=)[\s>]", xml))
    dim = re.search(r'<dimension\b[^<>]*\bref="[A-Z]*\d*:?\$?([A-Z]+)\$?(\d+)"', xml)
    if dim is not None:
        dc, dr = dim.group(1), dim.group(2)
        drows, dcols = (int(dr) if len(dr) <= 9 else 10**9), (col_index(dc) if len(dc) <= 4 else 10**9)
        if drows > 1048576 or dcols > 16384:  # past Excel's last cell XFD1048576: no Excel file
            rows, cols = max(rows, drows), max(cols, dcols)
    return rows, cols


def check_grid(book) -> None:
    """Refuse (``GuardError``) a workbook one of whose sheets spans more than ``MAX_GRID_CELLS``
    cells from A1, before a reader that makes a rectangular grid (calamine) allocates it: one
    cell near A1 and one at XFD1048576 would be 17 billion cells."""
    if len(book.sheet_names) > 255:
        raise GuardError("workbook.unreadable", f"工作表有 {len(book.sheet_names)} 张，超过上限 255 张")
    from ..layout import col_letter
    from .ooxml import shown
    for name in book.sheet_names:
        rows, cols = _area(book, name)
        if rows * cols > MAX_GRID_CELLS:
            where = f"{col_letter(min(cols, 16384))}{min(rows, 1048576)}" if cols and rows else "?"
            raise GuardError("workbook.unreadable",
                             f"工作表“{shown(name, 40)}”的数据区域从 A1 到 {where}，约 {rows * cols:,} 个单元格，"
                             f"超过上限 {MAX_GRID_CELLS:,} 个，不像是年度报告工作簿（如确为报告，请删除表格以外远处的单元格）")


def listed(paths) -> list[Path]:
    """Files to check from files and folders (folders recursively, Excel files and ~$ lock
    files only; a file named explicitly is always taken).  Sorted, without duplicates."""
    out: list[Path] = []
    seen = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.suffix.lower() in EXCEL_SUFFIXES and not q.is_dir())
        else:
            found = [p]
        for q in found:
            key = os.path.abspath(q)
            if key not in seen:
                seen.add(key)
                out.append(q)
    return out
