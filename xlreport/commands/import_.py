"""``xlreport import``: turn a published report back into the locked workbook template."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import", help="把已发布的年度报告（网页文字、HTML、Word、PDF）转成 Excel 填报模板",
        description="读取一份已发布的年度报告，按其格式版本填入带保护的 Excel 模板（表格数字与正文各部分）。"
                    "原文无法确定的单元格留空，并在屏幕和工作簿的“导入说明”表中列出。"
                    "退出码：0 已导入；1 报告无法读取；2 用法或输出问题（参数错误、文件已存在而未加 --force、无法写入）；"
                    "3 内部错误。")
    p.add_argument("report", metavar="报告", help="报告文件（.txt、.html、.docx、.pdf）")
    p.add_argument("-o", "--output", required=True, metavar="文件.xlsx", help="输出的工作簿")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..published import audit_file
    from ..published.importer import IMPORT_SHEET, build
    from ..output import OutputError, check_target, write_atomic
    from ..exports import display_path
    from ..template import workbook_bytes
    from .check import screen

    from pathlib import Path

    if not Path(args.report).exists():
        print(f"错误：找不到文件“{screen(args.report)}”", file=sys.stderr)
        return 2
    try:
        check_target(args.output, args.force, ".xlsx")
    except OutputError as e:
        print(f"错误：{screen(e)}", file=sys.stderr)
        return 2
    audit = audit_file(args.report)
    if audit.report is None:
        for f in audit.findings:
            print(f"错误：{screen(args.report)}：{f.message}", file=sys.stderr)
        return 1
    # the name recorded in 导入说明 and said on screen: a name that is not UTF-8 (a Windows zip
    # unpacked on Linux) with U+FFFD in place of its bytes, which an .xlsx cannot hold
    audit.file = display_path(audit.file)
    wb, listed, typed = build(audit)
    try:
        write_atomic(args.output, workbook_bytes(wb))
    except OutputError as e:
        print(f"错误：{screen(e)}", file=sys.stderr)
        return 2
    r = audit.report
    print(f"已导入：{screen(args.report)} → {screen(args.output)}（{r.agency or '单位未识别'}，"
          f"{r.year or '年度未识别'}年度，{r.version}版格式）")
    if r.missing_tables:
        print(f"缺少的表格：{'、'.join('表' + t for t in r.missing_tables)}")
    for path, published, derived in typed:
        print(f"注意：{path} 原文为{published}，与各项之和{derived}不符，已按原文填入（“校验”表会显示此错误）")
    if listed:
        print(f"以下{len(listed)}个单元格原文无法确定，已留空（见工作簿“{IMPORT_SHEET}”表）：")
        for label, reading, address in listed:
            where = f"{address}，" if address else ""
            print(f"  {label}（{where}一种可能的读法：{reading}）")
    return 0
