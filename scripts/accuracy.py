"""Accuracy of the published-report reader per form, on every real report's transcription.

    python scripts/accuracy.py [--forms text,glued,html,docx,docx_pdf,xlsx_pdf] [--unruled] [--keep DIR] [-v]

Each transcription is rendered as a published document in every form (tab text, text whose
digits run together, HTML with merged label cells, Word, Word printed to PDF by LibreOffice
Writer, a sheet printed to PDF by LibreOffice Calc; ``--unruled``: the PDFs' tables without grid
lines), as published, with 表三's 总计 left blank, with zeros printed as blanks, and both;
each is read back with ``audit_file`` and every cell compared with what the document prints:
exact, marked uncertain, or wrong (a value that differs and is not marked uncertain).  A sum
error that the printed values do not have is counted as a false sum error."""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import REAL_JSON  # noqa: E402
from published_render import FORMS, transcription, variant, write_forms  # noqa: E402
from xlreport.engine import check  # noqa: E402
from xlreport.published import audit_file  # noqa: E402
from xlreport.rules import SUM_RULES  # noqa: E402

AGENCY = "某市某某局"
SHAPES = {"as_published": {}, "blank_totals": {"blank_totals": True}, "zeros_blank": {"zeros_blank": True},
          "both": {"blank_totals": True, "zeros_blank": True}}
SUM_IDS = {r.id for r in SUM_RULES}


def compare(want, audit) -> dict:
    """Counts for one document: cells exact / uncertain / wrong, false sum errors."""
    got = audit.report
    c = defaultdict(int)
    if got is None:
        c["unread"] += 1
        c["wrong"] += sum(1 for v in want.values.values())
        return c
    for key, v in want.values.items():
        g = got.values.get(key, "MISSING")
        c["cells"] += 1
        if key in got.uncertain:
            c["uncertain"] += 1
        elif g == v or (g is None and v is None):
            c["exact"] += 1
        else:
            c["wrong"] += 1
            c.setdefault("examples", []).append((key, v, g))
    truth = {(f.rule, f.where) for f in check(want) if f.rule in SUM_IDS}
    false = [f for f in audit.findings if f.rule in SUM_IDS and (f.rule, f.where) not in truth]
    c["false_sum"] += len(false)
    c["cannot_verify"] += sum(f.rule == "parse.cannot_verify" for f in audit.findings)
    return c


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", default=",".join(FORMS))
    ap.add_argument("--keep", help="write the documents here (kept)")
    ap.add_argument("-v", action="store_true", help="list the wrong cells")
    ap.add_argument("--unruled", action="store_true", help="print the PDFs' tables without grid lines")
    args = ap.parse_args(argv)
    forms = tuple(args.forms.split(","))
    cases, wants = [], {}
    for path in REAL_JSON:
        _, report, year = transcription(path)
        for shape, opts in SHAPES.items():
            name = f"{path.stem}__{shape}"
            r = variant(report, **opts)
            cases.append((name, r, AGENCY, year))
            wants[name] = r
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        files = write_forms(cases, folder, forms, ruled=not args.unruled)
        totals = defaultdict(lambda: defaultdict(int))
        for (name, form), path in sorted(files.items()):
            if form not in forms:
                continue
            shape = name.split("__")[1]
            c = compare(wants[name], audit_file(path))
            for k, v in c.items():
                if k != "examples":
                    totals[(form, shape)][k] += v
            if args.v and (c.get("wrong") or c.get("false_sum")):
                print(f"{form} {name}: wrong {c.get('wrong', 0)} false_sum {c.get('false_sum', 0)} "
                      f"{c.get('examples', [])[:6]}")
    print(f"{'form':10} {'shape':13} {'cells':>6} {'exact':>6} {'uncert':>6} {'wrong':>6} {'falseΣ':>6} {'cannot':>6}")
    for (form, shape), c in sorted(totals.items(), key=lambda kv: (FORMS.index(kv[0][0]), kv[0][1])):
        print(f"{form:10} {shape:13} {c['cells']:6} {c['exact']:6} {c['uncertain']:6} {c['wrong']:6} "
              f"{c['false_sum']:6} {c['cannot_verify']:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
