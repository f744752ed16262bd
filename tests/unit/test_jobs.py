"""Background jobs: one worker, live progress, failures kept with their reason, upload ids reserved."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from planbot.admin.jobs import Job, JobRunner
from planbot.config import Settings
from planbot.errors import DocumentError, NotFound
from planbot.ingest import IngestReport, Pass, Progress
from planbot.pipeline import Pipeline

from ..support import FakeEmbedder


@pytest.fixture
def runner() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.close()


def _report(**fields: object) -> IngestReport:
    return IngestReport(**fields)  # type: ignore[arg-type]


def test_a_job_reports_progress_while_it_embeds(
    runner: JobRunner, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    """What the runner shows mid-job moves with the work, not only when the job ends."""
    pipeline = Pipeline(settings, embedder=fake_embedder)
    shown: list[tuple[int, int | None]] = []

    def work(progress: Progress) -> IngestReport:
        def report_and_look(done: int, total: int, stage: Pass) -> None:
            progress(done, total, stage)
            job = runner.active("reindex")
            assert job is not None and job.state == "running"
            shown.append((job.done, job.total))

        return pipeline.ingest(progress=False, on_progress=report_and_look)

    final = runner.wait(runner.submit("reindex", work).id, timeout=60)
    assert len(shown) >= 2, "one progress report per document"
    assert shown[0][0] < shown[-1][0] == shown[-1][1]
    assert final.state == "done" and final.done == final.total == shown[-1][1]


@pytest.mark.parametrize(("kind", "first"), [("upload", "embedding"), ("reindex", "reading")])
def test_a_jobs_phase_follows_its_work_from_queued_to_done(runner: JobRunner, kind: str, first: str) -> None:
    """An upload was read when accepted, so it starts embedding; a re-index reads its files first."""
    seen: list[tuple[str, int, int | None]] = []
    submitted = threading.Event()

    def look() -> None:
        job = runner.get(queued.id)
        seen.append((job.phase, job.done, job.total))

    def work(progress: Progress) -> IngestReport:
        assert submitted.wait(30)
        look()
        progress(4, 10, "embedding")
        look()
        progress(10, 10, "embedding")
        look()
        progress(2, 7, "refining")
        look()
        return _report(added=["plan"], chunks_embedded=3, sentences_embedded=7)

    queued = runner.submit(kind, work)
    submitted.set()
    assert queued.phase == "queued"
    final = runner.wait(queued.id, timeout=30)
    assert seen == [(first, 0, None), ("embedding", 4, 10), ("indexing", 10, 10), ("refining", 2, 7)]
    assert (final.state, final.phase, final.done, final.total) == ("done", "done", 7, 7)


def test_a_job_says_when_its_document_became_searchable(runner: JobRunner) -> None:
    """The second pass refines a document questions can already find: the job says so from then on."""
    looked: list[object] = []

    def work(progress: Progress) -> IngestReport:
        progress(10, 10, "embedding")
        looked.append(runner.active("upload").searchable)  # type: ignore[union-attr]
        progress(0, 7, "refining")
        looked.append(runner.active("upload").searchable)  # type: ignore[union-attr]
        return _report(added=["plan"], chunks_embedded=3, sentences_embedded=7)

    final = runner.wait(runner.submit("upload", work).id, timeout=30)
    assert looked[0] is None and looked[1] is not None
    assert final.searchable == looked[1] and final.finished is not None and final.searchable <= final.finished


def test_the_final_figure_keeps_the_unit_the_work_counted_in(runner: JobRunner) -> None:
    """The texts reported while it ran stay its figure, whatever the report counts."""

    def work(progress: Progress) -> IngestReport:
        progress(5, 5, "embedding")
        return _report(added=["plan"], chunks_embedded=4, sentences_embedded=9)

    final = runner.wait(runner.submit("upload", work).id, timeout=30)
    assert (final.done, final.total) == (5, 5)


def test_jobs_run_one_at_a_time_in_the_order_submitted(runner: JobRunner) -> None:
    running = threading.Lock()
    order: list[str] = []

    def work(name: str) -> Callable[[Progress], IngestReport]:
        def run(progress: Progress) -> IngestReport:
            assert running.acquire(blocking=False), "two jobs ran at once"
            order.append(name)
            running.release()
            return _report(added=[name])

        return run

    jobs = [runner.submit("upload", work(name)) for name in ("a", "b", "c")]
    for job in jobs:
        assert runner.wait(job.id, timeout=30).state == "done"
    assert order == ["a", "b", "c"]


def test_a_job_that_raises_is_failed_with_its_reason_and_its_cleanup_runs(runner: JobRunner) -> None:
    cleaned: list[bool] = []

    def work(progress: Progress) -> IngestReport:
        raise OSError("disk full")

    job = runner.submit("reindex", work, on_failure=lambda: cleaned.append(True))
    final = runner.wait(job.id, timeout=30)
    assert final.state == final.phase == "failed" and final.error == "OSError: disk full"
    assert cleaned == [True] and runner.failed == 1 and runner.last_ingest is None


@pytest.mark.parametrize(
    ("kind", "report", "state"),
    [
        ("upload", {"errors": [DocumentError("plan.pdf", "encrypted")]}, "failed"),
        ("reindex", {"errors": [DocumentError("plan.pdf", "encrypted")]}, "done"),
        ("upload", {"added": ["plan"], "chunks_embedded": 4, "sentences_embedded": 9}, "done"),
    ],
)
def test_an_upload_that_indexed_nothing_is_failed_but_a_reindex_with_one_bad_file_is_done(
    runner: JobRunner, kind: str, report: dict[str, object], state: str
) -> None:
    job = runner.submit(kind, lambda progress: _report(**report))  # type: ignore[arg-type]
    final = runner.wait(job.id, timeout=30)
    assert final.state == final.phase == state and final.report is not None
    if report.get("errors"):
        assert final.error == "plan.pdf: encrypted"
    else:
        assert final.done == final.total == 13 and runner.ingested_chunks == 4


def test_an_uploads_id_and_hash_stay_reserved_until_its_job_is_done(runner: JobRunner) -> None:
    started, release = threading.Event(), threading.Event()

    def work(progress: Progress) -> IngestReport:
        started.set()
        release.wait(30)
        return _report(added=["plan"])

    job = runner.submit("upload", work, document_id="plan", content_hash="abc")
    assert started.wait(30)
    assert runner.pending() == {"plan": "abc"} and runner.counts()["running"] == 1
    release.set()
    runner.wait(job.id, timeout=30)
    assert runner.pending() == {} and runner.counts()["done"] == 1


def test_an_unknown_job_id_is_not_found(runner: JobRunner) -> None:
    with pytest.raises(NotFound, match="job ids are returned"):
        runner.get("nope")


def test_a_snapshot_does_not_change_under_its_reader(runner: JobRunner) -> None:
    job: Job = runner.submit("reindex", lambda progress: _report())
    runner.wait(job.id, timeout=30)
    assert job.state == "queued" and runner.get(job.id).state == "done"


def test_a_second_step_waits_for_the_first_steps_queued_meanwhile(runner: JobRunner) -> None:
    """A plan uploaded behind another is searchable without waiting for the other's second pass."""
    order: list[str] = []
    release = threading.Event()

    def first(name: str) -> Callable[[Progress], IngestReport]:
        def run(progress: Progress) -> IngestReport:
            order.append(f"{name} first")
            if name == "a":
                assert release.wait(30)
            return _report(added=[name], chunks_embedded=2)

        return run

    def then(name: str) -> Callable[[Progress], IngestReport]:
        def run(progress: Progress) -> IngestReport:
            progress(3, 3, "refining")
            order.append(f"{name} then")
            return _report(refined=[name])

        return run

    a = runner.submit("upload", first("a"), document_id="a", content_hash="1", then=then("a"))
    b = runner.submit("upload", first("b"), document_id="b", content_hash="2", then=then("b"))
    release.set()
    done_a, done_b = runner.wait(a.id, timeout=30), runner.wait(b.id, timeout=30)
    assert order == ["a first", "b first", "a then", "b then"]
    assert done_a.searchable is not None and done_b.searchable is not None
    assert done_b.searchable < done_a.finished  # type: ignore[operator]
    assert done_a.state == done_b.state == "done" and done_a.report["refined"] == ["a"]  # type: ignore[index]
    assert runner.pending() == {} and runner.ingested_chunks == 4


def test_while_its_second_step_waits_a_job_is_searchable_and_refining(runner: JobRunner) -> None:
    release, seen = threading.Event(), threading.Event()

    def block(progress: Progress) -> IngestReport:
        assert release.wait(30)
        return _report(added=["b"])

    a = runner.submit(
        "upload",
        lambda progress: _report(added=["a"]),
        document_id="a",
        content_hash="1",
        then=lambda progress: _report(refined=["a"]),
    )
    runner.submit("upload", block)  # queued behind a's first step, ahead of its second
    for _ in range(300):
        job = runner.get(a.id)
        if job.phase == "refining":
            seen.set()
            break
        threading.Event().wait(0.01)
    release.set()
    assert seen.is_set() and job.state == "running" and job.searchable is not None
    assert "a" not in runner.pending()  # its id is taken by the index now, not by the reservation
    assert runner.wait(a.id, timeout=30).state == "done"


def test_a_failed_second_step_leaves_the_job_done_with_the_reason(runner: JobRunner) -> None:
    def broken(progress: Progress) -> IngestReport:
        raise RuntimeError("disk full")

    job = runner.submit("upload", lambda progress: _report(added=["a"]), document_id="a", then=broken)
    final = runner.wait(job.id, timeout=30)
    assert final.state == "done" and final.searchable is not None
    assert final.error is not None and "disk full" in final.error
