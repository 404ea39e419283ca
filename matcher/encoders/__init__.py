"""Text encoders: one interface, real models and a deterministic fake for tests."""

from matcher.encoders.base import Encoder
from matcher.encoders.factory import create_encoder

__all__ = ["Encoder", "create_encoder"]
