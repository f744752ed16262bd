"""Conversation turns: follow-up rewriting, retrieval, answer (extractive or generated), persistence."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from planbot.answer import REFUSAL, detect_language
from planbot.conversation.generation import ChatModel, GroundedGenerator, Token, complete, create_chat_model
from planbot.conversation.store import ConversationStore, Turn, store_for
from planbot.errors import PlanbotError
from planbot.filters import Filters
from planbot.lexical import content_stems, words
from planbot.pipeline import Pipeline
from planbot.questions import ANAPHORA, SHORT_QUESTION, key_terms, stands_alone
from planbot.records import Answer, Language
from planbot.scope import plan_named_in

__all__ = ["ChatService", "Rewriter", "Token", "TurnResult", "build_service"]

# Phrases that point back at an earlier turn ("what about ..."); the single words are questions.ANAPHORA.
ANAPHORIC_PHRASES = (
    "och vad gäller",
    "vad gäller",
    "hur är det med",
    "i så fall",
    "what about",
    "how about",
    "in that case",
)
# Phrases that announce a new topic: nothing of the earlier questions may be carried into it.
TOPIC_SHIFTS = (
    *("helt annat", "annan fråga", "ny fråga", "annat ämne", "byta ämne", "byter ämne", "en annan sak"),
    *("något annat", "nåt annat", "annan sak", "apropå ingenting"),
    *("something else", "another question", "different question", "new question", "unrelated question"),
    *("change of subject", "changing the subject", "different topic", "another topic", "on another note"),
)
# A topic-shift phrase in an opening clause ("Nåt helt annat: ...") is dropped from the query.
_OPENING_CLAUSE = re.compile(r"^[^:.;!?–]{0,60}[:.;!?–]\s*")
# A follow-up that opens with "och"/"and" continues the last question even without a pronoun.
CONTINUATIONS = frozenset({"och", "samt", "men", "and", "but", "also"})

_CONDENSE: dict[Language, str] = {
    "sv": "Skriv om användarens sista fråga så att den går att förstå utan samtalet: ersätt ord som "
    "'det', 'den', 'dem' och 'där' med det de syftar på i de tidigare frågorna. Svara bara med den "
    "omskrivna frågan, på svenska, på en rad.",
    "en": "Rewrite the user's last question so it can be understood without the conversation: replace "
    "words like 'it', 'they', 'them' and 'there' with what they refer to in the earlier questions. "
    "Reply with the rewritten question only, in English, on one line.",
}
_EARLIER: dict[Language, str] = {"sv": "Tidigare frågor", "en": "Earlier questions"}
_LAST: dict[Language, str] = {"sv": "Sista frågan", "en": "Last question"}


# "den planen", "i planen", "that plan": a plan the conversation named before.
_PLAN_ANAPHOR = re.compile(r"\b(?:den|denna|the|that|this)\s+plan(?:en)?\b|\bplanen\b", re.IGNORECASE)


def with_plan_named(message: str, earlier: Sequence[str]) -> str:
    """The message with "den planen" replaced by the plan the latest earlier question named, if any."""
    if not _PLAN_ANAPHOR.search(message):
        return message
    for question in reversed(earlier):
        if name := plan_named_in(question):
            return _PLAN_ANAPHOR.sub(name, message, count=1)
    return message


def is_follow_up(message: str) -> bool:
    """Whether a message leans on earlier turns: a pronoun, "what about", an "and ..." start, or brevity."""
    toks = words(message)
    lowered = " ".join(toks)
    if any(t in ANAPHORA for t in toks) or any(p in lowered for p in ANAPHORIC_PHRASES):
        return True
    if bool(toks) and toks[0] in CONTINUATIONS:
        return True
    return len(content_stems(message)) <= SHORT_QUESTION and not stands_alone(message)


def shifts_topic(message: str) -> bool:
    """Whether the message announces a new topic ("Nåt helt annat: ...", "Another question: ...")."""
    lowered = " ".join(words(message))
    return any(phrase in lowered for phrase in TOPIC_SHIFTS)


def without_topic_shift(message: str) -> str:
    """The message without an opening clause that only announces the new topic."""
    match = _OPENING_CLAUSE.match(message)
    if match and shifts_topic(match.group()) and message[match.end() :].strip():
        return message[match.end() :].strip()
    return message


class Rewriter:
    """Turns a follow-up into a standalone search query: a condense prompt if a model is set, else offline."""

    def __init__(self, model: ChatModel | None = None, max_chars: int = 2000) -> None:
        self.model = model
        self.max_chars = max_chars

    def rewrite(self, message: str, earlier: Sequence[str]) -> str | None:
        """The query to search for ``message`` given the earlier queries (oldest first); None to keep it."""
        if not earlier:
            return None
        if shifts_topic(message):
            # A new topic is searched on its own, without the words that only announce it.
            cleaned = without_topic_shift(message)
            return cleaned if cleaned != message else None
        named = with_plan_named(message, earlier)
        if named != message:
            # "Vad står i den planen om barn?" is then a question of its own about the plan named earlier,
            # in a form the scope recognises, so a plan the index lacks is reported missing.
            return named
        if not is_follow_up(message):
            return None
        if self.model is not None:
            try:
                condensed = self._condense(message, earlier)
            except PlanbotError:
                condensed = None  # the offline method below still gives a usable query
            if condensed:
                return condensed if condensed.casefold() != message.casefold() else None
        return self.offline(message, earlier)

    def offline(self, message: str, earlier: Sequence[str]) -> str | None:
        """Carry the last query's key words into the message (deterministic, no model)."""
        terms = key_terms(earlier[-1], message)
        if not terms:
            return None
        query = f"{message} ({' '.join(terms)})"
        return query if len(query) <= self.max_chars else None

    def _condense(self, message: str, earlier: Sequence[str]) -> str | None:
        assert self.model is not None
        lang = detect_language(message)
        history = "\n".join(f"- {q}" for q in earlier[-3:])
        user = f"{_EARLIER[lang]}:\n{history}\n\n{_LAST[lang]}: {message}"
        reply = complete(self.model, _CONDENSE[lang], user)
        line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
        line = re.sub(r"^[^:\n]{0,40}:\s*", "", line) if ":" in line[:42] else line
        line = line.strip(" \"'«»“”")
        return line if 3 <= len(line) <= self.max_chars else None


@dataclass(frozen=True)
class Prepared:
    """A validated message, ready to answer: its conversation (None: a new one) and earlier turns."""

    conversation_id: str | None
    message: str
    history: tuple[Turn, ...]


@dataclass(frozen=True)
class TurnResult:
    """A stored assistant turn."""

    conversation_id: str
    message_id: str
    answer: Answer


def in_language_of(message: str, answer: Answer) -> Answer:
    """A refusal in the language of the user's own message (the query may carry Swedish terms)."""
    language = detect_language(message)
    if not answer.refused or answer.language == language:
        return answer
    return replace(answer, text=REFUSAL[language], language=language)


def words_of(text: str) -> Iterator[str]:
    """Word-sized pieces of ``text`` (each with its trailing space) that join back to it."""
    yield from re.findall(r"\s*\S+\s*", text)


class ChatService:
    """Answers messages in conversations and stores both sides of each turn."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: ConversationStore,
        model: ChatModel | None = None,
        ask: Callable[[str, int | None, Filters | None], Answer] | None = None,
    ) -> None:
        self.pipeline = pipeline
        # Where the extractive answer is computed: an answer process, or (None) the pipeline here.
        self.ask_elsewhere = ask
        self.store = store
        self.model = model
        self.rewriter = Rewriter(model, pipeline.settings.max_question_chars)
        self.generator = GroundedGenerator(model) if model is not None else None

    def prepare(self, conversation_id: str | None, message: str) -> Prepared:
        """Validate the message and load the conversation; raises InvalidInput or NotFound."""
        text = self.pipeline.validate_question(message)
        if conversation_id is None:
            return Prepared(None, text, ())
        history = self.store.turns(conversation_id, last=self.store.max_turns)
        return Prepared(conversation_id, text, tuple(history))

    def stream(
        self, prepared: Prepared, top_k: int | None = None, filters: Filters | None = None
    ) -> Iterator[Token | TurnResult]:
        """Answer tokens as they come, then the stored TurnResult (whose answer is the verified one)."""
        earlier = [t.standalone or t.content for t in prepared.history if t.role == "user"]
        # "Och for skolbiblioteken?" is rewritten, and answered, as "Och för skolbiblioteken?".
        message = self.pipeline.interpret(prepared.message)
        standalone = self.rewriter.rewrite(message, earlier) or (
            message if message != prepared.message else None
        )
        extractive = in_language_of(
            message,
            (self.ask_elsewhere or self.pipeline.ask)(standalone or message, top_k, filters),
        )
        final = extractive
        if self.generator is None:
            for piece in words_of(extractive.text):
                yield Token(piece)
        else:
            for event in self.generator.stream(extractive):
                if isinstance(event, Token):
                    yield event
                else:
                    # A generated answer rebuilds its citations: put the plans' period notes back.
                    final = self.pipeline.note_periods(event)
        final = replace(final, question=prepared.message, standalone_question=standalone)
        yield self._store(prepared, final)

    def ask(
        self,
        conversation_id: str | None,
        message: str,
        top_k: int | None = None,
        filters: Filters | None = None,
    ) -> TurnResult:
        """One whole turn, without streaming."""
        for event in self.stream(self.prepare(conversation_id, message), top_k, filters):
            if isinstance(event, TurnResult):
                return event
        raise AssertionError("a turn always ends with a result")  # pragma: no cover

    def _store(self, prepared: Prepared, answer: Answer) -> TurnResult:
        cid = prepared.conversation_id or self.store.create(prepared.message)
        self.store.append(cid, "user", prepared.message, standalone=answer.standalone_question)
        mid = self.store.append(cid, "assistant", answer.text, answer=answer, message_id=uuid.uuid4().hex)
        return TurnResult(cid, mid, answer)


def build_service(
    pipeline: Pipeline, ask: Callable[[str, int | None, Filters | None], Answer] | None = None
) -> ChatService:
    """The chat service the pipeline's settings describe (store under data_dir, optional chat model)."""
    settings = pipeline.settings
    return ChatService(pipeline, store_for(settings), create_chat_model(settings.llm), ask)
