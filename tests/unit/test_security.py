"""Trust rules without a server: forwarded addresses, unkeyed writes, strict request text, upload metadata."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from planbot.admin.uploads import check_metadata
from planbot.config import Settings
from planbot.errors import InvalidInput, Unauthorized
from planbot.records import Document
from planbot.server.schemas import AskRequest
from planbot.server.security import Guard, parse_ip


def _guard(**overrides: Any) -> Guard:
    return Guard.from_settings(Settings(**overrides))


PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        # Nothing is believed from a peer that is not a configured proxy.
        ("203.0.113.9", {"x-forwarded-for": "127.0.0.1"}, "203.0.113.9"),
        (PROXY, {"x-forwarded-for": "198.51.100.7"}, "198.51.100.7"),
        # A client's own X-Forwarded-For is to the left of what the proxy appended.
        (PROXY, {"x-forwarded-for": "127.0.0.1, 198.51.100.7"}, "198.51.100.7"),
        # Names are not addresses: the walk stops at the proxy that reported one.
        (PROXY, {"x-forwarded-for": "localhost"}, PROXY),
        (PROXY, {"x-forwarded-for": "testclient"}, PROXY),
        (PROXY, {"x-forwarded-for": "198.51.100.7, 10.0.0.6"}, "198.51.100.7"),
        (PROXY, {"x-forwarded-for": "[2001:db8::1]:443"}, "2001:db8::1"),
        # Only the configured header: X-Real-IP and Forwarded are ignored here.
        (PROXY, {"x-real-ip": "198.51.100.7", "forwarded": "for=198.51.100.8"}, PROXY),
    ],
)
def test_the_client_is_the_first_address_no_trusted_proxy_reported(
    peer: str, headers: dict[str, str], client: str
) -> None:
    assert _guard(trusted_proxies=["10.0.0.0/24"]).client(peer, headers) == client


def test_forwarded_is_read_when_it_is_the_configured_header() -> None:
    guard = _guard(trusted_proxies=[PROXY], forwarded_header="forwarded")
    headers = {"forwarded": 'for=192.0.2.1, for="[2001:db8::2]:80";proto=https'}
    assert guard.client(PROXY, headers) == "2001:db8::2"


def test_a_bad_trusted_proxy_entry_stops_the_start() -> None:
    with pytest.raises(InvalidInput, match="PLANBOT_TRUSTED_PROXIES"):
        _guard(trusted_proxies=["intranet-proxy"])


@pytest.mark.parametrize(
    ("text", "ip"),
    [("127.0.0.1", "127.0.0.1"), ("127.0.0.1:80", "127.0.0.1"), ("[::1]:8000", "::1"), ("localhost", None)],
)
def test_addresses_are_parsed_as_proxies_write_them(text: str, ip: str | None) -> None:
    parsed = parse_ip(text)
    assert (str(parsed) if parsed else None) == ip


LOCAL_OK = {"host": "127.0.0.1:8000"}


@pytest.mark.parametrize(
    ("peer", "headers", "why"),
    [
        ("203.0.113.9", LOCAL_OK, "only from this machine"),
        ("127.0.0.1", {**LOCAL_OK, "x-forwarded-for": "203.0.113.9"}, "through a proxy"),
        ("127.0.0.1", {**LOCAL_OK, "forwarded": "for=203.0.113.9"}, "through a proxy"),
        ("127.0.0.1", {**LOCAL_OK, "x-real-ip": "203.0.113.9"}, "through a proxy"),
        ("127.0.0.1", {"host": "rebound.evil.example"}, "PLANBOT_ALLOWED_HOSTS"),
        ("127.0.0.1", {**LOCAL_OK, "origin": "https://evil.example"}, "evil.example"),
        ("127.0.0.1", {**LOCAL_OK, "sec-fetch-site": "cross-site"}, "another site"),
        ("127.0.0.1", {**LOCAL_OK, "origin": "null"}, "null"),
    ],
)
def test_unkeyed_writes_come_only_from_a_same_origin_client_on_this_machine(
    peer: str, headers: dict[str, str], why: str
) -> None:
    with pytest.raises(Unauthorized, match=why):
        _guard(local_writes=True).check_unkeyed_write(peer, headers)


@pytest.mark.parametrize(
    "headers",
    [
        LOCAL_OK,
        {"host": "localhost:8000", "origin": "http://localhost:8000", "sec-fetch-site": "same-origin"},
    ],
)
def test_a_same_origin_write_on_this_machine_is_allowed_when_opted_in(headers: dict[str, str]) -> None:
    _guard(local_writes=True).check_unkeyed_write("127.0.0.1", headers)
    with pytest.raises(Unauthorized, match="accepts no changes over HTTP"):
        _guard().check_unkeyed_write("127.0.0.1", headers)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"question": "Vad\ud800?"}, "lone surrogate"),
        ({"question": "\x00\x01\x1b\x7f"}, "only control characters"),
        ({"question": "bibliotek", "filters": {"doc_type": ["lag\udfff"]}}, "lone surrogate"),
        ({"question": "bibliotek", "top_k": True}, "integer"),
        ({"question": "bibliotek", "top_k": "5"}, "integer"),
        ({"question": "bibliotek", "topk": 5}, "Extra inputs"),
    ],
)
def test_request_text_is_valid_unicode_and_types_are_exact(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        AskRequest.model_validate(body)


@pytest.mark.parametrize(
    ("doc_type", "source_url", "fragment"),
    [
        ("plan", "javascript:alert(1)", "source_url"),
        ("<b>plan</b>", None, "doc_type"),
        ("plan", "data:text/html,<script>", "source_url"),
    ],
)
def test_metadata_from_the_file_is_checked_as_the_form_is(
    doc_type: str, source_url: str | None, fragment: str
) -> None:
    doc = Document("d", "T", "text", "plan.md", "h", doc_type=doc_type, source_url=source_url)
    with pytest.raises(InvalidInput, match=fragment):
        check_metadata(doc)


def test_a_same_origin_page_behind_a_proxy_that_rewrites_host_may_chat() -> None:
    # nginx sends Host: 127.0.0.1:8000 by default while the page's Origin is the public name.
    page = {"host": "127.0.0.1:8000", "origin": "https://planbot.kommun.se", "sec-fetch-site": "same-origin"}
    _guard().check_same_origin(page, allow_cors=True)
    with pytest.raises(Unauthorized):
        _guard().check_same_origin({**page, "sec-fetch-site": "cross-site"}, allow_cors=True)
