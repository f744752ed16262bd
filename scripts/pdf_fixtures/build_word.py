"""A Word-made plan: python-docx writes the .docx, LibreOffice headless exports it to PDF (as a clerk's Word would)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

import content

HEADER = "Exempelkommun – Kultur- och fritidsförvaltningen"


def _field(paragraph: Paragraph, instruction: str) -> None:
    """Append a Word field (PAGE) that LibreOffice fills in per page."""
    for kind, text in (
        ("begin", None),
        ("instr", instruction),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = paragraph.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def _swedish(doc: Document) -> None:
    """Swedish language and automatic hyphenation, so LibreOffice hyphenates long compounds as Word would."""
    for style in ("Normal", "List Bullet", "Heading 1", "Heading 2", "Title"):
        rpr = doc.styles[style].element.get_or_add_rPr()
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "sv-SE")
        rpr.append(lang)
    settings = doc.settings.element
    settings.append(OxmlElement("w:autoHyphenation"))
    doc.styles["Normal"].font.name = "Liberation Serif"
    doc.styles["Normal"].font.size = Pt(11)


def _sections(repeat: int) -> list[content.Section]:
    """The plan's sections; a long plan repeats the body as numbered parts."""
    if repeat <= 1:
        return [content.FOREWORD, content.SUMMARY, *content.BODY]
    out = [content.FOREWORD, content.SUMMARY]
    for n in range(1, repeat + 1):
        for s in content.BODY:
            out.append(
                content.Section(
                    f"{s.heading}, delområde {n}", s.paragraphs, s.lead_in, s.bullets, s.after, s.table
                )
            )
    return out


def build_docx(path: Path, toc: dict[str, str], repeat: int = 1) -> None:
    """Write the plan as .docx: cover, contents with dot leaders, then the body with running header/footer."""
    doc = Document()
    _swedish(doc)
    first = doc.sections[0]
    first.page_width, first.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(first, side, Cm(2.5))
    title = doc.add_paragraph(content.TITLE, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (content.MUNICIPALITY, content.SUBTITLE, content.ADOPTED):
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Innehåll", level=1)
    for section in _sections(repeat):
        p = doc.add_paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        p.add_run(f"{section.heading}\t{toc.get(section.heading, '1')}")
    body = doc.add_section(WD_SECTION.NEW_PAGE)
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    body._sectPr.append(pg)
    body.header.is_linked_to_previous = False
    body.footer.is_linked_to_previous = False
    body.header.paragraphs[0].text = HEADER
    footer = body.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{content.RUNNING} | ")
    _field(footer, "PAGE")
    for section in _sections(repeat):
        doc.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if section.lead_in:
            doc.add_paragraph(section.lead_in)
            for item in section.bullets:
                doc.add_paragraph(item, style="List Bullet")
        if section.table:
            table = doc.add_table(rows=0, cols=len(section.table[0]))
            table.style = "Table Grid"
            for row in section.table:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
        for text in section.after:
            doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    doc.save(str(path))


def to_pdf(docx: Path, out_dir: Path) -> Path:
    """Export with LibreOffice headless, as 'Save as PDF' would."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out_dir), str(docx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out_dir / (docx.stem + ".pdf")


def _printed_pages(pdf: Path, headings: list[str]) -> dict[str, str]:
    """Printed page (footer number) of each heading, read back with pdftotext for the contents page."""
    found: dict[str, str] = {}
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    for page in pages.stdout.split("\f")[2:]:
        number = re.search(r"\|\s*(\d+)\s*$", page.strip())
        lines = {ln.strip() for ln in page.splitlines()}
        for heading in headings:
            if heading in lines and heading not in found and number:
                found[heading] = number.group(1)
    return found


def build(out: Path, repeat: int = 1) -> Path:
    """Two passes: the second fills the contents page with the printed page numbers of the first."""
    headings = [s.heading for s in _sections(repeat)]
    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / (out.stem + ".docx")
        build_docx(docx, {}, repeat)
        toc = _printed_pages(to_pdf(docx, Path(tmp)), headings)
        build_docx(docx, toc, repeat)
        pdf = to_pdf(docx, Path(tmp))
        out.write_bytes(pdf.read_bytes())
    return out
