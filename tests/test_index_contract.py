"""One contract every vector backend passes; exact NumPy search is the reference."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.base import normalise
from matcher.index import VectorBackend, load_backend
from matcher.index.base import read_manifest
from matcher.index.exact import ExactBackend
from matcher.index.faiss import FaissBackend
from matcher.index.qdrant import QdrantBackend

DIM = 32
N = 600

FACTORIES: dict[str, Callable[[], VectorBackend]] = {
    "exact": lambda: ExactBackend(DIM),
    "faiss-flat": lambda: FaissBackend(DIM, expected=N, exact_threshold=10_000),
    "faiss-hnsw": lambda: FaissBackend(DIM, expected=N, exact_threshold=100),
    "faiss-ivf": lambda: FaissBackend(DIM, expected=N, exact_threshold=100, ivf_threshold=100),
    "qdrant": lambda: QdrantBackend(DIM),
}
# Minimum share of the exact top-10 an implementation must return.
MIN_RECALL = {"exact": 1.0, "faiss-flat": 1.0, "faiss-hnsw": 0.95, "faiss-ivf": 0.95, "qdrant": 1.0}


@pytest.fixture(params=list(FACTORIES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def data(seed: int = 0, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(1000, 1000 + n, dtype=np.int64), normalise(rng.normal(size=(n, DIM)))


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f) & set(t)) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def test_search_agrees_with_exact(kind: str) -> None:
    ids, vectors = data()
    backend = FACTORIES[kind]()
    backend.add(ids, vectors)
    reference = ExactBackend(DIM)
    reference.add(ids, vectors)
    queries = normalise(np.random.default_rng(1).normal(size=(50, DIM)))
    scores, found = backend.search(queries, 10)
    ref_scores, truth = reference.search(queries, 10)
    assert len(backend) == N
    assert recall(found, truth) >= MIN_RECALL[kind]
    assert np.all(np.diff(scores, axis=1) <= 1e-6), "results must be best first"
    if MIN_RECALL[kind] == 1.0:
        np.testing.assert_allclose(scores, ref_scores, atol=1e-5)


def test_a_vector_finds_itself(kind: str) -> None:
    ids, vectors = data()
    backend = FACTORIES[kind]()
    backend.add(ids, vectors)
    _, found = backend.search(vectors[:20], 1)
    assert (found[:, 0] == ids[:20]).mean() >= MIN_RECALL[kind]


def test_fewer_vectors_than_k_pads_with_minus_one(kind: str) -> None:
    ids, vectors = data(n=3)
    backend = FACTORIES[kind]()
    backend.add(ids, vectors)
    scores, found = backend.search(vectors[:1], 5)
    assert sorted(found[0][:3]) == sorted(ids)
    assert list(found[0][3:]) == [-1, -1]
    assert np.isneginf(scores[0][3:]).all()


def test_empty_index_returns_nothing(kind: str) -> None:
    backend = FACTORIES[kind]()
    scores, found = backend.search(np.ones((2, DIM), np.float32), 4)
    assert found.shape == (2, 4) and (found == -1).all()


def test_remove_drops_vectors(kind: str) -> None:
    ids, vectors = data()
    backend = FACTORIES[kind]()
    backend.add(ids, vectors)
    assert backend.remove(ids[:10]) == 10
    assert backend.remove(np.array([5], np.int64)) == 0
    _, found = backend.search(vectors[:10], 5)
    assert not np.isin(found, ids[:10]).any()
    assert len(backend) == N - 10


def test_bad_input_is_refused(kind: str) -> None:
    ids, vectors = data(n=5)
    backend = FACTORIES[kind]()
    with pytest.raises(ValueError, match="ids for"):
        backend.add(ids[:3], vectors)
    with pytest.raises(ValueError, match="duplicate"):
        backend.add(np.array([1, 1, 2, 3, 4]), vectors)
    backend.add(ids, vectors)
    with pytest.raises(ValueError, match="already"):
        backend.add(ids[:1], vectors[:1])
    with pytest.raises(ValueError, match="dimension"):
        backend.search(np.ones((1, DIM + 1), np.float32), 3)


def test_save_and_load_round_trip(kind: str, tmp_path: Path) -> None:
    ids, vectors = data()
    backend = FACTORIES[kind]()
    backend.add(ids, vectors)
    backend.save(tmp_path, extra={"model": "test-model"})
    manifest = read_manifest(tmp_path)
    assert manifest["model"] == "test-model"
    assert manifest["dimension"] == DIM and manifest["count"] == N
    assert manifest["backend"] == backend.name
    assert manifest["parameters"] == backend.parameters()
    assert {"numpy", "faiss", "matcher"} <= set(manifest["versions"])
    loaded = load_backend(tmp_path)
    queries = vectors[:25]
    np.testing.assert_array_equal(loaded.search(queries, 5)[1], backend.search(queries, 5)[1])
    assert not list(tmp_path.glob(".*")), "no temporary files are left behind"


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no index manifest"):
        load_backend(tmp_path)


def test_vectors_by_id(kind: str) -> None:
    ids, vectors = data()
    backend = FACTORIES[kind]()
    backend.add(ids, vectors)
    picked = np.array([ids[5], ids[0], ids[-1]])
    np.testing.assert_allclose(backend.vectors(picked), vectors[[5, 0, -1]], atol=1e-6)
    assert backend.vectors(np.array([], np.int64)).shape == (0, DIM)
    with pytest.raises(KeyError):
        backend.vectors(np.array([7], np.int64))
