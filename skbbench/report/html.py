"""HTML pieces of the report site (skbbench.report.site): escaped text, tables, <pre>
blocks, inline SVG, and the page around them. Static markup only: no script, no font
and nothing else fetched from anywhere, so the page works from the file system."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

STYLESHEET = "style.css"

CSS = """\
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1150px; color: #1a1a1a;
       background: #fdfdfd; line-height: 1.35; }
h1 { border-bottom: 3px solid #2b5d8c; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #9ab; margin-top: 2em; color: #1f4a73; }
h3 { color: #2b5d8c; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 90%; }
th, td { border: 1px solid #bcc7d2; padding: .2em .5em; text-align: left;
         vertical-align: top; }
th { background: #dde8f3; }
tr:nth-child(even) td { background: #f2f6fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f4f4ec; border: 1px solid #d8d8c8; padding: .6em; overflow-x: auto;
      font-size: 85%; }
.warning { color: #8a4b00; background: #fff4e0; border-left: 4px solid #e69a28;
           padding: .3em .6em; margin: .3em 0; }
.note { color: #555; font-style: italic; }
.slower, .regression { color: #b00020; font-weight: bold; }
.faster { color: #1b7a2f; font-weight: bold; }
figure.plot { margin: .5em 0 1.5em; }
figure.plot svg { max-width: 100%; height: auto; background: #fff; }
figcaption { font-size: 85%; color: #444; }
nav ul { columns: 2; }
div.scroll { overflow-x: auto; max-width: 100%; }
"""


def text(value: Any) -> str:
    return escape(str(value), quote=True)


def anchor(*parts: Any) -> str:
    """An element id made of ``parts`` (letters, digits and '-')."""
    raw = "-".join(str(p) for p in parts)
    return re.sub(r"[^A-Za-z0-9]+", "-", raw).strip("-").lower() or "x"


def _cell(value: Any, tag: str) -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    cls = ' class="num"' if numeric and tag == "td" else ""
    shown = f"{value:g}" if isinstance(value, float) else value
    return f"<{tag}{cls}>{text('' if shown is None else shown)}</{tag}>"


def table(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    caption: str = "",
    cls: str = "",
    row_classes: Sequence[str] | None = None,
) -> str:
    """A table of escaped cells; numbers right-aligned."""
    out = ['<div class="scroll">', f'<table class="{text(cls)}">' if cls else "<table>"]
    if caption:
        out.append(f"<caption>{text(caption)}</caption>")
    out.append("<thead><tr>" + "".join(_cell(h, "th") for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for i, row in enumerate(rows):
        rc = row_classes[i] if row_classes and i < len(row_classes) else ""
        attr = f' class="{text(rc)}"' if rc else ""
        out.append(f"<tr{attr}>" + "".join(_cell(c, "td") for c in row) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def pre(body: str, cls: str = "") -> str:
    attr = f' class="{text(cls)}"' if cls else ""
    return f"<pre{attr}>{text(body.rstrip())}</pre>"


def para(body: str, cls: str = "") -> str:
    attr = f' class="{text(cls)}"' if cls else ""
    return f"<p{attr}>{text(body)}</p>"


def warnings(lines: Sequence[str]) -> str:
    return "\n".join(f'<div class="warning">WARNING: {text(w)}</div>' for w in lines)


def inline_svg(svg: bytes | str, ident: str, caption: str) -> str:
    """An SVG image (matplotlib's output) as markup inside the page: its XML prolog and
    doctype dropped."""
    body = svg.decode() if isinstance(svg, bytes) else svg
    start = body.find("<svg")
    if start < 0:
        raise ValueError("not an SVG image")
    return (
        f'<figure class="plot" id="{text(ident)}">\n{body[start:]}\n'
        f"<figcaption>{text(caption)}</figcaption></figure>"
    )


def page(title: str, body: Sequence[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="skbbench report">',
            f"<title>{text(title)}</title>",
            f'<link rel="stylesheet" href="{STYLESHEET}">',
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
