"""CLI commands for working with plans: `planbot lagkoll`, `planbot support`, `planbot compare`."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

import click

from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.pipeline import Pipeline

_MARK = {"behandlas": "✔ behandlas", "nämns": "~ nämns   ", "saknas": "✘ saknas  "}


def _plan_id(pipeline: Pipeline, target: str) -> str:
    """TARGET as an indexed document id; a file path is indexed first (like an upload)."""
    path = Path(target)
    if target in pipeline.documents() or not path.is_file():
        return target
    from planbot.loaders import load_document

    doc = load_document(path.resolve(), path.resolve().parent)
    for known in pipeline.documents().values():
        if known.content_hash == doc.content_hash:
            return known.id
    report = pipeline.ingest_documents([doc], progress=None)
    for err in report.errors:
        raise InvalidInput(f"{err.name}: {err.reason}")
    click.echo(f"indexed {path.name} as {doc.id}", err=True)
    return doc.id


@click.command()
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "csv", "json"]), default="text")
@click.option("--check-sources", is_flag=True, help="Only check each law_text is verbatim in the index.")
def lagkoll(target: str, fmt: str, check_sources: bool) -> None:
    """Check the plan TARGET (a document id, or a file to index first) against the law."""
    from planbot.planwork import lagkoll as lk
    from planbot.planwork.requirements import load_requirements
    from planbot.server.routes.planwork import LagkollOut

    pipeline = Pipeline(Settings())
    reqs = load_requirements(pipeline.settings.lagkrav_file)
    report = lk.LagkollChecker(pipeline, reqs).check(_plan_id(pipeline, target))
    if check_sources:
        bad = lk.unverified_sources(report)
        click.echo("every law_text found verbatim" if not bad else f"not found verbatim: {', '.join(bad)}")
        raise SystemExit(1 if bad else 0)
    if fmt == "md":
        click.echo(lk.to_markdown(report))
    elif fmt == "csv":
        click.echo(lk.to_csv(report), nl=False)
    elif fmt == "json":
        click.echo(LagkollOut.from_report(report).model_dump_json(indent=2))
    else:
        c = report.counts()
        click.echo(f"{report.title} ({report.document_id})")
        click.echo(f"behandlas {c['behandlas']}, nämns {c['nämns']}, saknas {c['saknas']}\n")
        for r in report.results:
            click.echo(f"{_MARK[r.status]}  {r.requirement.title} [{r.law.title}, {r.law.locator}]")
            for e in r.evidence[:1]:
                click.echo(
                    textwrap.fill(
                        f"\u201d{' '.join(e.quote.split())}\u201d ({e.chunk.locator})",
                        100,
                        initial_indent="              ",
                        subsequent_indent="              ",
                    )
                )


@click.command(name="support")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--document", multiple=True, help="Plan document id to draw on (default: every plan).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON shape.")
def support_cmd(file: TextIO, document: tuple[str, ...], as_json: bool) -> None:
    """Which plan goals and law provisions the project described in FILE ('-' for stdin) serves."""
    from planbot.planwork.support import SupportRequest, support
    from planbot.server.routes.planwork import SupportOut

    pipeline = Pipeline(Settings())
    result = support(pipeline, SupportRequest(file.read(), list(document) or None))
    if as_json:
        click.echo(SupportOut.from_result(result).model_dump_json(indent=2))
        return
    click.echo(textwrap.fill(result.paragraph, 100))
    if result.note:
        click.echo(f"\n({result.note})")
    click.echo("\nKällor:")
    for i in result.items:
        click.echo(f"[{i.n}] {i.chunk.label}: \u201d{' '.join(i.quote.split())}\u201d")
    click.echo("\nSökta dokument: " + ", ".join(d for d, _ in result.searched))


@click.command(name="compare")
@click.argument("question")
@click.argument("documents", nargs=-1)
@click.option("--doc-type", help="Instead of DOCUMENTS: every document of this type.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Valid on or after.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Valid on or before.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
def compare_cmd(
    question: str,
    documents: tuple[str, ...],
    doc_type: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    as_csv: bool,
) -> None:
    """Answer QUESTION in each of DOCUMENTS (two or more ids) side by side."""
    from planbot.planwork import compare as cmp

    def day(v: datetime | None) -> date | None:
        return v.date() if v else None

    pipeline = Pipeline(Settings())
    result = cmp.compare(
        pipeline,
        question,
        list(documents) or None,
        doc_type,
        day(date_from),
        day(date_to),
    )
    if as_csv:
        click.echo(cmp.to_csv(result), nl=False)
        return
    width = 30
    click.echo(f"{'Dokument':<{width}} | Svar")
    click.echo(f"{'-' * width}-+-{'-' * 68}")
    for col in result.columns:
        places = ", ".join(f"[{c.n}] {c.chunk.locator}" for c in col.answer.citations)
        text = cmp.column_text(col) + (f"  ({places})" if places else "")
        lines = textwrap.wrap(text, 68) or [""]
        click.echo(f"{col.title[:width]:<{width}} | {lines[0]}")
        for line in lines[1:]:
            click.echo(f"{'':<{width}} | {line}")
