"""``xlreport check``: check workbooks and folders of workbooks."""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

EXIT_CODES = ("退出码（所有命令相同）：0 全部通过；1 有报告存在错误或无法读取；"
              "2 用法或输出问题（参数错误、输出文件已存在而未加 --force、无法写入）；3 某个文件检查时发生内部错误（其余文件照常检查完毕）。")
QUIET_ROWS = 200  # lines of the --quiet table
WARNINGS_SHOWN = 3  # messages shown per warning rule (every error is shown)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="检查一个或多个工作簿（可以是文件夹），列出每个问题及其单元格",
        description="检查填好的年度报告工作簿（本工具的模板或按官方表格自制的 .xlsx/.xls），"
                    "逐个文件列出全部错误（按规则归类）和提示。" + EXIT_CODES)
    p.add_argument("paths", nargs="+", metavar="路径", help="工作簿文件或文件夹（文件夹内的 .xlsx/.xlsm/.xls 全部检查，.ods/.xlsb 也读取）")
    p.add_argument("--previous", metavar="文件夹",
                   help="上年报告所在文件夹（按填报单位名称和年度对应：本年度减一，检查结转数）")
    p.add_argument("--out", metavar="文件", help="把结果写入 .xlsx（状态表+问题清单，含单元格链接）、.csv 或 .json")
    p.add_argument("--force", action="store_true", help="--out 的文件已存在时覆盖")
    p.add_argument("--absolute-links", action="store_true",
                   help="--out .xlsx 中的单元格链接用绝对路径（默认相对路径：结果与被检查的文件夹一起移动时有效）")
    p.add_argument("--json", action="store_true", help="在标准输出打印每个工作簿的 JSON（表格、问题）")
    p.add_argument("-q", "--quiet", action="store_true", help="只列一行一个文件的汇总表，不列出每个问题")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="并行进程数（默认为 CPU 核数）")
    p.set_defaults(handler=run)


def usage_error(message: str) -> int:
    print(f"用法错误：{screen(message)}", file=sys.stderr)
    return 2


def screen(text) -> str:
    """Text safe to print: bytes that were not UTF-8 as U+FFFD, control characters (terminal
    escape sequences, carriage returns that would forge table lines) shown as \\x1b."""
    from ..exports import display_path
    text = display_path("" if text is None else text)
    if text.isprintable():
        return text
    import unicodedata
    return "".join(ch if ch.isprintable() or ch == " " else
                   (f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
                   if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") else ch
                   for ch in text)


class Names:
    """Files named by their path relative to the folder given (same-named files in different
    sub-folders stay apart); a file given by itself as it was given."""

    def __init__(self, paths):
        self.roots = [os.path.abspath(p) for p in paths if Path(p).is_dir()]

    def __call__(self, file) -> str:
        full = os.path.abspath(file)
        for root in self.roots:
            if full.startswith(root.rstrip(os.sep) + os.sep):
                return screen(os.path.relpath(full, root))
        return screen(file)


PUBLISHED_SUFFIXES = (".pdf", ".docx", ".doc", ".html", ".htm", ".wps")  # what `audit` reads, not `check`


def _published_files(paths) -> int:
    """How many published-report files (PDF, Word, web pages) lie in the folders given: not checked,
    but worth a hint to use ``audit`` (a lone .pdf given by name gets its own verdict already)."""
    from ..listing import is_macos_extra
    n = 0
    for p in map(Path, paths):
        if p.is_dir():
            n += sum(q.suffix.lower() in PUBLISHED_SUFFIXES and not is_macos_extra(q.relative_to(p))
                     and q.is_file() for q in p.rglob("*"))
    return n


def run(args) -> int:
    from ..batch import FAIL, PASS, SKIPPED, UNREADABLE, has_internal_error, iter_results
    from ..exports import FORMATS, ExportError, ResultWriter
    from ..listing import collect, note_results
    from ..output import OutputError, check_target

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        return usage_error(f"找不到：{'、'.join(missing)}")
    if args.previous is not None and not Path(args.previous).is_dir():
        return usage_error(f"上年报告文件夹“{args.previous}”不存在或不是文件夹")
    if args.out is not None and Path(args.out).suffix.lower() not in FORMATS:
        return usage_error(f"输出文件“{args.out}”应以 {'、'.join(FORMATS)} 之一结尾")
    if args.workers is not None and args.workers < 1:
        return usage_error("--workers 应为正整数")
    if args.out is not None:  # every output problem is said before the checking starts
        try:
            check_target(args.out, args.force, inputs=args.paths, previous=args.previous, probe=True)
        except OutputError as e:
            return usage_error(str(e))
    files, notes, skipped = collect(args.paths)
    published = _published_files(args.paths)
    if not files and not notes:
        return usage_error(f"在{screen('、'.join(args.paths))}中没有找到 .xlsx 或 .xls 工作簿" + (
            f"；其中有 {published} 个 PDF、Word 或网页文件：已发布的年度报告请用 xlreport audit 检查"
            if published else ""))

    want_json = args.json or (args.out is not None and args.out.lower().endswith(".json"))
    names = Names(args.paths)
    out = sys.stderr if args.json else sys.stdout
    total_files = len(files) + len(notes)
    bar = None
    if sys.stderr.isatty() and total_files >= 20:
        from tqdm import tqdm
        bar = tqdm(total=total_files, unit="个", desc="检查", file=sys.stderr, leave=False)

    def results():
        if files:
            yield from iter_results(files, args.previous, args.workers, want_json=want_json)
        yield from note_results(notes, want_json)

    writer = ResultWriter(args.out, absolute_links=args.absolute_links,
                          previous=args.previous is not None) if args.out is not None else None
    rows, shown = [], Counter()
    status = Counter()
    errors = warnings = internal = 0
    first_json = True
    opened = False
    try:
        if args.json:
            sys.stdout.write("[")
        for r in results():
            if writer is not None and not opened:  # after the workers have started: they need not
                writer.__enter__()                  # inherit openpyxl
                opened = True
            s = r.summary
            status[s["status"]] += 1
            errors += s["errors"]
            warnings += s["warnings"]
            internal += has_internal_error(r)
            if args.quiet:
                if (s["status"] != PASS or len(rows) < 30) and len(rows) < QUIET_ROWS:
                    rows.append((s, _first_error(r.findings, s["status"] == SKIPPED)))
                    shown[s["status"]] += 1
            else:
                _print_file(r, names, out if bar is None else _Above(bar, out))
            if args.json:
                sys.stdout.write(("\n" if first_json else ",\n") + _json(r.interchange))
                first_json = False
            if writer is not None:
                writer.add(r)
            if bar is not None:
                bar.update(1)
        if writer is not None:
            if bar is not None:
                bar.set_description("写入结果")
            if not opened:
                writer.__enter__()
            writer.__exit__(None, None, None)
    except ExportError as e:
        if bar is not None:
            bar.close()
        print(f"错误：{screen(e)}", file=sys.stderr)
        return 2
    except BaseException as e:
        if writer is not None and writer._ctx is not None:
            try:
                writer.__exit__(type(e), e, e.__traceback__)
            except BaseException:
                pass
        if bar is not None:
            bar.close()
        if isinstance(e, OSError) and writer is not None:  # the output's disk, while writing
            from ..output import oserror_text
            print(f"错误：无法写入“{screen(args.out)}”（{oserror_text(e)}），未生成结果文件", file=sys.stderr)
            return 2
        raise
    if bar is not None:
        bar.close()
    if args.json:
        sys.stdout.write("\n]\n")
    total = sum(status.values())
    if args.quiet:
        _print_table(rows, names, out)
        hidden = total - len(rows)
        if hidden:
            parts = "，".join(f"{k} {status[k] - shown[k]}" for k in (PASS, FAIL, UNREADABLE, SKIPPED)
                             if status[k] - shown[k])
            print(f"（上表只列出 {len(rows)} 个文件，另有 {hidden} 个未列出：{parts}。"
                  f"不加 --quiet 可逐个列出，或用 --out 输出完整结果）", file=out)
    if skipped:
        print(f"已忽略 {skipped} 个 macOS 压缩包附带的文件（__MACOSX 文件夹或 ._ 开头的文件，不是报告）。", file=out)
    if published:
        print(f"文件夹中另有 {published} 个 PDF、Word 或网页文件，没有检查：已发布的年度报告请用 xlreport audit 检查。",
              file=out)
    print(f"共检查 {total} 个文件：通过 {status[PASS]}，有错误 {status[FAIL]}，无法读取 {status[UNREADABLE]}，"
          f"已跳过 {status[SKIPPED]}；错误 {errors} 条，提示 {warnings} 条。", file=out)
    if internal:
        print(f"其中 {internal} 个文件检查时发生内部错误（见各文件的说明），请把这些文件报告给维护者。", file=out)
    if writer is not None:
        print(f"结果已写入：{screen(args.out)}", file=out)
    if internal:
        return 3
    return 1 if status[FAIL] or status[UNREADABLE] else 0


def _json(inter) -> str:
    from ..exports import json_dumps
    return json_dumps(inter)


class _Above:
    """Lines printed above a progress bar."""

    def __init__(self, bar, out):
        self.bar, self.out = bar, out

    def write(self, text):
        for line in text.rstrip("\n").split("\n"):
            self.bar.write(line, file=self.out)

    def flush(self):
        self.out.flush()


def _first_error(findings, skipped=False) -> str:
    for f in findings:
        if f["severity"] == "error":
            return f["message"]
    if skipped and findings:
        return "跳过原因：" + findings[0]["message"]
    return ""


def _print_file(r, names, out) -> None:
    """One line for the file, then every finding grouped by rule (the rule's title once)."""
    from ..rules import RULES

    s = r.summary
    head = [s["status"], names(s["file"])]
    if s.get("agency"):
        head.append(screen(s["agency"]))
    if s.get("year"):
        head.append(f"{s['year']}年度")
    if s["errors"] or s["warnings"]:
        head.append(f"错误 {s['errors']} 条，提示 {s['warnings']} 条")
    if s.get("previous"):
        head.append(f"上年报告：{names(s['previous'])}")
    lines = ["  ".join(head)]
    groups: dict[str, list[dict]] = {}
    for f in r.findings:
        groups.setdefault(f["rule"], []).append(f)
    order = sorted(groups, key=lambda k: (groups[k][0]["severity"] != "error", list(groups).index(k)))
    for rule in order:
        fs = groups[rule]
        label = "错误" if fs[0]["severity"] == "error" else "提示"
        title = RULES[rule].title if rule in RULES else rule
        lines.append(f"  【{label}】{screen(title)}（{rule}）" + (f"，{len(fs)} 处：" if len(fs) > 1 else "："))
        messages = list(dict.fromkeys(f["message"] for f in fs))  # each message once
        limit = len(messages) if label == "错误" else WARNINGS_SHOWN  # every error; the first few of a warning
        for m in messages[:limit]:
            lines.append(f"      {screen(m)}")
        if len(messages) > limit:
            lines.append(f"      ……另有 {len(messages) - limit} 条同类提示（--out 输出全部）")
    print("\n".join(lines), file=out)


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _print_table(rows, names, out) -> None:
    if not rows:
        return
    heads = ["状态", "错误", "提示", "填报单位", "年度", "文件", "第一个错误"]
    table = []
    for s, first in rows:
        first = screen(first)
        table.append([s["status"], str(s["errors"]), str(s["warnings"]), screen(s["agency"]) or "—",
                      str(s["year"] or "—"), names(s["file"]), first[:60] + ("…" if len(first) > 60 else "")])
    widths = [max(_width(h), *(_width(r[i]) for r in table)) for i, h in enumerate(heads)]
    widths[-1] = 0
    print("  ".join(_pad(h, w) for h, w in zip(heads, widths)).rstrip(), file=out)
    for r in table:
        print("  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip(), file=out)
    print(file=out)
