"""The page's upload panel in Debian's Chromium: a plan sent with the key, its job followed to searchable."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.records import Vectors

from ..support import FakeEmbedder, FakePoolingEmbedder
from .conftest import open_watched_page, serve_in_thread, small_site_settings

pytestmark = [pytest.mark.browser]

KEY = "nyckel-till-testby"
TITLE = "Biblioteksplan för Testby kommun 2025–2028"
SECTIONS = ("Inledning", "Uppdrag", "Barn och unga", "Läsfrämjande", "Digital delaktighet", "Tillgänglighet")
PLAN = "\n".join(
    [f"# {TITLE}", "", "Biblioteksplanen antogs av kommunfullmäktige den 12 mars 2025."]
    + [
        f"\n## {n}. {name}\n\nFolkbiblioteket i Testby arbetar med {name.lower()} under hela planperioden. "
        f"Målet för {name.lower()} följs upp varje år av kultur- och fritidsnämnden."
        for n, name in enumerate(SECTIONS, 1)
    ]
).encode()
# The first bytes of a PNG image, as someone would upload a picture of a plan by mistake.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, taking ``delay`` seconds a batch so the page sees the job at work."""

    delay = 0.0

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Wait, then embed as the fake does."""
        time.sleep(self.delay)
        return super().embed(texts, query=query)


class SlowSecondPass(FakePoolingEmbedder):
    """Pools in the first pass at once; each batch of the second pass takes ``delay`` seconds."""

    delay = 0.0

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Questions at once; passages (the second pass's sentences) after a wait."""
        if not query:
            time.sleep(self.delay)
        return super().embed(texts, query=query)


def _serve_slowly(settings: Settings, embedder: SlowEmbedder | SlowSecondPass, what: str) -> Iterator[str]:
    """Index the corpus at full speed, then serve with the embedder taking a second a batch."""
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest(progress=False)
    embedder.delay = 1.0
    with serve_in_thread(settings, pipeline, what) as url:
        yield url


@pytest.fixture(scope="module")
def keyed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """planbot with an API key over two corpus documents, embedding with the slow fake embedder."""
    settings = small_site_settings(
        tmp_path_factory.mktemp("upload-site"),
        api_key=KEY,
        # Small batches and a slow embedder: the embedding takes a few steps of a second each.
        embed_batch_size=4,
    )
    yield from _serve_slowly(settings, SlowEmbedder(), "planbot (API key, slow fake embedder)")


@pytest.fixture
def keyed_page(browser: Browser, keyed_site: str) -> Iterator[Page]:
    """A Swedish page on the keyed planbot that fails the test on any uncaught JavaScript error."""
    with open_watched_page(browser) as page:
        yield page


def _open_panel(page: Page, site: str) -> Locator:
    page.goto(site + "/")
    summary = page.get_by_text("Ladda upp plan", exact=True)
    summary.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#pb-upload")
    expect(panel).to_have_attribute("open", "")
    return panel


def _choose(panel: Locator, name: str, data: bytes, mime: str) -> None:
    panel.get_by_label("Dokument", exact=True).set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )


def test_an_upload_shows_its_progress_until_searchable_then_its_metadata_can_be_corrected(
    keyed_page: Page, keyed_site: str
) -> None:
    page = keyed_page
    panel = _open_panel(page, keyed_site)
    # Every figure the page shows, in order, as a person watching it would see them.
    page.evaluate(
        """() => {
          window.__figures = [];
          const figure = document.getElementById('pb-upload-figure');
          new MutationObserver(() => window.__figures.push(figure.textContent))
            .observe(figure, {childList: true, characterData: true, subtree: true});
        }"""
    )
    _choose(panel, "biblioteksplan-testby.md", PLAN, "text/markdown")
    panel.get_by_label("Dokumenttyp").fill("plan")
    panel.get_by_label("API-nyckel").fill(KEY)
    panel.get_by_label("API-nyckel").press("Enter")

    bar = panel.locator("progress")
    status = panel.locator("#pb-upload-status")
    expect(status).to_have_attribute("role", "status")
    # Before the ingest has counted its texts the page names the passages; then the figure counts texts.
    expect(status).to_have_text(re.compile(r"^Bäddar in (7 stycken …|\d+ av \d+ texter)$"))
    expect(bar).not_to_have_attribute("value", "100")
    done = panel.locator(".pb-upload-done")
    expect(done).to_contain_text(f"Klart: ”{TITLE}” är sökbart efter", timeout=60_000)
    expect(bar).to_have_attribute("value", "100")
    expect(status).to_contain_text("(7 stycken)")
    figures: list[str] = page.evaluate("window.__figures")
    assert figures[0].startswith("Skickar och läser filen …")
    # The figure moves while the texts are embedded, not only when the job ends.
    moving = [f for f in figures if re.match(r"Bäddar in \d+ av \d+ texter · [1-9]\d? % · \d+ s$", f)]
    assert moving, figures
    assert figures[-1].startswith("Sökbart · 100 % · "), figures
    assert page.evaluate("sessionStorage.getItem('planbot.apiKey')") == KEY
    assert page.evaluate("localStorage.getItem('planbot.apiKey')") is None

    # The plan is searchable: the filters list it.
    expect(page.locator("#pb-doc-list")).to_contain_text(TITLE)
    # What was detected in it, corrected in place.
    organisation = panel.get_by_label("Kommun eller region").last
    expect(organisation).to_have_value("Testby kommun")
    expect(panel.get_by_label("Period, t.ex. 2025–2028").last).to_have_value("2025–2028")
    expect(panel.get_by_label("Antagen av")).to_have_value("kommunfullmäktige")
    organisation.fill("Testby")
    with page.expect_response("**/api/documents/biblioteksplan-testby") as patched:
        panel.get_by_role("button", name="Spara uppgifterna").click()
    assert patched.value.status == 200
    expect(panel.get_by_text("Uppgifterna är sparade.")).to_be_visible()
    doc = httpx.get(f"{keyed_site}/api/documents").json()
    ours = next(d for d in doc if d["id"] == "biblioteksplan-testby")
    assert ours["organisation"] == "Testby" and ours["doc_type"] == "plan" and ours["period"] == "2025–2028"

    page.get_by_role("button", name="English").click()
    expect(done).to_contain_text(f"Done: “{TITLE}” is searchable after")
    expect(panel.get_by_text("Upload a plan")).to_be_visible()


@pytest.mark.parametrize(
    ("key", "name", "data", "mime", "says"),
    [
        (
            "",
            "plan.md",
            b"# Plan\n\nEn plan utan nyckel.\n",
            "text/markdown",
            ["Authorization: Bearer <PLANBOT_API_KEY>", "Ange rätt API-nyckel"],
        ),
        (
            "fel-nyckel",
            "plan.md",
            b"# Plan\n\nEn plan med fel nyckel.\n",
            "text/markdown",
            ["Authorization: Bearer <PLANBOT_API_KEY>", "Ange rätt API-nyckel"],
        ),
        (
            KEY,
            "plan.pdf",
            PNG,
            "application/pdf",
            ["the name ends in .pdf but the content is not a PDF", "Spara dokumentet som PDF"],
        ),
        (KEY, "plan.md", b"# Plan\n", "text/markdown", []),
    ],
    ids=["no-key", "wrong-key", "not-a-pdf", "period-not-years"],
)
def test_a_refused_upload_says_why_and_what_to_do(
    keyed_page: Page, keyed_site: str, key: str, name: str, data: bytes, mime: str, says: list[str]
) -> None:
    page = keyed_page
    panel = _open_panel(page, keyed_site)
    _choose(panel, name, data, mime)
    panel.get_by_label("API-nyckel").fill(key)
    if not says:
        panel.get_by_label("Period, t.ex. 2025–2028").fill("nästa år")
        says = ["'period' must be two years such as '2021–2024'", "Rätta det som står ovan"]
    # The upload's POST, not the page's own GET of the document list, which can come first.
    with page.expect_response(
        lambda r: r.url.endswith("/api/documents") and r.request.method == "POST"
    ) as info:
        panel.get_by_role("button", name="Ladda upp").click()
    assert info.value.status in (401, 415, 422)
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("Dokumentet kunde inte läggas till")
    for text in says:
        expect(alert).to_contain_text(text)
    expect(panel.locator("#pb-upload-progress")).to_be_hidden()
    expect(panel.get_by_role("button", name="Ladda upp")).to_be_enabled()


def test_sending_without_a_file_asks_for_one(keyed_page: Page, keyed_site: str) -> None:
    panel = _open_panel(keyed_page, keyed_site)
    panel.get_by_role("button", name="Ladda upp").click()
    expect(panel.locator("#pb-upload-status")).to_have_text("Välj en fil först.")
    expect(panel.get_by_label("Dokument", exact=True)).to_be_focused()


@pytest.fixture(scope="module")
def refining_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """planbot whose uploads are searchable after a quick first pass and refined slowly after it."""
    settings = small_site_settings(
        tmp_path_factory.mktemp("refining-site"), api_key=KEY, embed_batch_size=1, searchable_first=True
    )
    yield from _serve_slowly(settings, SlowSecondPass(), "planbot (API key, slow second pass)")


def test_an_upload_says_it_is_searchable_while_its_ranking_is_still_sharpened(
    browser: Browser, refining_site: str
) -> None:
    with open_watched_page(browser) as page:
        panel = _open_panel(page, refining_site)
        _choose(panel, "biblioteksplan-testby.md", PLAN, "text/markdown")
        panel.get_by_label("Dokumenttyp").fill("plan")
        panel.get_by_label("API-nyckel").fill(KEY)
        panel.get_by_role("button", name="Ladda upp").click()
        figure = panel.locator("#pb-upload-figure")
        expect(figure).to_contain_text(
            re.compile(r"Sökbart nu; finslipar rankningen: \d+ av \d+ meningar"), timeout=30_000
        )
        # Meanwhile it is already among the documents that questions are answered from.
        listed = httpx.get(f"{refining_site}/api/documents").json()
        assert any(d["id"] == "biblioteksplan-testby" for d in listed)
        expect(panel.locator(".pb-upload-done")).to_contain_text(
            f"Klart: ”{TITLE}” är sökbart efter", timeout=60_000
        )
        page.get_by_role("button", name="English").click()
        expect(panel.locator(".pb-upload-done")).to_contain_text(f"Done: “{TITLE}” is searchable after")
