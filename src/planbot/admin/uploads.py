"""Checking an uploaded file by its content: size, type, name, metadata and duplicates, then parsing it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import urlparse

from planbot.admin.sandbox import parse_isolated
from planbot.chunking import chunk_document
from planbot.errors import Conflict, DocumentError, InvalidInput, PayloadTooLarge, UnsupportedMedia
from planbot.files import write_atomic
from planbot.loaders import content_kind, document_id
from planbot.records import Chunk, Document, IndexedDocument

ORIGIN = "upload"
# Address space a parse may use (PLANBOT_UPLOAD_PARSE_MEMORY_MB); the parsers themselves take ~150 MB.
PARSE_MEMORY_MB = 1024
# Form fields an upload may carry, besides the file itself.
META_FIELDS = (
    "title",
    "doc_type",
    "source_url",
    "valid_from",
    "valid_to",
    # Plan metadata (planbot.planmeta); what is left out is detected from the first pages.
    "organisation",
    "kind",
    "period",
    "adopted",
    "adopted_by",
)

_READ_CHUNK = 1 << 20
_MAX_ID = 80
_MAX_FIELD = 500
_DOC_TYPE = re.compile(r"[a-zåäö0-9][a-zåäö0-9 _-]{0,39}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Control characters other than tab, newline and form feed carry no text and can hide content.
_CONTROLS = {c: " " for c in range(0x20) if chr(c) not in "\t\n\f"} | {0x7F: " "}
# Magic numbers of formats people upload by mistake, with what to tell them.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel or OpenDocument file)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Excel file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
)
_SUFFIX = {"pdf": ".pdf", "html": ".html", "text": ".md"}


@dataclass(frozen=True)
class Upload:
    """A parsed upload, ready to store and embed."""

    document: Document
    data: bytes
    suffix: str
    original_name: str


def read_capped(stream: IO[bytes], max_bytes: int) -> bytes:
    """Read a file-like object in chunks, refusing it as soon as it passes ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(_READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(too_large_message(max_bytes))
        parts.append(chunk)
    return b"".join(parts)


def too_large_message(max_bytes: int) -> str:
    """What to tell someone whose upload is over the limit."""
    return (
        f"The upload is larger than the limit of {max_bytes // (1 << 20)} MB "
        "(PLANBOT_MAX_UPLOAD_MB). Split the document or raise the limit."
    )


def sanitise_name(filename: str) -> tuple[str, str]:
    """The base document id and a display name for an uploaded file name, refusing path tricks."""
    name = filename.translate(_CONTROLS).strip().replace("\\", "/")
    if not name:
        raise InvalidInput("The upload has no file name; send it as a multipart 'file' field with a name.")
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise InvalidInput(
            f"The file name {filename!r} contains '..'; send the plain file name, such as 'plan.pdf'."
        )
    # Browsers may send a full client path (C:\Users\...\plan.pdf); only its last part names the file.
    base = parts[-1] if parts else name
    folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = PurePosixPath(folded).stem if PurePosixPath(folded).suffix else folded
    slug = re.sub(r"-{2,}", "-", document_id(stem.lstrip(".") + ".x")).strip("-._")[:_MAX_ID].strip("-._")
    return slug or "upload", base


def sniff(name: str, data: bytes) -> tuple[str, bytes]:
    """The kind of content (pdf, html or text) and the bytes to parse, or an error naming what it is."""
    if not data.strip():
        raise DocumentError(name, "the file is empty")
    if content_kind(data) == "pdf":
        return "pdf", data
    if name.lower().endswith(".pdf"):
        raise UnsupportedMedia(f"{name}: the name ends in .pdf but the content is not a PDF.")
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnsupportedMedia(
                f"{name}: this is {what}, not PDF, HTML, Markdown or text. Save it as PDF and upload that."
            )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # UTF-16 text (Windows Notepad's "Unicode") would otherwise look like binary for its NUL bytes.
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsupportedMedia(f"{name}: starts like UTF-16 text but is not valid UTF-16.") from exc
    if b"\x00" in data[:65536]:
        raise UnsupportedMedia(f"{name}: binary content, not PDF, HTML, Markdown or text.")
    # The parser sniffs with the same function, so the kept file's suffix names what was parsed.
    return ("html" if content_kind(data) == "html" else "text"), data


def form_metadata(fields: Mapping[str, str | None]) -> dict[str, str]:
    """The upload's optional metadata fields checked, as document metadata."""
    meta: dict[str, str] = {}
    for key in META_FIELDS:
        raw = fields.get(key)
        if raw is None or not raw.strip():
            continue
        value = raw.strip()
        if len(value) > _MAX_FIELD:
            raise InvalidInput(f"'{key}' is {len(value)} characters long; the limit is {_MAX_FIELD}.")
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            raise InvalidInput(f"'{key}' contains control characters; send plain text.")
        meta[key] = value
    if "doc_type" in meta:
        meta["doc_type"] = meta["doc_type"].lower()
        if not _DOC_TYPE.fullmatch(meta["doc_type"]):
            raise InvalidInput("'doc_type' must be a short word such as 'plan', 'lag' or 'rapport'.")
    if "source_url" in meta:
        url = urlparse(meta["source_url"])
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidInput("'source_url' must be an http:// or https:// address.")
    days = {k: _day(k, meta[k]) for k in ("valid_from", "valid_to") if k in meta}
    if len(days) == 2 and days["valid_from"] > days["valid_to"]:
        raise InvalidInput("'valid_from' must not be after 'valid_to'.")
    return meta


def _day(key: str, value: str) -> dt.date:
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'{key}' must be a date written YYYY-MM-DD, not {value!r}.") from None


def parse_upload(
    filename: str,
    data: bytes,
    meta: dict[str, str],
    doc_id: str,
    timeout_s: float,
    memory_mb: int = PARSE_MEMORY_MB,
) -> Upload:
    """Parse an upload as document ``doc_id`` in a child process limited to ``timeout_s`` and ``memory_mb``.

    Control characters become spaces; metadata from the file itself is checked as the form's is.
    """
    kind, payload = sniff(filename, data)
    suffix = _SUFFIX[kind]
    extra = {**meta, "origin": ORIGIN, "original_name": filename}
    doc = parse_isolated(
        doc_id + suffix, payload, extra, timeout_s=timeout_s, memory_mb=memory_mb, shown=filename
    )
    check_metadata(replace(doc, path=filename))
    # Replacing rather than deleting keeps character offsets (page spans, citations) valid.
    # Without a title of its own, the person's file name reads better than the id made from it.
    title = doc.title if doc.title != doc_id else (PurePosixPath(filename).stem or doc_id)
    doc = replace(
        doc, title=title, path=filename, content_hash=content_hash(data), text=doc.text.translate(_CONTROLS)
    )
    return Upload(doc, data, suffix, filename)


def check_metadata(doc: Document) -> None:
    """The parsed document's metadata, whatever its source (form or front matter), by the form's rules."""
    fields = {
        "doc_type": doc.doc_type,
        "source_url": doc.source_url,
        **{k: doc.metadata.get(k) for k in ("valid_from", "valid_to")},
    }
    try:
        form_metadata(fields)
    except InvalidInput as exc:
        raise InvalidInput(
            f"{doc.path or doc.id}: {exc.detail} (in the file's front matter or the form)"
        ) from exc


def chunk_within(
    doc: Document, max_tokens: int, count: Callable[[str], int], timeout_s: float, shown: str
) -> list[Chunk]:
    """Chunk ``doc``, stopping at the first token count after ``timeout_s`` (chunking is in no process)."""
    deadline = time.monotonic() + timeout_s

    def bounded(text: str) -> int:
        if time.monotonic() > deadline:
            raise DocumentError(shown, f"splitting the text took longer than {timeout_s:g} s; it is too long")
        return count(text)

    return chunk_document(doc, max_tokens, bounded)


def content_hash(data: bytes) -> str:
    """The hash duplicates are recognised by (the same one the corpus loader stores)."""
    return hashlib.sha256(data).hexdigest()


def choose_id(
    base: str, digest: str, known: Mapping[str, IndexedDocument], pending: Mapping[str, str]
) -> str:
    """A free document id for content ``digest``: ``base``, else ``base-2``, ``base-3``...

    Identical content already indexed or queued is a Conflict naming the existing document.
    """
    for doc in known.values():
        if doc.content_hash == digest:
            raise Conflict(f"This file is already indexed as document {doc.id!r} (identical content).")
    for doc_id, queued in pending.items():
        if queued == digest:
            raise Conflict(f"This file is already being indexed as document {doc_id!r} (identical content).")
    taken: Collection[str] = set(known) | set(pending)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def uploads_dir(data_dir: Path) -> Path:
    """Where original uploaded files and their metadata are kept."""
    return data_dir / "uploads"


def store(data_dir: Path, upload: Upload) -> Path:
    """Keep the original file and its metadata, written atomically, so a re-index can rebuild it."""
    folder = uploads_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    doc = upload.document
    target = folder / f"{doc.id}{upload.suffix}"
    sidecar = {
        "file": target.name,
        "original_name": upload.original_name,
        "metadata": {k: v for k, v in doc.metadata.items() if k not in ("origin", "original_name")},
        "title": doc.title,
        "doc_type": doc.doc_type,
        "source_url": doc.source_url,
    }
    write_atomic(target, upload.data)
    write_atomic(folder / f"{doc.id}.json", json.dumps(sidecar, ensure_ascii=False, indent=2).encode())
    return target


def update_stored_metadata(data_dir: Path, doc_id: str, changes: Mapping[str, str | None]) -> bool:
    """Change a kept upload's metadata (None removes a field), so a re-index keeps an edit; False if none."""
    sidecar = uploads_dir(data_dir) / f"{doc_id}.json"
    if not sidecar.is_file():
        return False
    stored = json.loads(sidecar.read_text(encoding="utf-8"))
    meta = dict(stored.get("metadata") or {})
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    stored["metadata"] = meta
    write_atomic(sidecar, json.dumps(stored, ensure_ascii=False, indent=2).encode())
    return True


def remove_stored(data_dir: Path, doc_id: str) -> bool:
    """Forget a stored upload; True if there was one."""
    folder = uploads_dir(data_dir)
    sidecar = folder / f"{doc_id}.json"
    if not sidecar.is_file():
        return False
    stored = json.loads(sidecar.read_text(encoding="utf-8"))
    (folder / str(stored.get("file", ""))).unlink(missing_ok=True)
    sidecar.unlink(missing_ok=True)
    return True


def load_stored(data_dir: Path, timeout_s: float) -> tuple[list[Document], list[DocumentError]]:
    """Every kept upload parsed again (for a re-index after the index was rebuilt)."""
    docs: list[Document] = []
    errors: list[DocumentError] = []
    folder = uploads_dir(data_dir)
    for sidecar in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            stored = json.loads(sidecar.read_text(encoding="utf-8"))
            data = (folder / str(stored["file"])).read_bytes()
            meta = {k: str(v) for k, v in stored.get("metadata", {}).items()}
            for key in ("title", "doc_type", "source_url"):
                if stored.get(key):
                    meta[key] = str(stored[key])
            name = str(stored.get("original_name") or stored["file"])
            docs.append(parse_upload(name, data, meta, sidecar.stem, timeout_s).document)
        except DocumentError as exc:
            errors.append(exc)
        except (OSError, KeyError, ValueError) as exc:
            errors.append(DocumentError(sidecar.name, f"the kept upload cannot be read ({exc})"))
        except (InvalidInput, UnsupportedMedia) as exc:
            errors.append(DocumentError(sidecar.name, exc.detail))
    return docs, errors
