"""The document as PDF: the Word file (with the installed stand-ins of absent official fonts)
converted by LibreOffice Writer, fonts embedded (Writer's PDF export embeds every font used)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..libreoffice import LibreOfficeError, convert
from . import word
from .document import Document

FILTER = "pdf:writer_pdf_Export"


def render(doc: Document, fmt) -> bytes:
    data = word.render(doc, fmt, local_fonts=True)
    with tempfile.TemporaryDirectory(prefix="xlreport-publish-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(data)
        out = convert([src], FILTER, Path(tmp) / "pdf")[0]
        pdf = out.read_bytes()
    if not pdf.startswith(b"%PDF"):
        raise LibreOfficeError("LibreOffice 未生成有效的 PDF")
    return pdf


def render_many(items, tmp: Path) -> list[bytes]:
    """Several documents with one LibreOffice start: ``items`` are (Document, Format)."""
    tmp = Path(tmp)
    srcs = []
    for i, (doc, fmt) in enumerate(items):
        src = tmp / f"report{i}.docx"
        src.write_bytes(word.render(doc, fmt, local_fonts=True))
        srcs.append(src)
    if not srcs:
        return []
    out = [p.read_bytes() for p in convert(srcs, FILTER, tmp / "pdf", timeout=120 + 30 * len(srcs))]
    if not all(pdf.startswith(b"%PDF") for pdf in out):
        raise LibreOfficeError("LibreOffice 未生成有效的 PDF")
    return out
