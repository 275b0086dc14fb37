"""Build examples/: filled templates of the real published reports in tests/data/reports.

    python scripts/make_examples.py [REPORTS_DIR]

Each transcription becomes a workbook from the template of its format version, with the numbers
exactly as published (the 2023 洪泽区 report keeps its wrong 表四 totals as typed numbers over the
total formulas, the way a clerk who typed over them would leave it)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlreport import Report, derive_totals  # noqa: E402
from xlreport.layout import layout  # noqa: E402
from xlreport.template import build_workbook, workbook_bytes  # noqa: E402

AGENCIES = {
    "2019_hebei-jyt_1": "河北省教育厅",
    "2020_hebei-gxt_1": "河北省工业和信息化厅",
    "2021_hebei-jyt_1": "河北省教育厅",
    "2022_hebei-gxt_1": "河北省工业和信息化厅",
    "2022_xiangtan-county_jiguan-shiwu": "湘潭县机关事务服务中心",
    "2023_huaian-hongzequ_1": "淮安市洪泽区人民政府",
    "2024_huaian-shi_1": "淮安市人民政府",
}


def wb_format(fmt):
    """The template version a report is written into (a mixed report goes into its 三's version)."""
    from xlreport.formats import get_format
    return get_format(fmt.version)


def main(argv) -> int:
    reports = Path(argv[0]) if argv else ROOT / "tests" / "data" / "reports"
    out = ROOT / "examples"
    out.mkdir(exist_ok=True)
    for path in sorted(reports.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        year = int(path.name[:4])
        report, _ = Report.from_interchange({**data, "year": year, "agency": AGENCIES.get(path.stem)})
        target = out / f"{year}_{AGENCIES.get(path.stem, path.stem)}.xlsx"
        wb = build_workbook(report=report)
        fmt = report.format
        places = layout(wb_format(fmt)).places
        for key, derived in derive_totals(report).items():
            stored = report.values.get(key)
            if stored is not None and stored != derived and key in places:
                place = places[key]  # a published total that is wrong: typed over the formula
                wb[place.sheet].cell(place.row, place.col).value = int(stored)
        target.write_bytes(workbook_bytes(wb))
        print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
