"""A user deletes their own conversation from the chat page, in Debian's Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_browser import ask

pytestmark = [pytest.mark.browser]


def test_deleting_the_conversation_removes_it_on_the_server_and_starts_afresh(
    fake_page: Page, fake_site: str
) -> None:
    page = fake_page
    page.goto(fake_site + "/")
    answer = ask(page, "Vilka är bibliotekshuvudmän?")
    cid = answer["conversation_id"]
    # The page's owner cookie reads its own conversation.
    assert page.request.get(f"{fake_site}/api/conversations/{cid}").status == 200

    page.get_by_role("button", name="Radera konversationen").click()
    expect(page.locator(".pb-form .pb-hint")).to_have_text("Konversationen är raderad.")
    expect(page.locator(".pb-exchange")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('planbot.conversation')") is None
    assert page.request.get(f"{fake_site}/api/conversations/{cid}").status == 404
    page.reload()
    expect(page.locator(".pb-exchange")).to_have_count(0)
