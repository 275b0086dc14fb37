"""``xlreport check``: check workbooks and folders of workbooks."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="检查一个或多个工作簿（可以是文件夹），列出每个问题及其单元格",
        description="检查填好的年度报告工作簿（本工具的模板或按官方表格自制的 .xlsx/.xls），"
                    "退出码：0 全部通过，1 有报告存在错误或文件无法读取，2 用法错误，3 有文件检查时发生内部错误（其他文件照常检查）。")
    p.add_argument("paths", nargs="+", metavar="路径", help="工作簿文件或文件夹（文件夹内的 .xlsx/.xls 全部检查）")
    p.add_argument("--previous", metavar="文件夹", help="上年报告所在文件夹（按填报单位名称对应，检查结转数）")
    p.add_argument("--out", metavar="文件", help="把结果写入 .xlsx（状态表+问题清单，含单元格链接）、.csv 或 .json")
    p.add_argument("--json", action="store_true", help="在标准输出打印每个工作簿的 JSON（表格、问题）")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="并行进程数（默认为 CPU 核数）")
    p.set_defaults(handler=run)


def usage_error(message: str) -> int:
    print(f"用法错误：{message}", file=sys.stderr)
    return 2


def run(args) -> int:
    from ..batch import FAIL, PASS, SKIPPED, UNREADABLE, has_internal_error, iter_results
    from ..exports import FORMATS, ExportError, write_results
    from ..readers.guard import listed

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        return usage_error(f"找不到：{'、'.join(missing)}")
    if args.previous is not None and not Path(args.previous).is_dir():
        return usage_error(f"上年报告文件夹“{args.previous}”不存在或不是文件夹")
    if args.out is not None and Path(args.out).suffix.lower() not in FORMATS:
        return usage_error(f"输出文件“{args.out}”应以 {'、'.join(FORMATS)} 之一结尾")
    if args.out is not None:
        from ..output import OutputError, check_target
        try:
            check_target(args.out, force=True)  # a missing folder is said before the checking starts
        except OutputError as e:
            return usage_error(str(e))
    if args.workers is not None and args.workers < 1:
        return usage_error("--workers 应为正整数")
    files = listed(args.paths)
    if args.out is not None:  # a result written into the folder being checked is not a report
        import os  # realpath, not resolve(): a symlink loop among the files must not raise
        out = os.path.realpath(args.out)
        files = [f for f in files if os.path.realpath(f) != out]
    if not files:
        return usage_error(f"在{'、'.join(args.paths)}中没有找到 .xlsx 或 .xls 工作簿")

    want_json = args.json or (args.out is not None and args.out.lower().endswith(".json"))
    keep = args.out is not None
    results = iter_results(files, args.previous, args.workers, want_json=want_json)
    bar = None
    if sys.stderr.isatty() and len(files) >= 20:
        from tqdm import tqdm
        bar = tqdm(total=len(files), unit="个", desc="检查", file=sys.stderr, leave=False)
    kept, rows = [], []
    status = Counter()
    rules = Counter()
    errors = warnings = internal = 0
    first_json = True
    if args.json:
        sys.stdout.write("[")
    for r in results:
        s = r.summary
        status[s["status"]] += 1
        internal += has_internal_error(r)
        errors += s["errors"]
        warnings += s["warnings"]
        for f in r.findings:
            if f["severity"] == "error":
                rules[f["rule"]] += 1
        if s["status"] != PASS or len(rows) < 30:
            if len(rows) < 200:
                first = _first_error(r.findings)
                if s["status"] == SKIPPED and not first and r.findings:
                    first = "跳过原因：" + r.findings[0]["message"]
                rows.append((s, first))
        if args.json:
            sys.stdout.write(("\n" if first_json else ",\n") + json.dumps(r.interchange, ensure_ascii=False))
            first_json = False
        if keep:
            kept.append(r)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if args.json:
        sys.stdout.write("\n]\n")
    out = sys.stderr if args.json else sys.stdout
    _print_table(rows, out)
    total = sum(status.values())
    print(f"共检查 {total} 个文件：通过 {status[PASS]}，有错误 {status[FAIL]}，无法读取 {status[UNREADABLE]}，"
          f"已跳过 {status[SKIPPED]}；错误 {errors} 条，提示 {warnings} 条。", file=out)
    if args.out is not None:
        try:
            path = write_results(args.out, kept)
        except ExportError as e:
            print(f"错误：{e}", file=sys.stderr)
            return 1
        print(f"结果已写入：{path}", file=out)
    if internal:
        print(f"其中 {internal} 个文件检查时发生内部错误（退出码 3），请把这些文件报告给 xlreport 的维护者。", file=out)
        return 3
    return 1 if status[FAIL] or status[UNREADABLE] else 0


def _first_error(findings) -> str:
    for f in findings:
        if f["severity"] == "error":
            return f["message"]
    return ""


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _print_table(rows, out) -> None:
    if not rows:
        return
    heads = ["状态", "错误", "提示", "填报单位", "年度", "文件", "第一个错误"]
    table = []
    for s, first in rows:
        table.append([s["status"], str(s["errors"]), str(s["warnings"]), s["agency"] or "—",
                      str(s["year"] or "—"), Path(s["file"]).name, first[:60] + ("…" if len(first) > 60 else "")])
    widths = [max(_width(h), *(_width(r[i]) for r in table)) for i, h in enumerate(heads)]
    widths[-1] = 0
    print("  ".join(_pad(h, w) for h, w in zip(heads, widths)).rstrip(), file=out)
    for r in table:
        print("  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip(), file=out)
    print(file=out)
