"""Publishing: the checked workbook becomes the document the agency puts on its website.

    from xlreport.publish import publish, Refused
    result = publish("年报.xlsx", ["年报.docx", "年报.html", "年报.pdf"], data="年报.csv")

An adapter: it reads the workbook with the workbook reader, checks it with the one engine,
builds the document from the format and the template layout (``document``) and writes it
(``html``, ``word``, ``pdf`` through LibreOffice Writer; ``data`` for the long-form tables).
A report with errors is refused (``Refused`` carries the findings) unless ``draft=True``,
which marks every page 草稿.  Every output is written whole or not at all."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Finding, check
from ..model import Report
from ..output import OutputError, check_target, write_atomic
from . import data as open_data
from .document import Document, build

KINDS = (".docx", ".html", ".pdf")
WORKBOOK_ONLY = "workbook."  # findings about the workbook file itself, which no document carries

__all__ = ["KINDS", "Published", "PublishError", "Refused", "Skipped", "publish", "publish_report", "read_checked",
           "document_of", "publish_many"]


class PublishError(Exception):
    """A Chinese message; ``code`` is the exit code (1 unreadable report, 2 usage or output problem)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class Refused(PublishError):
    """The report has errors and was not published (``draft`` not asked for)."""

    def __init__(self, source: str, findings: list[Finding]):
        n = sum(f.is_error for f in findings)
        super().__init__(f"“{source}”有 {n} 处错误，未生成发布稿（修改后重新校验，或加 --draft 生成草稿）", 1)
        self.findings = findings


class Skipped(PublishError):
    """Not a report and not an error, skipped as ``check`` skips it: Excel's lock file ``~$…``,
    a check result workbook."""

    def __init__(self, message: str):
        super().__init__(message, 0)


@dataclass
class Published:
    source: str
    report: Report
    findings: list[Finding]
    outputs: list[Path] = field(default_factory=list)
    draft: bool = False
    notes: list[str] = field(default_factory=list)  # font fallbacks used for the PDF
    notices: list[str] = field(default_factory=list)  # what the workbook left empty (Document.gaps)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


def read_checked(path) -> tuple[Report, list[Finding]]:
    """Read a workbook and check it: the same findings as ``xlreport check``."""
    from ..batch import check_workbook

    report, findings = check_workbook(path)
    if report is None and findings and not findings[0].is_error:  # as check: a lock file, a check result
        raise Skipped(f"已跳过“{path}”：{findings[0].message.removesuffix('，已跳过')}")
    if report is None:
        message = findings[0].message if findings else "无法读取"
        raise PublishError(f"无法读取“{path}”：{message}", 1)
    return report, findings


def document_of(report: Report, findings=(), draft: bool = False) -> Document:
    return build(report, findings, draft)


def _suffix(path) -> str:
    return Path(path).suffix.lower()


def _check(path: Path, force: bool) -> None:
    try:
        check_target(path, force)
    except OutputError as e:
        raise PublishError(str(e)) from None


def _targets(outputs, data, force: bool) -> tuple[list[Path], Path | None]:
    outs = [Path(outputs)] if isinstance(outputs, (str, Path)) else [Path(o) for o in outputs or ()]
    for o in outs:
        if _suffix(o) not in KINDS:
            raise PublishError(f"输出文件“{o}”应以 {'、'.join(KINDS)} 之一结尾")
        _check(o, force)
    data_path = None
    if data is not None:
        data_path = Path(data)
        if _suffix(data_path) not in open_data.KINDS:
            raise PublishError(f"数据文件“{data_path}”应以 {'、'.join(open_data.KINDS)} 之一结尾")
        _check(data_path, force)
    if not outs and data_path is None:
        raise PublishError("没有指定输出文件")
    return outs, data_path


@dataclass
class _Pending:
    """A report checked, built and rendered except its PDFs (``None`` contents), not yet written."""

    result: Published
    doc: Document
    rendered: list[tuple[Path, bytes | None]]


def _prepare(report: Report, findings, outputs, *, draft: bool, force: bool, data, source) -> _Pending:
    source = source or report.source or report.agency or "报告"
    outs, data_path = _targets(outputs, data, force)
    if any(f.is_error for f in findings) and not draft:
        raise Refused(source, list(findings))
    doc = build(report, findings, draft=draft)
    result = Published(source, report, list(findings), draft=draft, notices=list(doc.gaps))
    rendered: list[tuple[Path, bytes | None]] = []
    for o in outs:
        rendered.append((o, None if _suffix(o) == ".pdf" else _render(doc, report, _suffix(o))))
    if data_path is not None:
        rendered.append((data_path, open_data.render(report, _suffix(data_path), draft=draft)))
    return _Pending(result, doc, rendered)


def _finish(p: _Pending, pdf: bytes | None = None) -> Published:
    try:
        for path, content in p.rendered:  # everything rendered first: no output is left half-made
            p.result.outputs.append(write_atomic(path, pdf if content is None else content))
    except OutputError as e:
        raise PublishError(str(e)) from None
    if any(content is None for _, content in p.rendered):
        from .fonts import fallbacks_used
        from .word import FACES
        p.result.notes = fallbacks_used(FACES)
    return p.result


def _needs_pdf(p: _Pending) -> bool:
    return any(content is None for _, content in p.rendered)


NO_SOFFICE = ("无法生成 PDF：未找到 LibreOffice（soffice）。请安装 LibreOffice 及其 Writer 组件"
              "（Debian/Ubuntu：apt-get install libreoffice-writer），或用 Word 打开 .docx 另存为 PDF。")


def _pdf_one(p: _Pending) -> bytes:
    from ..libreoffice import LibreOfficeError, find_soffice
    from . import pdf

    if find_soffice() is None:  # the general message names Calc; a PDF is made by Writer
        raise PublishError(NO_SOFFICE, 2)
    try:
        return pdf.render(p.doc, p.result.report.format)
    except LibreOfficeError as e:
        raise PublishError(f"无法生成 PDF：{e}", 2) from None


def publish_report(report: Report, findings, outputs=(), *, draft: bool = False, force: bool = False,
                   data=None, source: str | None = None) -> Published:
    """Publish an already read and checked report (the roll-up of ``aggregate``, the add-in's book)."""
    p = _prepare(report, findings, outputs, draft=draft, force=force, data=data, source=source)
    return _finish(p, _pdf_one(p) if _needs_pdf(p) else None)


def _render(doc: Document, report: Report, suffix: str) -> bytes:
    if suffix == ".html":
        from . import html
        return html.render(doc).encode("utf-8")
    from . import word
    return word.render(doc, report.format)


def publish_many(jobs, *, draft: bool = False, force: bool = False) -> list:
    """Publish several workbooks: ``jobs`` are ``(workbook, outputs, data)``.  Every workbook is
    read, checked and rendered on its own, then all the PDFs of the run are made with one
    LibreOffice start (``pdf.render_many``), then each workbook's outputs are written whole.
    Returns one ``Published`` or exception (``PublishError``, or any other for an internal error)
    per job, in order; one bad workbook does not stop the others."""
    out: list = []
    pending: list[tuple[int, _Pending]] = []
    for workbook, outputs, data in jobs:
        try:
            _targets(outputs, data, force)
            report, findings = read_checked(workbook)
            p = _prepare(report, findings, outputs, draft=draft, force=force, data=data, source=str(workbook))
        except Exception as e:  # noqa: BLE001 - said for this workbook, the others go on
            out.append(e)
            continue
        out.append(None)
        pending.append((len(out) - 1, p))
    pdfs = _pdf_batch([p for _, p in pending if _needs_pdf(p)])
    for i, p in pending:
        try:
            made = pdfs.get(id(p)) if _needs_pdf(p) else None
            if isinstance(made, Exception):
                raise made
            out[i] = _finish(p, made)
        except Exception as e:  # noqa: BLE001
            out[i] = e
    return out


def _pdf_batch(items: list[_Pending]) -> dict:
    """``id(pending)`` -> PDF bytes or the ``PublishError`` of that document: one LibreOffice start
    for all; if that conversion fails, each document alone, so the failing one is named."""
    import subprocess
    import tempfile

    from ..libreoffice import LibreOfficeError, find_soffice
    from . import pdf

    if not items:
        return {}
    if find_soffice() is None:
        return {id(p): PublishError(NO_SOFFICE, 2) for p in items}
    try:
        with tempfile.TemporaryDirectory(prefix="xlreport-publish-") as tmp:
            made = pdf.render_many([(p.doc, p.result.report.format) for p in items], Path(tmp))
        return {id(p): content for p, content in zip(items, made)}
    except (LibreOfficeError, subprocess.SubprocessError, OSError):
        pass
    out: dict = {}
    for p in items:
        try:
            out[id(p)] = _pdf_one(p)
        except PublishError as e:
            out[id(p)] = e
    return out


def publish(workbook, outputs=(), *, draft: bool = False, force: bool = False, data=None) -> Published:
    """Read, check and publish one workbook into ``outputs`` (.docx/.html/.pdf paths) and ``data``
    (.csv/.json).  Raises ``Refused`` for a report with errors (unless ``draft``), ``PublishError``
    for an unreadable workbook or an output that cannot be written."""
    if isinstance(outputs, (str, Path)):
        outputs = [outputs]
    _targets(outputs, data, force)  # a bad target is said before the workbook is read
    report, findings = read_checked(workbook)
    return publish_report(report, findings, outputs, draft=draft, force=force, data=data, source=str(workbook))


def same_findings(findings, report=None) -> list[Finding]:
    """The findings a published document can carry: all but those about the workbook file.  With
    the workbook's ``report``, its blank cells are said as the audit of a published report says
    them (one ``table.blank_*`` finding per table instead of ``value.blank`` per row)."""
    kept = [f for f in findings if not f.rule.startswith(WORKBOOK_ONLY)]
    if report is None:
        return kept
    from ..published.verdict import blank_findings
    return [f for f in kept if f.rule != "value.blank"] + blank_findings(report)
