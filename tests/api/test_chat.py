"""Chat: follow-up rewriting, /api/chat and its SSE stream, stored conversations, `planbot chat`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from langchain_core.language_models import FakeListChatModel, GenericFakeChatModel

from planbot.cli import chat as chat_cli
from planbot.cli import main
from planbot.config import Settings
from planbot.conversation.generation import LangChainChatModel
from planbot.conversation.service import ChatService, Rewriter, is_follow_up
from planbot.conversation.store import store_for
from planbot.errors import IndexUnavailable, InvalidInput
from planbot.pipeline import Pipeline
from planbot.server.app import create_app
from planbot_dev import evaluate_chat

from ..support import EVAL, FakeEmbedder
from .conftest import ANSWER_ALWAYS

FIRST = "Vad är Bibliotek Värmland?"
FOLLOW_UP = "Och vilka samarbetspartners har det?"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The two-document settings with the refusal rule off: bag-of-stems vectors are never close enough."""
    return settings.model_copy(update=ANSWER_ALWAYS)


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a Server-Sent Events body."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


# -- rewriting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [FOLLOW_UP, "Vilka sitter i det?", "Och för högskolebiblioteken?", "Hur är det med skolbiblioteken?",
     "What about people with disabilities?", "Can I use any of them in court?"],
)  # fmt: skip
def test_follow_ups_that_lean_on_earlier_turns_are_recognised(message: str) -> None:
    assert is_follow_up(message)


@pytest.mark.parametrize(
    "message",
    ["Vilka grupper ska folkbiblioteken ägna särskild uppmärksamhet åt?", "Who funds regional libraries?"],
)
def test_self_contained_questions_are_searched_as_asked(message: str) -> None:
    assert not is_follow_up(message)
    assert Rewriter().rewrite(message, [FIRST]) is None


def test_offline_rewrite_carries_the_earlier_questions_key_words_and_keeps_the_message() -> None:
    query = Rewriter().rewrite(FOLLOW_UP, ["Vad kostar det?", FIRST])
    assert query is not None and query.startswith(FOLLOW_UP)
    assert "bibliotek" in query and "värmland" in query and "kostar" not in query
    assert Rewriter().rewrite(FOLLOW_UP, []) is None  # nothing to lean on


def test_a_chat_model_condenses_and_offline_takes_over_when_it_fails() -> None:
    condensing = LangChainChatModel(
        FakeListChatModel(responses=["Vilka samarbetspartners har Bibliotek Värmland?"]), "f"
    )
    assert (
        Rewriter(condensing).rewrite(FOLLOW_UP, [FIRST]) == "Vilka samarbetspartners har Bibliotek Värmland?"
    )
    failing = LangChainChatModel(FakeListChatModel(responses=["x"], error_on_chunk_number=0), "f")
    assert Rewriter(failing).rewrite(FOLLOW_UP, [FIRST]) == Rewriter().rewrite(FOLLOW_UP, [FIRST])


# -- /api/chat and conversations ---------------------------------------------------------------------


def test_chat_answers_then_rewrites_the_follow_up_and_shows_what_was_searched(
    fake_client: TestClient,
) -> None:
    first = fake_client.post("/api/chat", json={"conversation_id": None, "message": FIRST})
    assert first.status_code == 200
    body = first.json()
    assert body["conversation_id"] and body["message_id"] and body["standalone_question"] is None
    assert {"answer", "refused", "language", "citations", "passages", "mode", "note"} <= body.keys()

    second = fake_client.post(
        "/api/chat", json={"conversation_id": body["conversation_id"], "message": FOLLOW_UP}
    )
    follow = second.json()
    assert follow["conversation_id"] == body["conversation_id"] and follow["message_id"] != body["message_id"]
    assert FOLLOW_UP in follow["standalone_question"] and "värmland" in follow["standalone_question"].lower()


def test_a_follow_up_asking_two_things_carries_the_topic_into_both_and_keeps_its_parts(
    fake_client: TestClient,
) -> None:
    first = fake_client.post("/api/chat", json={"message": FIRST}).json()
    message = "Och vilka samarbetspartners har det? Och vad gör det för skolbiblioteken?"
    second = fake_client.post(
        "/api/chat", json={"conversation_id": first["conversation_id"], "message": message}
    ).json()
    assert "värmland" in second["standalone_question"].lower()
    assert [p["question"] for p in second["parts"]] == [
        "Vilka samarbetspartners har det?",
        "Vad gör det för skolbiblioteken?",
    ]
    # Read back from the stored conversation, the answer still says what each paragraph answers.
    detail = fake_client.get(f"/api/conversations/{first['conversation_id']}").json()
    assert detail["turns"][3]["answer"]["parts"] == second["parts"]


def test_conversations_are_listed_read_and_deleted(fake_client: TestClient) -> None:
    a = fake_client.post("/api/chat", json={"message": FIRST}).json()
    fake_client.post("/api/chat", json={"conversation_id": a["conversation_id"], "message": FOLLOW_UP})
    b = fake_client.post(
        "/api/chat", json={"message": "Vad säger bibliotekslagen om skolbibliotek?", "top_k": 3}
    ).json()

    listing = fake_client.get("/api/conversations").json()
    assert [c["id"] for c in listing] == [b["conversation_id"], a["conversation_id"]]
    assert listing[1]["title"] == FIRST and listing[1]["turns"] == 4

    detail = fake_client.get(f"/api/conversations/{a['conversation_id']}").json()
    assert [t["role"] for t in detail["turns"]] == ["user", "assistant", "user", "assistant"]
    assert detail["turns"][0]["content"] == FIRST and detail["turns"][0]["answer"] is None
    assert detail["turns"][1]["message_id"] == a["message_id"] and detail["turns"][1]["answer"] == a

    assert fake_client.delete(f"/api/conversations/{a['conversation_id']}").status_code == 204
    assert fake_client.get(f"/api/conversations/{a['conversation_id']}").status_code == 404
    assert [c["id"] for c in fake_client.get("/api/conversations").json()] == [b["conversation_id"]]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "/api/chat", {"conversation_id": "nope", "message": "Hej?"}),
        ("post", "/api/chat/stream", {"conversation_id": "nope", "message": "Hej?"}),
        ("get", "/api/conversations/nope", None),
        ("delete", "/api/conversations/nope", None),
    ],
)
def test_unknown_conversation_is_a_404_problem(
    fake_client: TestClient, method: str, path: str, payload: dict[str, Any] | None
) -> None:
    res = fake_client.request(method, path, json=payload)
    assert res.status_code == 404 and res.headers["content-type"].startswith("application/problem+json")
    assert "conversation_id null" in res.json()["detail"]


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"message": "  "}, "empty"),
        ({"message": "x" * 2001}, "2000"),
        ({"message": "Hej?", "top_k": 0}, "top_k"),
    ],
)
def test_bad_messages_are_422_problems_before_any_stream(
    fake_client: TestClient, path: str, payload: dict[str, Any], fragment: str
) -> None:
    res = fake_client.post(path, json=payload)
    assert res.status_code == 422 and res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.json()["detail"]


def test_conversations_survive_a_restart(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    def app() -> TestClient:
        p = Pipeline(settings, embedder=fake_embedder)
        p.ingest(progress=False)
        return TestClient(create_app(settings, p))

    with app() as c:
        res = c.post("/api/chat", json={"message": FIRST})
        cid, owner = res.json()["conversation_id"], {"X-Planbot-Owner": res.headers["x-planbot-owner"]}
    with app() as c:
        assert c.get(f"/api/conversations/{cid}", headers=owner).json()["turns"][0]["content"] == FIRST
        follow = c.post(
            "/api/chat", json={"conversation_id": cid, "message": FOLLOW_UP}, headers=owner
        ).json()
        assert "värmland" in (follow["standalone_question"] or "").lower()


def test_history_is_capped_by_settings(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    capped = settings.model_copy(update={"history_turns": 2})
    p = Pipeline(capped, embedder=fake_embedder)
    p.ingest(progress=False)
    with TestClient(create_app(capped, p)) as c:
        cid = c.post("/api/chat", json={"message": FIRST}).json()["conversation_id"]
        c.post("/api/chat", json={"conversation_id": cid, "message": FOLLOW_UP})
        turns = c.get(f"/api/conversations/{cid}").json()["turns"]
    assert turns[0]["content"] == FOLLOW_UP and len(turns) == 2


# -- streaming -----------------------------------------------------------------------------------------


def test_stream_sends_word_tokens_then_one_citations_event_then_done(fake_client: TestClient) -> None:
    res = fake_client.post("/api/chat/stream", json={"message": FIRST})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
    evs = events(res.text)
    names = [name for name, _ in evs]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"token"} and len(names) > 4
    answer = evs[-2][1]
    assert not answer["refused"] and answer["citations"]
    assert "".join(data["text"] for name, data in evs if name == "token") == answer["answer"]
    assert evs[-1][1] == {"conversation_id": answer["conversation_id"]}
    stored = fake_client.get(f"/api/conversations/{answer['conversation_id']}").json()["turns"][1]
    assert stored["answer"] == answer


def test_stream_of_a_generated_answer_ends_with_the_verified_text(
    fake_client: TestClient, settings: Settings, fake_pipeline: Pipeline
) -> None:
    reply = "Bibliotek Värmland är ett samarbete [1]. Påhittad mening utan källa."
    model = LangChainChatModel(GenericFakeChatModel(messages=iter([reply])), "fake")
    fake_client.app.state.services.chat = ChatService(fake_pipeline, store_for(settings), model)  # type: ignore[attr-defined]
    evs = events(fake_client.post("/api/chat/stream", json={"message": FIRST}).text)
    assert "".join(d["text"] for n, d in evs if n == "token") == reply
    answer = evs[-2][1]
    assert answer["mode"] == "generated" and answer["answer"] == "Bibliotek Värmland är ett samarbete. [1]"
    assert "1 mening" in answer["note"] and len(answer["citations"]) == 1
    assert answer["citations"][0]["quote"] in answer["passages"][0]["text"]


def test_failure_after_the_stream_started_is_an_error_event(
    fake_client: TestClient, fake_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise IndexUnavailable("The vector store at 127.0.0.1:9 does not answer.")

    monkeypatch.setattr(fake_pipeline, "ask", broken)
    res = fake_client.post("/api/chat/stream", json={"message": FIRST})
    assert res.status_code == 200
    assert events(res.text) == [
        (
            "error",
            {
                "title": "Index unavailable",
                "status": 503,
                "detail": "The vector store at 127.0.0.1:9 does not answer.",
            },
        )
    ]


# -- terminal and eval -------------------------------------------------------------------------------


def test_terminal_chat_streams_answers_and_uses_the_conversation(
    fake_pipeline: Pipeline, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = ChatService(fake_pipeline, store_for(settings))
    monkeypatch.setattr(chat_cli, "_service", lambda: service)
    result = CliRunner().invoke(main, ["chat"], input=f"{FIRST}\n{FOLLOW_UP}\n/new\n{FOLLOW_UP}\n/quit\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("(searched:") == 1  # the follow-up after /new has nothing to lean on
    assert "[1] " in result.output and "“" in result.output
    (conversation, other) = sorted(service.store.recent(), key=lambda c: c.turns, reverse=True)
    assert conversation.turns == 4 and other.turns == 2


def test_terminal_chat_refuses_an_unknown_conversation(
    fake_pipeline: Pipeline, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat_cli, "_service", lambda: ChatService(fake_pipeline, store_for(settings)))
    result = CliRunner().invoke(main, ["chat", "--conversation", "nope"])
    assert result.exit_code == 4 and "conversation_id null" in result.output


@pytest.mark.real
def test_rewriting_finds_the_gold_passage_for_more_follow_ups(real_pipeline: Pipeline) -> None:
    conversations = evaluate_chat.load_conversations(EVAL / "conversations.jsonl")
    results = evaluate_chat.run(real_pipeline, conversations, Rewriter())
    plain, rewritten = evaluate_chat.totals(results)
    print(
        f"\nfollow-ups with gold in top 5: {plain}/{len(results)} plain, {rewritten}/{len(results)} rewritten"
    )
    assert len(conversations) >= 15 and rewritten > plain


def test_eval_conversations_file_is_loadable_and_each_ends_in_a_gold_follow_up(tmp_path: Path) -> None:
    conversations = evaluate_chat.load_conversations(EVAL / "conversations.jsonl")
    assert len(conversations) >= 15 and all(len(c.questions) >= 2 and c.gold for c in conversations)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "turns": [{"question": "Hej?"}], "lang": "sv"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"bad\.jsonl:1: a conversation needs 2"):
        evaluate_chat.load_conversations(bad)


def test_a_message_typed_without_swedish_letters_is_searched_with_them(fake_client: TestClient) -> None:
    body = fake_client.post(
        "/api/chat", json={"conversation_id": None, "message": "Ska man fa lana gratis pa biblioteket?"}
    )
    assert body.json()["standalone_question"] == "Ska man få låna gratis på biblioteket?"


def test_a_follow_up_after_thanks_is_still_read_as_a_follow_up(fake_client: TestClient) -> None:
    first = fake_client.post("/api/chat", json={"conversation_id": None, "message": FIRST}).json()
    follow = fake_client.post(
        "/api/chat", json={"conversation_id": first["conversation_id"], "message": f"Tack! {FOLLOW_UP}"}
    ).json()
    assert (
        follow["standalone_question"].startswith(FOLLOW_UP)
        and "värmland" in follow["standalone_question"].lower()
    )
