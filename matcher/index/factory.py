"""Creates the configured vector backend and loads a saved one from its manifest."""

from pathlib import Path

from matcher.index.base import VectorBackend, read_manifest
from matcher.settings import IndexSettings, get_settings


def create_backend(settings: IndexSettings, dim: int, expected: int) -> VectorBackend:
    """A new, empty backend sized for about `expected` vectors."""
    if settings.backend == "exact":
        from matcher.index.exact import ExactBackend

        return ExactBackend(dim)
    if settings.backend == "qdrant":
        from matcher.index.qdrant import QdrantBackend

        return QdrantBackend(
            dim,
            url=settings.qdrant_url,
            api_key=settings.qdrant_api_key,
            shards=settings.qdrant_shards,
            replicas=settings.qdrant_replicas,
        )
    from matcher.index.faiss import FaissBackend

    return FaissBackend(
        dim,
        expected=expected,
        exact_threshold=settings.exact_threshold,
        ivf_threshold=settings.ivf_threshold,
        min_recall=settings.min_recall,
    )


def load_backend(directory: Path) -> VectorBackend:
    """Load whichever backend wrote the index in `directory`."""
    manifest = read_manifest(directory)
    if manifest["backend"] == "exact":
        from matcher.index.exact import ExactBackend

        return ExactBackend.load(directory, manifest)
    if manifest["backend"] == "faiss":
        from matcher.index.faiss import FaissBackend

        return FaissBackend.load(directory, manifest)
    if manifest["backend"] == "qdrant":
        from matcher.index.qdrant import QdrantBackend

        # an API key is a secret: it comes from the settings, never from the manifest
        cluster = manifest["parameters"].get("mode") == "url"
        api_key = get_settings().index.qdrant_api_key if cluster else None
        return QdrantBackend.load(directory, manifest, api_key=api_key)
    raise ValueError(f"unknown vector backend '{manifest['backend']}' in {directory}")
