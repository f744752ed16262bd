"""The `planbot` command: ingest, ask, serve, eval, bench."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from .config import Settings
from .errors import PlanbotError
from .filters import Filters


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(exc: PlanbotError) -> None:
    click.echo(f"planbot: {exc.title.lower()}: {exc.detail}", err=True)
    sys.exit(exc.exit_code)


def _filters(
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


@click.group()
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
    from .pipeline import Pipeline

    settings = _settings(corpus_dir=path)
    if rebuild:
        from .index import drop_index

        drop_index(settings)
    try:
        report = Pipeline(settings).ingest(progress=None)
    except PlanbotError as exc:
        _fail(exc)
        return
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
    from .chat_cli import print_sources
    from .pipeline import Pipeline
    from .schemas import AnswerOut

    try:
        pipeline = Pipeline(_settings())
        answer = pipeline.ask(question, top_k, _filters(**filters))
    except PlanbotError as exc:
        _fail(exc)
        return
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

    from .api import create_app

    settings = _settings(host=host, port=port)
    click.echo(f"planbot on http://{settings.host}:{settings.port}  (API docs at /docs)")
    # A keep-alive longer than uvicorn's 5 s: a busy client reusing a connection the server just
    # closed sees a dropped request (seen in the load suite at 50 clients).
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level="info", timeout_keep_alive=30
    )


@main.command(name="eval")
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option("--no-baseline", is_flag=True, help="Skip the plain LangChain baseline.")
@click.option("--per-question/--totals-only", default=True, help="Print a line per question.")
@with_filters
def evaluate(file: Path | None, as_json: bool, no_baseline: bool, per_question: bool, **filters: Any) -> None:
    """Score retrieval, citations and refusals on FILE (default eval/questions.jsonl)."""
    from . import evaluate as ev
    from .loaders import load_corpus
    from .pipeline import Pipeline

    path = file or Path("eval/questions.jsonl")
    questions = ev.load_questions(path)
    try:
        pipeline = Pipeline(_settings())
        pipeline.ingest(progress=None)
    except PlanbotError as exc:
        _fail(exc)
        return
    chosen = _filters(**filters)
    results = {"planbot": ev.run_planbot(pipeline, questions, chosen)}
    summaries = [ev.summarise("planbot", questions, results["planbot"])]
    if not no_baseline:
        docs, _ = load_corpus(pipeline.settings.corpus_dir)
        baseline = ev.Baseline(docs, pipeline.embedder)
        try:
            results["baseline"] = ev.run_baseline(baseline.searcher(10), questions)
        finally:
            baseline.close()
        summaries.append(ev.summarise("baseline", questions, results["baseline"]))
    if as_json:
        click.echo(ev.as_json(summaries, questions, results))
        return
    if per_question:
        click.echo(ev.per_question(questions, results))
        click.echo("")
    click.echo(f"{path}: {len(questions)} questions")
    click.echo(ev.report(summaries))


def dump(obj: Any) -> str:
    """JSON for the terminal."""
    return json.dumps(obj, ensure_ascii=False, indent=2)


def _register() -> None:
    from .bench import bench
    from .chat_cli import chat, eval_chat
    from .sync import sync

    for command in (chat, eval_chat, sync, bench):
        main.add_command(command)


_register()
