"""The web page, widget, document view, feedback and CORS, through the HTTP API with a fake embedder."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from planbot.admin.feedback import FeedbackEntry, FeedbackStore
from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.pipeline import Pipeline
from planbot.server.app import create_app
from planbot.server.cors import allowed_origins
from planbot.server.routes.web import locator_anchor, render_document

ALLOWED = "http://intranet.example:8080"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One intranet may embed the widget."""
    return settings.model_copy(update={"cors_origins": [ALLOWED + "/"]})


FEEDBACK = {
    "message_id": "m-1",
    "conversation_id": "c-1",
    "question": "Vad är en bibliotekshuvudman?",
    "answer": "Kommunerna, regionerna och staten [1].",
    "rating": "up",
    "comment": None,
}
# Feedback on an answer that is not a stored chat message (from /api/ask): no message of anyone's.
ANONYMOUS = {**FEEDBACK, "message_id": None, "conversation_id": None}


def test_chat_page_is_served_in_swedish_with_only_local_assets(fake_client: TestClient) -> None:
    res = fake_client.get("/")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    page = res.text
    assert '<html lang="sv">' in page and "Fråga biblioteksdokumenten" in page
    # Scripts and styles are served by planbot itself (no CDN); links may go to planbot's own pages.
    assets = re.findall(r'(?:src=|<link[^>]*href=)"([^"#]+)"', page)
    assert assets and all(a.startswith("/static/") for a in assets)
    assert all(h.startswith("/") for h in re.findall(r'<a[^>]*href="([^"#]+)"', page))
    for asset in assets:
        assert fake_client.get(asset).status_code == 200
    assert "default-src 'self'" in res.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/app.js", "text/javascript"),
        ("/static/api.js", "text/javascript"),
        ("/static/core.js", "text/javascript"),
        ("/static/styles.css", "text/css"),
        ("/widget.js", "text/javascript"),
        ("/widget-demo", "text/html"),
    ],
)
def test_assets_are_served_with_their_content_type(
    fake_client: TestClient, path: str, media_type: str
) -> None:
    res = fake_client.get(path)
    assert res.status_code == 200 and res.headers["content-type"].startswith(media_type)


def test_widget_is_one_script_bundling_its_parts_and_styles(fake_client: TestClient) -> None:
    """That it adds no globals is seen in a browser (tests/browser: the widget script adds no globals)."""
    body = fake_client.get("/widget.js").text
    assert body.startswith("(function () {") and body.rstrip().endswith("})();")
    assert "document.currentScript" in body and "attachShadow" in body and ".pbw-launcher" in body
    parts = [body.index(f"var {name} = (function") for name in ("PlanbotI18n", "PlanbotApi", "PlanbotCore")]
    assert parts == sorted(parts), "each part comes after the parts it uses"


@pytest.mark.parametrize("name", ["../pyproject.toml", "nope.js", "index.html", "..%2Fconfig.py"])
def test_static_serves_only_shipped_scripts_and_styles(fake_client: TestClient, name: str) -> None:
    assert fake_client.get(f"/static/{name}").status_code == 404


def test_widget_demo_embeds_the_widget_with_title_and_filters(fake_client: TestClient) -> None:
    page = fake_client.get("/widget-demo").text
    tag = re.search(r"<script [^>]*src=\"/widget.js\"[^>]*>", page)
    assert tag and "data-planbot-title=" in tag[0]
    assert """data-planbot-filters='{"doc_type":["lag"]}'""" in tag[0]


@pytest.mark.parametrize(
    ("locator", "anchor"),
    [("3 §", "loc-3-§"), ("1 kap. 2 §", "loc-1-kap-2-§"), ("s. 4, Mål", "loc-s-4-mål"), ("???", "loc-x")],
)
def test_locator_anchors_are_readable_slugs(locator: str, anchor: str) -> None:
    assert locator_anchor(locator) == anchor


def test_document_view_has_an_anchor_for_each_cited_locator(fake_client: TestClient) -> None:
    res = fake_client.get("/documents/bibliotekslag-2013-801")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert 'id="loc-3-§"' in res.text and "Bibliotekshuvudmän är kommunerna" in res.text
    assert "default-src 'none'" in res.headers["content-security-policy"]
    ids = re.findall(r'<section [^>]*id="([^"]+)"', res.text)
    assert len(ids) == len(set(ids))


def test_unknown_document_view_is_a_404_problem(fake_client: TestClient) -> None:
    res = fake_client.get("/documents/finns-inte")
    assert res.status_code == 404 and "/api/documents" in res.json()["detail"]


def test_document_view_escapes_markup_in_document_text(fake_pipeline: Pipeline) -> None:
    doc, chunks = fake_pipeline.document("bibliotekslag-2013-801")
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    chunks[0] = replace(chunks[0], text=evil, locator='1 §"><b>')
    html = render_document(replace(doc, title="<i>Lag</i>"), chunks)
    assert "<script>alert" not in html and "<img src=x" not in html and "<i>Lag</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;i&gt;Lag&lt;/i&gt;" in html
    assert '"><b>' not in html


def test_feedback_is_stored_and_exported_as_json_and_csv(fake_client: TestClient) -> None:
    res = fake_client.post("/api/feedback", json={**ANONYMOUS, "comment": '=HYPERLINK("x")  Bra källa  '})
    assert res.status_code == 201 and res.json()["id"]
    rows = fake_client.get("/api/feedback").json()
    assert len(rows) == 1 and rows[0]["rating"] == "up" and rows[0]["question"] == FEEDBACK["question"]
    assert rows[0]["comment"] == '=HYPERLINK("x")  Bra källa'
    exported = fake_client.get("/api/feedback", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(exported.text)))
    assert parsed[0]["answer"] == FEEDBACK["answer"]
    # A spreadsheet must not run a reader's comment as a formula.
    assert parsed[0]["comment"].startswith("'=")


def test_a_second_verdict_on_the_same_answer_replaces_the_first(fake_client: TestClient) -> None:
    turn = fake_client.post("/api/chat", json={"message": FEEDBACK["question"]}).json()
    mine = {**FEEDBACK, "message_id": turn["message_id"], "conversation_id": turn["conversation_id"]}
    first = fake_client.post("/api/feedback", json=mine).json()["id"]
    second = fake_client.post("/api/feedback", json={**mine, "rating": "down", "comment": "Fel paragraf"})
    assert second.json()["id"] == first
    fake_client.post("/api/feedback", json={**FEEDBACK, "message_id": None})
    rows = fake_client.get("/api/feedback").json()
    assert sorted(r["rating"] for r in rows) == ["down", "up"]
    assert next(r for r in rows if r["id"] == first)["comment"] == "Fel paragraf"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"rating": "meh"}, "rating"),
        ({"comment": "x" * 2001}, "comment"),
        ({"question": ""}, "question"),
        ({"stars": 5}, "not a known field"),
    ],
)
def test_invalid_feedback_is_refused_with_a_problem(
    fake_client: TestClient, change: dict[str, object], fragment: str
) -> None:
    res = fake_client.post("/api/feedback", json={**ANONYMOUS, **change})
    assert res.status_code == 422 and fragment in res.json()["detail"]
    assert fake_client.get("/api/feedback").json() == []


def test_feedback_export_needs_the_api_key_when_one_is_set(
    settings: Settings, fake_pipeline: Pipeline
) -> None:
    keyed = settings.model_copy(update={"api_key": "s3cret"})
    with TestClient(create_app(keyed, fake_pipeline)) as c:
        assert c.post("/api/feedback", json=ANONYMOUS).status_code == 201
        refused = c.get("/api/feedback")
        assert refused.status_code == 401 and "PLANBOT_API_KEY" in refused.json()["detail"]
        allowed = c.get("/api/feedback", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200 and len(allowed.json()) == 1


def test_feedback_shares_the_database_file_without_touching_other_tables(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "planbot.sqlite3")
    db.execute("CREATE TABLE conversations (id TEXT)")
    db.execute("INSERT INTO conversations VALUES ('c-1')")
    db.commit()
    store = FeedbackStore(tmp_path)
    store.add(FeedbackEntry(question="q", answer="a", rating="down"))
    assert db.execute("SELECT id FROM conversations").fetchall() == [("c-1",)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [f.rating for f in FeedbackStore(tmp_path).all()] == ["down"]


PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


def test_cors_preflight_from_an_allowed_origin_is_accepted(fake_client: TestClient) -> None:
    res = fake_client.options("/api/chat/stream", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert res.status_code == 200 and res.headers["access-control-allow-origin"] == ALLOWED
    simple = fake_client.get("/api/documents", headers={"Origin": ALLOWED})
    assert simple.headers["access-control-allow-origin"] == ALLOWED


@pytest.mark.parametrize("origin", ["http://evil.example", "http://intranet.example:8081", "null"])
def test_cors_refuses_other_origins(fake_client: TestClient, origin: str) -> None:
    res = fake_client.options("/api/feedback", headers={"Origin": origin, **PREFLIGHT})
    assert res.status_code == 400 and "access-control-allow-origin" not in res.headers
    simple = fake_client.get("/api/documents", headers={"Origin": origin})
    assert "access-control-allow-origin" not in simple.headers


def test_no_origin_is_allowed_by_default(settings: Settings, fake_pipeline: Pipeline) -> None:
    default = settings.model_copy(update={"cors_origins": []})  # this module allows one intranet
    with TestClient(create_app(default, fake_pipeline)) as c:
        res = c.options("/api/feedback", headers={"Origin": ALLOWED, **PREFLIGHT})
        assert res.status_code == 400 and "access-control-allow-origin" not in res.headers


@pytest.mark.parametrize("bad", ["intranet.example", "https://intranet.example/sida", "https://"])
def test_malformed_cors_origins_are_refused_with_a_fix(settings: Settings, bad: str) -> None:
    with pytest.raises(InvalidInput, match="scheme://host"):
        allowed_origins(settings.model_copy(update={"cors_origins": [bad]}))
