"""Benchmark: ``xlreport publish`` on the example workbooks (examples/*.xlsx).

    python scripts/bench_publish.py            # each example, each kind, median of 3 runs

Times, per workbook, the steps of one publication: reading and checking the workbook, building
the document, writing .html, .docx, and .pdf (LibreOffice Writer: one soffice start per PDF,
which dominates), and the PDF of all examples with one soffice start (what a folder costs per
report).  Prints a table and the medians."""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlreport.publish import html, pdf, read_checked, word  # noqa: E402
from xlreport.publish.document import build  # noqa: E402


def timed(fn, runs=3):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out), result


def main() -> int:
    books = sorted((ROOT / "examples").glob("*.xlsx"))
    if not books:
        print("examples/ 中没有工作簿")
        return 2
    rows, items = [], []
    for b in books:
        t_read, (report, findings) = timed(lambda: read_checked(b))
        t_doc, doc = timed(lambda: build(report, findings, draft=any(f.is_error for f in findings)))
        t_html, _ = timed(lambda: html.render(doc))
        t_docx, _ = timed(lambda: word.render(doc, report.format))
        t_pdf, _ = timed(lambda: pdf.render(doc, report.format), runs=1)
        items.append((doc, report.format))
        rows.append((b.name, t_read, t_doc, t_html, t_docx, t_pdf))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        pdf.render_many(items, Path(tmp))
        batch = (time.perf_counter() - t) / len(items)
    print(f"{'工作簿':<40}{'读取+校验':>10}{'文档':>8}{'html':>8}{'docx':>8}{'pdf':>8}  (秒)")
    for name, *ts in rows:
        print(f"{name:<40}" + "".join(f"{x:>10.3f}" if i == 0 else f"{x:>8.3f}" for i, x in enumerate(ts)))
    med = [statistics.median(r[i] for r in rows) for i in range(1, 6)]
    print(f"{'中位数':<40}" + "".join(f"{x:>10.3f}" if i == 0 else f"{x:>8.3f}" for i, x in enumerate(med)))
    print(f"一次启动 LibreOffice 生成 {len(items)} 份 PDF：平均每份 {batch:.2f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
