"""Regenerate the rule table in README.md from xlreport.rules (the rules are data).

    python scripts/update_readme.py          # rewrite README.md
    python scripts/update_readme.py --check  # exit 1 when README.md is out of date
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlreport.rules import RULES, SEVERITY_LABELS, SumRule  # noqa: E402

BEGIN, END = "<!-- rules:begin -->", "<!-- rules:end -->"


def rules_table() -> str:
    lines = ["| 编号 | 严重程度 | 规则 | 适用格式 |", "|---|---|---|---|"]
    for r in RULES.values():
        scope = "、".join(r.versions)
        if isinstance(r, SumRule) and r.cross_year:
            scope += "（需上年报告）"
        lines.append(f"| `{r.id}` | {SEVERITY_LABELS[r.severity]} | {r.title} | {scope} |")
    return "\n".join(lines)


def render(text: str) -> str:
    block = f"{BEGIN}\n{rules_table()}\n{END}"
    if BEGIN in text:
        return re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    return text.replace("RULES_TABLE", block)


def main(argv) -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("README.md 的规则表已过期：请运行 python scripts/update_readme.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
