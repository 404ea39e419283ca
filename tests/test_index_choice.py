"""The FAISS index type follows the collection size; approximate ones are tuned to a recall."""

from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.base import normalise
from matcher.index import create_backend, load_backend
from matcher.index.base import read_manifest
from matcher.index.exact import ExactBackend
from matcher.index.faiss import FaissBackend
from matcher.index.tuning import choose_index, hnsw_parameters, ivf_parameters, recall_at_k
from matcher.settings import IndexSettings

DIM = 16
# Small thresholds so that every type is built from a few thousand vectors.
SMALL = {"exact_threshold": 500, "ivf_threshold": 1500}
SIZES = {"flat": 300, "hnsw": 1000, "ivf": 2000}


def data(n: int, dim: int = DIM, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(10, 10 + n, dtype=np.int64), normalise(rng.normal(size=(n, dim)))


def filled(kind: str) -> tuple[FaissBackend, np.ndarray, np.ndarray]:
    ids, vectors = data(SIZES[kind])
    backend = FaissBackend(DIM, expected=len(ids), **SMALL)
    backend.add(ids, vectors)
    return backend, ids, vectors


def measured_recall(backend: FaissBackend, vectors: np.ndarray, queries: np.ndarray) -> float:
    reference = ExactBackend(vectors.shape[1])
    reference.add(np.arange(len(vectors)), vectors)
    return recall_at_k(backend.search(queries, 10)[0], reference.search(queries, 10)[0])


def test_type_follows_size() -> None:
    for kind, n in SIZES.items():
        assert FaissBackend(DIM, expected=n, **SMALL).parameters()["index_type"] == kind
    assert choose_index(10, 50_000, 200_000) == "flat"
    assert choose_index(100_000, 50_000, 200_000) == "hnsw"
    assert choose_index(1_000_000, 50_000, 200_000) == "ivf"
    assert FaissBackend(DIM, expected=10).parameters() == {"index_type": "flat"}
    sizes = (9_999, 10_000, 10**5, 10**6)
    defaults = [FaissBackend(DIM, expected=n).parameters()["index_type"] for n in sizes]
    assert defaults == ["flat", "ivf", "ivf", "ivf"], "on defaults IVF follows flat directly"
    assert IndexSettings().exact_threshold == IndexSettings().ivf_threshold == 10_000


def test_parameters_grow_with_size() -> None:
    small, large = hnsw_parameters(100_000), hnsw_parameters(2_000_000)
    assert large["M"] > small["M"] and large["ef_search"] > small["ef_search"]
    ivf_small, ivf_large = ivf_parameters(250_000), ivf_parameters(1_000_000)
    assert ivf_large["nlist"] == 2000 and ivf_small["nlist"] == 1000
    assert ivf_large["train_size"] > ivf_small["train_size"]
    tiny = ivf_parameters(600)
    assert tiny["nlist"] == 600 // 39 and tiny["train_size"] == 600


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_parameters_and_recall_reach_the_manifest(kind: str, tmp_path: Path) -> None:
    backend, _, vectors = filled(kind)
    params = backend.parameters()
    assert params["index_type"] == kind and params["expected"] == SIZES[kind]
    assert params["recall_at_10"] >= 0.95 and params["min_recall"] == 0.95
    backend.save(tmp_path)
    assert read_manifest(tmp_path)["parameters"] == params
    loaded = load_backend(tmp_path)
    assert loaded.parameters() == params
    np.testing.assert_array_equal(
        loaded.search(vectors[:9], 5)[1], backend.search(vectors[:9], 5)[1]
    )


def test_recall_check_raises_nprobe() -> None:
    ids, vectors = data(4000, dim=32)
    backend = FaissBackend(32, expected=len(ids), exact_threshold=1, ivf_threshold=1)
    start = ivf_parameters(len(ids))["nprobe"]
    backend.add(ids, vectors)
    params = backend.parameters()
    assert params["nprobe"] > start and params["recall_at_10"] >= 0.95
    queries = normalise(np.random.default_rng(5).normal(size=(100, 32)))
    assert measured_recall(backend, vectors, queries) >= 0.9
    backend._set_search_parameter(start)
    assert measured_recall(backend, vectors, queries) < 0.95, "the start value had to be raised"


def test_recall_check_raises_ef_search(monkeypatch: pytest.MonkeyPatch) -> None:
    low = {"M": 4, "ef_construction": 16, "ef_search": 10}
    monkeypatch.setattr("matcher.index.faiss.hnsw_parameters", lambda n: low)
    ids, vectors = data(3000, dim=32)
    backend = FaissBackend(32, expected=len(ids), exact_threshold=1, ivf_threshold=10**9)
    backend.add(ids, vectors)
    params = backend.parameters()
    assert params["ef_search"] > 10 and params["recall_at_10"] >= 0.95


def test_recall_check_is_bounded() -> None:
    ids, vectors = data(2000)
    backend = FaissBackend(DIM, expected=len(ids), min_recall=1.0, **SMALL)
    backend.add(ids, vectors)
    assert backend.parameters()["nprobe"] <= backend.parameters()["nlist"]


@pytest.mark.parametrize("kind", list(SIZES))
def test_remove_works_on_every_type(kind: str) -> None:
    backend, ids, vectors = filled(kind)
    gone = ids[::7]
    assert backend.remove(gone) == len(gone)
    assert backend.remove(gone) == 0 and backend.remove(np.array([1], np.int64)) == 0
    assert len(backend) == len(ids) - len(gone)
    _, found = backend.search(vectors[::7], 10)
    assert not np.isin(found, gone).any()
    with pytest.raises(KeyError):
        backend.vectors(gone[:1])
    backend.add(gone, vectors[::7])
    assert len(backend) == len(ids)
    assert backend.search(vectors[:1], 1)[1][0, 0] == ids[0]


def test_settings_reach_the_backend() -> None:
    settings = IndexSettings(exact_threshold=100, ivf_threshold=100, min_recall=0.99)
    backend = create_backend(settings, DIM, expected=2000)
    backend.add(*data(2000))
    params = backend.parameters()
    assert params["index_type"] == "ivf" and params["min_recall"] == 0.99
    assert params["recall_at_10"] >= 0.99
