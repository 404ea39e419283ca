"""An IVF index holds vectors by position (an array lookup when fetching them) and maps
positions to ids itself; it answers exactly as an IVF index holding the ids inside, and
indexes saved that older way still load."""

from pathlib import Path

import faiss
import numpy as np
import pytest

from matcher.encoders.base import normalise
from matcher.index import load_backend
from matcher.index.faiss import IDS_FILE, FaissBackend

DIM = 32
N = 900


def ivf() -> FaissBackend:
    return FaissBackend(DIM, expected=N, exact_threshold=100, ivf_threshold=100)


def catalogue(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ids out of order and with gaps, as item positions of one language are."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(5 * N), N, replace=False).astype(np.int64)
    return ids, normalise(rng.normal(size=(N, DIM)))


def ids_inside(backend: FaissBackend, ids: np.ndarray, vectors: np.ndarray) -> FaissBackend:
    """The same trained lists, holding the ids inside with a hash table (the older layout)."""
    old = FaissBackend(DIM)
    old._params = backend.parameters()
    index = faiss.clone_index(backend._index)
    index.reset()
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    old._index = index
    return old


def test_positions_answer_as_ids_inside(tmp_path: Path) -> None:
    ids, vectors = catalogue()
    backend = ivf()
    backend.add(ids[:500], vectors[:500])
    backend.add(ids[500:], vectors[500:])  # a second batch continues the positions
    assert backend._index.direct_map.type == faiss.DirectMap.Array
    old = ids_inside(backend, ids, vectors)
    queries = normalise(np.random.default_rng(1).normal(size=(40, DIM)))
    for k in (1, 10, N + 5):  # more than are held: -1 ids, -inf scores
        got, want = backend.search(queries, k), old.search(queries, k)
        assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])
    picked = ids[[7, 3, 899, 7]]
    assert np.array_equal(backend.vectors(picked), vectors[[7, 3, 899, 7]])
    assert sorted(backend._ids().tolist()) == sorted(ids.tolist())

    old.save(tmp_path / "old")  # no ids file: the older layout loads as it was
    assert not (tmp_path / "old" / IDS_FILE).exists()
    reloaded = load_backend(tmp_path / "old")
    assert np.array_equal(reloaded.search(queries, 10)[1], old.search(queries, 10)[1])
    assert np.array_equal(reloaded.vectors(picked), vectors[[7, 3, 899, 7]])


def test_positions_survive_save_load_and_removal(tmp_path: Path) -> None:
    ids, vectors = catalogue(2)
    backend = ivf()
    backend.add(ids, vectors)
    backend.save(tmp_path / "index")
    loaded = load_backend(tmp_path / "index")
    queries = normalise(np.random.default_rng(3).normal(size=(20, DIM)))
    assert np.array_equal(loaded.search(queries, 10)[1], backend.search(queries, 10)[1])

    gone = ids[::3]
    assert loaded.remove(np.concatenate([gone, [10**9]])) == len(gone)
    assert loaded.remove(gone) == 0
    kept = np.ones(N, dtype=bool)
    kept[::3] = False
    assert len(loaded) == kept.sum()
    found = loaded.search(queries, 50)[1]
    assert not np.isin(found, gone).any()
    assert np.array_equal(loaded.vectors(ids[kept][:5]), vectors[kept][:5])
    rest = ids_inside(backend, ids[kept], vectors[kept])  # the same lists, the kept vectors
    assert np.array_equal(found, rest.search(queries, 50)[1])
    with pytest.raises(KeyError):
        loaded.vectors(gone[:1])
