"""Running headless LibreOffice: recalculate workbooks and convert them (xlsx, pdf).

An adapter used by tests, scripts and users who have LibreOffice; the core never needs it."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice",
              "/Applications/LibreOffice.app/Contents/MacOS/soffice")


class LibreOfficeError(RuntimeError):
    pass


def find_soffice() -> str | None:
    for c in CANDIDATES:
        found = shutil.which(c) or (c if os.path.isfile(c) else None)
        if found:
            return found
    return None


def convert(paths, to: str, outdir: str | os.PathLike, timeout: float = 300) -> list[Path]:
    """Convert files with one soffice call (``to``: 'xlsx', 'pdf', 'ods', ...).

    Converting an .xlsx to .xlsx makes LibreOffice load it, recalculate every formula and save
    the cached values, which is how tests read what a spreadsheet program computes.
    Returns the output paths, in order.  Uses a private profile so parallel runs don't collide."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("未找到 LibreOffice（soffice）。请安装 libreoffice-calc。")
    paths = [Path(p).resolve() for p in paths]
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    filt = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf:calc_pdf_Export"}.get(to, to)
    with tempfile.TemporaryDirectory(prefix="xlreport-lo-") as profile:
        cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", filt, "--outdir", str(outdir), *map(str, paths)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    ext = to.split(":")[0]
    outs = [outdir / f"{p.stem}.{ext}" for p in paths]
    missing = [o for o in outs if not o.exists()]
    if missing:
        raise LibreOfficeError(f"LibreOffice 转换失败：{', '.join(map(str, missing))}\n{proc.stdout}\n{proc.stderr}")
    return outs


def recalculate(paths, outdir) -> list[Path]:
    """Recalculate workbooks in LibreOffice and save them (with cached values) into ``outdir``."""
    return convert(paths, "xlsx", outdir)
