"""Rebuild the committed templates under workbook/ (one per format version).

    python scripts/build_templates.py          # rewrite workbook/*.xlsx
    python scripts/build_templates.py --check  # exit 1 when a committed file differs from a fresh build
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlreport.formats import FORMATS  # noqa: E402
from xlreport.template import build_workbook, template_name, workbook_bytes, write_template  # noqa: E402

WORKBOOK_DIR = ROOT / "workbook"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="重新生成 workbook/ 下的填报模板")
    ap.add_argument("--check", action="store_true", help="只检查已提交的模板是否与新生成的一致")
    args = ap.parse_args(argv)
    WORKBOOK_DIR.mkdir(exist_ok=True)
    differ = 0
    for version in FORMATS:
        path = WORKBOOK_DIR / template_name(version)
        if args.check:
            same = path.exists() and path.read_bytes() == workbook_bytes(build_workbook(version))
            print(f"{'一致' if same else '不一致'}：{path.relative_to(ROOT)}")
            differ += not same
        else:
            write_template(path, version, force=True)
            print(f"已生成：{path.relative_to(ROOT)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
