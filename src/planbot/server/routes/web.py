"""HTTP routes: the chat page, the embeddable widget, its demo page, and the document view."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse, Response

from planbot.errors import NotFound
from planbot.records import Chunk, IndexedDocument
from planbot.server.deps import PipelineDep, require_read

router = APIRouter(include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# The page and the document view load nothing but planbot's own files.
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
DOCUMENT_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)

# The widget bundles these, in this order, into one script that leaks no globals onto the host page.
WIDGET_PARTS = ("i18n.js", "api.js", "core.js", "widget.js")
WIDGET_STYLES = ("styles.css", "widget.css")

_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_NOT_SLUG = re.compile(r"[^\w§]+")


def locator_anchor(locator: str) -> str:
    """The fragment a citation links to (``3 §`` → ``loc-3-§``); app.js's ``locatorAnchor`` mirrors it."""
    slug = _NOT_SLUG.sub("-", locator.lower()).strip("-")
    return f"loc-{slug or 'x'}"


def _page(name: str) -> FileResponse:
    headers = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"}
    return FileResponse(WEB_DIR / name, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/")
def chat_page() -> FileResponse:
    """The chat page."""
    return _page("index.html")


@router.get("/widget-demo")
def widget_demo() -> FileResponse:
    """A fake intranet page that embeds the widget with one script tag."""
    return _page("widget-demo.html")


@cache
def _widget_bundle() -> str:
    css = "\n".join((WEB_DIR / name).read_text(encoding="utf-8") for name in WIDGET_STYLES)
    parts = [(WEB_DIR / name).read_text(encoding="utf-8") for name in WIDGET_PARTS]
    # The script tag is captured here, synchronously: document.currentScript is null once it has run.
    head = '"use strict";\nvar PLANBOT_SCRIPT = document.currentScript;\n'
    head += f"var PLANBOT_CSS = {json.dumps(css)};\n"
    return "(function () {\n" + head + "\n".join(parts) + "\n})();\n"


@router.get("/widget.js")
def widget_js() -> Response:
    """The widget: one script that adds a launcher and a chat panel (in a shadow DOM) to any page."""
    return Response(
        _widget_bundle(),
        media_type=_MEDIA_TYPES[".js"],
        headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@cache
def _assets() -> dict[str, Path]:
    return {p.name: p for p in WEB_DIR.iterdir() if p.suffix in _MEDIA_TYPES}


@router.get("/static/{name}")
def static_asset(name: str) -> FileResponse:
    """The page's scripts and styles (only the files shipped in planbot/web)."""
    path = _assets().get(name)
    if path is None:
        raise NotFound(f"No static file {name!r}.")
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})


@router.get("/documents/{doc_id}", dependencies=[Depends(require_read)])
def document_view(doc_id: str, pipeline: PipelineDep) -> HTMLResponse:
    """One document as HTML, one section per chunk, each with the anchor citations link to."""
    doc, chunks = pipeline.document(doc_id)
    return HTMLResponse(render_document(doc, chunks), headers={"Content-Security-Policy": DOCUMENT_CSP})


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_document(doc: IndexedDocument, chunks: list[Chunk]) -> str:
    """The document view; every piece of document text is escaped, documents are data."""
    seen: dict[str, int] = {}
    sections: list[str] = []
    for chunk in chunks:
        anchor = locator_anchor(chunk.locator)
        # Later chunks of a long section share its locator; a citation links to where it begins.
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        path = " › ".join(chunk.heading_path)
        crumbs = f'<p class="doc-path">{_e(path)}</p>' if path else ""
        sections.append(
            f'<section class="doc-section" id="{_e(anchor)}" aria-labelledby="h-{_e(anchor)}">'
            f'<h2 id="h-{_e(anchor)}"><a class="doc-anchor" href="#{_e(anchor)}">{_e(chunk.locator)}</a></h2>'
            f'{crumbs}<div class="doc-text">{_e(chunk.text)}</div></section>'
        )
    source = (
        f'<a href="{_e(doc.source_url)}" rel="noopener noreferrer">Källa / Source</a>'
        if doc.source_url and doc.source_url.startswith(("https://", "http://"))
        else ""
    )
    meta = " · ".join(_e(f"{k}: {v}") for k, v in sorted(doc.metadata.items()) if k in _SHOWN_METADATA)
    return _DOCUMENT_PAGE.format(
        title=_e(doc.title),
        doc_type=_e(doc.doc_type),
        source=source,
        meta=meta,
        sections="\n".join(sections),
    )


_SHOWN_METADATA = {"publisher", "issued", "in_force", "published", "period", "valid_from", "valid_to", "sfs"}
# Plan metadata (planbot.planmeta).
_SHOWN_METADATA |= {"organisation", "kind", "adopted", "adopted_by"}

_DOCUMENT_PAGE = """<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · planbot</title>
<link rel="stylesheet" href="/static/styles.css">
</head>
<body class="doc-page">
<header class="doc-header">
<p><a href="/">← planbot</a></p>
<h1>{title}</h1>
<p class="doc-meta"><span class="doc-type" data-doc-type="{doc_type}">{doc_type}</span> {meta} {source}</p>
</header>
<main id="main">
{sections}
</main>
</body>
</html>
"""
