"""In-process background jobs: one worker thread, so embedding never runs twice at once.

A job may have a second step (an upload's second ingest pass): it runs after every first step queued by
then, so a plan uploaded behind another becomes searchable without waiting for the other's refinement.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from planbot.errors import DocumentError, NotFound
from planbot.ingest import IngestReport, Pass, Progress

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
JobKind = Literal["upload", "reindex"]
# What a job is doing: reading files (a re-index loads the corpus first; an upload was read when it was
# accepted), embedding texts (done/total count them), indexing (writing the search index, making it visible).
# refining: the document is searchable and its sentences are being embedded on their own (a second pass).
JobPhase = Literal["queued", "reading", "embedding", "indexing", "refining", "done", "failed"]
# Finished jobs kept for GET /api/jobs/{id}; older ones are forgotten first.
_KEEP_FINISHED = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Job:
    """A snapshot of one background job."""

    id: str
    kind: JobKind
    state: JobState
    phase: JobPhase = "queued"
    done: int = 0
    total: int | None = None
    document_id: str | None = None
    report: dict[str, object] | None = None
    error: str | None = None
    created: dt.datetime = field(default_factory=_now)
    started: dt.datetime | None = None
    # When what the job ingests could first be found by a question (before a second pass, if there is one).
    searchable: dt.datetime | None = None
    finished: dt.datetime | None = None


# Work receives a progress callback (texts embedded, texts to embed, pass) and returns its ingest report.
Work = Callable[[Progress], IngestReport]


def report_dict(report: IngestReport) -> dict[str, object]:
    """An ingest report as JSON-ready data."""
    return {
        "added": report.added,
        "updated": report.updated,
        "unchanged": len(report.unchanged),
        "removed": report.removed,
        "errors": [{"name": e.name, "reason": e.reason} for e in report.errors],
        "chunks_embedded": report.chunks_embedded,
        "refined": report.refined,
        "repaired": report.repaired,
        "searchable_seconds": None
        if report.searchable_seconds is None
        else round(report.searchable_seconds, 3),
        "seconds": round(report.seconds, 3),
        "summary": report.summary(),
    }


class JobRunner:
    """Queues ingest work and runs it on a single worker thread, keeping each job's state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        # Held while a caller picks a free document id and submits its job, so two uploads of plan.pdf
        # cannot both get "plan".
        self.reserve = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._work: dict[str, tuple[Work, Callable[[], object] | None]] = {}
        # Second steps, and the first step's report each one adds to.
        self._then: dict[str, Work] = {}
        self._reports: dict[str, IngestReport] = {}
        # First steps run before second steps; each in the order queued.
        self._first: deque[str] = deque()
        self._later: deque[str] = deque()
        self._closing = False
        # Content hashes of uploads not yet visible in the index, by the document id they will get.
        self._pending: dict[str, str] = {}
        self.last_ingest: dt.datetime | None = None
        self.ingested_chunks = 0
        self.failed = 0
        self._worker = threading.Thread(target=self._run, name="planbot-jobs", daemon=True)
        self._worker.start()

    def submit(
        self,
        kind: JobKind,
        work: Work,
        *,
        document_id: str | None = None,
        content_hash: str | None = None,
        on_failure: Callable[[], object] | None = None,
        then: Work | None = None,
    ) -> Job:
        """Queue ``work``, and ``then`` after it once no first step is waiting.

        An upload's id and hash stay reserved until its document is in the index (after ``work``).
        """
        job = Job(id=uuid.uuid4().hex, kind=kind, state="queued", document_id=document_id)
        with self._changed:
            self._jobs[job.id] = job
            self._work[job.id] = (work, on_failure)
            if then is not None:
                self._then[job.id] = then
            if document_id is not None and content_hash is not None:
                self._pending[document_id] = content_hash
            self._first.append(job.id)
            self._changed.notify_all()
        return job

    def get(self, job_id: str) -> Job:
        """A job's current state."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"No job with id {job_id!r}; job ids are returned by uploads and re-index.")
        return job

    def active(self, kind: JobKind) -> Job | None:
        """A queued or running job of ``kind``, if there is one."""
        with self._lock:
            return next(
                (j for j in self._jobs.values() if j.kind == kind and j.state in ("queued", "running")), None
            )

    def pending(self) -> dict[str, str]:
        """Uploads queued or running: document id to content hash."""
        with self._lock:
            return dict(self._pending)

    def counts(self) -> dict[JobState, int]:
        """How many kept jobs are in each state."""
        out: dict[JobState, int] = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        with self._lock:
            for job in self._jobs.values():
                out[job.state] += 1
        return out

    def wait(self, job_id: str, timeout: float) -> Job:
        """Block until a job is finished or ``timeout`` passes (for the CLI and tests)."""
        self.get(job_id)
        with self._changed:
            self._changed.wait_for(lambda: self._finished(job_id), timeout)
        return self.get(job_id)

    def _finished(self, job_id: str) -> bool:
        job = self._jobs.get(job_id)
        return job is None or job.state in ("done", "failed")

    def close(self) -> None:
        """Stop the worker after the jobs already queued."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._worker.join(timeout=60)

    def _next(self) -> tuple[str, bool] | None:
        """The next job to run and whether it is a second step; None once closed and drained."""
        with self._changed:
            self._changed.wait_for(lambda: bool(self._first or self._later or self._closing))
            if self._first:
                return self._first.popleft(), False
            if self._later:
                return self._later.popleft(), True
            return None

    def _update(self, job_id: str, **changes: object) -> Job:
        with self._lock:
            job = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]
            self._jobs[job_id] = job
            self._changed.notify_all()
            return job

    def _progress(self, job_id: str, done: int, total: int, stage: Pass) -> None:
        if stage == "refining":
            searchable = self.get(job_id).searchable or _now()
            self._update(job_id, done=done, total=total, phase="refining", searchable=searchable)
            return
        # Once every text is embedded, what is left is storing them and writing the lexical segment.
        self._update(job_id, done=done, total=total, phase="indexing" if done >= total else "embedding")

    def _run(self) -> None:
        while (item := self._next()) is not None:
            job_id, later = item
            try:
                if later:
                    self._run_second(job_id)
                elif not self._run_first(job_id):
                    continue  # its second step is queued: the job is not over
            except Exception:  # pragma: no cover - a bug here must not stop every later job
                log.exception("job %s: the runner failed", job_id)
            self._forget(job_id)

    def _run_first(self, job_id: str) -> bool:
        """Run a job's work; True when the job is over, False when its second step was queued."""
        work, on_failure = self._work.pop(job_id)
        # An upload was read and checked when it was accepted: its job starts with the embedding.
        phase: JobPhase = "embedding" if self.get(job_id).kind == "upload" else "reading"
        job = self._update(job_id, state="running", phase=phase, started=_now())
        try:
            report = work(functools.partial(self._progress, job_id))
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, job.kind)
            if on_failure is not None:
                on_failure()
            self._update(
                job_id,
                state="failed",
                phase="failed",
                error=f"{exc.__class__.__name__}: {exc}",
                finished=_now(),
            )
            self.failed += 1
            with self._lock:
                self._then.pop(job_id, None)
            return True
        self.last_ingest = _now()
        self.ingested_chunks += report.chunks_embedded
        with self._changed:
            then = self._then.get(job_id)
        if then is None or not report.changed:
            with self._lock:
                self._then.pop(job_id, None)
            self._finish(job_id, report, on_failure)
            return True
        # Searchable now; the second step waits behind the first steps queued meanwhile.
        searchable = self.get(job_id).searchable or _now()
        self._update(job_id, phase="refining", report=report_dict(report), searchable=searchable)
        with self._changed:
            self._reports[job_id] = report
            if job.document_id is not None:  # in the index now: choose_id sees it there
                self._pending.pop(job.document_id, None)
            self._later.append(job_id)
            self._changed.notify_all()
        return False

    def _run_second(self, job_id: str) -> None:
        """Run a job's second step and finish the job with both steps' report."""
        with self._lock:
            then, report = self._then.pop(job_id), self._reports.pop(job_id)
        try:
            more = then(functools.partial(self._progress, job_id))
        except Exception as exc:  # the document stays searchable as the first step left it
            log.exception("job %s: second step failed", job_id)
            name = self.get(job_id).document_id or job_id
            report.errors.append(DocumentError(name, f"second step: {exc.__class__.__name__}: {exc}"))
        else:
            report.refined.extend(more.refined)
            report.errors.extend(more.errors)
            report.seconds += more.seconds
        self._finish(job_id, report, None)

    def _finish(self, job_id: str, report: IngestReport, on_failure: Callable[[], object] | None) -> None:
        job = self.get(job_id)
        failed = job.kind == "upload" and bool(report.errors) and not report.changed
        # The figure keeps the unit the ingest counted in while it ran; without reports, the texts.
        total = job.total if job.total is not None else report.chunks_embedded + report.sentences_embedded
        self._update(
            job_id,
            state="failed" if failed else "done",
            phase="failed" if failed else "done",
            done=job.done if failed else total,
            total=total,
            report=report_dict(report),
            error="; ".join(f"{e.name}: {e.reason}" for e in report.errors) or None,
            searchable=None if failed else job.searchable or _now(),
            finished=_now(),
        )
        if failed and on_failure is not None:
            on_failure()

    def _forget(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs[job_id]
            if job.document_id is not None:
                self._pending.pop(job.document_id, None)
            finished = [k for k, j in self._jobs.items() if j.state in ("done", "failed")]
            for key in finished[: max(0, len(finished) - _KEEP_FINISHED)]:
                del self._jobs[key]
