"""A 2-D picture of the catalogue: each entity's mean text vector projected with scikit-learn.

With the hybrid encoder only the multilingual part of each vector is used, since Swedish texts
have no English part, and each language's mean vector is taken off (as in calibration.py):
otherwise the Swedish and the English entities form two islands. Up to TSNE_LIMIT entities are
laid out with t-SNE (after PCA to 50 dimensions), which keeps neighbourhoods, so clusters of
the ecosystem show; larger catalogues get a plain 2-D PCA, which is fast at any size.
"""

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from matcher.served import Loaded

TSNE_LIMIT = 3000


def entity_vectors(loaded: Loaded, skip: int = 0) -> tuple[list[str], np.ndarray]:
    """Each indexed entity's mean text vector less its language's mean vector (first `skip`
    dimensions left out), so entities sit by topic rather than by language."""
    ids = sorted(loaded.retriever.positions)
    rows = []
    for entity_id in ids:
        positions = loaded.retriever.positions[entity_id]
        language = loaded.snapshot.items[int(positions[0])].language
        shard = loaded.snapshot.shards[language]
        vectors = shard.backend.vectors(positions)[:, skip:]
        mean = vectors.mean(axis=0) - shard.mean[skip:]
        rows.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    return ids, np.array(rows)


def layout(vectors: np.ndarray) -> tuple[np.ndarray, str]:
    """2-D coordinates scaled to 0..1, and the method used."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    n = len(vectors)
    if n < 3:
        return np.full((n, 2), 0.5), "none"
    if n <= TSNE_LIMIT:
        reduced = PCA(n_components=min(50, n - 1), random_state=0).fit_transform(vectors)
        perplexity = float(min(30, max(2, (n - 1) // 4)))
        points = TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=0, metric="cosine"
        ).fit_transform(reduced)
        method = "t-SNE"
    else:
        points = PCA(n_components=2, random_state=0).fit_transform(vectors)
        method = "PCA"
    low, high = points.min(axis=0), points.max(axis=0)
    return (points - low) / np.maximum(high - low, 1e-12), method


def catalogue_map(loaded: Loaded, skip: int = 0) -> dict[str, Any]:
    """Points with id, name, kind, first area, disciplines and x, y."""
    ids, vectors = entity_vectors(loaded, skip)
    points, method = layout(vectors)
    out = []
    for entity_id, (x, y) in zip(ids, points, strict=True):
        entity = loaded.entities.get(entity_id)
        if entity is None:
            continue
        out.append(
            {
                "id": entity_id,
                "name": entity.name,
                "kind": entity.kind,
                "area": entity.areas[0] if entity.areas else "none",
                "disciplines": list(entity.disciplines),
                "x": round(float(x), 4),
                "y": round(float(y), 4),
            }
        )
    return {"method": method, "points": out}


class MapCache:
    """The map of the served snapshot, computed once per snapshot.

    After a rebuild the previous map is answered while the new one is computed in the
    background (t-SNE takes seconds); `drop` forgets it (after an erasure), so a map is never
    answered with an erased entity in it.
    """

    def __init__(self, skip: int = 0) -> None:
        """`skip`: leading vector dimensions left out (the hybrid encoder's English part)."""
        self.skip = skip
        self._map: tuple[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self._mapping = False

    def get(self, loaded: Loaded, current: Callable[[], Loaded]) -> dict[str, Any]:
        """The map of `loaded`, or the previous map while `current()`'s is computed."""
        cached = self._map
        if cached is not None and cached[0] == loaded.name:
            return cached[1]
        if cached is None:
            self._map = (loaded.name, catalogue_map(loaded, self.skip))
            return self._map[1]
        with self._lock:
            start, self._mapping = not self._mapping, True
        if start:

            def project() -> None:
                try:
                    served = current()
                    self._map = (served.name, catalogue_map(served, self.skip))
                finally:
                    self._mapping = False

            threading.Thread(target=project, name="catalogue-map", daemon=True).start()
        return cached[1]

    def drop(self) -> None:
        """Forget the map (it may show erased entities)."""
        self._map = None
