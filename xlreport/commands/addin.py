"""``xlreport addin``: build and install the Excel ribbon add-in (政务公开年报 tab)."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "addin", help="生成或安装 Excel 功能区加载项（“政务公开年报”选项卡）",
        description="Excel 加载项：在功能区增加“政务公开年报”选项卡（校验、填充合计、清除标记、新建模板、诊断、帮助）。"
                    "加载项由本机已安装的 xlwings 的功能区模板生成，须与本机 xlwings 版本一致。")
    sub = p.add_subparsers(dest="addin_command", metavar="操作")
    b = sub.add_parser("build", help="生成加载项文件（.xlam），任何系统均可",
                       description="由本机 xlwings 的功能区加载项模板和 macros/ 中的功能区文件生成 .xlam。")
    b.add_argument("-o", "--output", required=True, metavar="文件.xlam", help="输出文件路径")
    b.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    b.set_defaults(handler=run_build)
    i = sub.add_parser("install", help="生成并安装加载项（Windows/macOS，通过 xlwings 安装程序）",
                       description="生成加载项并用 xlwings 自带的安装程序装入 Excel 的启动文件夹（XLSTART）。")
    i.set_defaults(handler=run_install)
    d = sub.add_parser("doctor", help="诊断：按钮会启动哪个 Python、配置、版本，以及常见问题的解决办法",
                       description="显示加载项使用的 Python 和配置文件、xlreport 与 xlwings 版本、"
                                   "已安装的加载项是否由本机 xlwings 生成，并列出常见故障的中文说明和解决办法。")
    d.set_defaults(handler=run_doctor)
    bd = sub.add_parser("bundle", help="生成离线安装包（目标平台的全部 wheel 和双击安装脚本）",
                        description="为不能联网的电脑准备安装文件夹：xlreport 及其 excel 依赖在目标平台上的全部 wheel，"
                                    "以及 安装.bat（Windows）/ 安装.command（macOS）：在虚拟环境中用 pip --no-index 安装、"
                                    "生成并安装加载项、写入加载项配置。须在 xlreport 源码目录中、能访问软件包索引的电脑上运行。")
    bd.add_argument("--platform", default="win_amd64",
                    help="目标平台：win_amd64（默认）、win32、macosx_arm64、macosx_x86_64、current（本机）")
    bd.add_argument("--python", default="3.11", metavar="版本", help="目标电脑的 Python 版本（默认 3.11）")
    bd.add_argument("-o", "--output", required=True, metavar="文件夹", help="输出文件夹")
    bd.add_argument("--force", action="store_true", help="输出文件夹已存在时覆盖")
    bd.set_defaults(handler=run_bundle)
    p.set_defaults(handler=lambda args: (p.print_help(), 2)[1])


def run_build(args) -> int:
    from ..addin import AddinError, build, xlwings_version
    from ..output import OutputError, check_target
    try:  # an output problem is exit code 2, as for every command
        check_target(args.output, args.force, ".xlam", probe=True)
    except OutputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    try:
        path = build(args.output, force=args.force)
    except AddinError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    print(f"已生成 Excel 加载项：{path}（基于 xlwings {xlwings_version()}）")
    print("安装：xlreport addin install，或在 Excel 中“文件—选项—加载项—管理 Excel 加载项—浏览”选中此文件。")
    return 0


def run_install(args) -> int:
    from ..addin import AddinError, install
    try:
        out = install()
    except AddinError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    if out:
        print(out.rstrip())
    print("已安装 xlreport 加载项。请重新启动 Excel，功能区中会出现“政务公开年报”选项卡。")
    return 0


def run_doctor(args) -> int:
    from ..addin import doctor
    ok, text = doctor()
    if not sys.platform.startswith(("win", "darwin")):  # Linux: the paths below are macOS's
        print("注意：本机不是 Windows 或 macOS，Excel 加载项不能在本机使用；以下按 macOS 的位置检查，"
              "请在装有 Excel 的电脑上运行 xlreport addin doctor。")
    print(text)
    return 0 if ok else 1


def run_bundle(args) -> int:
    from ..addin import AddinError, bundle
    platform = None if args.platform == "current" else args.platform
    try:
        out = bundle(args.output, platform=platform, python=args.python, force=args.force)
    except AddinError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    n = len(list((out / "wheels").glob("*.whl")))
    print(f"已生成离线安装包：{out}（{n} 个 wheel，目标 {args.platform}，Python {args.python}）")
    return 0
