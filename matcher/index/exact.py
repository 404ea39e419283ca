"""Exact inner-product search in NumPy: the reference every other backend is checked against."""

from pathlib import Path
from typing import Any

import numpy as np

from matcher.files import write_npy
from matcher.index.base import check_batch, check_queries, write_manifest


class ExactBackend:
    """Brute-force search over a dense matrix."""

    name = "exact"

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append vectors; ids already present are rejected."""
        ids, vectors = check_batch(ids, vectors, self.dim)
        if np.isin(ids, self._ids).any():
            raise ValueError("some ids are already in the index")
        self._ids = np.concatenate([self._ids, ids])
        self._vectors = np.concatenate([self._vectors, vectors])

    def remove(self, ids: np.ndarray) -> int:
        """Drop vectors by id."""
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        removed = int((~keep).sum())
        self._ids, self._vectors = self._ids[keep], self._vectors[keep]
        return removed

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k by inner product."""
        queries = check_queries(queries, self.dim)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        n = len(self._ids)
        if n == 0 or k <= 0:
            return scores, ids
        sims = queries @ self._vectors.T
        take = min(k, n)
        top = np.argpartition(-sims, take - 1, axis=1)[:, :take]
        top_scores = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        scores[:, :take] = np.take_along_axis(top_scores, order, axis=1)
        ids[:, :take] = self._ids[np.take_along_axis(top, order, axis=1)]
        return scores, ids

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors by id."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        order = np.argsort(self._ids, kind="stable")
        where = np.searchsorted(self._ids, ids, sorter=order)
        where = np.minimum(where, max(len(order) - 1, 0))
        if len(order) == 0 or not np.array_equal(self._ids[order[where]], ids):
            raise KeyError("some ids are not in the index")
        return self._vectors[order[where]]

    def parameters(self) -> dict[str, Any]:
        """No parameters: brute force."""
        return {"index_type": "exact"}

    def save(self, directory: Path, extra: dict[str, Any] | None = None) -> None:
        """Write ids.npy, vectors.npy and the manifest."""
        write_npy(directory / "ids.npy", self._ids)
        write_npy(directory / "vectors.npy", self._vectors)
        write_manifest(directory, self, extra)

    @classmethod
    def load(cls, directory: Path, manifest: dict[str, Any]) -> "ExactBackend":
        """Read an index written by save()."""
        backend = cls(int(manifest["dimension"]))
        backend._ids = np.load(directory / "ids.npy")
        backend._vectors = np.load(directory / "vectors.npy")
        return backend
