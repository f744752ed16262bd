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

    def close(self) -> None:
        """Stop background work (the job worker, the answer lane) at shutdown."""
        self.jobs.close()
        self.lane.close()


def build_services(settings: Settings, metrics: Metrics, pipeline: Pipeline | None = None) -> Services:
    """Open the index, the model, the stores and the job runner (blocking: call it off the event loop)."""
    pipeline = pipeline or Pipeline(settings)
    return Services(
        settings=settings,
        pipeline=pipeline,
        chat=build_service(pipeline),
        jobs=JobRunner(),
        feedback=FeedbackStore(settings.data_dir),
        metrics=metrics,
        lane=CpuLane(settings.answer_threads),
    )
