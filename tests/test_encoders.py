"""The fake encoder and the embedding cache."""

from pathlib import Path

import numpy as np

from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.fake import FakeEncoder


class CountingEncoder(FakeEncoder):
    """Counts how many document texts reach the model."""

    def __init__(self) -> None:
        super().__init__()
        self.documents = 0

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        self.documents += len(texts)
        return super().encode_documents(texts)


def test_fake_encoder_is_deterministic_and_normalised() -> None:
    encoder = FakeEncoder()
    first = encoder.encode_documents(["battery recycling", "elderly care"])
    again = FakeEncoder().encode_documents(["battery recycling", "elderly care"])
    assert first.dtype == np.float32 and first.shape == (2, encoder.dim)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)


def test_fake_encoder_relates_shared_words() -> None:
    encoder = FakeEncoder()
    query = encoder.encode_queries(["recycling batteries"])[0]
    docs = encoder.encode_documents(["battery recycling pilot", "elderly care robots"])
    assert docs[0] @ query > docs[1] @ query


def test_cache_encodes_each_text_once(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    encoder = CachedEncoder(inner, cache)
    texts = ["alpha beta", "gamma delta", "alpha beta"]
    first = encoder.encode_documents(texts)
    assert inner.documents == 2
    second = encoder.encode_documents(texts)
    assert inner.documents == 2
    np.testing.assert_array_equal(first, second)
    assert cache.count(inner.model_id) == 2


def test_cache_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    CachedEncoder(FakeEncoder(), EmbeddingCache(path)).encode_documents(["one text"])
    inner = CountingEncoder()
    CachedEncoder(inner, EmbeddingCache(path)).encode_documents(["one text", "two text"])
    assert inner.documents == 1


def test_cache_is_keyed_by_model(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    CachedEncoder(FakeEncoder(dim=32), cache).encode_documents(["shared text"])
    other = CachedEncoder(FakeEncoder(dim=64), cache)
    assert other.encode_documents(["shared text"]).shape == (1, 64)
    assert other.misses == 1


class CountingQueries(FakeEncoder):
    """Records each batch of needs that reaches the model."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return super().encode_queries(texts)


def test_recent_needs_are_kept_up_to_the_limit(tmp_path: Path) -> None:
    inner = CountingQueries()
    encoder = CachedEncoder(inner, EmbeddingCache(tmp_path / "cache.sqlite"), recent=2)
    first = encoder.encode_queries(["a need", "b need", "a need"])
    assert inner.batches == [["a need", "b need"]]
    np.testing.assert_array_equal(first[0], first[2])
    encoder.encode_queries(["a need"])  # a hit: the most recent now
    encoder.encode_queries(["c need"])  # evicts "b need", the least recent
    encoder.encode_queries(["a need", "b need"])
    assert inner.batches == [["a need", "b need"], ["c need"], ["b need"]]
    np.testing.assert_array_equal(encoder.encode_queries(["a need"])[0], first[0])


def test_no_recent_needs_encodes_every_text_once_per_call(tmp_path: Path) -> None:
    inner = CountingQueries()
    encoder = CachedEncoder(inner, EmbeddingCache(tmp_path / "cache.sqlite"), recent=0)
    for _ in range(2):
        vectors = encoder.encode_queries(["a need", "a need", "b need"])
        assert vectors.shape == (3, inner.dim)
    assert inner.batches == [["a need", "b need"]] * 2
    assert encoder.encode_queries([]).shape == (0, inner.dim)
