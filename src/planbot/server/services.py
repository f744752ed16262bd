"""The app's services, built once in the lifespan and handed out by the dependencies in ``deps``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planbot.admin.feedback import FeedbackStore
from planbot.admin.jobs import JobRunner
from planbot.batching import CpuLane
from planbot.config import Settings
from planbot.conversation.service import ChatService, build_service
from planbot.pipeline import Pipeline
from planbot.server.worker_process import HandlerFactory, pipeline_handler
from planbot.server.workers import AnswerWorkers

if TYPE_CHECKING:  # metrics' /metrics route depends on the key checks, which hand out Services
    from planbot.server.metrics import Metrics


@dataclass
class Services:
    """Everything one app instance shares between requests; nothing of it is module-level."""

    settings: Settings
    pipeline: Pipeline
    chat: ChatService
    jobs: JobRunner
    feedback: FeedbackStore
    metrics: Metrics
    # Extractive answers are CPU-bound: computed here, a few at a time, instead of on 40 request threads.
    lane: CpuLane
    # PLANBOT_ANSWER_PROCESSES: questions answered in worker processes; None: in the lane.
    workers: AnswerWorkers | None = None

    def close(self) -> None:
        """Stop background work (the job worker, the answer lane, the answer processes) at shutdown."""
        self.jobs.close()
        self.lane.close()
        if self.workers is not None:
            self.workers.close()


def build_services(
    settings: Settings,
    metrics: Metrics,
    pipeline: Pipeline | None = None,
    answer_handler: HandlerFactory = pipeline_handler,
) -> Services:
    """Open the index, the model, the stores and the job runner (blocking: call it off the event loop)."""
    pipeline = pipeline or Pipeline(settings)
    workers = None
    if settings.answer_processes:
        retriever = pipeline.retriever
        workers = AnswerWorkers(
            settings, settings.answer_processes, lambda: retriever.generation, make_handler=answer_handler
        )
        workers.start()
    return Services(
        settings=settings,
        pipeline=pipeline,
        chat=build_service(pipeline, workers.answer_from_thread if workers is not None else None),
        jobs=JobRunner(),
        feedback=FeedbackStore(settings.data_dir),
        metrics=metrics,
        lane=CpuLane(settings.answer_threads),
        workers=workers,
    )
