"""Embedding cache keyed by model id and text hash, so an unchanged text is never encoded twice."""

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from matcher.encoders.base import Encoder
from matcher.files import checkpoint_sqlite
from matcher.text import text_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
)
"""


RECENT_NEEDS = 1024  # need texts whose vectors stay in memory


class EmbeddingCache:
    """Vectors stored in SQLite; one row per (model, text)."""

    def __init__(self, path: Path | None) -> None:
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(SCHEMA)
        self._lock = threading.Lock()

    def get_many(self, model_id: str, hashes: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given text hashes (missing ones are absent)."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):
                chunk = hashes[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT text_hash, vector FROM embeddings "
                    f"WHERE model_id = ? AND text_hash IN ({marks})",
                    [model_id, *chunk],
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        """Store vectors in one transaction."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(model_id, key, np.asarray(v, np.float32).tobytes()) for key, v in items.items()],
            )

    def count(self, model_id: str) -> int:
        """How many vectors are cached for a model."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)
            ).fetchone()
        return int(row[0])

    def delete_hashes(self, hashes: set[str]) -> int:
        """Forget the vectors of these text hashes under every model id (also `#query` keys)."""
        keys = sorted(hashes)
        removed = 0
        with self._lock, self._db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                cursor = self._db.execute(
                    f"DELETE FROM embeddings WHERE text_hash IN ({marks})", chunk
                )
                removed += cursor.rowcount
        return removed

    def checkpoint(self) -> bool:
        """Move the WAL into the database and empty it, so no deleted page lingers there."""
        with self._lock:
            return checkpoint_sqlite(self._db)

    def close(self) -> None:
        """Close the database."""
        self._db.close()


class CachedEncoder:
    """An encoder whose document vectors go through the cache; queries through a small LRU."""

    def __init__(
        self,
        encoder: Encoder,
        cache: EmbeddingCache,
        chunk: int = 64,
        keep_queries: bool = False,
        recent: int = RECENT_NEEDS,
    ) -> None:
        self.inner = encoder
        self.keep_queries = keep_queries
        self.recent = recent
        self.model_id = encoder.model_id
        self.dim = encoder.dim
        self.cache = cache
        self.chunk = chunk
        self.hits = 0
        self.misses = 0
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_lock = threading.Lock()

    def forget(self, texts: set[str]) -> None:
        """Drop these texts from the in-memory query cache (the SQLite one is erased apart)."""
        with self._query_lock:
            for text in texts:
                self._queries.pop(text, None)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs, reusing recent ones (and stored ones, when keep_queries is set)."""
        if self.keep_queries:
            query_id = getattr(self.inner, "query_id", self.model_id)  # the engine of needs
            return self._encode_cached(texts, f"{query_id}#query", self.inner.encode_queries)
        with self._query_lock:
            known = {t: self._queries[t] for t in dict.fromkeys(texts) if t in self._queries}
            for text in known:
                self._queries.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known |= dict(zip(missing, self.inner.encode_queries(missing), strict=True))
            with self._query_lock:
                self._queries.update((text, known[text]) for text in missing)
                while len(self._queries) > self.recent:
                    self._queries.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([known[t] for t in texts])

    def encode_documents(
        self, texts: list[str], progress: bool = False, languages: list[str] | None = None
    ) -> np.ndarray:
        """Encode catalogue texts, only those not in the cache, with an optional progress bar.

        `languages` is accepted for the hybrid encoder's sake; one model ignores it.
        """
        return self._encode_cached(texts, self.model_id, self.inner.encode_documents, progress)

    def _encode_cached(
        self,
        texts: list[str],
        key: str,
        encode: Callable[[list[str]], np.ndarray],
        progress: bool = False,
    ) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        found = self.cache.get_many(key, list(dict.fromkeys(hashes)))
        todo = {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}
        self.hits += len(texts) - sum(h in todo for h in hashes)
        self.misses += len(todo)
        keys = list(todo)
        bar = tqdm(total=len(keys), desc="encoding", unit="text", disable=not progress or not keys)
        for start in range(0, len(keys), self.chunk):
            batch = keys[start : start + self.chunk]
            vectors = encode([todo[k] for k in batch])
            fresh = dict(zip(batch, vectors, strict=True))
            self.cache.put_many(key, fresh)
            found.update(fresh)
            bar.update(len(batch))
        bar.close()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[h] for h in hashes]).astype(np.float32, copy=False)
