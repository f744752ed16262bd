"""`planbot chat`: an interactive conversation in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from planbot.errors import PlanbotError
from planbot.records import Answer

if TYPE_CHECKING:
    from planbot.conversation.service import ChatService

PROMPT = "du"
HELP = "Ask a question; follow-ups may refer back to it. /new starts over, /quit (or Ctrl-D) leaves."


def _service() -> ChatService:
    """The chat service for the configured pipeline (a seam for tests)."""
    from planbot.config import Settings
    from planbot.conversation.service import build_service
    from planbot.pipeline import Pipeline

    return build_service(Pipeline(Settings()))


def print_sources(answer: Answer) -> None:
    """The numbered sources under an answer, each with its verbatim quote."""
    if answer.citations:
        click.echo("")
    for c in answer.citations:
        url = f" <{c.chunk.source_url}>" if c.chunk.source_url else ""
        click.echo(f"[{c.n}] {c.chunk.label}{url}")
        click.echo(f"    “{c.quote}”")


@click.command(name="chat")
@click.option("--conversation", "conversation_id", help="Continue a stored conversation (its id).")
@click.option("--top-k", type=click.IntRange(1, 50), default=5, show_default=True)
def chat(conversation_id: str | None, top_k: int) -> None:
    """Talk with planbot in the terminal: answers stream in, follow-ups use the conversation."""
    from planbot.conversation.service import TurnResult

    service = _service()
    if conversation_id:
        service.store.require(conversation_id)
    click.echo(HELP)
    while True:
        try:
            message = click.prompt(
                click.style(PROMPT, bold=True), prompt_suffix="> ", default="", show_default=False
            )
        except (EOFError, click.Abort):
            click.echo("")
            return
        command = message.strip().lower()
        if command in {"/quit", "/exit", "/q"}:
            return
        if command == "/new":
            conversation_id = None
            click.echo("(new conversation)")
            continue
        if not command:
            continue
        try:
            prepared = service.prepare(conversation_id, message)
            streamed: list[str] = []
            for event in service.stream(prepared, top_k):
                if isinstance(event, TurnResult):
                    result = event
                else:
                    streamed.append(event.text)
                    click.echo(event.text, nl=False)
        except PlanbotError as exc:
            click.echo(f"\nplanbot: {exc.title.lower()}: {exc.detail}", err=True)
            continue
        click.echo("")
        conversation_id = result.conversation_id
        answer = result.answer
        if "".join(streamed).strip() != answer.text.strip():
            # Verification changed what streamed: the checked text is the answer.
            click.echo(click.style("Verified answer:", bold=True) + " " + answer.text)
        if answer.standalone_question:
            click.echo(click.style(f"(searched: {answer.standalone_question})", dim=True))
        if answer.note:
            click.echo(click.style(f"({answer.note})", dim=True))
        print_sources(answer)
        click.echo("")
