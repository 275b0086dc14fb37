"""``xlreport aggregate``: sum many units' reports into one filled template."""
from __future__ import annotations

import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "aggregate", help="把多个单位的报告汇总成一份（填好的模板 + 来源追溯 + 有错误的单位）",
        description="汇总同一年度、同一格式版本的报告：输出一份填好的模板（各输入单元格为各单位之和，合计为公式），"
                    "另有“汇总来源”表（每个单位对每个单元格的数值）和“有错误的单位”表。"
                    "退出码：0 已生成；1 不能汇总（格式或年度不一致、同一单位的报告有两份、没有可读的报告），"
                    "或已生成但有单位的报告有错误（已计入汇总）、有文件无法读取（未计入汇总）；"
                    "2 用法或输出问题（参数错误、文件已存在而未加 --force、无法写入）；3 某个文件读取时发生内部错误。")
    p.add_argument("paths", nargs="+", metavar="路径", help="工作簿文件或文件夹")
    p.add_argument("-o", "--output", required=True, metavar="文件.xlsx", help="输出的汇总工作簿")
    p.add_argument("--agency", metavar="单位", help="写入汇总表封面的单位名称（默认“汇总（N个单位）”）")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="并行进程数（默认为 CPU 核数）")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(handler=run)


def _is_roll_up(path: Path) -> bool:
    """Whether ``path`` is a roll-up this command wrote (it has the 汇总来源 sheet); read bounded."""
    import zipfile

    from ..aggregate import TRACE_SHEET
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/workbook.xml")
            if info.file_size > 1_000_000:
                return False
            with z.open(info) as f:
                return f'name="{TRACE_SHEET}"'.encode("utf-8") in f.read(1_000_001)
    except Exception:  # not a zip, no workbook part: not a roll-up
        return False


def _overwrites_a_unit(output, paths) -> str | None:
    """Why writing ``output`` would destroy a unit's report, else None: it is a workbook given on
    the command line, or an existing workbook in a folder being summed that is not an earlier
    roll-up (an earlier roll-up there is left out of the sums and may be replaced with --force)."""
    from ..output import inside
    out = Path(output)
    given = [p for p in paths if not Path(p).is_dir()]
    if inside(out, given) is not None:
        return f"输出文件“{out}”就是要汇总的报告，会被覆盖；请换一个文件名"
    folders = [p for p in paths if Path(p).is_dir()]
    if out.exists() and inside(out, folders) is not None and not _is_roll_up(out):
        return (f"输出文件“{out}”是要汇总的文件夹中的一份单位报告（不是以前生成的汇总表），覆盖会丢失这份报告；"
                "请换一个文件名")
    return None


def run(args) -> int:
    from ..aggregate import AggregateError, aggregate
    from ..exports import ExportError
    from ..readers.guard import listed
    from .check import screen

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"用法错误：找不到：{screen('、'.join(missing))}", file=sys.stderr)
        return 2
    if Path(args.output).suffix.lower() != ".xlsx" or Path(args.output).is_dir():
        print(f"用法错误：输出文件“{screen(args.output)}”应为 .xlsx 文件", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("用法错误：--workers 应为正整数", file=sys.stderr)
        return 2
    from ..output import OutputError, check_target
    try:
        check_target(args.output, args.force, ".xlsx", probe=True)
    except OutputError as e:
        print(f"用法错误：{screen(e)}", file=sys.stderr)
        return 2
    refused = _overwrites_a_unit(args.output, args.paths)
    if refused:
        print(f"用法错误：{screen(refused)}", file=sys.stderr)
        return 2
    if not listed(args.paths):
        print(f"用法错误：在{screen('、'.join(args.paths))}中没有找到 .xlsx 或 .xls 工作簿", file=sys.stderr)
        return 2
    try:
        from .template import clean_agency
        result = aggregate(args.paths, args.output, workers=args.workers, agency=clean_agency(args.agency),
                           force=args.force)
    except AggregateError as e:
        print(f"错误：{screen(e)}", file=sys.stderr)
        return 1
    except ExportError as e:  # the output could not be written
        print(f"错误：{screen(e)}", file=sys.stderr)
        return 2
    r = result.report
    print(f"已汇总 {len(result.units)} 个单位的{r.year or ''}年度报告（{r.version}版格式）：{screen(result.path)}")
    bad = [f for f in result.failed if f["status"] != "无法读取"]
    internal = [f for f in result.failed if f.get("internal")]
    unreadable = [f for f in result.failed if f["status"] == "无法读取" and not f.get("internal")]
    if bad:
        print(f"其中 {len(bad)} 个单位的报告有错误（已计入汇总，见“有错误的单位”表）：" +
              "、".join(screen(f["agency"] or Path(f["file"]).name) for f in bad[:20]) + ("……" if len(bad) > 20 else ""))
    if unreadable:
        print(f"{len(unreadable)} 个文件无法读取，未计入汇总：" +
              "、".join(screen(Path(f["file"]).name) for f in unreadable[:20]) + ("……" if len(unreadable) > 20 else ""))
    if internal:  # a defect of ours on these files: exit 3, as for check (the roll-up of the others is written)
        print(f"{len(internal)} 个文件读取时发生内部错误，未计入汇总（这是 xlreport 的问题，不是报告的问题；"
              "请把文件和“有错误的单位”表中的消息发给 xlreport 的维护者）：" +
              "、".join(screen(Path(f["file"]).name) for f in internal[:20]) + ("……" if len(internal) > 20 else ""),
              file=sys.stderr)
        return 3
    return 1 if unreadable or bad else 0  # written, but a unit's report has errors or a file is left out: not clean
