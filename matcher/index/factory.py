"""Creates the configured vector backend and loads a saved one from its manifest."""

from pathlib import Path

from matcher.index.base import VectorBackend, read_manifest
from matcher.settings import IndexSettings


def create_backend(settings: IndexSettings, dim: int, expected: int) -> VectorBackend:
    """A new, empty backend sized for about `expected` vectors."""
    if settings.backend == "exact":
        from matcher.index.exact import ExactBackend

        return ExactBackend(dim)
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
    raise ValueError(f"unknown vector backend '{manifest['backend']}' in {directory}")
