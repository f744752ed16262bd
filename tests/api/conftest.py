"""API fixtures: the two-document corpus indexed with the fake embedder, served through a TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

from ..support import FakeEmbedder

# Bag-of-stems vectors are never close enough for the refusal rule: override `settings` with this to answer.
ANSWER_ALWAYS = {"refuse_min_sentence": 0.0, "refuse_coverage_below": 0.0, "refuse_min_placed": 0.0}


@pytest.fixture
def fake_pipeline(settings: Settings, fake_embedder: FakeEmbedder) -> Pipeline:
    """The test settings' corpus, ingested with the fake embedder."""
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    return pipeline


@pytest.fixture
def fake_client(settings: Settings, fake_pipeline: Pipeline) -> Iterator[TestClient]:
    """The app over ``fake_pipeline``; a module changes the app by overriding ``settings``."""
    with TestClient(create_app(settings, fake_pipeline)) as client:
        yield client
