"""Throughput of the published-report reader: text reports and PDFs per second.

    python scripts/bench_published.py [ROUNDS]

Text: every tests/data/reports/*.txt read, parsed and checked (audit_file), ROUNDS times.
PDF: the transcriptions laid out as a sheet, printed to PDF by LibreOffice once, then audited
ROUNDS times (pdftotext -layout); pdfplumber's extraction of the same files is timed beside it."""
from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import REAL_JSON, REPORTS  # noqa: E402
from xlreport import Report  # noqa: E402
from xlreport.published import audit_file  # noqa: E402


def rate(label, files, rounds, fn):
    start = time.perf_counter()
    for _ in range(rounds):
        for f in files:
            fn(f)
    n = len(files) * rounds
    secs = time.perf_counter() - start
    print(f"{label}: {n} 份 / {secs:.2f} 秒 = {n / secs:.1f} 份/秒")
    return n / secs


def main(argv) -> int:
    rounds = int(argv[0]) if argv else 30
    print(f"Python {platform.python_version()} on {platform.machine()}")
    texts = sorted(REPORTS.glob("*.txt"))
    audit_file(texts[0])  # warm the caches (labels, rules)
    rate("文字报告（.txt）", texts, rounds, audit_file)
    from xlreport.commands.audit import audit_all
    start = time.perf_counter()
    batch = texts * rounds * 4
    audit_all(batch, jobs=2)
    secs = time.perf_counter() - start
    print(f"文字报告，两个进程（audit --jobs 2）：{len(batch)} 份 / {secs:.2f} 秒 = {len(batch) / secs:.1f} 份/秒")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from published_render import to_docx, to_html, to_xlsx
        from xlreport.libreoffice import convert
        for p in REAL_JSON:
            data = json.loads(p.read_text(encoding="utf-8"))
            year = int(p.name[:4])
            report, _ = Report.from_interchange({**data, "year": year})
            (tmp / f"{p.stem}.html").write_text(to_html(report, "某局", year), encoding="utf-8")
            to_docx(report, "某局", year, tmp / f"{p.stem}.docx")
            to_xlsx(report, "某局", year, tmp / f"{p.stem}.xlsx")
        rate("网页（.html）", sorted(tmp.glob("*.html")), rounds, audit_file)
        rate("Word（.docx）", sorted(tmp.glob("*.docx")), rounds, audit_file)
        if shutil.which("soffice") and shutil.which("pdftotext"):
            pdfs = convert(sorted(tmp.glob("*.xlsx")), "pdf", tmp / "pdf")
            rate("PDF（pdftotext -layout + 解析 + 校验）", pdfs, max(1, rounds // 3), audit_file)
            import pdfplumber

            def plumber(path):
                with pdfplumber.open(str(path)) as pdf:
                    return "\n".join(page.extract_text() or "" for page in pdf.pages)
            rate("PDF 仅提取文字（pdfplumber，对比）", pdfs, 1, plumber)
        else:
            print("PDF：未安装 LibreOffice 或 pdftotext，跳过")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
