"""Development commands (`planbot eval`, `planbot eval-chat`), plugged into the CLI by entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from planbot.cli import parse_filters, with_filters
from planbot.config import Settings

# Both eval commands read the split field of their file (eval/FROZEN.md: never tune on test).
split_option = click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default="all",
    show_default=True,
    help="Only the lines of this split (eval/FROZEN.md: never tune on test).",
)


@click.command(name="eval")
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option("--no-baseline", is_flag=True, help="Skip the plain LangChain baseline.")
@click.option("--per-question/--totals-only", default=True, help="Print a line per question.")
@click.option(
    "--add",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also index this document for the run, removed after (repeatable): the figures as the corpus grows.",
)
@click.option(
    "--plain-letters",
    is_flag=True,
    help="Ask each question as typed on a keyboard without å, ä and ö (Får → Far).",
)
@click.option(
    "--typing-slips",
    "slips",
    type=int,
    default=None,
    metavar="SEED",
    help="Ask each question with one slip of the keyboard in one word (seeded: the same slips each run).",
)
@click.option(
    "--greetings",
    type=int,
    default=None,
    metavar="SEED",
    help="Ask each Swedish question with a greeting before it and thanks after it (seeded).",
)
@split_option
@with_filters
def evaluate(
    file: Path | None,
    as_json: bool,
    no_baseline: bool,
    per_question: bool,
    split: str,
    extra: tuple[Path, ...],
    plain_letters: bool,
    slips: int | None,
    greetings: int | None,
    **filters: Any,
) -> None:
    """Score retrieval, citations and refusals on FILE (default eval/questions.jsonl), by kind."""
    from planbot.loaders import load_corpus
    from planbot.pipeline import Pipeline
    from planbot_dev import evaluate as ev

    path = file or Path("eval/questions.jsonl")
    questions = ev.load_questions(path, split, plain_letters=plain_letters, slips=slips, greetings=greetings)
    pipeline = Pipeline(Settings())
    pipeline.ingest(progress=None)
    chosen = parse_filters(**filters)
    with ev.grown(pipeline, extra) as added:
        results = {"planbot": ev.run_planbot(pipeline, questions, chosen)}
        chunks = pipeline.chunk_count()
    summaries = [ev.summarise("planbot", questions, results["planbot"])]
    if not no_baseline:
        docs, _ = load_corpus(pipeline.settings.corpus_dir)
        baseline = ev.Baseline(docs + added, pipeline.embedder)
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
    click.echo(f"{path} (split {split}): {len(questions)} questions")
    if added:
        click.echo(f"with {', '.join(d.id for d in added)} added for the run ({chunks} chunks in all)")
    click.echo(ev.report(summaries))
    click.echo("\nby kind")
    click.echo(ev.by_group(questions, results, lambda q: q.kind or "-"))
    click.echo("\nby language")
    click.echo(ev.by_group(questions, results, lambda q: q.lang or "-"))


@click.command(name="eval-chat")
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option("--totals-only", is_flag=True, help="Only the figures, no line per conversation.")
@split_option
def eval_chat(file: Path | None, as_json: bool, totals_only: bool, split: str) -> None:
    """Follow-ups in FILE (default eval/conversations.jsonl): gold in the top 5, refusals, by kind."""
    from planbot.conversation.service import build_service
    from planbot.pipeline import Pipeline
    from planbot_dev import evaluate_chat as ev

    path = file or Path("eval/conversations.jsonl")
    conversations = ev.load_conversations(path, split)
    service = build_service(Pipeline(Settings()))
    service.pipeline.ingest(progress=None)
    # The rewriter `planbot chat` uses: the configured chat model condenses, else the offline method.
    results = ev.run(service.pipeline, conversations, service.rewriter)
    if as_json:
        click.echo(ev.as_json(results))
        return
    click.echo(f"{path}: {len(conversations)} conversations (split {split})")
    click.echo(ev.report(results, per_conversation=not totals_only))
