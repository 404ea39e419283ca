"""FAISS backend: exact flat index for small collections, HNSW or IVF above (see tuning.py)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from matcher.files import atomic_write, write_npy
from matcher.index.base import check_batch, check_queries, write_manifest
from matcher.index.tuning import (
    MAX_EF_SEARCH,
    MIN_PER_LIST,
    RECALL_K,
    RECALL_QUERIES,
    choose_index,
    exact_scores_of,
    hnsw_parameters,
    ivf_parameters,
    raise_until,
)

INDEX_FILE = "vectors.faiss"
IDS_FILE = "ids.npy"  # an IVF index's ids, by the position FAISS holds each vector at
EXACT_FILE = "exact.npy"  # an IVF index's float32 vectors, by position (its lists: float16)
PARALLEL_QUERIES = 16
EXACT_THRESHOLD = IVF_THRESHOLD = 10_000
EXACT_CHUNK = 65_536

__all__ = ["FaissBackend", "hnsw_parameters", "ivf_parameters"]


def _single_threaded(
    search: Callable[[], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Run a search on one thread: for a few queries, waking FAISS's OpenMP threads (which
    contend with the encoder's own threads) costs more than it saves."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return search()
    finally:
        faiss.omp_set_num_threads(threads)


class FaissBackend:
    """FAISS inner-product index: flat or HNSW in an id map, or IVF.

    An IVF index holds its vectors under positions 0..n-1 (in the order added); `_held` maps
    positions to ids and back. Its lists hold the vectors in float16, half the bytes to scan; a
    search's scores are those of the float16 vectors (close enough to the exact ones that it
    finds what float32 lists find; the recall check below confirms it). The
    float32 vectors are kept apart in position order, where an entity's texts lie side by side:
    fetching them, which is how a request scores its candidates exactly, reads rows of one
    matrix instead of the lists: faster requests for more memory (docs/benchmarks.md, "Vector
    search", has both). Removing re-adds
    the vectors kept, with the same trained lists. IVF indexes saved with float32 lists (no
    exact file; with or without the ids file) still load and work as before.
    """

    name = "faiss"

    def __init__(
        self,
        dim: int,
        expected: int = 0,
        exact_threshold: int = EXACT_THRESHOLD,
        ivf_threshold: int = IVF_THRESHOLD,
        min_recall: float = 0.95,
    ) -> None:
        self.dim = dim
        self.min_recall = min_recall
        kind = choose_index(expected, exact_threshold, ivf_threshold)
        self._params: dict[str, Any] = {"index_type": kind}
        if kind == "hnsw":
            self._params |= {"expected": expected, **hnsw_parameters(expected)}
        elif kind == "ivf":
            self._params |= {"expected": expected, **ivf_parameters(expected), "codes": "fp16"}
        if kind != "flat":
            self._params["min_recall"] = min_recall
        self._index: Any = self._empty()
        self._checked = 0  # size at the last recall check
        self._held: np.ndarray | None = None  # IVF: the id at each position (None: ids inside)
        self._by_id = np.zeros(0, dtype=np.int64)  # positions in the order of their ids
        self._sorted = np.zeros(0, dtype=np.int64)  # the ids in that order
        self._exact: np.ndarray | None = None  # IVF, float16 lists: the float32 vectors by position

    def _empty(self) -> Any:
        """A new index of the chosen type (IVF untrained: it is trained on the first batch)."""
        kind = self._params["index_type"]
        if kind == "ivf":
            return faiss.IndexIVFFlat(
                faiss.IndexFlatIP(self.dim), self.dim, 1, faiss.METRIC_INNER_PRODUCT
            )
        if kind == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        inner = faiss.IndexHNSWFlat(self.dim, self._params["M"], faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = self._params["ef_construction"]
        inner.hnsw.efSearch = self._params["ef_search"]
        return faiss.IndexIDMap2(inner)

    def _trained_ivf(self, vectors: np.ndarray) -> Any:
        """IVF trained (spherical k-means) on a sample of the first batch.

        A first batch smaller than planned gets fewer lists (at least 39 points each)."""
        nlist = max(1, min(int(self._params["nlist"]), len(vectors) // MIN_PER_LIST))
        size = min(len(vectors), int(self._params["train_size"]))
        pick = np.random.default_rng(0).choice(len(vectors), size, replace=False)
        quantizer = faiss.IndexFlatIP(self.dim)
        metric = faiss.METRIC_INNER_PRODUCT
        index: Any
        if self._params.get("codes") == "fp16":
            codes = faiss.ScalarQuantizer.QT_fp16
            index = faiss.IndexIVFScalarQuantizer(quantizer, self.dim, nlist, codes, metric)
            self._exact = np.zeros((0, self.dim), dtype=np.float32)
        else:
            index = faiss.IndexIVFFlat(quantizer, self.dim, nlist, metric)
            index.set_direct_map_type(faiss.DirectMap.Array)  # type: ignore[attr-defined]
        index.cp.spherical = True
        index.train(vectors[np.sort(pick)])
        index.nprobe = min(int(self._params["nprobe"]), nlist)
        self._params |= {"nlist": nlist, "train_size": size, "nprobe": int(index.nprobe)}
        self._hold(np.zeros(0, dtype=np.int64))
        return index

    def _hold(self, held: np.ndarray) -> None:
        """Set the id at each position of an IVF index."""
        self._held = held
        self._by_id = np.argsort(held, kind="stable")
        self._sorted = held[self._by_id]

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """Where an IVF index holds the vectors of these ids (KeyError: some are not held)."""
        ordered = self._sorted
        at = np.minimum(np.searchsorted(ordered, ids), max(len(ordered) - 1, 0))
        if not len(ordered) or not np.array_equal(ordered[at], ids):
            raise KeyError("some ids are not in the index")
        return self._by_id[at]

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _ids(self) -> np.ndarray:
        if self._params["index_type"] != "ivf":
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        if self._held is not None:
            return self._held.copy()
        lists: Any = self._index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(lists.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids; an approximate index re-checks recall when it has doubled."""
        ids, vectors = check_batch(ids, vectors, self.dim)
        if len(ids) == 0:
            return
        if len(self) and np.isin(ids, self._ids()).any():
            raise ValueError("some ids are already in the index")
        if not self._index.is_trained:
            self._index = self._trained_ivf(vectors)
        if self._held is not None:
            self._index.add(vectors)
            self._hold(np.concatenate([self._held, ids]))
            if self._exact is not None:
                self._exact = np.concatenate([self._exact, vectors])
        else:
            self._index.add_with_ids(vectors, ids)
        if self._params["index_type"] != "flat" and len(self) >= 2 * self._checked:
            self.calibrate()

    def remove(self, ids: np.ndarray) -> int:
        """Remove by id; an HNSW graph is rebuilt without the removed vectors."""
        ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
        kind = self._params["index_type"]
        if kind == "flat":
            return int(self._index.remove_ids(ids))
        if kind == "ivf" and self._held is not None:
            keep = ~np.isin(self._held, ids)
            if keep.all():
                return 0
            kept = self._by_position(np.flatnonzero(keep).astype(np.int64))
            self._index.reset()  # the trained lists stay; positions start again at 0
            self._index.add(kept)
            self._hold(self._held[keep])
            if self._exact is not None:
                self._exact = kept
            return int((~keep).sum())
        if kind == "ivf":
            if len(self) == 0:
                return 0
            selector = faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))
            return int(self._index.remove_ids(selector))
        current = self._ids()
        keep = ~np.isin(current, ids)
        if keep.all():
            return 0
        expected = int(self._params["expected"])
        rebuilt = FaissBackend(self.dim, expected, 0, expected + 1, self.min_recall)
        rebuilt.add(current[keep], self.vectors(current[keep]))
        self._index, self._params = rebuilt._index, rebuilt._params
        self._checked = rebuilt._checked
        return int((~keep).sum())

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product (an IVF index with float16 lists: of those vectors); ids of
        -1 where fewer than k vectors exist."""
        queries = check_queries(queries, self.dim)
        if k <= 0 or len(self) == 0:
            shape = (len(queries), max(k, 0))
            return np.full(shape, -np.inf, np.float32), np.full(shape, -1, np.int64)
        if len(queries) >= PARALLEL_QUERIES:
            scores, ids = self._index.search(queries, k)
        else:
            scores, ids = _single_threaded(lambda: self._index.search(queries, k))
        missing = ids < 0
        scores[missing] = -np.inf
        if self._held is not None:
            ids = np.where(missing, -1, self._held[np.where(missing, 0, ids)])
        return scores, ids

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors by id."""
        ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._held is not None:
            return self._by_position(self._positions(ids))
        try:
            return np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32)
        except RuntimeError as exc:
            raise KeyError("some ids are not in the index") from exc

    def _by_position(self, positions: np.ndarray) -> np.ndarray:
        """An IVF index's vectors at these positions."""
        if self._exact is not None:
            return self._exact.take(positions, axis=0)
        return np.asarray(self._index.reconstruct_batch(positions), dtype=np.float32)

    def calibrate(self) -> float:
        """Measure recall@10 against exact search, using up to 200 stored vectors as queries,
        and raise efSearch / nprobe until it reaches min_recall; returns the recall."""
        kind = self._params["index_type"]
        if kind == "flat" or len(self) == 0:
            return 1.0
        ids = self._ids()
        rng = np.random.default_rng(0)
        queries = self.vectors(np.sort(rng.choice(ids, min(RECALL_QUERIES, len(ids)), False)))
        true_scores = self._exact_scores(ids, queries, min(RECALL_K, len(ids)))
        key = "nprobe" if kind == "ivf" else "ef_search"
        limit = self._index.nlist if kind == "ivf" else max(MAX_EF_SEARCH, self._params[key])
        value, measured = raise_until(
            self._found_exactly, self._set_search_parameter, int(self._params[key]), int(limit),
            queries, true_scores, self.min_recall,
        )  # fmt: skip
        self._params |= {key: value, "recall_at_10": round(measured, 4)}
        self._params["recall_queries"] = len(queries)
        self._checked = len(self)
        return measured

    def _found_exactly(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """`search`, with the exact scores of what it found (see `exact_scores_of`)."""
        _, ids = self.search(queries, k)
        return exact_scores_of(ids, queries, self.vectors), ids

    def _set_search_parameter(self, value: int) -> None:
        if self._params["index_type"] == "ivf":
            self._index.nprobe = value
        else:
            hnsw: Any = faiss.downcast_index(self._index.index)
            hnsw.hnsw.efSearch = value
        self._params["nprobe" if self._params["index_type"] == "ivf" else "ef_search"] = value

    def _exact_scores(self, ids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
        """Exact top-k scores over all stored vectors (faiss.knn, a chunk of stored vectors at
        a time, so they are never all copied at once), best first."""
        best = []
        for start in range(0, len(ids), EXACT_CHUNK):
            chunk = self.vectors(ids[start : start + EXACT_CHUNK])
            scores, _ = faiss.knn(queries, chunk, min(k, len(chunk)), faiss.METRIC_INNER_PRODUCT)
            best.append(scores)
        return -np.sort(-np.concatenate(best, axis=1), axis=1)[:, :k]

    def parameters(self) -> dict[str, Any]:
        """Index type, its parameters and the measured recall."""
        return dict(self._params)

    def save(self, directory: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the FAISS file (an IVF index's ids beside it) and the manifest."""
        atomic_write(directory / INDEX_FILE, lambda p: faiss.write_index(self._index, p))
        if self._held is not None:
            write_npy(directory / IDS_FILE, self._held)
        if self._exact is not None:
            write_npy(directory / EXACT_FILE, self._exact)
        write_manifest(directory, self, extra)

    @classmethod
    def load(cls, directory: Path, manifest: dict[str, Any]) -> "FaissBackend":
        """Read an index written by save()."""
        backend = cls(int(manifest["dimension"]))
        backend._params = dict(manifest["parameters"])
        backend._index = faiss.read_index(str(directory / INDEX_FILE))
        if (directory / IDS_FILE).exists():
            backend._hold(np.load(directory / IDS_FILE))
        if (directory / EXACT_FILE).exists():
            backend._exact = np.load(directory / EXACT_FILE)
        elif backend._params.get("codes") == "fp16":  # its lists alone would give rounded vectors
            raise FileNotFoundError(f"{directory / EXACT_FILE} is missing: build the index again")
        backend.min_recall = float(backend._params.get("min_recall", backend.min_recall))
        backend._checked = len(backend)
        kind = backend._params["index_type"]
        if kind in ("hnsw", "ivf"):
            key = "nprobe" if kind == "ivf" else "ef_search"
            backend._set_search_parameter(int(backend._params[key]))
        return backend
