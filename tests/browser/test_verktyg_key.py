"""The tools page's Lagkoll upload to a planbot with an API key, in Debian's Chromium: sent with the key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from .conftest import open_watched_page, serve_fake_embedded, small_site_settings

pytestmark = [pytest.mark.browser]

KEY = "nyckel-till-verktyg"
TITLE = "Biblioteksplan för Provby kommun 2025–2028"
PLAN = f"""# {TITLE}

Biblioteksplanen antogs av kommunfullmäktige den 3 februari 2025.

## Barn och unga

Folkbiblioteket i Provby ägnar särskild uppmärksamhet åt barn och unga och främjar deras språkutveckling.

## Tillgänglighet

Biblioteket ska vara tillgängligt för alla, också för personer med funktionsnedsättning.
""".encode()


@pytest.fixture(scope="module")
def keyed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """planbot with an API key over two corpus documents and the fake embedder."""
    settings = small_site_settings(tmp_path_factory.mktemp("verktyg-key"), api_key=KEY)
    with serve_fake_embedded(settings, "planbot (API key, fake embedder)") as url:
        yield url


@pytest.fixture
def tools(browser: Browser, keyed_site: str) -> Iterator[Page]:
    """The keyed planbot's /verktyg in a fresh Swedish profile, failing on any JavaScript error or alert."""
    with open_watched_page(browser) as page:
        page.goto(keyed_site + "/verktyg")
        yield page


def _choose_plan(page: Page) -> None:
    page.get_by_label("eller ladda upp en plan").set_input_files(
        {"name": "biblioteksplan-provby.md", "mimeType": "text/markdown", "buffer": PLAN}
    )


def test_a_keyed_planbot_checks_an_uploaded_plan_when_the_key_is_typed(tools: Page) -> None:
    _choose_plan(tools)
    tools.get_by_label("API-nyckel").fill(KEY)
    with tools.expect_response("**/api/lagkoll") as sent:
        tools.get_by_role("button", name="Kontrollera").click()
    assert sent.value.request.header_value("authorization") == f"Bearer {KEY}"
    assert sent.value.status == 200
    expect(tools.locator("#vk-lagkoll-out h2")).to_have_text(f"Lagkoll: {TITLE}", timeout=60_000)
    expect(tools.locator("#vk-lagkoll-out article.vk-req").first).to_be_visible()
    expect(tools.get_by_role("alert")).to_be_hidden()
    # Kept for this tab only, under the name the chat page's upload panel uses.
    assert tools.evaluate("sessionStorage.getItem('planbot.apiKey')") == KEY
    assert tools.evaluate("localStorage.getItem('planbot.apiKey')") is None


def test_an_uploaded_plan_is_sent_while_the_list_of_indexed_plans_is_still_loading(
    browser: Browser, keyed_site: str
) -> None:
    with open_watched_page(browser) as page:
        held: list[Route] = []
        page.route("**/api/documents", lambda route: held.append(route))
        page.goto(keyed_site + "/verktyg")
        expect(page.locator("#vk-lagkoll-doc option")).to_have_count(0)
        _choose_plan(page)
        page.get_by_label("API-nyckel").fill(KEY)
        with page.expect_response("**/api/lagkoll") as sent:
            page.get_by_role("button", name="Kontrollera").click()
        assert sent.value.status == 200
        expect(page.locator("#vk-lagkoll-out h2")).to_have_text(f"Lagkoll: {TITLE}")
        for route in held:
            route.continue_()


@pytest.mark.parametrize("key", ["", "fel-nyckel"], ids=["no-key", "wrong-key"])
def test_a_keyed_planbot_refuses_the_upload_without_the_right_key_and_the_page_says_what_to_do(
    tools: Page, key: str
) -> None:
    _choose_plan(tools)
    tools.get_by_label("API-nyckel").fill(key)
    with tools.expect_response("**/api/lagkoll") as sent:
        tools.get_by_role("button", name="Kontrollera").click()
    assert sent.value.status == 401
    alert = tools.get_by_role("alert")
    expect(alert).to_contain_text("Planen kunde inte kontrolleras: Unauthorized")
    expect(alert).to_contain_text("Authorization: Bearer <PLANBOT_API_KEY>")
    expect(alert).to_contain_text("Skriv rätt API-nyckel (PLANBOT_API_KEY) i fältet API-nyckel")
    expect(tools.get_by_label("API-nyckel")).to_be_focused()
    expect(tools.locator("#vk-lagkoll-status")).to_have_text("")
    expect(tools.locator("#vk-lagkoll-out")).to_be_empty()


def test_a_key_typed_in_the_chat_pages_upload_panel_serves_the_tools_page(
    tools: Page, keyed_site: str
) -> None:
    tools.goto(keyed_site + "/")
    tools.get_by_text("Ladda upp plan", exact=True).click()
    tools.locator("#pb-upload").get_by_label("API-nyckel").fill(KEY)
    tools.locator("#pb-upload").get_by_label("API-nyckel").blur()
    tools.goto(keyed_site + "/verktyg")
    expect(tools.get_by_label("API-nyckel")).to_have_value(KEY)
