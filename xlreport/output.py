"""Writing outputs whole or not at all (a temp file in the same folder, then ``os.replace``): the
one place every writer (template, add-in, exports, roll-up, import, audit) goes through."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """A Chinese message saying why an output could not be written."""


def check_target(path, force: bool, suffix: str | None = None) -> Path:
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"“{path}”是一个文件夹，请给出文件名")
    if suffix and path.suffix.lower() != suffix:
        raise OutputError(f"输出文件“{path}”应以 {suffix} 结尾")
    if path.exists() and not force:
        raise OutputError(f"文件“{path}”已存在；如需覆盖请加 --force")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"文件夹“{folder}”不存在")
    return path


def write_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"“{path}”是一个文件夹，请给出文件名")
    if not folder.is_dir():
        raise OutputError(f"文件夹“{folder}”不存在")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem, suffix=path.suffix + ".tmp", dir=folder)
    except OSError as e:
        raise OutputError(f"无法在“{folder}”中写入文件：{e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"无法写入“{path}”：{e.strerror or e}") from None
    return path
