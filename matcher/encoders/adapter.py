"""An English part for Swedish text: a linear map from the multilingual model's vector of a
Swedish text to the English model's vector of the same text in English.

The hybrid encoder leaves the English part of Swedish text empty, since the English model cannot
read Swedish; a Swedish need then meets English profiles through the multilingual model alone,
and finds the right people less often than the same need in English. SweCRIS holds thousands of
grants described in both languages: on the dev split's pairs, a ridge regression learns the
matrix from e5 vectors of the Swedish abstracts to MiniLM vectors of the English ones (a small
form of multilingual knowledge distillation, a student mapping Swedish into the English
teacher's space). The matrix is a versioned artefact under models/adapter (matrix.npy and its
manifest), 384 x 384 floats.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.encoders.base import normalise
from matcher.files import write_manifest, write_npy

FOLDER = "adapter"


@dataclass
class Adapter:
    """The map for needs (query vectors) and for catalogue texts (document vectors)."""

    queries: np.ndarray
    documents: np.ndarray
    version: str

    def english(self, vectors: np.ndarray, query: bool) -> np.ndarray:
        """The English part of Swedish texts, from their multilingual vectors."""
        matrix = self.queries if query else self.documents
        return normalise((vectors @ matrix).astype(np.float32))


def fit_matrix(source: np.ndarray, target: np.ndarray, ridge: float) -> np.ndarray:
    """The ridge-regression matrix from source rows to target rows."""
    gram = source.T @ source + ridge * np.eye(source.shape[1])
    return np.linalg.solve(gram, source.T @ target).astype(np.float32)


def save(models_dir: Path, adapter: Adapter, manifest: dict[str, Any]) -> Path:
    """Write both matrices and the manifest."""
    folder = models_dir / FOLDER
    write_npy(folder / "queries.npy", adapter.queries)
    write_npy(folder / "documents.npy", adapter.documents)
    write_manifest(folder, {**manifest, "version": adapter.version})
    return folder


def load(models_dir: Path) -> Adapter | None:
    """The saved adapter, or None where there is none (or it cannot be read)."""
    folder = models_dir / FOLDER
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        queries = np.load(folder / "queries.npy")
        documents = np.load(folder / "documents.npy")
    except (OSError, ValueError):
        return None
    if queries.ndim != 2 or queries.shape != documents.shape:
        return None
    return Adapter(queries, documents, str(manifest.get("version", "")))
