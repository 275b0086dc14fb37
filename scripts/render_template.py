"""Render templates to PDF and PNG pages to look at them (LibreOffice + pdftoppm).

    python scripts/render_template.py [-o /tmp/xlreport-render] [--dpi 70] [REPORT.json ...]

Without reports it renders the blank templates of every format version; with reports
(interchange JSON such as tests/data/reports/*.json) it renders each filled template.
PNG and PDF files go to the output folder; nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlreport.formats import FORMATS  # noqa: E402
from xlreport.libreoffice import convert  # noqa: E402
from xlreport.model import Report  # noqa: E402
from xlreport.template import write_template  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="把填报模板转换为 PDF 并逐页渲染为 PNG")
    ap.add_argument("reports", nargs="*", help="报告的 JSON 文件（交换格式）；不给则渲染空白模板")
    ap.add_argument("-o", "--outdir", default="/tmp/xlreport-render", help="输出文件夹")
    ap.add_argument("--dpi", type=int, default=70, help="PNG 分辨率")
    args = ap.parse_args(argv)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    books = []
    if not args.reports:
        for v in FORMATS:
            books.append(write_template(out / f"blank_{v}.xlsx", v, force=True))
    for name in args.reports:
        report, _ = Report.from_interchange(json.loads(Path(name).read_text(encoding="utf-8")))
        books.append(write_template(out / f"{Path(name).stem}.xlsx", report=report, force=True))
    pdfs = convert(books, "pdf", out)
    if shutil.which("pdftoppm") is None:
        print("未找到 pdftoppm（poppler-utils），只生成了 PDF", file=sys.stderr)
        return 1
    for pdf in pdfs:
        subprocess.run(["pdftoppm", "-r", str(args.dpi), "-png", str(pdf), str(out / pdf.stem)], check=True,
                       timeout=120)
    for png in sorted(out.glob("*.png")):
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
