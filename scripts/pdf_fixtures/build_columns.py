"""An InDesign-like plan: explicit A4 pages, two-column body, roman front matter; Chromium prints it to PDF."""

from __future__ import annotations

import html
import io
import re
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader, PdfWriter

import content

CSS = """
@page { size: A4; margin: 0 }
body { margin: 0; font-family: 'DejaVu Serif', serif; font-size: 10pt; line-height: 1.35 }
.page { box-sizing: border-box; width: 210mm; height: 297mm; position: relative; page-break-after: always; overflow: hidden }
.head { position: absolute; top: 10mm; left: 20mm; right: 20mm; font-size: 8pt }
.foot { position: absolute; bottom: 10mm; left: 20mm; right: 20mm; text-align: right; font-size: 8pt }
.body { position: absolute; top: 25mm; left: 20mm; right: 20mm; bottom: 25mm }
.cols { column-count: 2; column-gap: 10mm; column-fill: balance }
h1 { font-size: 14pt; margin: 0 0 3mm } h2 { font-size: 12pt; margin: 4mm 0 2mm }
p { margin: 0 0 2mm; text-align: justify }
ul { list-style: none; padding-left: 4mm; margin: 0 0 2mm } li::before { content: "▪ " }
table { border-collapse: collapse; font-size: 8pt; width: 100% } td, th { border: 1px solid #888; padding: 1mm; vertical-align: top; text-align: left }
.toc p { text-align: left; margin: 0 0 3mm }
.cover { text-align: center; padding-top: 90mm } .cover h1 { font-size: 28pt }
"""
# Body pages: two sections each, laid out by hand as a designer would.
BODY_PAGES = ((0, 1), (2, 3), (4, 5))
LIGATURES = {"finska": "ﬁnska", "flera": "ﬂera", "filialer": "ﬁlialer"}


def _text(text: str) -> str:
    for plain, ligature in LIGATURES.items():
        text = text.replace(plain, ligature)
    return html.escape(text)


def _section(section: content.Section) -> str:
    parts = [f"<h2>{html.escape(section.heading)}</h2>"]
    parts += [f"<p>{_text(p)}</p>" for p in section.paragraphs]
    if section.lead_in:
        parts.append(f"<p>{_text(section.lead_in)}</p><ul>")
        parts += [f"<li>{_text(item)}</li>" for item in section.bullets]
        parts.append("</ul>")
    if section.table:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in section.table
        )
        parts.append(f"<table>{rows}</table>")
    parts += [f"<p>{_text(p)}</p>" for p in section.after]
    return "".join(parts)


def _page(body: str, label: str | None, cols: bool = False) -> str:
    head = f'<div class="head">{html.escape(content.MUNICIPALITY)} · Kultur- och fritidsförvaltningen</div>'
    foot = f'<div class="foot">{html.escape(content.RUNNING)} | {label}</div>' if label else ""
    inner = f'<div class="cols">{body}</div>' if cols else body
    return f'<div class="page">{head if label else ""}<div class="body">{inner}</div>{foot}</div>'


def page_html() -> str:
    """The whole plan as one HTML file of explicit pages."""
    cover = (
        f'<div class="page cover"><h1>{html.escape(content.TITLE)}</h1><p>{content.MUNICIPALITY}</p>'
        f"<p>{html.escape(content.SUBTITLE)}</p><p>{html.escape(content.ADOPTED)}</p></div>"
    )
    toc_rows = [("Förord", "iii"), ("Sammanfattning", "iii")]
    for number, pair in enumerate(BODY_PAGES, start=1):
        toc_rows += [(content.BODY[i].heading, str(number)) for i in pair]
    toc = (
        '<div class="toc"><h1>Innehåll</h1>'
        + "".join(f"<p>{html.escape(h)} {'.' * (90 - 2 * len(h))} {n}</p>" for h, n in toc_rows)
        + "</div>"
    )
    pages = [cover, _page(toc, "ii"), _page(_section(content.FOREWORD) + _section(content.SUMMARY), "iii")]
    for number, pair in enumerate(BODY_PAGES, start=1):
        pages.append(_page("".join(_section(content.BODY[i]) for i in pair), str(number), cols=True))
    return f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><style>{CSS}</style></head><body>{"".join(pages)}</body></html>'


def build(out: Path) -> Path:
    """Print with headless Chromium, then add /PageLabels (i–iii, then 1…) with pypdf."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "plan.html"
        source.write_text(page_html(), "utf-8")
        printed = Path(tmp) / "plan.pdf"
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--print-to-pdf={printed}", source.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        writer = PdfWriter(clone_from=PdfReader(printed))
    total = len(writer.pages)
    writer.set_page_label(0, 2, style="/r")
    writer.set_page_label(3, total - 1, style="/D", start=1)
    buffer = io.BytesIO()
    writer.write(buffer)
    out.write_bytes(buffer.getvalue())
    return out
