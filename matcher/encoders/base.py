"""The encoder interface: queries and documents are encoded apart, normalised float32 out."""

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_id: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs (search queries); shape (len(texts), dim)."""
        ...

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts (passages); shape (len(texts), dim)."""
        ...


Encode = Callable[[list[str]], np.ndarray]
"""A bound encode_queries or encode_documents: texts in, normalised vectors out."""


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation into float32; zero rows stay zero."""
    out = np.asarray(vectors, dtype=np.float32)
    if out.ndim == 1:
        out = out[None, :]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)
