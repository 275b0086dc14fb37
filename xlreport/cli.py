"""The ``xlreport`` command.  Each sub-command lives in ``xlreport/commands/<name>.py``
and exposes ``register(subparsers)``; its handler returns the exit code."""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ["template", "check", "aggregate", "audit", "import_", "addin", "publish"]


# argparse's own messages, said in Chinese (pattern -> replacement)
ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.+)", r"缺少必填参数：\1"),
    (r"argument (.+?): invalid int value: (.+)", r"参数 \1 应为整数，不能是 \2"),
    (r"argument (.+?): invalid float value: (.+)", r"参数 \1 应为数字，不能是 \2"),
    (r"argument (.+?): invalid choice: (.+?) \(choose from (.+)\)", r"参数 \1 不能是 \2（可选：\3）"),
    (r"argument (.+?): expected one argument", r"参数 \1 后面缺少取值"),
    (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
    (r"ambiguous option: (.+?) could match (.+)", r"选项 \1 不明确，可能是：\2（请写全）"),
    (r"argument (.+?): expected at least one argument", r"参数 \1 后面至少要有一个取值"),
    (r"argument (.+?): expected (\d+) arguments?", r"参数 \1 后面应有 \2 个取值"),
    (r"argument (.+?): not allowed with argument (.+)", r"参数 \1 不能与 \2 同时使用"),
    (r"argument (.+?): ignored explicit argument (.+)", r"参数 \1 不接受取值 \2"),
)


def chinese_message(message: str) -> str:
    import re

    for pattern, replacement in ARGPARSE_MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


# the headings and the --help line argparse writes itself
ARGPARSE_HEADINGS = (
    ("usage: ", "用法："),
    ("positional arguments:", "参数："),
    ("options:", "选项："),
    ("optional arguments:", "选项："),
    ("show this help message and exit", "显示本说明并退出"),
)


def _chinese_help(text: str) -> str:
    for english, chinese in ARGPARSE_HEADINGS:
        text = text.replace(english, chinese)
    return text


class ChineseParser(argparse.ArgumentParser):
    def format_usage(self):
        return _chinese_help(super().format_usage())

    def format_help(self):
        return _chinese_help(super().format_help())

    def error(self, message):  # bad usage: exit 2 with a Chinese message
        self.print_usage(sys.stderr)
        print(f"用法错误：{chinese_message(message)}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="xlreport", description="政府信息公开工作年度报告：模板、校验、批量检查与汇总")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
    for name in COMMANDS:
        importlib.import_module(f"xlreport.commands.{name}").register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe is found here, not at interpreter exit
        return code
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` or a pager that was closed early
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2  # an output problem (the table), never 1: that would say a report has errors
    except Exception as e:  # a defect of ours: exit 3, never 1 ("a report has errors") with a traceback
        return internal_error(e)


INTERNAL_EXIT = 3


def internal_error(e: BaseException) -> int:
    """Say an unexpected exception in Chinese (the traceback only with XLREPORT_DEBUG=1); exit code 3."""
    import os
    import traceback

    text = " ".join(str(e).split())[:200]
    try:
        print(f"内部错误：{type(e).__name__}{'：' + text if text else ''}。这是 xlreport 的问题，不是报告的问题；"
              "请把所用的命令、文件和这条消息发给 xlreport 的维护者"
              "（设置环境变量 XLREPORT_DEBUG=1 可显示详细的出错位置）。", file=sys.stderr)
        if os.environ.get("XLREPORT_DEBUG"):
            traceback.print_exception(e, file=sys.stderr)
    except Exception:  # pragma: no cover - stderr itself is gone
        pass
    return INTERNAL_EXIT


if __name__ == "__main__":
    sys.exit(main())
