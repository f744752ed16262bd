"""Sources the corpus cannot ship: a TOML manifest, conditional downloads, a cache of last good copies."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlparse

import httpx
from selectolax.lexbor import LexborHTMLParser

from planbot import __version__
from planbot.errors import DocumentError, InvalidInput
from planbot.files import write_atomic
from planbot.ingest import IngestReport
from planbot.loaders import document_id, load_bytes
from planbot.records import Document

Status = Literal["new", "changed", "unchanged", "failed"]

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REQUIRED = ("id", "url", "title")
_KNOWN = frozenset(
    {"id", "url", "title", "doc_type", "publisher", "period", "follow_pdfs", "pdf_match", "ingest_page"}
)
_USER_AGENT = f"planbot/{__version__} (+sync of public plans)"


@dataclass(frozen=True)
class Source:
    """One entry of corpus/sources.toml."""

    id: str
    url: str
    title: str
    doc_type: str = "dokument"
    publisher: str | None = None
    period: str | None = None
    follow_pdfs: bool = False
    pdf_match: str | None = None
    ingest_page: bool = True

    def metadata(self, url: str, title: str | None) -> dict[str, str]:
        """Metadata for a file of this source (origin "sync" keeps corpus pruning off it)."""
        meta = {"origin": "sync", "source_id": self.id, "source_url": url, "doc_type": self.doc_type}
        for key, value in (("title", title), ("publisher", self.publisher), ("period", self.period)):
            if value:
                meta[key] = value
        return meta


@dataclass(frozen=True)
class SyncItem:
    """What happened to one fetched file."""

    doc_id: str
    url: str
    status: Status
    reason: str | None = None
    kept_copy: bool = False

    def line(self) -> str:
        """One line for a person."""
        if self.status != "failed":
            return f"{self.status:9} {self.doc_id}  <{self.url}>"
        kept = "kept the last good copy" if self.kept_copy else "no earlier copy to keep"
        return f"failed    {self.doc_id}  <{self.url}>: {self.reason} ({kept})"


@dataclass
class SyncReport:
    """What one sync fetched and what the ingest then did."""

    items: list[SyncItem] = field(default_factory=list)
    ingest: IngestReport | None = None

    @property
    def failed(self) -> list[SyncItem]:
        """Items whose download or check failed."""
        return [i for i in self.items if i.status == "failed"]

    def lines(self) -> list[str]:
        """The report for a person: a line per file, then the ingest summary."""
        out = [i.line() for i in self.items]
        counts = {s: sum(1 for i in self.items if i.status == s) for s in ("new", "changed", "unchanged")}
        out.append(
            f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, "
            f"{len(self.failed)} failed"
        )
        if self.ingest is not None:
            out.append("ingest: " + self.ingest.summary())
            out += [f"unreadable {e.name}: {e.reason}" for e in self.ingest.errors]
        return out


def load_manifest(path: Path) -> list[Source]:
    """Parse sources.toml, raising InvalidInput that names the entry and field at fault."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path}: no sources manifest; set PLANBOT_SOURCES_FILE or create it.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: not valid TOML ({exc}).") from exc
    entries = raw.get("source", [])
    if not isinstance(entries, list):
        raise InvalidInput(f"{path}: sources are [[source]] tables.")
    sources: list[Source] = []
    for n, entry in enumerate(entries, start=1):
        where = f"{path}: source {n}"
        missing = [k for k in _REQUIRED if not entry.get(k)]
        if missing:
            raise InvalidInput(f"{where}: missing {', '.join(missing)}.")
        unknown = sorted(set(entry) - _KNOWN)
        if unknown:
            raise InvalidInput(
                f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_KNOWN))}."
            )
        if not _ID.match(str(entry["id"])):
            raise InvalidInput(f"{where}: id {entry['id']!r} may hold only a-z, 0-9, '.', '_' and '-'.")
        if urlparse(str(entry["url"])).scheme not in ("http", "https"):
            raise InvalidInput(f"{where}: url {entry['url']!r} is not an http(s) address.")
        if entry.get("pdf_match"):
            try:
                re.compile(str(entry["pdf_match"]))
            except re.error as exc:
                raise InvalidInput(f"{where}: pdf_match is not a valid regular expression ({exc}).") from exc
        sources.append(Source(**{k: v for k, v in entry.items()}))
    ids = [s.id for s in sources]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InvalidInput(f"{path}: duplicate source id(s) {', '.join(dupes)}.")
    return sources


class SourceCache:
    """The last good copy of each fetched file, with the validators for the next conditional request."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _meta_path(self, doc_id: str) -> Path:
        return self.root / f"{doc_id}.json"

    def meta(self, doc_id: str) -> dict[str, Any]:
        """What the cache knows about ``doc_id`` (empty if nothing, or if its file went missing)."""
        try:
            meta: dict[str, Any] = json.loads(self._meta_path(doc_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if (self.root / meta.get("file", "")).is_file() else {}

    def read(self, doc_id: str) -> bytes | None:
        """The cached bytes, or None."""
        meta = self.meta(doc_id)
        return (self.root / meta["file"]).read_bytes() if meta else None

    def write(self, doc_id: str, data: bytes, meta: dict[str, Any]) -> None:
        """Replace the cached copy atomically, so a crash never leaves half a file as the 'good' copy."""
        name = f"{doc_id}{'.pdf' if data.lstrip()[:5] == b'%PDF-' else '.html'}"
        write_atomic(self.root / name, data)
        write_atomic(self._meta_path(doc_id), json.dumps({**meta, "file": name}, indent=1).encode())

    def entries(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every cached document id with its metadata."""
        for path in sorted(self.root.glob("*.json")):
            meta = self.meta(path.stem)
            if meta:
                yield path.stem, meta


class Fetcher:
    """Conditional GETs with strict timeouts and a size cap; every failure becomes a reason, not a crash."""

    def __init__(self, cache: SourceCache, timeout_s: float, max_bytes: int) -> None:
        self.cache = cache
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=True,
            headers={"User-Agent": _USER_AGENT},
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def fetch(self, doc_id: str, url: str, expect_pdf: bool, extra: dict[str, str]) -> tuple[SyncItem, str]:
        """Fetch ``url`` into the cache as ``doc_id``; returns the outcome and the final URL."""
        known = self.cache.meta(doc_id)
        headers = {}
        if known.get("url") == url:
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        try:
            status, data, response_headers, final_url = self._get(url, headers)
        except httpx.TimeoutException:
            return self._failed(doc_id, url, f"no answer within {self.timeout_s:g} s"), url
        except _TooLarge:
            return self._failed(doc_id, url, f"larger than the {self.max_bytes // 2**20} MB limit"), url
        except httpx.HTTPError as exc:
            return self._failed(doc_id, url, f"download failed ({exc.__class__.__name__}: {exc})"), url
        if status == 304 and known:
            return SyncItem(doc_id, url, "unchanged"), known.get("final_url", url)
        if status != 200:
            return self._failed(doc_id, url, f"the server answered HTTP {status}"), url
        kind = response_headers.get("content-type", "").split(";")[0].strip().lower()
        if (expect_pdf or kind == "application/pdf") and data.lstrip()[:5] != b"%PDF-":
            head = data[:20].decode("latin-1", "replace").strip()
            return self._failed(
                doc_id, url, f"served as {kind or 'a PDF'} but the content is not a PDF (it starts {head!r})"
            ), url
        try:
            load_bytes(f"{doc_id}.pdf" if expect_pdf else doc_id, data, extra)
        except DocumentError as exc:
            if expect_pdf or not extra.get("_links_only"):
                return self._failed(doc_id, url, f"unreadable: {exc.reason}"), url
        digest = hashlib.sha256(data).hexdigest()
        if known and known.get("sha256") == digest:
            outcome: Status = "unchanged"
        else:
            outcome = "changed" if known else "new"
        self.cache.write(
            doc_id,
            data,
            {
                "url": url,
                "final_url": final_url,
                "etag": response_headers.get("etag"),
                "last_modified": response_headers.get("last-modified"),
                "sha256": digest,
                "content_type": kind,
                "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "metadata": {k: v for k, v in extra.items() if not k.startswith("_")},
            },
        )
        return SyncItem(doc_id, url, outcome), final_url

    def _get(self, url: str, headers: dict[str, str]) -> tuple[int, bytes, httpx.Headers, str]:
        with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                return response.status_code, b"", response.headers, str(response.url)
            declared = int(response.headers.get("content-length") or 0)
            if declared > self.max_bytes:
                raise _TooLarge
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise _TooLarge
                chunks.append(chunk)
            return 200, b"".join(chunks), response.headers, str(response.url)

    def _failed(self, doc_id: str, url: str, reason: str) -> SyncItem:
        return SyncItem(doc_id, url, "failed", reason, kept_copy=bool(self.cache.meta(doc_id)))


class _TooLarge(Exception):
    """A download over the size cap."""


def pdf_links(html: bytes, base_url: str, pattern: str | None) -> list[tuple[str, str]]:
    """(absolute URL, link text) of the PDFs a page links to, optionally only those matching ``pattern``."""
    tree = LexborHTMLParser(html.decode("utf-8", "replace"))
    wanted = re.compile(pattern, re.IGNORECASE) if pattern else None
    seen: dict[str, str] = {}
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        url = urljoin(base_url, href)
        if not urlparse(url).path.lower().endswith(".pdf") or url in seen:
            continue
        text = " ".join((node.text() or "").split())
        if wanted is None or wanted.search(unquote(url)) or wanted.search(text):
            seen[url] = text
    return list(seen.items())


def _pdf_id(source: Source, url: str) -> str:
    stem = Path(unquote(urlparse(url).path)).stem
    return document_id(f"{source.id}--{stem}")[:120]


def fetch_sources(sources: list[Source], cache: SourceCache, fetcher: Fetcher) -> list[SyncItem]:
    """Fetch every source (and, where asked, the PDFs its page links to) into the cache."""
    items: list[SyncItem] = []
    for source in sources:
        expect_pdf = urlparse(source.url).path.lower().endswith(".pdf")
        extra = source.metadata(source.url, source.title)
        if not source.ingest_page:
            extra["_links_only"] = "1"
        item, final_url = fetcher.fetch(source.id, source.url, expect_pdf, extra)
        items.append(item)
        page = cache.read(source.id)
        if not source.follow_pdfs or page is None or page.lstrip()[:5] == b"%PDF-":
            continue
        # The cached page is used even when this fetch failed, so its PDFs are still checked.
        for url, text in pdf_links(page, final_url, source.pdf_match):
            items.append(
                fetcher.fetch(_pdf_id(source, url), url, True, source.metadata(url, text or None))[0]
            )
    return items


def cached_documents(cache: SourceCache, sources: list[Source]) -> tuple[list[Document], list[DocumentError]]:
    """The last good copy of every file of the listed sources, parsed."""
    wanted = {s.id for s in sources}
    pages_only_links = {s.id for s in sources if not s.ingest_page}
    docs: list[Document] = []
    errors: list[DocumentError] = []
    for doc_id, meta in cache.entries():
        extra = dict(meta.get("metadata") or {})
        if extra.get("source_id") not in wanted or doc_id in pages_only_links:
            continue
        data = (cache.root / meta["file"]).read_bytes()
        try:
            docs.append(load_bytes(meta["file"], data, extra))
        except DocumentError as exc:
            errors.append(exc)
    return docs, errors
