"""The chat page and the widget in Debian's Chromium, against a real planbot on 127.0.0.1."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from planbot.server.routes.web import locator_anchor

from .conftest import HOSTILE_MARKUP, HOSTILE_TITLE, NEWS_TITLE, Sites, save_screenshot, stream_events

pytestmark = [pytest.mark.browser, pytest.mark.real]

QUESTION = "Vilka är bibliotekshuvudmän?"
FOLLOW_UP = "Vad ska de göra enligt lagen?"
OFF_TOPIC = "Hur lagar man en god risotto med svamp?"


def ask(page: Page, question: str) -> dict[str, object]:
    """Type a question, press Enter, and return the answer JSON the stream delivered."""
    with page.expect_response("**/api/chat/stream") as info:
        page.get_by_label("Din fråga").fill(question)
        page.get_by_label("Din fråga").press("Enter")
    response = info.value
    assert response.headers["content-type"].startswith("text/event-stream")
    events = stream_events(response.text())
    names = [name for name, _ in events]
    assert names.count("token") >= 1 and names[-2:] == ["citations", "done"]
    answer: dict[str, object] = events[-2][1]
    return answer


def test_question_streams_an_answer_whose_citation_opens_the_quoted_passage(page: Page, sites: Sites) -> None:
    page.goto(sites.planbot + "/")
    expect(page.locator(".pb-transcript")).to_have_attribute("aria-live", "polite")
    answer = ask(page, QUESTION)
    assert not answer["refused"]
    citation = answer["citations"][0]  # type: ignore[index]
    marker = page.locator(".pb-bot .pb-cite").first
    expect(marker).to_have_text(f"[{citation['n']}]")
    marker.click()
    passage = page.locator(".pb-passage")
    expect(passage).to_be_visible()
    expect(passage.locator(".pb-passage-title")).to_contain_text(citation["title"])
    expect(passage.locator(".pb-locator")).to_have_text(citation["locator"])
    expect(passage.locator("mark")).to_have_text(citation["quote"])
    save_screenshot(page, "page.png")

    link = passage.get_by_role("link", name="Visa i dokumentet")
    anchor = locator_anchor(citation["locator"])
    expect(link).to_have_attribute("href", re.compile(f"/documents/{citation['document_id']}#{anchor}$"))
    if citation["source_url"]:
        expect(passage.get_by_role("link", name="Källa", exact=True)).to_have_attribute(
            "href", citation["source_url"]
        )
    link.click()
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text(citation["quote"][:40])


def test_follow_up_stays_in_the_conversation_shows_the_rewritten_question_and_survives_reload(
    page: Page, sites: Sites
) -> None:
    page.goto(sites.planbot + "/")
    first = ask(page, QUESTION)
    second = ask(page, FOLLOW_UP)
    assert second["conversation_id"] == first["conversation_id"]
    standalone = second["standalone_question"]
    assert isinstance(standalone, str) and standalone != FOLLOW_UP
    expect(page.locator(".pb-exchange").nth(1).locator(".pb-standalone")).to_contain_text(standalone)

    page.reload()
    expect(page.locator(".pb-exchange")).to_have_count(2)
    expect(page.locator(".pb-question").nth(1)).to_have_text(FOLLOW_UP)
    page.get_by_role("button", name="Ny konversation").click()
    expect(page.locator(".pb-exchange")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Din fråga")).to_be_visible()
    expect(page.locator(".pb-exchange")).to_have_count(0)


def test_a_message_asking_two_things_shows_each_question_above_its_own_cited_answer(
    page: Page, sites: Sites
) -> None:
    page.goto(sites.planbot + "/")
    answer = ask(page, "Vilka är bibliotekshuvudmän, och vad ska en biblioteksplan innehålla?")
    parts = answer["parts"]
    assert [p["question"] for p in parts] == [  # type: ignore[union-attr]
        "Vilka är bibliotekshuvudmän?",
        "Vad ska en biblioteksplan innehålla?",
    ]
    paragraphs = page.locator(".pb-bot").last.locator(".pb-answer-text p")
    expect(paragraphs).to_have_count(2)
    for i, part in enumerate(parts):  # type: ignore[arg-type]
        paragraph = paragraphs.nth(i)
        expect(paragraph.locator(".pb-part-question")).to_have_text(part["question"])
        expect(paragraph.locator(".pb-cite")).to_have_text([f"[{n}]" for n in part["citations"]])


def test_a_refusal_reads_as_a_calm_notice_not_an_error(page: Page, sites: Sites) -> None:
    page.goto(sites.planbot + "/")
    answer = ask(page, OFF_TOPIC)
    assert answer["refused"]
    reply = page.locator(".pb-bot").last
    expect(reply).to_have_class(re.compile("pb-refused"))
    expect(reply.locator(".pb-notice")).to_contain_text("Dokumenten svarar inte på det")
    expect(page.locator(".pb-error")).to_have_count(0)
    expect(reply.locator(".pb-cite")).to_have_count(0)


def test_an_error_says_what_happened_and_what_to_do(page: Page, sites: Sites) -> None:
    problem = {
        "type": "about:blank",
        "title": "Index unavailable",
        "status": 503,
        "detail": "Chroma is down.",
    }
    page.route(
        "**/api/chat/stream",
        lambda route: route.fulfill(status=503, json=problem, content_type="application/problem+json"),
    )
    page.goto(sites.planbot + "/")
    page.get_by_label("Din fråga").fill(QUESTION)
    page.get_by_label("Din fråga").press("Enter")
    error = page.locator(".pb-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Index unavailable")
    expect(error).to_contain_text("Chroma is down.")
    expect(error).to_contain_text("Försök igen om en stund")
    page.unroute("**/api/chat/stream")
    with page.expect_response("**/api/chat/stream"):
        error.get_by_role("button", name="Försök igen").click()
    expect(page.locator(".pb-error")).to_have_count(0)
    expect(page.locator(".pb-cite").first).to_be_visible()


def test_thumbs_up_with_a_comment_is_stored_for_the_corpus_maintainers(page: Page, sites: Sites) -> None:
    page.goto(sites.planbot + "/")
    answer = ask(page, QUESTION)
    reply = page.locator(".pb-bot").last
    reply.get_by_role("button", name="Bra svar").click()
    expect(reply.locator(".pb-status")).to_contain_text("Tack")
    expect(reply.get_by_role("button", name="Bra svar")).to_have_attribute("aria-pressed", "true")
    reply.get_by_label("Kommentar (valfri)").fill("Tydlig hänvisning till lagen.")
    reply.get_by_role("button", name="Skicka kommentar").click()
    expect(reply.locator(".pb-status")).to_contain_text("Kommentaren är sparad")

    stored = httpx.get(sites.planbot + "/api/feedback").json()
    mine = [row for row in stored if row["message_id"] == answer["message_id"]]
    assert len(mine) == 1
    assert mine[0]["rating"] == "up" and mine[0]["question"] == QUESTION
    assert mine[0]["comment"] == "Tydlig hänvisning till lagen."
    assert mine[0]["conversation_id"] == answer["conversation_id"]


def test_copy_with_sources_puts_the_numbered_source_list_on_the_clipboard(page: Page, sites: Sites) -> None:
    page.goto(sites.planbot + "/")
    answer = ask(page, QUESTION)
    page.get_by_role("button", name="Kopiera med källor").click()
    expect(page.locator(".pb-status").last).to_have_text("Kopierat med källor.")
    copied = page.evaluate("navigator.clipboard.readText()")
    first = answer["citations"][0]  # type: ignore[index]
    assert copied.startswith(str(answer["answer"])) and "Källor:" in copied
    assert f"[{first['n']}] {first['title']}, {first['locator']}" in copied


def test_keyboard_alone_asks_and_opens_a_citation(page: Page, sites: Sites) -> None:
    page.goto(sites.planbot + "/")
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('pb-input')"):
            break
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type(QUESTION)
    with page.expect_response("**/api/chat/stream"):
        page.keyboard.press("Enter")
    expect(page.locator(".pb-cite").first).to_be_visible()
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('pb-cite')"):
            break
    else:
        pytest.fail("Shift+Tab never reached a citation marker")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused citation marker has no visible focus outline"
    page.keyboard.press("Enter")
    expect(page.locator(".pb-passage mark")).to_be_visible()
    expect(page.locator(".pb-cite[aria-expanded='true']")).to_have_count(1)


def test_page_is_english_when_the_browser_prefers_it_and_fits_a_phone(browser: Browser, sites: Sites) -> None:
    ctx = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740})
    try:
        page = ctx.new_page()
        page.goto(sites.planbot + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ask the library documents")
        expect(page.get_by_label("Your question")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page is {width}px wide on a 375px phone"
        page.get_by_role("button", name="Svenska").click()
        expect(page.get_by_label("Din fråga")).to_be_visible()
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fråga biblioteksdokumenten")
    finally:
        ctx.close()


def test_filters_offer_document_types_a_librarian_recognises(page: Page, sites: Sites) -> None:
    page.goto(sites.planbot + "/")
    page.get_by_text("Avgränsa sökningen").click()
    types = page.locator("#pb-doc-types")
    for label in ("Lag", "Proposition", "Pressmeddelande"):
        expect(types.get_by_label(label, exact=True)).to_be_visible()
    types.get_by_label("Lag", exact=True).check()
    expect(page.locator("#pb-doc-list input")).not_to_have_count(0)
    docs = page.locator("#pb-doc-list").inner_text()
    assert "Bibliotekslag" in docs and "Pressmeddelande" not in docs
    answer = ask(page, "Vad gäller för skolbibliotek?")
    doc_types = {d["id"]: d["doc_type"] for d in httpx.get(sites.planbot + "/api/documents").json()}
    cited = {doc_types[c["document_id"]] for c in answer["citations"]}  # type: ignore[union-attr]
    assert cited == {"lag"}


def test_widget_on_an_allowed_intranet_chats_with_citations(page: Page, sites: Sites) -> None:
    page.goto(sites.allowed + "/")
    launcher = page.get_by_role("button", name="Fråga om bibliotekslagen")
    launcher.click()
    dialog = page.get_by_role("dialog", name="Fråga om bibliotekslagen")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Din fråga")).to_be_focused()
    with page.expect_response(f"{sites.planbot}/api/chat/stream") as info:
        dialog.get_by_label("Din fråga").fill(QUESTION)
        dialog.get_by_label("Din fråga").press("Enter")
    assert info.value.request.post_data_json["filters"] == {"doc_type": ["lag"]}
    dialog.locator(".pb-cite").first.click()
    expect(dialog.locator(".pb-passage mark")).to_be_visible()
    # The host page's `button { background: hotpink }` must not reach the widget.
    colour = dialog.locator(".pb-send").evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(11, 79, 138)"
    save_screenshot(page, "widget.png")
    dialog.get_by_role("button", name="Bra svar").click()
    expect(dialog.locator(".pb-status").last).to_contain_text("Tack")


def test_widget_on_a_site_not_in_cors_origins_shows_an_error_instead_of_chatting(
    page: Page, sites: Sites
) -> None:
    page.goto(sites.refused + "/")
    page.get_by_role("button", name="Fråga om bibliotekslagen").click()
    dialog = page.get_by_role("dialog", name="Fråga om bibliotekslagen")
    dialog.get_by_label("Din fråga").fill(QUESTION)
    dialog.get_by_label("Din fråga").press("Enter")
    error = dialog.locator(".pb-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("PLANBOT_CORS_ORIGINS")
    expect(dialog.locator(".pb-cite")).to_have_count(0)


# -- the chat page's own behaviour, against planbot with the fake embedder ---------------------------------

# Replaces fetch for the first /api/chat/stream: one token, then (when the test releases it) an answer for an
# "old" conversation. It ignores the abort signal, like a proxy that keeps sending; later streams go through.
STALLED_STREAM = """
(() => {
  const realFetch = window.fetch.bind(window);
  const enc = new TextEncoder();
  window.__streams = [];
  window.fetch = (url, init) => {
    if (!String(url).endsWith("/api/chat/stream")) return realFetch(url, init);
    window.__streams.push({ body: JSON.parse(init.body), signal: init.signal });
    if (window.__streams.length > 1) return realFetch(url, init);
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    window.__release = release;
    const old = { answer: "Gammalt svar.", refused: false, citations: [], passages: [],
                  conversation_id: "old-conversation", message_id: "old-message" };
    const body = new ReadableStream({
      async start(out) {
        out.enqueue(enc.encode('event: token\\ndata: {"text": "Gammalt svar"}\\n\\n'));
        await released;
        out.enqueue(enc.encode("event: citations\\ndata: " + JSON.stringify(old) + "\\n\\n"));
        out.enqueue(enc.encode('event: done\\ndata: {"conversation_id": "old-conversation"}\\n\\n'));
        out.close();
      },
    });
    return Promise.resolve(new Response(body, { headers: { "Content-Type": "text/event-stream" } }));
  };
})();
"""


def test_a_new_conversation_during_an_answer_drops_the_old_answer_and_starts_afresh(
    fake_page: Page, fake_site: str
) -> None:
    page = fake_page
    page.add_init_script(STALLED_STREAM)
    page.goto(fake_site + "/")
    page.get_by_label("Din fråga").fill(QUESTION)
    page.get_by_label("Din fråga").press("Enter")
    expect(page.locator(".pb-live")).to_have_text("Gammalt svar")
    page.get_by_role("button", name="Ny konversation").click()
    expect(page.locator(".pb-exchange")).to_have_count(0)

    page.evaluate("window.__release()")  # the old answer's late events arrive now
    page.wait_for_timeout(300)
    expect(page.locator(".pb-exchange")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('planbot.conversation')") is None

    answer = ask(page, FOLLOW_UP)
    sent = page.evaluate("window.__streams[1].body")
    assert sent["conversation_id"] is None and sent["message"] == FOLLOW_UP
    assert answer["conversation_id"] != "old-conversation"
    expect(page.locator(".pb-exchange")).to_have_count(1)
    expect(page.locator(".pb-transcript")).not_to_contain_text("Gammalt svar")
    assert page.evaluate("localStorage.getItem('planbot.conversation')") == answer["conversation_id"]
    assert page.evaluate("window.__streams[0].signal.aborted"), "the old stream was not aborted"


def test_thumbs_are_drawn_not_typed_and_are_named_in_the_pages_language(
    fake_page: Page, fake_site: str
) -> None:
    page = fake_page
    page.goto(fake_site + "/")
    ask(page, QUESTION)
    reply = page.locator(".pb-bot").last
    for name in ("Bra svar", "Dåligt svar"):
        button = reply.get_by_role("button", name=name, exact=True)
        expect(button).to_have_text("")  # an emoji would be an empty box without an emoji font
        icon = button.locator("svg")
        expect(icon).to_have_attribute("aria-hidden", "true")
        box = icon.bounding_box()
        assert box is not None and box["width"] >= 12 and box["height"] >= 12
    page.get_by_role("button", name="English").click()
    expect(reply.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    expect(reply.get_by_role("button", name="Not helpful", exact=True)).to_be_visible()


def test_a_hostile_passage_shows_as_text_and_runs_nothing(fake_page: Page, fake_site: str) -> None:
    page = fake_page
    page.goto(fake_site + "/")
    answer = ask(page, "Vilken låneregel gäller för låntagare i Testby?")
    cited = [c for c in answer["citations"] if c["document_id"] == "laneregler-testby"]  # type: ignore[union-attr]
    assert cited, f"the hostile passage was not cited: {answer}"
    reply = page.locator(".pb-bot").last
    expect(reply.locator(".pb-sources")).to_contain_text(HOSTILE_TITLE)
    reply.locator(".pb-cite").nth(answer["citations"].index(cited[0])).click()  # type: ignore[union-attr]
    passage = page.locator(".pb-passage")
    expect(passage).to_contain_text(HOSTILE_MARKUP)
    expect(passage.locator(".pb-passage-title")).to_contain_text(HOSTILE_TITLE)
    expect(passage.get_by_role("link", name="Källa", exact=True)).to_have_count(0)  # a javascript: URL
    expect(page.locator(".pb-transcript img, .pb-transcript script, .pb-transcript i")).to_have_count(0)

    passage.get_by_role("link", name="Visa i dokumentet").click()
    expect(page.locator("body")).to_contain_text(HOSTILE_MARKUP)
    expect(page.locator("body img, body script, body i")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None


def test_the_widget_script_adds_no_globals_to_the_host_page(fake_page: Page, fake_site: str) -> None:
    page = fake_page
    page.route(
        fake_site + "/host",
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>Intranät</title><body></body>"
        ),
    )
    page.goto(fake_site + "/host")
    before = set(page.evaluate("Object.getOwnPropertyNames(window)"))
    page.add_script_tag(url=fake_site + "/widget.js")
    expect(page.get_by_role("button", name="Fråga planbot")).to_be_visible()
    added = set(page.evaluate("Object.getOwnPropertyNames(window)")) - before
    assert added == set(), f"the widget leaked globals: {sorted(added)}"


def test_a_page_whose_only_heading_is_its_title_is_named_once(fake_page: Page, fake_site: str) -> None:
    page = fake_page
    page.goto(fake_site + "/")
    answer = ask(page, "När gäller meröppet i Testby med lånekort och pinkod?")
    cited = [c for c in answer["citations"] if c["document_id"] == "nyhet-testby"]  # type: ignore[union-attr]
    assert cited and cited[0]["locator"] == NEWS_TITLE, f"the news page was not cited by its title: {answer}"
    reply = page.locator(".pb-bot").last
    source = reply.locator(".pb-sources li").nth(answer["citations"].index(cited[0]))  # type: ignore[union-attr]
    expect(source).to_have_text(NEWS_TITLE)
    marker = reply.locator(".pb-cite").nth(answer["citations"].index(cited[0]))  # type: ignore[union-attr]
    expect(marker).to_have_attribute("aria-label", f"Källa {cited[0]['n']}: {NEWS_TITLE}")
    marker.click()
    passage = page.locator(".pb-passage")
    expect(passage.locator(".pb-passage-title")).to_have_text(f"[{cited[0]['n']}] {NEWS_TITLE}")
    expect(passage.locator(".pb-locator")).to_have_count(0)
