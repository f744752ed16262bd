"""The `planbot` command: ingest, ask, chat, serve, sync; development commands come from entry points."""

from __future__ import annotations

import json
import logging
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from planbot.config import Settings
from planbot.errors import InvalidInput, PlanbotError
from planbot.filters import Filters

log = logging.getLogger(__name__)

# Seconds between the interpreter lock's hand-overs in `planbot serve` (Python's default is 0.005).
SWITCH_INTERVAL_S = 0.001


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment; a wrong value is one line naming its variable, not a traceback."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        wrong = [
            f"PLANBOT_{'__'.join(str(p) for p in e['loc']).upper()}: {e['msg']} (got {e.get('input')!r})"
            for e in exc.errors()
        ]
        raise InvalidInput("; ".join(wrong)) from exc


def report_error(exc: PlanbotError) -> NoReturn:
    """The one place the CLI reports an error: a line on stderr and the error's exit code."""
    click.echo(f"planbot: {exc.title.lower()}: {exc.detail}", err=True)
    sys.exit(exc.exit_code)


class PlanbotGroup(click.Group):
    """A command group whose commands may raise PlanbotError: reported by ``report_error``."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a PlanbotError becomes a message and an exit code, not a traceback."""
        try:
            return super().invoke(ctx)
        except PlanbotError as exc:
            report_error(exc)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own: usage errors, --help, Ctrl-C
        except Exception as exc:
            # The catch-all: anything unforeseen is still one line and exit code 1; -v shows where it was.
            log.info("unexpected error", exc_info=True)
            report_error(PlanbotError(f"{type(exc).__name__}: {exc} (run with -v to see where)"))


def parse_filters(
    doc_type: tuple[str, ...], document: tuple[str, ...], date_from: str | None, date_to: str | None
) -> Filters | None:
    try:
        f = Filters(
            doc_type=list(doc_type) or None,
            document_id=list(document) or None,
            date_from=date_from,  # type: ignore[arg-type]
            date_to=date_to,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    return None if f.is_empty() else f


filter_options = [
    click.option("--doc-type", multiple=True, help="Only documents of this type (lag, proposition, ...)."),
    click.option("--document", multiple=True, help="Only this document id (see /api/documents)."),
    click.option("--from", "date_from", help="Only documents valid or published on or after YYYY-MM-DD."),
    click.option("--to", "date_to", help="Only documents valid or published on or before YYYY-MM-DD."),
]


def with_filters(fn: Any) -> Any:
    """Add the filter options to a command."""
    for option in reversed(filter_options):
        fn = option(fn)
    return fn


@click.group(cls=PlanbotGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def main(verbose: bool) -> None:
    """planbot: cited answers from Swedish library plans and policy documents."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Delete the index first and embed everything again.")
def ingest(path: Path | None, rebuild: bool) -> None:
    """Index the corpus (or PATH): only new and changed documents are embedded."""
    from planbot.pipeline import Pipeline

    settings = _settings(corpus_dir=path)
    if rebuild:
        from planbot.chroma import drop_index

        drop_index(settings)
    report = Pipeline(settings).ingest(progress=None)
    for err in report.errors:
        click.echo(f"skipped {err.name}: {err.reason}", err=True)
    click.echo(report.summary())


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON shape.")
@click.option("--top-k", type=click.IntRange(1, 50), default=5, show_default=True)
@with_filters
def ask(question: str, as_json: bool, top_k: int, **filters: Any) -> None:
    """Answer QUESTION from the documents, with citations."""
    from planbot.cli.chat import print_sources
    from planbot.pipeline import Pipeline
    from planbot.server.schemas import AnswerOut

    answer = Pipeline(_settings()).ask(question, top_k, parse_filters(**filters))
    if as_json:
        click.echo(AnswerOut.from_answer(answer).model_dump_json(indent=2))
        return
    click.echo(answer.text)
    print_sources(answer)


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000, or PLANBOT_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from planbot.server.app import create_app

    settings = _settings(host=host, port=port)
    # How long a thread may hold the interpreter lock while another waits. At Python's 5 ms a Lagkoll
    # running on a request thread held up every other request in turn (one client's asks: p95 9 ms
    # quiet, 107-128 ms during it); at 1 ms they waited 26-34 ms, the Lagkoll took as long, and the load
    # suite measured the same capacity and ratio (README, *Under load*).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    click.echo(f"planbot on http://{settings.host}:{settings.port}  (API docs at /docs)")
    # A keep-alive longer than uvicorn's 5 s: a busy client reusing a connection the server just
    # closed sees a dropped request (seen in the load suite at 50 clients).
    # proxy_headers off: uvicorn would believe X-Forwarded-For from any local proxy; planbot itself reads
    # forwarded addresses, and only from PLANBOT_TRUSTED_PROXIES (server/security.py).
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_keep_alive=30,
        proxy_headers=False,
    )


def dump(obj: Any) -> str:
    """JSON for the terminal."""
    return json.dumps(obj, ensure_ascii=False, indent=2)


def _register() -> None:
    """The runtime sub-commands, then any registered under the ``planbot.commands`` entry point."""
    from planbot.cli.admin import sync
    from planbot.cli.chat import chat
    from planbot.cli.planwork import compare_cmd, lagkoll, support_cmd

    for command in (chat, sync, lagkoll, support_cmd, compare_cmd):
        main.add_command(command)
    # Development tooling (planbot_dev: eval, eval-chat, bench) plugs in here, so that the runtime
    # package never imports it; the same hook lets a deployment add its own commands.
    for ep in entry_points(group="planbot.commands"):
        main.add_command(ep.load())


_register()
