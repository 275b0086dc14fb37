"""``xlreport audit``: read published reports (text, HTML, Word, PDF) and check them."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "audit", help="读取已发布的年度报告（网页文字、HTML、Word、PDF）并检查",
        description="读取已发布的政府信息公开工作年度报告（.txt、.html、.docx、.pdf，可给多个文件或文件夹），"
                    "识别单位、年度和格式版本，读出表二、表三、表四和正文各部分，报告勾稽关系错误、表格缺失、"
                    "格式过旧、官方标签错字、正文数字与表格不符、未说明信息处理费、发布超期，"
                    "以及原文无法确定的单元格。某个文件有问题不影响其余文件。")
    p.add_argument("reports", nargs="+", metavar="报告", help="报告文件或文件夹")
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 docs/interchange-schema.md）")
    p.add_argument("--out", metavar="文件", help="写入文件而不是屏幕（整份写入）")
    p.add_argument("--force", action="store_true", help="--out 的文件已存在时覆盖")
    p.set_defaults(handler=run)


def expand(paths) -> tuple[list[Path], list[str]]:
    from ..published.extract import KINDS

    files, problems = [], []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in KINDS
                           and not q.name.startswith((".", "~$")))
            if not found:
                problems.append(f"文件夹“{p}”中没有可读取的报告文件（.txt、.html、.docx、.pdf）")
            files += found
        elif p.exists():
            files.append(p)
        else:
            problems.append(f"找不到文件“{p}”")
    return files, problems


def render_text(audits) -> str:
    from ..rules import SEVERITY_LABELS

    out = []
    errors = warnings = 0
    for a in audits:
        r = a.report
        head = f"【{a.file}】"
        if r is not None:
            layout = "".join(f"，表{t}为{v}版" for t, v in r.layouts.items())
            head += (f"{r.agency or '单位未识别'} · {r.year or '年度未识别'}年度 · {r.version}版格式{layout}"
                     + (f" · 发布于{r.published:%Y-%m-%d}" if r.published else ""))
        out.append(head)
        if not a.findings:
            out.append("  未发现问题")
        for f in a.findings:
            out.append(f"  [{SEVERITY_LABELS.get(f.severity, f.severity)}] {f.rule}：{f.message}")
        if r is not None and r.uncertain:
            paths = sorted(r.format.cells[k].path for k in r.uncertain)
            out.append(f"  无法确定的单元格（{len(paths)}个）：" + "；".join(paths))
        errors += sum(f.severity == "error" for f in a.findings)
        warnings += sum(f.severity == "warning" for f in a.findings)
        out.append("")
    bad = sum(1 for a in audits if a.errors)
    out.append(f"共检查{len(audits)}份报告：{bad}份有错误；错误{errors}条，提示{warnings}条")
    return "\n".join(out) + "\n"


def run(args) -> int:
    from ..published import audit_file
    from ..published.io import OutputError, check_target, write_atomic

    if args.out:
        try:
            check_target(args.out, args.force)
        except OutputError as e:
            print(f"错误：{e}", file=sys.stderr)
            return 2
    files, problems = expand(args.reports)
    for msg in problems:
        print(f"错误：{msg}", file=sys.stderr)
    if not files:
        return 2
    audits = []
    for f in files:
        audits.append(audit_file(f))
    if args.json:
        text = json.dumps([a.to_interchange() for a in audits], ensure_ascii=False, indent=1) + "\n"
    else:
        text = render_text(audits)
    if args.out:
        try:
            write_atomic(args.out, text.encode("utf-8"))
        except OutputError as e:
            print(f"错误：{e}", file=sys.stderr)
            return 2
        print(f"已写入 {args.out}（{len(audits)}份报告）")
    else:
        sys.stdout.write(text)
    if problems:
        return 2
    return 1 if any(a.errors for a in audits) else 0
