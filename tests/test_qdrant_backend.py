"""The Qdrant backend: selected by settings, same answers as FAISS, snapshots that load back."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient

import matcher.index.qdrant as qdrant_module
from matcher.encoders.base import normalise
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.index import create_backend, load_backend
from matcher.index.base import read_manifest
from matcher.index.qdrant import QdrantBackend
from matcher.index.snapshot import current_path
from matcher.schemas import NeedRequest
from matcher.settings import EncoderSettings, IndexSettings, Settings, get_settings
from tests.support.catalogue import write_catalogue

DIM = 16
NEEDS = ["battery recycling black mass", "elderly care robots", "fraud detection for payments"]


def points(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(n, dtype=np.int64), normalise(rng.normal(size=(n, DIM)))


def test_settings_select_qdrant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_INDEX__BACKEND", "qdrant")
    monkeypatch.setenv("MATCHER_INDEX__QDRANT_SHARDS", "3")
    index = Settings().index
    assert (index.backend, index.qdrant_shards, index.qdrant_url) == ("qdrant", 3, None)
    backend = create_backend(index, DIM, expected=10)
    assert isinstance(backend, QdrantBackend)
    assert backend.parameters()["mode"] == "local"
    with pytest.raises(ValueError):
        IndexSettings(backend="qdrant", qdrant_shards=0)


def test_negative_ids_are_rejected() -> None:
    backend = QdrantBackend(DIM)
    ids, vectors = points(3)
    with pytest.raises(ValueError, match="negative"):
        backend.add(np.array([0, -1, 2]), vectors)
    assert len(backend) == 0
    backend.add(ids, vectors)
    assert backend.remove(np.array([-1], np.int64)) == 0
    with pytest.raises(KeyError):
        backend.vectors(np.array([-1], np.int64))


def test_batches_past_one_request() -> None:
    ids, vectors = points(2 * qdrant_module.BATCH + 7)
    backend = QdrantBackend(DIM)
    backend.add(ids, vectors)
    assert len(backend) == len(ids)
    np.testing.assert_array_equal(backend.vectors(ids[::-1]), vectors[::-1])
    assert backend.remove(ids[: qdrant_module.BATCH + 3]) == qdrant_module.BATCH + 3
    assert len(backend) == len(ids) - qdrant_module.BATCH - 3


def test_saved_index_loads_into_a_fresh_backend(tmp_path: Path) -> None:
    ids, vectors = points()
    backend = QdrantBackend(DIM)
    backend.add(ids, vectors)
    backend.save(tmp_path, extra={"model": "m"})
    backend.close()
    queries = normalise(np.random.default_rng(1).normal(size=(20, DIM)))
    first, second = load_backend(tmp_path), load_backend(tmp_path)  # no file lock is held
    assert isinstance(first, QdrantBackend)
    assert first.parameters() == read_manifest(tmp_path)["parameters"]
    for loaded in (first, second):
        np.testing.assert_array_equal(loaded.search(queries, 7)[1], ids_of(vectors, queries, 7))
    np.testing.assert_array_equal(first.search(queries, 7)[0], second.search(queries, 7)[0])


def ids_of(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k positions (= ids here)."""
    return np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """get_settings() reads the environment again during the test and after it."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_cluster_mode_keeps_points_in_the_cluster(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """URL mode, with an in-memory client standing in for the cluster."""
    cluster = QdrantClient(":memory:")
    calls: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    real_create = cluster.create_collection

    def connect(*args: Any, **kwargs: Any) -> QdrantClient:
        calls.append(kwargs)
        return cluster

    def create(name: str, **kwargs: Any) -> bool:
        created.append({"name": name, **kwargs})
        return real_create(name, vectors_config=kwargs["vectors_config"])

    monkeypatch.setattr(qdrant_module, "QdrantClient", connect)
    monkeypatch.setattr(cluster, "create_collection", create)
    monkeypatch.setenv("MATCHER_INDEX__QDRANT_API_KEY", "secret")
    url = "http://qdrant:6333"
    settings = IndexSettings(
        backend="qdrant",
        qdrant_url=url,
        qdrant_api_key="secret",
        qdrant_shards=4,
        qdrant_replicas=2,
    )
    ids, vectors = points()
    backend = create_backend(settings, DIM, expected=len(ids))
    backend.add(ids, vectors)
    backend.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
    assert "secret" not in (tmp_path / "manifest.json").read_text()
    assert created[0]["shard_number"] == 4 and created[0]["replication_factor"] == 2
    assert calls[0] == {"url": url, "api_key": "secret"}
    loaded = load_backend(tmp_path)
    assert calls[-1] == {"url": url, "api_key": "secret"}
    assert len(loaded) == len(ids) and len(created) == 1, "load reconnects, creates nothing"
    np.testing.assert_array_equal(
        loaded.search(vectors[:5], 3)[1], backend.search(vectors[:5], 3)[1]
    )
    other = create_backend(settings, DIM, expected=1)
    assert other.parameters()["collection"] != backend.parameters()["collection"]


def build(folder: Path, index: IndexSettings) -> Matcher:
    settings = Settings(data_dir=folder / "data", encoder=EncoderSettings(name="fake"), index=index)
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(folder / "catalogue.jsonl")))
    return matcher


def ranked(matcher: Matcher) -> list[list[str]]:
    responses = [matcher.recommend(NeedRequest(need=n, top_k=20), record=False) for n in NEEDS]
    return [[r.id for r in response.results + response.testbeds] for response in responses]


def test_engine_on_qdrant_ranks_like_faiss(tmp_path: Path) -> None:
    faiss = build(tmp_path / "faiss", IndexSettings(backend="faiss"))
    qdrant = build(tmp_path / "qdrant", IndexSettings(backend="qdrant"))
    folder = current_path(qdrant.index_dir)
    assert folder is not None
    assert {read_manifest(s)["backend"] for s in (folder / "shards").iterdir()} == {"qdrant"}
    expected = ranked(faiss)
    assert all(expected) and ranked(qdrant) == expected
    reopened = Matcher(qdrant.settings, encoder=FakeEncoder())  # loads the saved snapshot
    assert ranked(reopened) == expected
    qdrant.build(str(tmp_path / "qdrant" / "catalogue.jsonl"))  # a rebuild replaces the snapshot
    assert ranked(qdrant) == expected
