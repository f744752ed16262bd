"""Load Markdown, text, HTML and PDF files into Document records."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

from planbot.errors import DocumentError
from planbot.pdf import parse_pdf
from planbot.records import Document, PageSpan

SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf"})
# Bookkeeping files that can live next to the documents but are not documents themselves.
SKIPPED_STEMS = frozenset({"sources", "readme", "license", "licence", "changelog"})

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_TITLE_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_ID_UNSAFE = re.compile(r"[^a-z0-9._-]")
_EMPTY = "the file is empty"
_NO_HTML_TEXT = "no readable text (the page holds only scripts, styles or navigation)"

_HTML_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg")
_HTML_CHROME = re.compile(r"cookie|consent|gdpr|breadcrumb|navbar|menu|skip-?link", re.IGNORECASE)
_HTML_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search"})
# Structural elements are never dropped, even if a theme class like "has-menu" sits on them.
_HTML_KEEP = frozenset({"html", "body", "main", "article"})
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HTML_BLOCKS = frozenset(
    {"p", "div", "section", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "td", "th",
     "blockquote", "pre", "figure", "figcaption", "caption", "main", "article", "body", "address", "hr"}
)  # fmt: skip
_HTML_SNIFF = re.compile(
    # Leading comments are skipped so a Markdown file is not mistaken for HTML just for having one.
    rb"\A\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<[a-z][a-z0-9]*[\s>/])",
    re.IGNORECASE | re.DOTALL,
)


def document_id(relative: str) -> str:
    """Stable id from a path relative to the corpus root: lower-case, no extension, '/' as '--'."""
    path = Path(relative)
    stem = path.with_suffix("").as_posix() if path.suffix else path.as_posix()
    return _ID_UNSAFE.sub("-", stem.lower().replace("/", "--"))


def load_document(path: Path, root: Path) -> Document:
    """Read one file under ``root`` into a Document, raising DocumentError if it cannot be read."""
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(relative, f"the file cannot be read ({exc.strerror or exc})") from exc
    suffix = path.suffix.lower()
    kind = {".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text"}.get(suffix, "markdown")
    return _parse(relative, data, kind, None)


def content_kind(data: bytes) -> Literal["pdf", "html", "markdown"]:
    """What the bytes are, by content rather than by name: the one sniffer for uploads and fetched pages."""
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if _HTML_SNIFF.match(data[:2048]):
        return "html"
    return "markdown"


def load_bytes(name: str, data: bytes, metadata: dict[str, str] | None = None) -> Document:
    """Parse uploaded bytes, choosing PDF, HTML or Markdown/text by content rather than by name."""
    return _parse(name, data, content_kind(data), metadata)


def load_corpus(root: Path) -> tuple[list[Document], list[DocumentError]]:
    """Load every supported file under ``root``; unreadable files are reported, not fatal."""
    documents: list[Document] = []
    errors: list[DocumentError] = []
    for path in _corpus_files(root):
        try:
            documents.append(load_document(path, root))
        except DocumentError as exc:
            errors.append(exc)
    return documents, errors


def _corpus_files(root: Path) -> Iterator[Path]:
    """Supported files under ``root`` in sorted order, without hidden or bookkeeping files."""
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") for part in parts) or not path.is_file():
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES and path.stem.lower() not in SKIPPED_STEMS:
            yield path


def _parse(name: str, data: bytes, kind: str, extra: dict[str, str] | None) -> Document:
    """Dispatch to the parser for ``kind`` and assemble the Document."""
    if not data.strip():
        raise DocumentError(name, _EMPTY)
    stem = Path(name).stem or name
    pages: tuple[PageSpan, ...] = ()
    fields: dict[str, str] = {}
    if kind == "pdf":
        text, pages, fields = parse_pdf(name, data)
    elif kind == "html":
        text, fields = _parse_html(name, _decode(name, data))
    elif kind == "markdown":
        text, fields = _parse_markdown(name, _decode(name, data))
    else:
        text = _decode(name, data)
    if not text.strip():
        raise DocumentError(name, _EMPTY)
    # Caller-supplied metadata (an upload form) wins over what the file itself says.
    merged = {**fields, **(extra or {})}
    metadata = {k: v for k, v in merged.items() if k not in ("title", "doc_type", "source_url")}
    heading = _TITLE_HEADING.search(text)
    title = merged.get("title") or (heading.group(1).strip() if heading else "") or stem
    return Document(
        id=document_id(name),
        title=title,
        text=text,
        path=name,
        content_hash=hashlib.sha256(data).hexdigest(),
        doc_type=(merged.get("doc_type") or "dokument").strip().lower(),
        source_url=merged.get("source_url") or None,
        metadata=metadata,
        pages=pages,
    )


def _decode(name: str, data: bytes) -> str:
    """Decode text bytes (UTF-8, else cp1252/latin-1), refusing binary content."""
    if b"\x00" in data:
        raise DocumentError(name, "binary content, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise DocumentError(name, "binary content, not text")
    # Offsets are into the normalised text, so one newline convention keeps the chunker simple.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _scalar(value: Any) -> str | None:
    """Front-matter scalar as a string (dates as ISO), or None for lists, maps and nulls."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _parse_markdown(name: str, text: str) -> tuple[str, dict[str, str]]:
    """Split YAML front matter from the body; the body is kept verbatim."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    try:
        raw = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise DocumentError(name, f"the front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if raw is not None and not isinstance(raw, dict):
        raise DocumentError(name, "the front matter is not a set of key: value lines")
    fields = {str(k): s for k, v in (raw or {}).items() if (s := _scalar(v)) is not None}
    return text[match.end() :], fields


def _parse_html(name: str, html: str) -> tuple[str, dict[str, str]]:
    """Main text of an HTML page as Markdown-like blocks, without scripts, menus and banners."""
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    for tag in _HTML_DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    for node in tree.css("[id], [class], [aria-label], [role]"):
        if node.tag in _HTML_KEEP:
            continue
        attrs = node.attributes
        label = " ".join(attrs.get(key) or "" for key in ("id", "class", "aria-label"))
        if _HTML_CHROME.search(label) or (attrs.get("role") or "").lower() in _HTML_CHROME_ROLES:
            node.decompose()
    root = tree.css_first("main") or tree.css_first("[role=main]") or tree.css_first("article") or tree.body
    blocks: list[str] = []
    if root is not None:
        _html_blocks(root, blocks)
    text = "\n\n".join(blocks)
    if not text.strip():
        raise DocumentError(name, _NO_HTML_TEXT)
    fields: dict[str, str] = {}
    title = _squash(title_node.text()) if title_node is not None else ""
    if not title:
        h1 = _TITLE_HEADING.search(text)
        title = h1.group(1) if h1 else ""
    if title:
        fields["title"] = title
    return text + "\n", fields


def _squash(text: str) -> str:
    """Collapse whitespace runs to single spaces."""
    return " ".join(text.split())


def _html_blocks(node: LexborNode, blocks: list[str]) -> None:
    """Append the text blocks under ``node``: headings as '#' lines, list items as '- ' lines."""
    inline: list[str] = []

    def flush() -> None:
        text = _squash(" ".join(inline))
        if text:
            blocks.append(text)
        inline.clear()

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            inline.append(child.text_content or "")
        elif tag in _HTML_HEADINGS:
            flush()
            if text := _squash(child.text()):
                blocks.append("#" * _HTML_HEADINGS[tag] + " " + text)
        elif tag == "li":
            flush()
            own = [c.text() for c in child.iter(include_text=True) if c.tag not in ("ul", "ol")]
            if text := _squash(" ".join(own)):
                blocks.append("- " + text)
            for sub in child.iter():
                if sub.tag in ("ul", "ol"):
                    _html_blocks(sub, blocks)
        elif tag == "br":
            inline.append(" ")
        elif tag in _HTML_BLOCKS:
            flush()
            _html_blocks(child, blocks)
        elif tag not in ("-comment", "img", "input", "button", "select"):
            inline.append(child.text())
    flush()
