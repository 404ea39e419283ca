"""Vector backends: one interface, exact NumPy search as the reference, FAISS as the default."""

from matcher.index.base import VectorBackend
from matcher.index.factory import create_backend, load_backend

__all__ = ["VectorBackend", "create_backend", "load_backend"]
