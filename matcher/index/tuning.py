"""FAISS index type and parameters derived from the collection size, and the recall check.

Below `exact_threshold` vectors the index is flat (exact), from `ivf_threshold` on IVF (float16
lists, the float32 vectors apart: see faiss.py), HNSW in between. Both thresholds default to
10k, where an exact search of a shard starts to cost a request more than IVF lists do. The
HNSW range is empty: on a few cores an HNSW graph takes many times longer to build than an IVF
index of the same recall and speed, and removing from HNSW means rebuilding the graph, where
IVF removes in place (docs/benchmarks.md, "Vector search", has the figures). HNSW stays
available by raising
`ivf_threshold`. After an approximate index is filled, recall@10 against exact search is
measured on a sample of the stored vectors used as queries, and the search-time parameter
(efSearch or nprobe) is raised step by step until it reaches `min_recall`."""

import math
from collections.abc import Callable

import numpy as np

RECALL_K = 10
RECALL_QUERIES = 200
# Training points per IVF list: k-means needs at least 39 (FAISS warns below that).
TRAIN_PER_LIST = 50
MIN_PER_LIST = 39
MIN_NPROBE = 16
MAX_EF_SEARCH = 4096
Search = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def choose_index(n: int, exact_threshold: int, ivf_threshold: int) -> str:
    """'flat' below exact_threshold, 'ivf' from ivf_threshold on, 'hnsw' between."""
    if n < exact_threshold:
        return "flat"
    return "ivf" if n >= ivf_threshold else "hnsw"


def hnsw_parameters(n: int) -> dict[str, int]:
    """HNSW graph degree and beam widths derived from the collection size."""
    m = 16 if n < 200_000 else 32
    return {
        "M": m,
        "ef_construction": 40 + 4 * m,
        "ef_search": max(64, int(32 * math.log10(max(n, 10)))),
    }


def ivf_parameters(n: int) -> dict[str, int]:
    """IVF lists (about 2·sqrt(n), at least 39 training points each), probes, training sample.

    The starting nprobe is a floor the recall check only raises: stored vectors used as
    queries find their neighbours more easily than new queries do, so held-out queries need
    several times the probes stored ones need (docs/benchmarks.md, "Vector search").
    """
    nlist = max(1, min(int(2 * math.sqrt(n)), n // MIN_PER_LIST))
    return {
        "nlist": nlist,
        "nprobe": min(nlist, max(MIN_NPROBE, nlist // 128)),
        "train_size": min(n, TRAIN_PER_LIST * nlist),
    }


def exact_scores_of(
    found: np.ndarray, queries: np.ndarray, vectors: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The exact inner product of each query (row) with each vector it found (ids, -1: none,
    scored -inf), `vectors` giving the stored vectors of ids. Recall counts a found vector tied
    with the k-th exact one as a hit, which an index's own approximate scores (float16 lists:
    the 5th decimal) would miss."""
    held = found >= 0
    scores = np.full(found.shape, -np.inf, dtype=np.float32)
    rows = np.repeat(np.arange(len(queries)), held.sum(axis=1))
    scores[held] = np.einsum("nd,nd->n", vectors(found[held]), queries[rows])
    return scores


def recall_at_k(found_scores: np.ndarray, true_scores: np.ndarray) -> float:
    """Share of the exact top-k found, counting a tie with the k-th exact score as a hit."""
    kth = true_scores[:, -1:]
    hits = np.minimum((found_scores >= kth - 1e-5).sum(axis=1), true_scores.shape[1])
    return float(hits.sum() / true_scores.size)


def raise_until(
    search: Search,
    set_parameter: Callable[[int], None],
    start: int,
    limit: int,
    queries: np.ndarray,
    true_scores: np.ndarray,
    target: float,
) -> tuple[int, float]:
    """Raise a search parameter by a quarter at a time until recall meets the target.

    Stops at `limit`; returns the last parameter and the recall it measured.
    """
    value = min(start, limit)
    while True:
        set_parameter(value)
        scores, _ = search(queries, true_scores.shape[1])
        measured = recall_at_k(scores, true_scores)
        if measured >= target or value >= limit:
            return value, measured
        value = min(limit, max(value + 1, math.ceil(value * 1.25)))
