"""An IVF index holds vectors by position and maps positions to ids itself. Its lists hold
the vectors in float16 for the search, and its float32 vectors are kept apart by position for
fetching; it finds what float32 lists find. Indexes saved with float32 lists (with or without
the ids file) still load and answer as before."""

from pathlib import Path

import faiss
import numpy as np
import pytest

from matcher.encoders.base import normalise
from matcher.index import load_backend
from matcher.index.faiss import EXACT_FILE, IDS_FILE, FaissBackend

DIM = 32
N = 900


def ivf(codes: bool = True) -> FaissBackend:
    backend = FaissBackend(DIM, expected=N, exact_threshold=100, ivf_threshold=100)
    if not codes:  # as indexes were built before their lists held codes
        backend._params.pop("codes")
    return backend


def catalogue(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ids out of order and with gaps, as item positions of one language are."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(5 * N), N, replace=False).astype(np.int64)
    return ids, normalise(rng.normal(size=(N, DIM)))


def queries(seed: int = 1, n: int = 40) -> np.ndarray:
    return normalise(np.random.default_rng(seed).normal(size=(n, DIM)))


def ids_inside(backend: FaissBackend, ids: np.ndarray, vectors: np.ndarray) -> FaissBackend:
    """The same trained float32 lists, holding the ids inside with a hash table (the oldest
    layout)."""
    old = FaissBackend(DIM)
    old._params = backend.parameters()
    index = faiss.clone_index(backend._index)
    index.reset()
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    old._index = index
    return old


def float32_twin(backend: FaissBackend, vectors: np.ndarray) -> faiss.IndexIVFFlat:
    """Float32 lists on the same trained centroids, holding the same vectors by position."""
    index = backend._index
    twin = faiss.IndexIVFFlat(
        faiss.clone_index(index.quantizer), DIM, index.nlist, faiss.METRIC_INNER_PRODUCT
    )
    twin.add(vectors)
    twin.nprobe = index.nprobe
    return twin


def test_float16_lists_find_what_float32_lists_find(tmp_path: Path) -> None:
    ids, vectors = catalogue()
    backend = ivf()
    backend.add(ids[:500], vectors[:500])
    backend.add(ids[500:], vectors[500:])  # a second batch continues the positions
    assert isinstance(backend._index, faiss.IndexIVFScalarQuantizer)
    assert backend.parameters()["codes"] == "fp16"
    backend._set_search_parameter(4)  # of 12 lists: what is found depends on the lists probed
    picked = ids[[7, 3, 899, 7]]
    assert np.array_equal(backend.vectors(picked), vectors[[7, 3, 899, 7]])  # not decoded
    twin = float32_twin(backend, vectors)
    asked = queries()
    for k in (1, 10, N + 5):  # more than are held: -1 ids, -inf scores
        scores, found = backend.search(asked, k)
        _, positions = twin.search(asked, k)
        held = positions >= 0
        assert np.array_equal(np.sort(found, axis=1), np.sort(np.where(held, ids[positions], -1)))
        assert (found[~held] == -1).all() and np.isneginf(scores[~held]).all()
        assert (scores[:, :-1] >= scores[:, 1:]).all()  # best first by the float16 scores
        at = {i: row for row, i in enumerate(ids.tolist())}
        for row in range(len(asked)):
            got = np.array([at[i] for i in found[row][held[row]].tolist()], dtype=np.int64)
            exact = vectors[got] @ asked[row]
            np.testing.assert_allclose(scores[row][held[row]], exact, rtol=0, atol=1e-3)
    assert sorted(backend._ids().tolist()) == sorted(ids.tolist())

    backend.save(tmp_path / "index")
    assert (tmp_path / "index" / EXACT_FILE).exists() and (tmp_path / "index" / IDS_FILE).exists()
    loaded = load_backend(tmp_path / "index")
    for got, want in zip(loaded.search(asked, 10), backend.search(asked, 10), strict=True):
        assert np.array_equal(got, want)
    assert np.array_equal(loaded.vectors(picked), vectors[[7, 3, 899, 7]])


def test_removal_keeps_the_float32_vectors_and_the_lists(tmp_path: Path) -> None:
    ids, vectors = catalogue(2)
    backend = ivf()
    backend.add(ids, vectors)
    backend.save(tmp_path / "index")
    loaded = load_backend(tmp_path / "index")
    gone = ids[::3]
    assert loaded.remove(np.concatenate([gone, [10**9]])) == len(gone)
    assert loaded.remove(gone) == 0
    kept = np.ones(N, dtype=bool)
    kept[::3] = False
    assert len(loaded) == kept.sum()
    asked = queries(3, 20)
    scores, found = loaded.search(asked, 50)
    assert not np.isin(found, gone).any()
    assert np.array_equal(loaded.vectors(ids[kept]), vectors[kept])
    fresh = FaissBackend(DIM)  # the same trained lists holding only the kept vectors
    fresh._params = loaded.parameters()
    fresh._index = faiss.clone_index(backend._index)
    fresh._index.reset()
    fresh._index.add(vectors[kept])
    fresh._hold(ids[kept])
    fresh._exact = vectors[kept]
    assert np.array_equal(found, fresh.search(asked, 50)[1])
    with pytest.raises(KeyError):
        loaded.vectors(gone[:1])
    loaded.save(tmp_path / "after")
    assert np.array_equal(load_backend(tmp_path / "after").search(asked, 50)[1], found)


def test_float32_lists_by_position_still_load_and_answer(tmp_path: Path) -> None:
    ids, vectors = catalogue(4)
    backend = ivf(codes=False)
    backend.add(ids, vectors)
    assert backend._index.direct_map.type == faiss.DirectMap.Array
    old = ids_inside(backend, ids, vectors)
    asked = queries(5)
    for k in (1, 10, N + 5):
        got, want = backend.search(asked, k), old.search(asked, k)
        assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])
    backend.save(tmp_path / "positions")
    assert not (tmp_path / "positions" / EXACT_FILE).exists()
    reloaded = load_backend(tmp_path / "positions")
    assert np.array_equal(reloaded.search(asked, 10)[1], old.search(asked, 10)[1])
    assert reloaded.remove(ids[:100]) == 100
    assert np.array_equal(reloaded.vectors(ids[100:110]), vectors[100:110])
    assert not np.isin(reloaded.search(asked, 50)[1], ids[:100]).any()


def test_ids_inside_still_load_and_answer(tmp_path: Path) -> None:
    ids, vectors = catalogue(6)
    backend = ivf(codes=False)
    backend.add(ids, vectors)
    old = ids_inside(backend, ids, vectors)
    old.save(tmp_path / "old")  # no ids file, no exact file: the oldest layout
    assert not (tmp_path / "old" / IDS_FILE).exists()
    reloaded = load_backend(tmp_path / "old")
    asked = queries(7)
    assert np.array_equal(reloaded.search(asked, 10)[1], old.search(asked, 10)[1])
    assert np.array_equal(reloaded.vectors(ids[[7, 3, 899]]), vectors[[7, 3, 899]])


def test_recall_check_scores_what_float16_lists_found_exactly() -> None:
    ids, vectors = catalogue(8)
    backend = ivf()
    backend.min_recall = 1.0  # raises nprobe to every list: all of the exact top-10 is found
    backend.add(ids, vectors)
    assert backend.parameters()["nprobe"] == backend._index.nlist
    assert backend.parameters()["recall_at_10"] == 1.0
    asked = vectors[:50]
    scores, _ = backend.search(asked, 10)
    _, truth = float32_twin(backend, vectors).search(asked, 10)
    exact = np.take_along_axis(vectors @ asked.T, truth.T, axis=0).T
    assert np.abs(scores - exact).max() > 1e-6  # the lists' own scores are not exact


def test_float16_lists_without_their_float32_vectors_do_not_load(tmp_path: Path) -> None:
    ids, vectors = catalogue(9)
    backend = ivf()
    backend.add(ids, vectors)
    backend.save(tmp_path / "index")
    (tmp_path / "index" / EXACT_FILE).unlink()
    with pytest.raises(FileNotFoundError, match=EXACT_FILE):
        load_backend(tmp_path / "index")
