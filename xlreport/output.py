"""Writing outputs whole or not at all (a temp file in the same folder, then ``os.replace``): the
one place every writer (template, add-in, exports, roll-up, import, audit) goes through.

Output files get the permissions any new file of the user gets (``0o666`` less the umask), not
the ``0o600`` of a temporary file.  ``check_target`` says every output problem before any work
is done: an existing file without ``--force``, a missing or unwritable folder, an output that is
one of the inputs or lies in a folder being read.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["OutputError", "check_target", "write_atomic", "atomic_file", "file_mode", "inside", "oserror_text"]


class OutputError(Exception):
    """A Chinese message saying why an output could not be written."""


def oserror_text(e: OSError) -> str:
    """An OS error's reason in Chinese (the common ones), else the system's own text."""
    import errno
    reasons = {errno.EACCES: "没有写入权限", errno.EPERM: "不允许此操作", errno.ENOSPC: "磁盘空间不足",
               errno.EROFS: "只读文件系统", errno.ENOENT: "文件或文件夹不存在", errno.EISDIR: "这是一个文件夹",
               errno.ENOTDIR: "路径中有一部分不是文件夹", errno.ENAMETOOLONG: "文件名过长",
               errno.EDQUOT: "超出磁盘配额", errno.ELOOP: "符号链接循环", errno.EEXIST: "文件已存在",
               errno.EIO: "读写出错（磁盘或网络盘故障）", errno.EBUSY: "文件正被占用",
               errno.ETXTBSY: "文件正被占用", errno.EMFILE: "打开的文件过多", errno.EINVAL: "参数无效（文件名不允许？）"}
    return reasons.get(e.errno, e.strerror or str(e))


def file_mode() -> int:
    """The mode a new file of this user gets: 0o666 less the umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def inside(path, folders) -> Path | None:
    """The first of ``folders`` (files or folders) that ``path`` is, or lies in; else None."""
    target = Path(os.path.realpath(path))
    for f in folders:
        f = Path(os.path.realpath(f))
        if target == f or (f.is_dir() and f in target.parents):
            return f
    return None


def check_target(path, force: bool, suffix: str | None = None, *, inputs=(), previous=None,
                 probe: bool = False) -> Path:
    """Refuse an output before any work: a folder, a wrong suffix, an existing file without
    ``force``, a missing folder, an input (or a file in an input or ``previous`` folder) and,
    with ``probe``, a folder the user cannot write to (a temporary file is created and removed)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"“{path}”是一个文件夹，请给出文件名")
    if suffix and path.suffix.lower() != suffix:
        raise OutputError(f"输出文件“{path}”应以 {suffix} 结尾")
    for given in inputs:
        if inside(path, [given]) is None:
            continue
        if Path(given).is_dir():
            raise OutputError(f"输出文件“{path}”在要检查的文件夹“{given}”中，会混入或覆盖报告；请写到别的文件夹")
        raise OutputError(f"输出文件“{path}”就是要检查的文件，会覆盖报告；请换一个文件名")
    if previous is not None and inside(path, [previous]) is not None:
        raise OutputError(f"输出文件“{path}”在上年报告文件夹“{previous}”中，会覆盖或混入上年报告；请写到别的文件夹")
    if path.exists() and not force:
        raise OutputError(f"文件“{path}”已存在；如需覆盖请加 --force")
    folder = _folder(path)
    if not folder.is_dir():
        raise OutputError(f"文件夹“{folder}”不存在")
    if probe:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".~xlreport", suffix=".tmp", dir=folder)
            os.close(fd)
            os.unlink(tmp)
        except OSError as e:
            raise OutputError(f"无法在“{folder}”中写入文件（{oserror_text(e)}）") from None
    return path


@contextlib.contextmanager
def atomic_file(path):
    """``with atomic_file(p) as fh: fh.write(...)``: ``p`` appears whole when the block ends
    without an exception, else not at all (the temporary file is removed)."""
    path = Path(path)
    folder = _folder(path)
    if path.is_dir():
        raise OutputError(f"“{path}”是一个文件夹，请给出文件名")
    if not folder.is_dir():
        raise OutputError(f"文件夹“{folder}”不存在")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem[:40], suffix=path.suffix + ".tmp", dir=folder)
    except OSError as e:
        raise OutputError(f"无法在“{folder}”中写入文件（{oserror_text(e)}）") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OutputError(f"无法写入“{path}”（{oserror_text(e)}）") from None
        raise


def write_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_file(path) as fh:
        fh.write(data)
    return Path(path)
