"""Qdrant backend: a cluster for collections past one machine, local mode in memory elsewhere.

Two modes:
- URL mode (`url` set): the points live in a Qdrant server or cluster, in a collection named
  once per backend (a uuid), so a rebuild never touches the collection live queries use.
  `save` writes only the manifest; loading reconnects to the same collection. Collections of
  replaced snapshots are not dropped from the cluster.
- Local mode (no `url`): an in-process `QdrantClient(":memory:")`, exact brute-force search in
  NumPy; `save` writes the points as ids.npy and vectors.npy, loading upserts them into a
  fresh in-memory collection. Meant for tests and small catalogues: qdrant-client's local
  mode validates every point in Python, which is slow to add or load at scale.

Why not `QdrantClient(path=...)` for local mode: it holds an exclusive file lock on its folder
for as long as the client lives (a second load of the same snapshot, in this process or in
another one such as the CLI beside the server, fails), and it commits every point separately
with an fsync, as a pickle. Plain .npy files hold no lock.
"""

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from matcher.files import write_npy
from matcher.index.base import check_batch, check_queries, write_manifest

BATCH = 1000  # points per upsert, retrieve or delete request
QUERY_BATCH = 256  # queries per batch search request


def _chunks(array: np.ndarray, size: int = BATCH) -> Iterator[np.ndarray]:
    for start in range(0, len(array), size):
        yield array[start : start + size]


class QdrantBackend:
    """Dot-product search over normalised vectors in a Qdrant collection."""

    name = "qdrant"

    def __init__(
        self,
        dim: int,
        url: str | None = None,
        api_key: str | None = None,
        shards: int = 1,
        replicas: int = 1,
        collection: str | None = None,
        existing: bool = False,
    ) -> None:
        self.dim = dim
        self.url = url
        self.shards, self.replicas = shards, replicas
        self.collection = collection or f"matcher-{uuid.uuid4().hex}"
        if url is None:
            self._client = QdrantClient(":memory:")
        else:
            self._client = QdrantClient(url=url, api_key=api_key)
        if not existing:
            self._create_collection()
        self._count = int(self._client.count(self.collection, exact=True).count)

    def _create_collection(self) -> None:
        vectors = models.VectorParams(size=self.dim, distance=models.Distance.DOT)
        if self.url is None:  # local mode has no shards or replicas
            self._client.create_collection(self.collection, vectors_config=vectors)
            return
        self._client.create_collection(
            self.collection,
            vectors_config=vectors,
            shard_number=self.shards,
            replication_factor=self.replicas,
        )

    def __len__(self) -> int:
        return self._count

    def _present(self, ids: np.ndarray) -> np.ndarray:
        """Those of `ids` that are points of the collection."""
        found: list[int] = []
        for chunk in _chunks(ids[ids >= 0]):
            points = self._client.retrieve(
                self.collection, chunk.tolist(), with_payload=False, with_vectors=False
            )
            found.extend(int(p.id) for p in points)
        return np.array(found, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Upsert vectors under new, non-negative ids, in batches."""
        ids, vectors = check_batch(ids, vectors, self.dim)
        if (ids < 0).any():
            raise ValueError("Qdrant point ids must not be negative")
        if self._count and len(self._present(ids)):
            raise ValueError("some ids are already in the index")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Local mode is not recommended")
            for start in range(0, len(ids), BATCH):
                batch = models.Batch(
                    ids=ids[start : start + BATCH].tolist(),
                    vectors=vectors[start : start + BATCH].tolist(),
                )
                self._client.upsert(self.collection, points=batch, wait=True)
                self._count += len(batch.ids)

    def remove(self, ids: np.ndarray) -> int:
        """Delete the points among `ids` that exist; returns how many there were."""
        present = self._present(np.unique(np.asarray(ids, dtype=np.int64).reshape(-1)))
        for chunk in _chunks(present):
            selector = models.PointIdsList(points=chunk.tolist())
            self._client.delete(self.collection, points_selector=selector, wait=True)
        self._count -= len(present)
        return len(present)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by dot product, padded with id -1 and score -inf."""
        queries = check_queries(queries, self.dim)
        scores = np.full((len(queries), max(k, 0)), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), max(k, 0)), -1, dtype=np.int64)
        if k <= 0 or self._count == 0:
            return scores, ids
        row = 0
        for chunk in _chunks(queries, QUERY_BATCH):
            requests = [
                models.QueryRequest(query=q.tolist(), limit=k, with_payload=False) for q in chunk
            ]
            for response in self._client.query_batch_points(self.collection, requests):
                hits = response.points[:k]
                scores[row, : len(hits)] = [p.score for p in hits]
                ids[row, : len(hits)] = [int(p.id) for p in hits]
                row += 1
        return scores, ids

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors in the order asked; KeyError for an unknown id."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if (ids < 0).any():
            raise KeyError("some ids are not in the index")
        stored: dict[int, Any] = {}
        for chunk in _chunks(np.unique(ids)):
            points = self._client.retrieve(
                self.collection, chunk.tolist(), with_payload=False, with_vectors=True
            )
            stored.update((int(p.id), p.vector) for p in points)
        if not all(int(i) in stored for i in ids):
            raise KeyError("some ids are not in the index")
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for row, i in enumerate(ids):
            out[row] = stored[int(i)]
        return out

    def _all(self) -> tuple[np.ndarray, np.ndarray]:
        """Every point's id and vector, ordered by id (local mode: one page, since each page
        of a local scroll sorts all ids again)."""
        found: list[int] = []
        rows: list[Any] = []
        offset: Any = None
        while True:
            points, offset = self._client.scroll(
                self.collection, limit=max(self._count, 1), offset=offset, with_vectors=True
            )
            found.extend(int(p.id) for p in points)
            rows.extend(p.vector for p in points)
            if offset is None:
                break
        ids = np.array(found, dtype=np.int64)
        vectors = np.array(rows, dtype=np.float32).reshape(-1, self.dim)
        order = np.argsort(ids, kind="stable")
        return ids[order], vectors[order]

    def parameters(self) -> dict[str, Any]:
        """Collection name and where it lives (cluster URL with shards and replicas, or local)."""
        params: dict[str, Any] = {
            "index_type": "qdrant",
            "distance": "dot",
            "collection": self.collection,
        }
        if self.url is None:
            return {**params, "mode": "local"}
        cluster = {"url": self.url, "shards": self.shards, "replicas": self.replicas}
        return {**params, "mode": "url", **cluster}

    def save(self, directory: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the manifest; in local mode also the points as ids.npy and vectors.npy."""
        if self.url is None:
            ids, vectors = self._all()
            write_npy(directory / "ids.npy", ids)
            write_npy(directory / "vectors.npy", vectors)
        write_manifest(directory, self, extra)

    @classmethod
    def load(
        cls, directory: Path, manifest: dict[str, Any], api_key: str | None = None
    ) -> "QdrantBackend":
        """Reconnect to the cluster collection, or rebuild the local one from its files."""
        params = manifest["parameters"]
        dim = int(manifest["dimension"])
        if params["mode"] == "url":
            return cls(
                dim,
                url=params["url"],
                api_key=api_key,
                shards=int(params["shards"]),
                replicas=int(params["replicas"]),
                collection=params["collection"],
                existing=True,
            )
        backend = cls(dim, collection=params["collection"])
        backend.add(np.load(directory / "ids.npy"), np.load(directory / "vectors.npy"))
        return backend

    def close(self) -> None:
        """Close the client's connections."""
        self._client.close()
