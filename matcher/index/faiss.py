"""FAISS backend: exact flat index for small collections, HNSW above a size threshold."""

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from matcher.index.base import atomic_write, check_batch, check_queries, write_manifest

INDEX_FILE = "vectors.faiss"


def hnsw_parameters(n: int) -> dict[str, int]:
    """HNSW graph degree and beam widths derived from the collection size."""
    m = 16 if n < 200_000 else 32
    return {
        "M": m,
        "ef_construction": 40 + 4 * m,
        "ef_search": max(64, int(32 * math.log10(max(n, 10)))),
    }


PARALLEL_QUERIES = 16


def _single_threaded(
    search: Callable[[], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Run a search on one thread: for a few queries, waking FAISS's OpenMP threads (which
    contend with the encoder's own threads) costs more than it saves, about 2x on 2 cores."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return search()
    finally:
        faiss.omp_set_num_threads(threads)


class FaissBackend:
    """FAISS inner-product index wrapped in an id map."""

    name = "faiss"

    def __init__(self, dim: int, expected: int = 0, exact_threshold: int = 50_000) -> None:
        self.dim = dim
        self._params: dict[str, Any]
        if expected < exact_threshold:
            self._params = {"index_type": "flat"}
            inner: faiss.Index = faiss.IndexFlatIP(dim)
        else:
            hnsw = hnsw_parameters(expected)
            self._params = {"index_type": "hnsw", "expected": expected, **hnsw}
            inner = faiss.IndexHNSWFlat(dim, hnsw["M"], faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = hnsw["ef_construction"]
            inner.hnsw.efSearch = hnsw["ef_search"]
        self._index = faiss.IndexIDMap2(inner)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _ids(self) -> np.ndarray:
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids."""
        ids, vectors = check_batch(ids, vectors, self.dim)
        if len(self) and np.isin(ids, self._ids()).any():
            raise ValueError("some ids are already in the index")
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        """Remove by id; graph indexes are rebuilt without the removed vectors."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if self._params["index_type"] == "flat":
            return int(self._index.remove_ids(ids))  # type: ignore[arg-type]
        current = self._ids()
        keep = ~np.isin(current, ids)
        if keep.all():
            return 0
        vectors = np.stack([self._index.reconstruct(int(i)) for i in current[keep]])
        rebuilt = FaissBackend(self.dim, int(self._params["expected"]), exact_threshold=0)
        rebuilt.add(current[keep], vectors)
        self._index = rebuilt._index
        return int((~keep).sum())

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product; ids of -1 where fewer than k vectors exist."""
        queries = check_queries(queries, self.dim)
        if k <= 0 or len(self) == 0:
            shape = (len(queries), max(k, 0))
            return np.full(shape, -np.inf, np.float32), np.full(shape, -1, np.int64)
        if len(queries) >= PARALLEL_QUERIES:
            scores, ids = self._index.search(queries, k)
        else:
            scores, ids = _single_threaded(lambda: self._index.search(queries, k))
        scores[ids < 0] = -np.inf
        return scores, ids

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors by id."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            return np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32)
        except RuntimeError as exc:
            raise KeyError("some ids are not in the index") from exc

    def parameters(self) -> dict[str, Any]:
        """Index type and its parameters."""
        return dict(self._params)

    def save(self, directory: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the FAISS file and the manifest."""
        atomic_write(directory / INDEX_FILE, lambda p: faiss.write_index(self._index, p))
        write_manifest(directory, self, extra)

    @classmethod
    def load(cls, directory: Path, manifest: dict[str, Any]) -> "FaissBackend":
        """Read an index written by save()."""
        backend = cls(int(manifest["dimension"]))
        backend._params = dict(manifest["parameters"])
        backend._index = faiss.read_index(str(directory / INDEX_FILE))  # type: ignore[assignment]
        if backend._params["index_type"] == "hnsw":
            inner = faiss.downcast_index(backend._index.index)
            inner.hnsw.efSearch = backend._params["ef_search"]  # type: ignore[attr-defined]
        return backend
