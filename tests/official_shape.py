"""Hand-made workbooks in the official table shape (not our template), for reader tests.

``official_grid(report, variant)`` lays a report out the way a clerk copies the official tables
into a blank sheet: every table on one sheet, labels retyped with line breaks, full-width
characters and ``1、`` numbering."""
from __future__ import annotations

from xlreport.formats import APPLICANTS, ORGS
from xlreport.values import plain

FULL = str.maketrans("0123456789().", "０１２３４５６７８９（）．")


def mangle(label: str, i: int) -> str:
    """Ways people retype a label: a line break, full-width, 1、 numbering, spaces."""
    k = i % 4
    if k == 0 and len(label) > 4:
        return label[:3] + "\n" + label[3:]
    if k == 1:
        return label.translate(FULL)
    if k == 2 and len(label) > 1 and label[0].isdigit() and label[1] == ".":
        return label[0] + "、" + label[2:]
    if k == 3:
        return " " + label + " "
    return label


def _v(report, key, as_text=()):
    v = plain(report.values.get(key))
    return str(v) if key in as_text and v is not None else v


def _with_unit(report, key, units):
    v = plain(report.values.get(key))
    if key not in units or v is None:
        return v
    unit = "万元" if report.format.cells[key].kind.value == "money" else "件"
    return f"{v:,}{unit}" if isinstance(v, int) else f"{v}{unit}"


def official_grid(report, as_text=(), with_title=True, *, table4="row", spacer=False, total_on_top=False,
                  units=()) -> list[list]:
    """``table4``: "row" (the official one-row form) or "column" (3 rows x 5 columns, header above);
    ``spacer``: a blank row between each table's header and its data; ``total_on_top``: 表三's
    总计 header in the top header row (merged down over the header, as in the official form);
    ``units``: cell keys whose values are typed with their unit ("3,119件", "5.2万元")."""
    def val(key):
        return _with_unit(report, key, units) if key in units else _v(report, key, as_text)

    fmt = report.format
    g: list[list] = []
    n = iter(range(10_000))
    if with_title:
        g.append([f"{report.agency}{report.year}年度政府信息公开工作年度报告"])
        g.append([])
    t2, t3, t4 = fmt.table("二"), fmt.table("三"), fmt.table("四")
    missing = set(report.missing_tables)
    g.append([t2.title])
    for b in ([] if "二" in missing else t2.blocks):
        g.append([mangle(b.label, next(n))])
        g.append([mangle(b.corner, next(n))] + [mangle(c.label, next(n)) for c in b.columns])
        if spacer:
            g.append([])
        for r in b.rows:
            g.append([mangle(r.label, next(n))] + [val(f"t2.{r.id}.{c.id}") for c in b.columns])
    g.append([])
    g.append([t3.title])
    block = t3.blocks[0]
    cols = block.columns
    total = [None] * 5 + ["总计"]
    g.append([block.corner, None, None, APPLICANTS] + (total if total_on_top else [None] * 6))
    g.append([None, None, None, "自然人", ORGS, None, None, None, None] + ([None] if total_on_top else ["总计"]))
    g.append([None, None, None, None] + [mangle(c.label, next(n)) for c in cols[1:6]] + [None])
    if spacer:
        g.append([])
    last_groups: tuple = ()
    for r in block.rows:
        line = [None, None, None]
        if not r.groups:
            line[0] = mangle(r.label, next(n))
        else:
            if r.groups[:1] != last_groups[:1]:
                line[0] = r.groups[0]
            if len(r.groups) > 1:
                if r.groups[:2] != last_groups[:2]:
                    line[1] = mangle(r.groups[1], next(n))
                line[2] = mangle(r.label, next(n))
            else:
                line[1] = mangle(r.label, next(n))
        last_groups = r.groups
        g.append(line + [val(f"t3.{r.id}.{c.id}") for c in cols])
    g.append([])
    g.append([t4.title])
    b4 = t4.blocks[0]
    head1, head2, head3, data = [], [], [], []
    for r in b4.rows:
        for j, c in enumerate(b4.columns):
            if r.groups:
                head1.append(r.groups[0] if (r is b4.rows[1] and j == 0) else None)
                head2.append(mangle(r.label, next(n)) if j == 0 else None)
                head3.append(c.label)
            else:
                head1.append(r.label if j == 0 else None)
                head2.append(c.label)
                head3.append(None)
            data.append(val(f"t4.{r.id}.{c.id}"))
    if "四" not in missing and table4 == "row":
        g += [head1, head2, head3] + ([[]] if spacer else []) + [data]
    elif "四" not in missing:
        g.append([None, None] + [c.label for c in b4.columns])
        if spacer:
            g.append([])
        for r in b4.rows:
            first = r.groups[0] if r.groups and r is b4.rows[1] else (None if r.groups else r.label)
            g.append([first, mangle(r.label, next(n)) if r.groups else None]
                     + [val(f"t4.{r.id}.{c.id}") for c in b4.columns])
    g.append([])
    for s in fmt.sections:
        if s.id in report.texts:
            g.append([s.label])
            g.append([report.texts[s.id]])
    width = max(len(r) for r in g)
    return [r + [None] * (width - len(r)) for r in g]
