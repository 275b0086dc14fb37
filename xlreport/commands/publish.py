"""``xlreport publish``: the checked workbook as the document to publish (.docx, .html, .pdf)."""
from __future__ import annotations

import sys
from pathlib import Path

KIND_NAMES = {"docx": ".docx", "html": ".html", "pdf": ".pdf"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "publish", help="把校验通过的工作簿生成发布稿（Word、网页 HTML、PDF）和开放数据（CSV、JSON）",
        description="读取并校验填好的年度报告工作簿（也可以是 aggregate 生成的汇总表），生成按官方格式排版的发布稿："
                    "标题、开头段、一至六部分及表二、表三、表四（标签与合并表头同模板）、落款。"
                    "有错误的报告不生成发布稿（列出与 check 相同的问题），加 --draft 时生成每页标有“草稿”的稿子。"
                    "退出码：0 已生成，1 报告有错误或无法读取，2 用法或输出问题，3 内部错误。")
    p.add_argument("paths", nargs="+", metavar="工作簿", help="工作簿文件；用 --out-dir 时可给多个文件或文件夹")
    p.add_argument("-o", "--output", action="append", metavar="文件", default=[],
                   help="输出文件：.docx、.html 或 .pdf（可重复给出，一次生成多种）")
    p.add_argument("--out-dir", metavar="文件夹", help="把每个工作簿的发布稿写入此文件夹：文件名同工作簿，"
                        "所给文件夹中的子文件夹照样建在其中（同名时加“（2）”等并说明）")
    p.add_argument("--to", action="append", choices=sorted(KIND_NAMES), metavar="格式", default=[],
                   help="与 --out-dir 一起用：生成的格式 docx、html、pdf（可重复；默认 docx）")
    p.add_argument("--data", metavar="文件", help="同时输出表格数据（长表：单位、年度、格式、表、行、列、数值、状态（正式或草稿））："
                                                  ".csv 或 .json；与 --out-dir 一起用时写 csv 或 json")
    p.add_argument("--draft", action="store_true", help="报告有错误也生成，每页标“草稿”")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(handler=run)


def screen(text) -> str:
    from .check import screen as said
    return said(text)


def _lines(text) -> str:
    """A message that may name files (not UTF-8, control characters), line breaks kept."""
    return "\n".join(screen(line) for line in str(text).split("\n"))


def _usage(message: str) -> int:
    print(f"用法错误：{_lines(message)}", file=sys.stderr)
    return 2


def _print_findings(findings, out) -> None:
    from ..rules import SEVERITY_LABELS

    for f in findings:
        print(f"  [{SEVERITY_LABELS.get(f.severity, f.severity)}] {f.rule}：{f.message}", file=out)


def _said(path, result, notes_said: set) -> None:
    """What one published workbook prints; font notes once per run (``notes_said``)."""
    errors, warnings = result.errors, result.warnings
    if errors:
        print(f"“{screen(path)}”有 {len(errors)} 处错误，已按 --draft 生成草稿（每页标有“草稿”）：")
        _print_findings(errors, sys.stdout)
    if warnings or result.notices:
        print(f"“{screen(path)}”有 {len(warnings) + len(result.notices)} 条提示（不影响发布）：")
        _print_findings(warnings, sys.stdout)
        for n in result.notices:
            print(f"  [提示] 发布稿：{n}")
    for note in result.notes:
        if note not in notes_said:
            notes_said.add(note)
            print(f"字体：{note}")
    for o in result.outputs:
        print(f"已生成：{screen(o)}")


def _failed(path, e) -> int:
    from ..publish import PublishError, Refused, Skipped

    if isinstance(e, Skipped):
        print(_lines(e))
        return 0
    if isinstance(e, Refused):
        print(f"错误：{_lines(e)}", file=sys.stderr)
        _print_findings(sorted(e.findings, key=lambda f: not f.is_error), sys.stderr)
        return 1
    if isinstance(e, PublishError):
        print(f"错误：{_lines(e)}", file=sys.stderr)
        return e.code
    print(f"内部错误：处理“{screen(path)}”时出错：{type(e).__name__}：{_lines(e)}。这是 xlreport 的问题，不是报告的问题；"
          "请把所用的命令、文件和这条消息发给 xlreport 的维护者", file=sys.stderr)
    return 3


def _one(path, outputs, data, args) -> int:
    from ..publish import PublishError, publish

    try:
        result = publish(path, outputs, draft=args.draft, force=args.force, data=data)
    except PublishError as e:
        return _failed(path, e)
    _said(path, result, set())
    return 0


def _stems(files, paths) -> list[Path]:
    """Each workbook's output name under --out-dir, without suffix: its path relative to the
    folder given on the command line (the subfolders are mirrored), or its bare name for a file
    given by itself.  Names that still clash (年报.xlsx and 年报.xls, or two files given by
    themselves from different folders; compared without case) get （2）, （3）… after the name."""
    import os
    import unicodedata

    roots = [os.path.abspath(p) for p in paths if Path(p).is_dir()]
    out, taken = [], set()
    for f in files:
        full = os.path.abspath(f)
        root = next((r for r in roots if full.startswith(r.rstrip(os.sep) + os.sep)), None)
        rel = Path(os.path.relpath(full, root)) if root else Path(Path(f).name)
        base = rel.with_suffix("")
        stem, n = base, 1
        while unicodedata.normalize("NFC", str(stem)).casefold() in taken:
            n += 1
            stem = base.with_name(f"{base.name}（{n}）")
        taken.add(unicodedata.normalize("NFC", str(stem)).casefold())
        out.append(stem)
    return out


def run(args) -> int:
    from ..listing import collect
    from ..publish import Published, Skipped, publish_many

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        return _usage(f"找不到：{'、'.join(missing)}")
    if args.out_dir is None:
        if args.to:
            return _usage("--to 只能与 --out-dir 一起使用")
        if len(args.paths) != 1 or Path(args.paths[0]).is_dir():
            return _usage("多个工作簿或文件夹请用 --out-dir 指定输出文件夹")
        if not args.output and args.data is None:
            return _usage("请用 -o 指定输出文件（.docx、.html 或 .pdf），或用 --out-dir 指定文件夹")
        return _one(args.paths[0], args.output, args.data, args)
    if args.output:
        return _usage("-o 与 --out-dir 不能同时使用")
    folder = Path(args.out_dir)
    if not folder.is_dir():
        return _usage(f"输出文件夹“{folder}”不存在")
    if args.data is not None and args.data.lower().lstrip(".") not in ("csv", "json"):
        return _usage("与 --out-dir 一起用时，--data 应为 csv 或 json")
    files, notes, ignored = collect(args.paths)  # the same listing as check
    if not files and not notes:
        return _usage(f"在{'、'.join(args.paths)}中没有找到 .xlsx 或 .xls 工作簿")
    kinds = [KIND_NAMES[k] for k in dict.fromkeys(args.to or ["docx"])]
    stems = _stems(files, args.paths)
    jobs = []
    for f, stem in zip(files, stems):
        target = folder / stem
        outputs = [target.with_name(target.name + k) for k in kinds]
        data = target.with_name(f"{target.name}.{args.data.lower().lstrip('.')}") if args.data else None
        jobs.append((f, outputs, data))
    renamed = [(f, stem) for f, stem in zip(files, stems) if stem.name != f.stem]
    for f, stem in renamed:
        print(f"注意：“{screen(f)}”与另一个工作簿的发布稿同名，发布稿改名为“{screen(stem.name)}”")
    from ..readers.guard import is_lock_file
    for d in sorted({o.parent for f, outs, data in jobs if not is_lock_file(f)
                     for o in [*outs, *([data] if data else [])]}):
        d.mkdir(parents=True, exist_ok=True)  # the subfolders of the input, mirrored
    if any(k == ".pdf" for k in kinds) and len(jobs) > 1:
        print(f"正在生成 PDF（{len(jobs)} 个工作簿，LibreOffice 启动一次）……")
    codes, notes_said = [], set()
    skipped = 0
    for (f, _, _), got in zip(jobs, publish_many(jobs, draft=args.draft, force=args.force)):
        if isinstance(got, Published):
            _said(f, got, notes_said)
            codes.append(0)
        else:
            skipped += isinstance(got, Skipped)
            codes.append(_failed(f, got))
    for path, reason in notes:
        print(f"错误：无法生成“{screen(path)}”的发布稿：{_lines(reason)}", file=sys.stderr)
        codes.append(1)
    if ignored:
        print(f"已忽略 {ignored} 个 macOS 压缩包附带的文件（__MACOSX 文件夹或 ._ 开头的文件，不是报告）。")
    done = sum(c == 0 for c in codes) - skipped
    print(f"共 {len(codes) - skipped} 个工作簿：已生成 {done} 个，未生成 {len(codes) - skipped - done} 个"
          + (f"；已跳过 {skipped} 个 Excel 临时文件或检查结果" if skipped else "") + "。")
    return max(codes) if codes else 0
