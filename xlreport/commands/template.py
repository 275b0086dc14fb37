"""``xlreport template``: write the locked Excel template of the annual report."""
from __future__ import annotations

import sys

from ..formats import FORMATS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "template", help="生成带保护、自动合计和校验表的 Excel 填报模板",
        description="生成政府信息公开工作年度报告的 Excel 填报模板（.xlsx）：官方表格格式，"
                    "只有填报单元格可以编辑，合计自动计算，“校验”表显示勾稽关系是否成立。"
                    "退出码：0 已生成；2 用法或输出问题（参数错误、文件已存在而未加 --force、无法写入）。")
    p.add_argument("--format", dest="version", metavar="版本",
                   help=f"格式版本：{'、'.join(FORMATS)}（默认按报告年度确定，未给年度时为2021）")
    p.add_argument("--year", metavar="年度", help="报告年度，如 2024（写入封面，并决定格式版本）")
    p.add_argument("--agency", metavar="单位", help="填报单位名称（写入封面）")
    p.add_argument("--password", metavar="密码", default=None,
                   help="工作表保护密码（默认 xlreport；只防误改，不是安全措施）")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.add_argument("-o", "--output", required=True, metavar="文件.xlsx", help="输出文件路径")
    p.set_defaults(handler=run)


def clean_agency(agency: str | None) -> str | None:
    """An agency name given on the command line as a workbook cell can hold it: control characters
    (a soft line break \\x0b pasted from Word, tabs, newlines) removed, with a notice on stderr."""
    if agency is None:
        return None
    import re
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", agency)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if cleaned != agency:
        from .check import screen
        print(f"提示：单位名称“{screen(agency)}”中的换行、制表符等控制字符已去掉，写入“{cleaned}”", file=sys.stderr)
    return cleaned or None


def run(args) -> int:
    from ..template import DEFAULT_PASSWORD, TemplateError, write_template

    year = None
    if args.year is not None:
        text = str(args.year).strip()
        if not text.isdigit() or len(text) != 4:
            print(f"错误：报告年度“{args.year}”不是有效年份（应为四位数年份，如 2024）", file=sys.stderr)
            return 2
        year = int(text)
    from ..formats import FormatError, get_format, version_for_year
    try:
        fmt = get_format(args.version, year)
    except FormatError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    agency = clean_agency(args.agency)
    password = DEFAULT_PASSWORD if args.password is None else args.password
    try:
        path = write_template(args.output, fmt, year=year, agency=agency,
                              password=password, force=args.force)
    except TemplateError as e:  # the output (exists, folder missing, not writable) or the arguments
        from .check import screen
        print(f"错误：{screen(e)}", file=sys.stderr)
        return 2
    from .check import screen
    print(f"已生成 {fmt.version} 版填报模板：{screen(path)}")
    if year is not None and version_for_year(year) != fmt.version:
        print(f"提示：{year}年度报告应使用{version_for_year(year)}版格式，本模板为{fmt.version}版", file=sys.stderr)
    return 0
