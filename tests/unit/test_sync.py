"""`planbot sync` against a real HTTP server on 127.0.0.1: new, unchanged (304), changed, failing."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from planbot.admin.sources import load_manifest
from planbot.admin.sync import run_sync
from planbot.cli import main
from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.pipeline import Pipeline

from ..conftest import PdfFactory
from ..support import CORPUS, FakeEmbedder


@dataclass
class Route:
    """What the test server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/pdf"
    delay_s: float = 0.0

    @property
    def etag(self) -> str:
        """A strong validator derived from the body, as a real server would send."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    """A loopback web server whose routes a test can change between syncs."""

    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = site.routes.get(
                self.path, Route(status=404, body=b"not found", content_type="text/plain")
            )
            if route.delay_s:
                time.sleep(route.delay_s)
            status = route.status
            if status == 200 and self.headers.get("If-None-Match") == route.etag:
                status = 304
            site.log.append((self.path, status))
            try:
                self.send_response(status)
                if status == 304:
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.send_header("ETag", route.etag)
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout case)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    """A real HTTP server on 127.0.0.1, in a thread."""
    holder = Site(base="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    server.daemon_threads = True
    holder.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder
    server.shutdown()
    server.server_close()


PLAN_LINES = [
    "Regional biblioteksplan för Testlän 2021–2024",
    "Folkbiblioteken i länet ska erbjuda lässtimulerande verksamhet för barn i alla kommuner.",
    "Regionen samordnar fortbildning för bibliotekspersonal och stöder digital delaktighet.",
]
CULTURE_LINES = [
    "Kulturplan för Testlän 2022–2025",
    "Kulturplanen beskriver hur regionen fördelar statliga medel till teater, dans och museer.",
]


def _manifest(path: Path, site: Site) -> Path:
    path.write_text(
        f"""
[[source]]
id = "test-kulturplan"
url = "{site.url("/kulturplan.pdf")}"
title = "Kulturplan för Testlän"
doc_type = "kulturplan"
publisher = "Region Testlän"
period = "2022-2025"

[[source]]
id = "test-biblioteksplan"
url = "{site.url("/biblioteksplan")}"
title = "Regional biblioteksplan"
doc_type = "biblioteksplan"
publisher = "Region Testlän"
period = "2021-2024"
follow_pdfs = true
pdf_match = "biblioteksplan"
""",
        encoding="utf-8",
    )
    return path


def _page(links: list[tuple[str, str]]) -> bytes:
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (
        "<!doctype html><html><head><title>Regional biblioteksplan</title></head><body><main>"
        "<h1>Regional biblioteksplan</h1><p>Den regionala biblioteksplanen gäller 2021–2024 och "
        "beskriver regionens stöd till folkbiblioteken.</p>"
        f"<ul>{anchors}</ul></main></body></html>"
    ).encode()


@pytest.fixture
def synced(
    settings: Settings, site: Site, make_pdf: PdfFactory, tmp_path: Path
) -> tuple[Settings, Pipeline, FakeEmbedder]:
    """A site with a PDF source and a page linking to PDFs, and a pipeline that has synced it once."""
    site.routes["/kulturplan.pdf"] = Route(make_pdf([CULTURE_LINES]))
    site.routes["/docs/regional-biblioteksplan-2021.pdf"] = Route(make_pdf([PLAN_LINES]))
    site.routes["/docs/upphandlingspolicy.pdf"] = Route(make_pdf([["Upphandlingspolicy", "Inköp."]]))
    site.routes["/biblioteksplan"] = Route(
        _page(
            [
                ("/docs/regional-biblioteksplan-2021.pdf", "Regional biblioteksplan 2021-2024 (pdf)"),
                ("/docs/upphandlingspolicy.pdf", "Upphandlingspolicy (pdf)"),
            ]
        ),
        content_type="text/html; charset=utf-8",
    )
    cfg = settings.model_copy(
        update={"sources_file": _manifest(tmp_path / "sources.toml", site), "sync_timeout_s": 5.0}
    )
    embedder = FakeEmbedder()
    pipeline = Pipeline(cfg, embedder=embedder)
    pipeline.ingest(progress=False)
    report = run_sync(cfg, pipeline)
    assert [(i.doc_id, i.status) for i in report.items] == [
        ("test-kulturplan", "new"),
        ("test-biblioteksplan", "new"),
        ("test-biblioteksplan--regional-biblioteksplan-2021", "new"),
    ]
    return cfg, pipeline, embedder


def test_sync_ingests_new_sources_and_linked_pdfs_as_sync_documents(
    synced: tuple[Settings, Pipeline, FakeEmbedder],
) -> None:
    _, pipeline, _ = synced
    docs = pipeline.documents()
    plan = docs["test-biblioteksplan--regional-biblioteksplan-2021"]
    assert plan.metadata["origin"] == "sync"
    assert plan.doc_type == "biblioteksplan"
    assert plan.source_url is not None and plan.source_url.endswith("/docs/regional-biblioteksplan-2021.pdf")
    assert "test-biblioteksplan--upphandlingspolicy" not in docs  # filtered out by pdf_match
    # The plan's period (2021–2024) is over, so the question names it, as a user asking about it would.
    _, passages = pipeline.search(
        "Vem samordnar fortbildning för bibliotekspersonal i biblioteksplanen 2021–2024?"
    )
    assert passages[0].chunk.document_id == plan.id


def test_unchanged_sources_are_asked_conditionally_and_not_embedded_again(
    synced: tuple[Settings, Pipeline, FakeEmbedder], site: Site
) -> None:
    cfg, pipeline, embedder = synced
    site.log.clear()
    before = embedder.texts
    report = run_sync(cfg, pipeline)
    assert {i.status for i in report.items} == {"unchanged"}
    assert {status for _, status in site.log} == {304}
    assert embedder.texts == before
    assert report.ingest is not None and not report.ingest.changed


def test_a_changed_source_is_downloaded_and_reingested(
    synced: tuple[Settings, Pipeline, FakeEmbedder], site: Site, make_pdf: PdfFactory
) -> None:
    cfg, pipeline, _ = synced
    old_hash = pipeline.documents()["test-kulturplan"].content_hash
    site.routes["/kulturplan.pdf"] = Route(
        make_pdf([[*CULTURE_LINES, "Nytt: regionen inrättar ett filmråd."]])
    )
    report = run_sync(cfg, pipeline)
    statuses = {i.doc_id: i.status for i in report.items}
    assert statuses["test-kulturplan"] == "changed"
    assert report.ingest is not None and report.ingest.updated == ["test-kulturplan"]
    assert pipeline.documents()["test-kulturplan"].content_hash != old_hash
    assert "changed   test-kulturplan" in "\n".join(report.lines())


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(status=404, body=b"gone", content_type="text/html"), "HTTP 404"),
        (Route(delay_s=3.0), "no answer within 1 s"),
        (Route(b"<!doctype html><html><body>Sidan finns inte</body></html>"), "content is not a PDF"),
        (Route(b"%PDF-1.7\nthis is not really a pdf"), "unreadable"),
    ],
    ids=["404", "timeout", "html-served-as-pdf", "corrupt-pdf"],
)
def test_a_failed_download_keeps_the_last_good_copy_and_says_why(
    synced: tuple[Settings, Pipeline, FakeEmbedder], site: Site, route: Route, reason: str
) -> None:
    cfg, pipeline, _ = synced
    cache = cfg.sources_cache()
    good = (cache / "test-kulturplan.pdf").read_bytes()
    indexed = pipeline.documents()["test-kulturplan"].content_hash
    site.routes["/kulturplan.pdf"] = route
    if route.delay_s:  # a shorter wait than the fixture's, which leaves room for a busy machine
        cfg = cfg.model_copy(update={"sync_timeout_s": 1.0})
    report = run_sync(cfg, pipeline)
    (failed,) = report.failed
    assert failed.doc_id == "test-kulturplan"
    assert reason in (failed.reason or "")
    assert failed.kept_copy
    assert "kept the last good copy" in failed.line()
    assert (cache / "test-kulturplan.pdf").read_bytes() == good
    assert pipeline.documents()["test-kulturplan"].content_hash == indexed


def test_a_source_that_never_downloaded_reports_no_copy(
    settings: Settings, site: Site, tmp_path: Path
) -> None:
    cfg = settings.model_copy(update={"sources_file": _manifest(tmp_path / "s.toml", site)})
    report = run_sync(cfg, Pipeline(cfg, embedder=FakeEmbedder()))
    assert {i.status for i in report.items} == {"failed"}
    assert all("no earlier copy" in i.line() for i in report.items)
    assert report.ingest is None


def test_corpus_ingest_does_not_remove_synced_documents(
    synced: tuple[Settings, Pipeline, FakeEmbedder],
) -> None:
    _, pipeline, _ = synced
    report = pipeline.ingest(progress=False)
    assert report.removed == []
    assert "test-kulturplan" in pipeline.documents()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[source]]\nurl = "http://127.0.0.1/x.pdf"\ntitle = "X"\n', "missing id"),
        ('[[source]]\nid = "x"\nurl = "ftp://h/x.pdf"\ntitle = "X"\n', r"not an http\(s\) address"),
        ('[[source]]\nid = "Bad Id"\nurl = "http://127.0.0.1/x"\ntitle = "X"\n', "may hold only"),
        ('[[source]]\nid = "x"\nurl = "http://127.0.0.1/x"\ntitle = "X"\nfolow_pdfs = true\n', "folow_pdfs"),
        ('[[source]]\nid = "x"\nurl = "http://127.0.0.1/x"\ntitle = "X"\npdf_match = "("\n', "pdf_match"),
        ('[[source]]\nid = "x"\nurl = "http://127.0.0.1/a"\ntitle = "A"\n' * 2, "duplicate source id"),
        ("[[source]\n", "not valid TOML"),
    ],
    ids=["no-id", "ftp", "bad-id", "typo-field", "bad-regex", "duplicate", "broken-toml"],
)
def test_a_bad_manifest_is_refused_with_the_field_at_fault(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_manifest(path)


def test_the_shipped_manifest_lists_the_regional_library_and_culture_plans() -> None:
    sources = {s.url: s for s in load_manifest(CORPUS / "sources.toml")}
    base = "https://www.regionvarmland.se/regionvarmland/kultur/"
    plan = sources[
        base + "kulturutveckling/biblioteksutveckling/biblioteksverksamhetens-uppdrag/regional-biblioteksplan"
    ]
    culture = sources[base + "varmlands-kulturplan"]
    assert (plan.period, culture.period) == ("2021-2024", "2022-2025")
    assert plan.follow_pdfs and culture.follow_pdfs


@pytest.mark.real
def test_planbot_sync_command_ingests_with_the_real_embedder_and_exits_1_on_failure(
    settings: Settings, site: Site, make_pdf: PdfFactory, tmp_path: Path
) -> None:
    site.routes["/kulturplan.pdf"] = Route(make_pdf([CULTURE_LINES]))
    env = {
        "PLANBOT_CORPUS_DIR": str(settings.corpus_dir),
        "PLANBOT_INDEX_DIR": str(settings.index_dir),
        "PLANBOT_DATA_DIR": str(settings.data_dir),
        "PLANBOT_SOURCES_FILE": str(_manifest(tmp_path / "sources.toml", site)),
        "PLANBOT_SYNC_TIMEOUT_S": "2",
    }
    result = CliRunner().invoke(main, ["sync", "--source", "test-kulturplan"], env=env)
    assert result.exit_code == 0, result.output
    assert "new       test-kulturplan" in result.output
    assert "1 added" in result.output
    site.routes["/kulturplan.pdf"] = Route(status=500, body=b"oops", content_type="text/plain")
    result = CliRunner().invoke(main, ["sync", "--source", "test-kulturplan"], env=env)
    assert result.exit_code == 1
    assert "HTTP 500" in result.output and "kept the last good copy" in result.output
    unknown = CliRunner().invoke(main, ["sync", "--source", "nope"], env=env)
    assert unknown.exit_code == 2 and "unknown source id(s) nope" in unknown.output
