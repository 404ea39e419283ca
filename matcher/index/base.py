"""The vector backend interface and the checks and manifest its implementations share."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from matcher.files import write_json

MANIFEST = "manifest.json"


@runtime_checkable
class VectorBackend(Protocol):
    """Inner-product search over normalised vectors with int64 ids."""

    name: str
    dim: int

    def __len__(self) -> int:
        """Number of vectors held."""
        ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given ids (ids must be new)."""
        ...

    def remove(self, ids: np.ndarray) -> int:
        """Remove vectors by id; returns how many were removed."""
        ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query, best first; missing slots have id -1."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of the given ids (KeyError for an unknown id)."""
        ...

    def parameters(self) -> dict[str, Any]:
        """Index type and parameters, for the manifest."""
        ...

    def save(self, directory: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the index and its manifest.json into a directory."""
        ...


def check_batch(ids: np.ndarray, vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert an (ids, vectors) batch."""
    ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim)
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("duplicate ids in one batch")
    return ids, vectors


def check_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    """Queries as a contiguous float32 matrix of the right width."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if queries.ndim == 1:
        queries = queries[None, :]
    if queries.shape[1] != dim:
        raise ValueError(f"query dimension {queries.shape[1]} != index dimension {dim}")
    return queries


def write_manifest(directory: Path, backend: VectorBackend, extra: dict[str, Any] | None) -> None:
    """Write manifest.json: model, dimension, backend, parameters, versions, creation time."""
    import faiss

    from matcher import __version__

    manifest = {
        "backend": backend.name,
        "dimension": backend.dim,
        "count": len(backend),
        "parameters": backend.parameters(),
        "versions": {"matcher": __version__, "numpy": np.__version__, "faiss": faiss.__version__},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    write_json(directory / MANIFEST, manifest, sort_keys=True)


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read an index's manifest.json."""
    path = directory / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"no index manifest at {path}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
