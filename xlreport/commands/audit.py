"""``xlreport audit``: read published reports (text, HTML, Word, PDF) and check them."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .check import EXIT_CODES


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "audit", help="读取已发布的年度报告（网页文字、HTML、Word、PDF）并检查",
        description="读取已发布的政府信息公开工作年度报告（.txt、.html、.docx、.pdf，可给多个文件或文件夹），"
                    "识别单位、年度和格式版本，读出表二、表三、表四和正文各部分，报告勾稽关系错误、表格缺失、"
                    "格式过旧、官方标签错字、正文数字与表格不符、未说明信息处理费、发布超期，"
                    "以及原文无法确定的单元格。某个文件有问题不影响其余文件。" + EXIT_CODES)
    p.add_argument("reports", nargs="+", metavar="报告", help="报告文件或文件夹")
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 docs/interchange-schema.md）")
    p.add_argument("--out", metavar="文件", help="写入文件而不是屏幕（整份写入）：.xlsx（状态表+问题清单）、.csv（问题清单）、"
                                                   ".json（同 --json），其他后缀为文字报告")
    p.add_argument("--force", action="store_true", help="--out 的文件已存在时覆盖")
    p.add_argument("--previous", metavar="上年报告文件夹",
                   help="上年已发布报告所在的文件夹：按单位和年度配对，核对上年结转、现行有效件数，"
                        "并提示照搬上年的五、六部分和申请数量的大幅变化")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="同时使用的进程数（默认1；文件多时可设为 CPU 核数）")
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


def render_text(results) -> str:
    """The Chinese text report of interchange dicts (one per file)."""
    from ..rules import SEVERITY_LABELS

    out = []
    errors = warnings = bad = 0
    for d in results:
        head = f"【{d['file']}】"
        if d.get("format"):
            layout = "".join(f"，表{t}为{v}版" for t, v in (d.get("layouts") or {}).items())
            head += (f"{d.get('agency') or '单位未识别'} · {d.get('year') or '年度未识别'}年度 · {d['format']}版格式{layout}"
                     + (f" · 发布于{d['published']}" if d.get("published") else ""))
        out.append(head)
        if not d["findings"]:
            out.append("  未发现问题")
        for f in d["findings"]:
            out.append(f"  [{SEVERITY_LABELS.get(f['severity'], f['severity'])}] {f['rule']}：{f['message']}")
        if d.get("uncertain"):
            out.append(f"  无法确定的单元格（{len(d['uncertain'])}个）：" + "；".join(uncertain_labels(d)))
        e = sum(f["severity"] == "error" for f in d["findings"])
        errors += e
        bad += e > 0
        warnings += sum(f["severity"] == "warning" for f in d["findings"])
        out.append("")
    out.append(f"共检查{len(results)}份报告：{bad}份有错误；错误{errors}条，提示{warnings}条")
    return "\n".join(out) + "\n"


def uncertain_labels(d) -> list[str]:
    """The uncertain cells of an interchange dict as the checker names cells (``表三「…」自然人``),
    in the order of the official tables."""
    from ..formats import FORMATS

    order = {}
    for version in [d.get("format"), *(d.get("layouts") or {}).values()]:
        if version in FORMATS:
            for i, cell in enumerate(FORMATS[version].cells.values()):
                order.setdefault(cell.path, i)
    out = []
    for path in sorted(d["uncertain"], key=lambda p: order.get(p, len(order))):
        parts = path.split("/", 2)
        out.append(f"表{parts[0]}「{parts[1]}」{parts[2]}" if len(parts) == 3 else path)
    return out


def results_of(dicts):
    """Interchange dicts -> ``xlreport.batch.Result`` rows for the .xlsx and .csv exports."""
    from ..batch import FAIL, PASS, UNREADABLE, Result
    from ..rules import SEVERITY_LABELS

    out = []
    for d in dicts:
        base = {"file": d["file"], "agency": d.get("agency"), "year": d.get("year"), "format": d.get("format")}
        rows = []
        for f in d["findings"]:
            cells = f.get("cells") or []
            rows.append({**base, "rule": f["rule"], "severity": f["severity"],
                         "severity_label": SEVERITY_LABELS.get(f["severity"], f["severity"]),
                         "table": f.get("table") or "", "where": "",
                         "cells": ";".join(c["key"] for c in cells), "labels": "；".join(c["label"] for c in cells),
                         "addresses": "", "expected": f.get("expected"), "actual": f.get("actual"),
                         "difference": f.get("difference"), "message": f["message"]})
        errors = sum(f["severity"] == "error" for f in d["findings"])
        status = UNREADABLE if d.get("format") is None else FAIL if errors else PASS
        summary = {**base, "errors": errors, "warnings": len(d["findings"]) - errors, "status": status}
        out.append(Result(summary, rows, d))
    return out


_PREVIOUS = None  # last year's reports, in each worker process


def _set_previous(index) -> None:
    global _PREVIOUS
    _PREVIOUS = index


def _one(path) -> dict:
    from ..published import audit_file

    return audit_file(path, previous=_PREVIOUS).to_interchange()


def _report_of(path):
    from ..published import audit_file

    return str(path), audit_file(path).report


def previous_index(folder, jobs: int = 1):
    """Last year's reports under ``folder``, read once, by agency (``yearly.PreviousIndex``)."""
    from ..published.yearly import PreviousIndex

    files, _ = expand([folder])
    index = PreviousIndex()
    for path, report in _map(_report_of, files, jobs):
        index.add(report, path)
    return index


def _map(fn, files, jobs, initializer=None, initargs=()):
    if jobs <= 1 or len(files) < 8:
        if initializer is not None:
            initializer(*initargs)
        try:
            return [fn(f) for f in files]
        finally:
            if initializer is not None:
                initializer(*[None] * len(initargs))
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs) as pool:
        return list(pool.map(fn, files, chunksize=max(1, min(32, len(files) // (jobs * 4)))))


def audit_all(files, jobs: int = 1, previous=None) -> list[dict]:
    """Every file's interchange dict, in order; ``jobs`` > 1 spreads the files over processes;
    ``previous``: last year's reports (``previous_index``)."""
    return _map(_one, files, jobs, _set_previous, (previous,))


def run(args) -> int:
    from ..output import OutputError, check_target, write_atomic

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
    if args.jobs < 1:
        print("错误：--jobs 应为正整数", file=sys.stderr)
        return 2
    previous = None
    if args.previous:
        if not Path(args.previous).is_dir():
            print(f"错误：--previous 应为上年报告所在的文件夹：“{args.previous}”不是文件夹", file=sys.stderr)
            return 2
        previous = previous_index(args.previous, args.jobs)
    results = audit_all(files, args.jobs, previous)
    suffix = Path(args.out).suffix.lower() if args.out else ""
    if args.json or suffix == ".json":
        text = json.dumps(results, ensure_ascii=False, indent=1) + "\n"
    else:
        text = render_text(results)
    if args.out:
        from ..exports import ExportError, write_results

        try:
            if suffix in (".xlsx", ".csv"):  # the same status sheet and list of findings as xlreport check
                write_results(args.out, results_of(results))
            else:
                write_atomic(args.out, text.encode("utf-8"))
        except (OutputError, ExportError) as e:
            print(f"错误：{e}", file=sys.stderr)
            return 2
        print(f"已写入 {args.out}（{len(results)}份报告）")
    else:
        sys.stdout.write(text)
    if problems:
        return 2
    return 1 if any(f["severity"] == "error" for d in results for f in d["findings"]) else 0
