"""A deterministic bag-of-stems encoder: fast, no model, overlap in words means similarity."""

import hashlib

import numpy as np

from matcher.encoders.base import normalise
from matcher.text import stems


class FakeEncoder:
    """Hashes word stems into a fixed number of dimensions; for unit tests only."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"fake-hashing-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for token in stems(text):
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] % 2 == 0 else -1.0
            vector[slot] += sign
        return vector

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(np.stack([self._vector(t) for t in texts]))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Queries and documents share one space here."""
        return self._encode(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Queries and documents share one space here."""
        return self._encode(texts)
