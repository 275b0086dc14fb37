"""The document as one self-contained HTML file for a government website's CMS: inline styles
only, no scripts, no classes, plain table markup with rowspan/colspan, ``<caption>`` (visually
hidden: the section heading above shows the title) and header cells (``th scope``) for screen readers."""
from __future__ import annotations

from html import escape

from .document import Document
from .fonts import BODY, HEADING, TITLE

BODY_STYLE = f"font-family:{BODY.css};font-size:16pt;line-height:28pt;"
TITLE_STYLE = f"font-family:{TITLE.css};font-size:22pt;text-align:center;font-weight:normal;margin:24pt 0;"
H_STYLE = f"font-family:{HEADING.css};font-size:16pt;font-weight:normal;margin:0;text-indent:2em;"
P_STYLE = "margin:0;text-indent:2em;"
TABLE_STYLE = "border-collapse:collapse;width:100%;margin:8pt 0 12pt 0;font-size:10.5pt;line-height:14pt;"
# The section heading above each table already shows its title: the caption, which screen readers
# announce with the table (and the published-report reader reads), is kept but not shown twice.
CAPTION_STYLE = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;"
                 "clip:rect(0,0,0,0);clip-path:inset(50%);white-space:nowrap;")
CELL_STYLE = "border:1px solid #000;padding:2pt 3pt;text-align:center;vertical-align:middle;"
TH_STYLE = CELL_STYLE + "font-weight:normal;"
ROWHEAD_STYLE = TH_STYLE.replace("text-align:center", "text-align:left")
BANNER_STYLE = ("border:3px solid #c00;color:#c00;font-size:22pt;font-weight:bold;text-align:center;"
                "padding:6pt;margin:0 0 12pt 0;letter-spacing:0.5em;")
SIGN_STYLE = "margin:0;text-align:right;padding-right:4em;"


def render(doc: Document) -> str:
    out = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           f"<title>{escape(doc.title)}</title>", "</head>", f'<body style="{BODY_STYLE}">',
           '<div style="max-width:48em;margin:0 auto;">']
    if doc.draft:
        out.append(f'<p role="note" style="{BANNER_STYLE}">{escape(doc.draft_note)}</p>')
    out.append(f'<h1 style="{TITLE_STYLE}">{escape(doc.title)}</h1>')
    for b in doc.blocks:
        if b.kind == "h1":
            out.append(f'<h2 style="{H_STYLE}">{escape(b.text)}</h2>')
        elif b.kind == "p":
            out.append(f'<p style="{P_STYLE}">{escape(b.text)}</p>')
        else:
            out.append(_table(b.grid))
    out.append(f'<p style="{SIGN_STYLE}margin-top:28pt;">{escape(doc.agency)}</p>')
    if doc.date:
        out.append(f'<p style="{SIGN_STYLE}">{escape(doc.date)}</p>')
    if doc.draft:
        out.append(f'<p role="note" style="{BANNER_STYLE}margin-top:12pt;">{escape(doc.draft_note)}</p>')
    out += ["</div>", "</body>", "</html>", ""]
    return "\n".join(out)


def _table(grid) -> str:
    out = [f'<table style="{TABLE_STYLE}">', f'<caption style="{CAPTION_STYLE}">{escape(grid.caption)}</caption>']
    rows = grid.rows()
    section = None
    for i, line in enumerate(rows):
        want = "thead" if i < grid.header_rows else "tbody"
        if want != section:
            if section:
                out.append(f"</{section}>")
            out.append(f"<{want}>")
            section = want
        tds = []
        for c in line:
            attrs = (f' rowspan="{c.rows}"' if c.rows > 1 else "") + (f' colspan="{c.cols}"' if c.cols > 1 else "")
            if c.header:
                style = ROWHEAD_STYLE if c.style == "rowhead" else TH_STYLE
                tds.append(f'<th scope="{c.scope}"{attrs} style="{style}">{escape(c.text)}</th>')
            else:
                tds.append(f'<td{attrs} style="{CELL_STYLE}">{escape(c.text)}</td>')
        out.append("<tr>" + "".join(tds) + "</tr>")
    if section:
        out.append(f"</{section}>")
    out.append("</table>")
    return "\n".join(out)
