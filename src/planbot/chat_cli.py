"""`planbot chat` (an interactive conversation in the terminal) and `planbot eval-chat`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import PlanbotError
from .records import Answer

if TYPE_CHECKING:
    from .chat import ChatService

PROMPT = "du"
HELP = "Ask a question; follow-ups may refer back to it. /new starts over, /quit (or Ctrl-D) leaves."


def _service() -> ChatService:
    """The chat service for the configured pipeline (a seam for tests)."""
    from .chat import build_service
    from .config import Settings
    from .pipeline import Pipeline

    return build_service(Pipeline(Settings()))


def print_sources(answer: Answer) -> None:
    """The numbered sources under an answer, each with its verbatim quote."""
    if answer.citations:
        click.echo("")
    for c in answer.citations:
        url = f" <{c.chunk.source_url}>" if c.chunk.source_url else ""
        click.echo(f"[{c.n}] {c.chunk.title}, {c.chunk.locator}{url}")
        click.echo(f"    “{c.quote}”")


@click.command(name="chat")
@click.option("--conversation", "conversation_id", help="Continue a stored conversation (its id).")
@click.option("--top-k", type=click.IntRange(1, 50), default=5, show_default=True)
def chat(conversation_id: str | None, top_k: int) -> None:
    """Talk with planbot in the terminal: answers stream in, follow-ups use the conversation."""
    from .chat import TurnResult

    try:
        service = _service()
        if conversation_id:
            service.store.require(conversation_id)
    except PlanbotError as exc:
        click.echo(f"planbot: {exc.title.lower()}: {exc.detail}", err=True)
        sys.exit(exc.exit_code)
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


@click.command(name="eval-chat")
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option("--totals-only", is_flag=True, help="Only the two counts.")
def eval_chat(file: Path | None, as_json: bool, totals_only: bool) -> None:
    """Follow-ups in FILE (default eval/conversations.jsonl): gold in the top 5 with and without rewriting."""
    from . import evaluate_chat as ev

    path = file or Path("eval/conversations.jsonl")
    try:
        conversations = ev.load_conversations(path)
        service = _service()
        service.pipeline.ingest(progress=None)
        # The rewriter `planbot chat` uses: the configured chat model condenses, else the offline method.
        results = ev.run(service.pipeline, conversations, service.rewriter)
    except PlanbotError as exc:
        click.echo(f"planbot: {exc.title.lower()}: {exc.detail}", err=True)
        sys.exit(exc.exit_code)
    if as_json:
        click.echo(ev.as_json(results))
        return
    click.echo(f"{path}: {len(conversations)} conversations")
    click.echo(ev.report(results, per_conversation=not totals_only))
