"""The plan tools page (/verktyg) in Debian's Chromium, against a real planbot on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import Sites, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.real]

LIBRARY_ACT = "Bibliotekslag (2013:801)"
MINORITY_LAW = "Lag (2009:724) om nationella minoriteter och minoritetsspråk"


def test_compare_shows_one_column_per_document_each_quoting_or_saying_not_mentioned(
    page: Page, sites: Sites
) -> None:
    page.goto(sites.planbot + "/verktyg#compare")
    page.get_by_label("Fråga").fill("Vilket ansvar har det allmänna för minoritetsspråken?")
    docs = page.locator("#vk-compare-docs")
    docs.get_by_label(LIBRARY_ACT, exact=True).check()
    docs.get_by_label(MINORITY_LAW, exact=True).check()
    page.get_by_role("button", name="Jämför", exact=True).click()
    columns = page.locator("#vk-compare-out .vk-column")
    expect(columns).to_have_count(2)
    expect(columns.nth(0).locator("h3")).to_have_text(LIBRARY_ACT)
    expect(columns.nth(1).locator("h3")).to_have_text(MINORITY_LAW)
    for i in range(2):
        column = columns.nth(i)
        quotes, none = column.locator(".vk-quotes li"), column.locator(".vk-none")
        assert quotes.count() + none.count() >= 1, "a column either quotes its document or says 'Nämns inte'"
    # The minority law answers this question: its column quotes it and links to the cited place.
    link = columns.nth(1).locator(".vk-quotes li a").first
    expect(link).to_have_attribute("href", re.compile(r"/documents/lag-2009-724-nationella-minoriteter#"))
    expect(page.locator("#vk-compare-exports")).to_be_visible()


def test_lagkoll_lists_every_requirement_with_a_status_and_the_law_beside_it_and_prints_without_controls(
    page: Page, sites: Sites
) -> None:
    page.goto(sites.planbot + "/verktyg")
    # As a person would, press once the plan list is there (before it, the required list stops the form).
    expect(page.locator("#vk-lagkoll-doc option").first).to_be_attached()
    page.get_by_role("button", name="Kontrollera").click()
    requirements = page.locator("#vk-lagkoll-out article.vk-req")
    expect(requirements.first).to_be_visible(timeout=60_000)
    assert requirements.count() >= 15
    for i in range(requirements.count()):
        req = requirements.nth(i)
        badge = req.locator(".vk-badge").inner_text()
        assert badge in {"Behandlas", "Nämns", "Saknas"}
        assert req.locator("blockquote.vk-law").inner_text().strip(), "the law's own wording is shown"
    save_screenshot(page, "lagkoll.png")
    page.emulate_media(media="print")
    expect(page.locator("#vk-lagkoll-form")).to_be_hidden()
    expect(page.locator(".vk-tabs")).to_be_hidden()
    expect(requirements.first).to_be_visible()
