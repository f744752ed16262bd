"""The pypdf adapter: a real plan PDF as clean text with printed page labels, OCR for scanned pages."""

from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from planbot.errors import DocumentError
from planbot.records import PageSpan

__all__ = ["OCR_TIMEOUT_S", "clean_lines", "ocr_available", "parse_pdf"]

OCR_TIMEOUT_S = 60.0
OCR_MAX_PAGES = 100
_HEADING_START = re.compile(r"^(\d+(\.\d+)*\.?\s+)?[A-ZÅÄÖ0-9]")
_SIGN_LINE = re.compile(r"^\d+ ?[a-z]? §")
_ROMAN = re.compile(r"^[ivxlcdm]+$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(?:^|[\s|·–-])(\d{1,4}|[ivxlcdm]{1,7})\s*$", re.IGNORECASE)
# A contents entry: a title, a dot leader (or a run of spaces in layout text) and a page number.
_TOC_ENTRY = re.compile(r"^\S.*?\s*(\.{4,}|…{2,}|(\. ){3,})\s*(\d{1,4}|[ivxlc]{1,6})$", re.IGNORECASE)
_TOC_HEADING = re.compile(r"^(innehåll|innehållsförteckning|contents)$", re.IGNORECASE)
_BULLET = re.compile(r"^(\uf0b7|\uf0a7|\uf076|[•▪■◦●○►▸‣⁃∙·])\s*")
_DASH_ITEM = re.compile(r"^[–—]\s+")
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
# Words after a kept hyphen in Swedish coordination ("kultur- och fritid"): that break is no hyphenation.
_KEEP_HYPHEN_BEFORE = frozenset({"och", "eller", "samt", "till", "respektive", "som", "resp."})
_GAP = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class _Page:
    """One page's text lines as extracted, and whether they came from OCR."""

    lines: list[str]
    ocr: bool = False
    scanned: bool = False


def ocr_available() -> bool:
    """Whether the tesseract command and its Swedish model are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return "swe" in langs.stdout.split()


def parse_pdf(
    name: str, data: bytes, ocr: bool | None = None
) -> tuple[str, tuple[PageSpan, ...], dict[str, str]]:
    """Text of a PDF, pages joined by blank lines, with page spans carrying printed labels."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _decrypts(reader):
            raise DocumentError(name, "the PDF is encrypted; save an unprotected copy and add that")
        raw = [_layout_lines(page) for page in reader.pages]
        labels = list(reader.page_labels) if "/PageLabels" in reader.root_object else None
        info = reader.metadata
        pdf_title = str(info.title or "").strip() if info is not None else ""
        scanned = [
            not any(ln.strip() for ln in lines) and _has_images(p)
            for lines, p in zip(raw, reader.pages, strict=True)
        ]
        use_ocr = (ocr_available() if ocr is None else ocr) and any(scanned)
        pages = [
            _ocr_page(reader.pages[i])
            if scanned[i] and use_ocr and i < OCR_MAX_PAGES
            else _Page(raw[i], False, scanned[i])
            for i in range(len(raw))
        ]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many exception types for broken files
        detail = str(exc) if isinstance(exc, PdfReadError) else exc.__class__.__name__
        raise DocumentError(name, f"the PDF is damaged or not a PDF ({detail})") from exc
    bodies, printed = _strip_running_lines([p.lines for p in pages])
    cleaned = [_mark_headings(clean_lines(body)) for body in bodies]
    if not any(cleaned):
        what = "no text layer (scanned images?)"
        hint = "; run OCR first" if not use_ocr else "; OCR found no text either"
        raise DocumentError(name, f"the PDF has {what}{hint}")
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for index, page_text in enumerate(cleaned):
        if parts:
            offset += 2  # the "\n\n" page separator
        label = labels[index] if labels else printed[index]
        spans.append(PageSpan(offset, offset + len(page_text), index + 1, label, pages[index].ocr))
        parts.append(page_text)
        offset += len(page_text)
    text = "\n\n".join(parts)
    first_line = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.strip()), "")
    fields = {"pages": str(len(cleaned)), "title": pdf_title or first_line}
    unreadable = [str(i + 1) for i, p in enumerate(pages) if p.scanned and not cleaned[i]]
    fields["unreadable_pages"] = ",".join(unreadable)
    fields["ocr_pages"] = ",".join(str(i + 1) for i, p in enumerate(pages) if p.ocr and cleaned[i])
    return text, tuple(spans), {k: v for k, v in fields.items() if v}


def _decrypts(reader: PdfReader) -> bool:
    """Whether an encrypted PDF opens with the empty user password."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # missing crypto backends and unsupported algorithms mean the same to a user
        return False


def _layout_lines(page: object) -> list[str]:
    """A page's text with its horizontal layout kept (columns, table cells); plain text if that fails."""
    try:
        text = page.extract_text(extraction_mode="layout")  # type: ignore[attr-defined]
    except Exception:  # layout mode trips on some fonts; plain extraction still reads the words
        text = page.extract_text() or ""  # type: ignore[attr-defined]
    return [line.rstrip() for line in str(text).replace("\r", "\n").split("\n")]


def _has_images(page: object) -> bool:
    """Whether a page carries any image (a scan), tolerating broken image streams."""
    try:
        return len(page.images) > 0  # type: ignore[attr-defined]
    except Exception:
        return False


def _ocr_page(page: object) -> _Page:
    """OCR a scanned page's largest image with tesseract (Swedish), bounded by OCR_TIMEOUT_S."""
    try:
        images = list(page.images)  # type: ignore[attr-defined]
        image = max(images, key=lambda im: len(im.data))
        result = subprocess.run(
            ["tesseract", "-", "-", "-l", "swe"],
            input=image.data,
            capture_output=True,
            timeout=OCR_TIMEOUT_S,
            check=True,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return _Page([], False, True)
    lines = [ln.rstrip() for ln in result.stdout.decode("utf-8", "replace").split("\n")]
    return _Page(lines, True, True)


def _running_key(line: str) -> str:
    """A header/footer line with page numbers and dash variants normalised, so pages can be compared."""
    words = [("#" if _ROMAN.match(w) or w.isdigit() else w) for w in line.split()]
    return re.sub(r"\d+", "#", " ".join(words)).replace("–", "-").replace("—", "-")


def _edge_indices(lines: list[str]) -> list[int]:
    """Indices of the first two and last two non-empty lines of a page (a law's '3 §' lines never count)."""
    filled = [i for i, ln in enumerate(lines) if ln.strip() and not _SIGN_LINE.match(ln.strip())]
    return sorted(set(filled[:2] + filled[-2:]))


def _strip_running_lines(pages: list[list[str]]) -> tuple[list[list[str]], list[str | None]]:
    """Remove headers and footers repeated across pages; return each page's printed number found in them."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_running_key(lines[i]) for i in _edge_indices(lines)})
    text_pages = sum(1 for lines in pages if any(ln.strip() for ln in lines))
    need = max(2, round(0.4 * text_pages))
    running = {key for key, n in counts.items() if n >= need}
    bodies: list[list[str]] = []
    printed: list[str | None] = []
    for lines in pages:
        drop: set[int] = set()
        number: str | None = None
        for i in _edge_indices(lines):
            key = _running_key(lines[i])
            close = any(difflib.SequenceMatcher(None, key, k).ratio() > 0.85 for k in running if len(k) > 8)
            if key in running or close:
                drop.add(i)
                if match := _PAGE_NUMBER.search(lines[i].strip()):
                    number = match.group(1)
        bodies.append([ln for i, ln in enumerate(lines) if i not in drop])
        printed.append(number)
    return bodies, printed


def clean_lines(lines: list[str]) -> str:
    """Layout lines as reading-order text: columns unwoven, tables as ' | ' rows, contents dropped."""
    out: list[str] = []
    for block in _column_blocks(lines):
        out.extend(_tables(block))
        out.append("")
    kept = _drop_contents([_normalise(ln) for ln in out])
    text = "\n".join(_join_hyphenated(_close_gaps(kept)))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _normalise(line: str) -> str:
    """Single spaces, ligatures spelled out, soft hyphens gone, bullet glyphs as '- ' list items."""
    for ligature, letters in _LIGATURES.items():
        line = line.replace(ligature, letters)
    # A soft hyphen shows only where a line breaks: there it joins the word halves, elsewhere it vanishes.
    line = re.sub(r"\u00ad\s*$", "-", line.rstrip()).replace("\u00ad", "")
    line = re.sub(r"[ \t\xa0]+", " ", line).strip()
    line = line.replace("\u2010", "-").replace("\u2011", "-")
    if _BULLET.match(line) or _DASH_ITEM.match(line):
        line = "- " + _DASH_ITEM.sub("", _BULLET.sub("", line))
    return line


def _column_blocks(lines: list[str]) -> list[list[str]]:
    """Split a two-column page at its gutter: full-width lines separate bands, each band left column first."""
    gutter = _gutter(lines)
    if gutter is None:
        return [lines]
    blocks: list[list[str]] = []
    left: list[str] = []
    right: list[str] = []
    for line in lines:
        if len(line) > gutter and line[gutter - 1 : gutter + 1].strip():
            blocks += [left, right, [line]]
            left, right = [], []
        else:
            left.append(line[:gutter].rstrip())
            right.append(line[gutter:].rstrip() if len(line) > gutter else "")
    blocks += [left, right]
    return [_dedent(block) for block in blocks if any(ln.strip() for ln in block)]


def _dedent(block: list[str]) -> list[str]:
    """Remove the column's common indentation so table columns keep their relative positions."""
    indent = min((len(ln) - len(ln.lstrip()) for ln in block if ln.strip()), default=0)
    return [ln[indent:] for ln in block]


def _gutter(lines: list[str]) -> int | None:
    """The character column of a blank vertical band with text on both sides in most lines, if any."""
    filled = [ln for ln in lines if ln.strip()]
    width = max((len(ln) for ln in filled), default=0)
    if len(filled) < 8 or width < 40:
        return None
    best: tuple[int, int] | None = None
    for col in range(int(width * 0.3), int(width * 0.7)):
        both = [ln for ln in filled if len(ln) > col + 2 and ln[: col - 1].strip()]
        if len(both) < 0.5 * len(filled):
            continue
        blank = sum(1 for ln in both if not ln[col - 1 : col + 2].strip())
        if blank >= 0.9 * len(both) and (best is None or blank > best[1]):
            best = (col, blank)
    return best[0] if best else None


def _segments(line: str) -> list[tuple[int, str]]:
    """Runs of text separated by two or more spaces, with their start column."""
    out: list[tuple[int, str]] = []
    pos = 0
    for part in _GAP.split(line):
        start = line.index(part, pos) if part else pos
        if part.strip():
            out.append((start, part.strip()))
        pos = start + len(part)
    return out


def _tables(lines: list[str]) -> list[str]:
    """Lines with table rows (cells aligned across lines) rewritten as one 'a | b | c' line per row."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        segs = _segments(lines[i])
        if len(segs) >= 3:
            cols = [start for start, _ in segs]
            rows, j, wordy = _table_rows(lines, i, cols)
            # Justified prose also has wide gaps, but between single words; a table has multi-word cells.
            if j - i >= 2 and wordy >= max(1, len(rows) // 2):
                out.extend(" | ".join(cell for cell in row if cell) for row in rows)
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def _table_rows(lines: list[str], start: int, cols: list[int]) -> tuple[list[list[str]], int, int]:
    """Rows of a table from ``start``: a line filling most columns opens a row, others continue cells."""
    rows: list[list[str]] = []
    wordy = 0
    j = start
    while j < len(lines):
        if not lines[j].strip():
            # Layout text may leave a blank line between rows; the table goes on if an aligned row follows.
            nxt = next((k for k in range(j, len(lines)) if lines[k].strip()), None)
            if nxt is None or len(_segments(lines[nxt])) < 3 or not rows:
                break
            j = nxt
        segs = _segments(lines[j])
        slots = [min(range(len(cols)), key=lambda k: abs(cols[k] - s)) for s, _ in segs]
        aligned = all(abs(cols[k] - s) <= 2 for k, (s, _) in zip(slots, segs, strict=True))
        opens = len(segs) >= max(2, round(0.75 * len(cols)))
        if not aligned or (not opens and (not rows or (slots[0] == 0 and len(segs) == 1))):
            break
        if opens:
            rows.append([""] * len(cols))
            wordy += any(" " in text for _, text in segs)
        for k, (_, text) in zip(slots, segs, strict=True):
            rows[-1][k] = _join_cell(rows[-1][k], text)
        j += 1
    return rows, j, wordy


def _join_cell(cell: str, more: str) -> str:
    """Continue a wrapped table cell, joining a word hyphenated at the break."""
    if not cell:
        return more
    if cell[-1] in "-–" and more[:1].isalnum() and (more[:1].islower() or more[:1].isdigit()):
        return cell[:-1] + more if cell[-1] == "-" else cell + more
    return f"{cell} {more}"


def _drop_contents(lines: list[str]) -> list[str]:
    """Remove a table of contents: three or more dot-leader entries on a page, and its heading."""
    entries = [i for i, ln in enumerate(lines) if _TOC_ENTRY.match(ln)]
    if len(entries) < 3:
        return lines
    drop = set(entries) | {i for i, ln in enumerate(lines) if _TOC_HEADING.match(ln)}
    return [ln for i, ln in enumerate(lines) if i not in drop]


def _close_gaps(lines: list[str]) -> list[str]:
    """Drop blank lines inside a sentence (a column break, or layout spacing), so paragraphs stay whole."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if not line and out and out[-1] and out[-1][-1] not in ".!?:" and not out[-1].startswith("#"):
            nxt = next((ln for ln in lines[i + 1 :] if ln), "")
            if nxt[:1].islower() or nxt[:1].isdigit():
                continue
        out.append(line)
    return out


def _join_hyphenated(lines: list[str]) -> list[str]:
    """Join words hyphenated across line breaks ('biblio-' + 'teket'), keeping 'kultur- och'."""
    out: list[str] = []
    for line in lines:
        if out and (m := re.search(r"(\w)\s?-$", out[-1])) and line[:1].islower():
            first = line.split(" ", 1)[0]
            if first not in _KEEP_HYPHEN_BEFORE:
                out[-1] = out[-1][: m.start() + 1] + line
                continue
        out.append(line)
    return out


def _mark_headings(page: str) -> str:
    """Turn lines that clearly look like headings into '## ' lines so the chunker can use them."""
    lines = page.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i > 0 else ""
        # In narrow columns the next line can be short too, so the longer of the next two decides.
        following = sorted((ln for ln in lines[i + 1 : i + 3] if ln), key=len)
        nxt = next((ln for ln in lines[i + 1 : i + 3] if ln), "")
        if following and not nxt[:1].islower() and _looks_like_heading(line, prev, following[-1]):
            out.append("## " + line)
        else:
            out.append(line)
    return "\n".join(out)


def _looks_like_heading(line: str, prev: str, nxt: str) -> bool:
    """Short title-like line that starts a block and is followed by a clearly longer line."""
    if not 2 <= len(line) < 80 or len(line.split()) > 12 or line.startswith(("#", "- ")) or " | " in line:
        return False
    if line[-1] in ".,:;-–" or not _HEADING_START.match(line):
        return False
    if sum(ch.isalpha() for ch in line) < 2:
        return False  # page numbers and dates
    # A wrapped line inside a paragraph continues a line that did not end a sentence.
    starts_block = not prev or prev[-1] in ".!?:"
    # Law headings are often followed directly by a short "3 §" line rather than by prose.
    return starts_block and (len(nxt) > 1.3 * len(line) + 10 or bool(_SIGN_LINE.match(nxt)))
