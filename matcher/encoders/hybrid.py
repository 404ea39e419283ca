"""Two encoders in one space: an English model and a multilingual one, combined by language.

A text's vector is the two normalised vectors side by side, the English part scaled by
sqrt(w) and the multilingual part by sqrt(1 - w), so a dot product is
w * cos_english + (1 - w) * cos_multilingual. Swedish texts, needs and catalogue texts alike,
leave the English part out (the English model cannot read Swedish), so any pair with a Swedish
side is matched by the multilingual model alone; the per-language alignment of the index then
puts the two kinds of score on one footing. With an adapter (adapter.py), a Swedish text gets an
English part after all: its multilingual vector mapped into the English model's space.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from matcher.encoders.adapter import Adapter
from matcher.encoders.cache import CachedEncoder
from matcher.text import guess_language

ENGLISH = ThreadPoolExecutor(4, thread_name_prefix="english")


class HybridEncoder:
    """English and multilingual vectors side by side, weighted, routed by the need's language."""

    def __init__(
        self,
        english: CachedEncoder,
        multilingual: CachedEncoder,
        weight: float,
        adapter: Adapter | None = None,
    ) -> None:
        self.english = english
        self.multilingual = multilingual
        self.weight = weight
        self.adapter = adapter
        self.dim = english.dim + multilingual.dim
        self.model_id = f"hybrid({english.model_id}*{weight:g}+{multilingual.model_id})"
        if adapter is not None:
            self.model_id += f"+adapter:{adapter.version}"

    @property
    def hits(self) -> int:
        """Texts served from the cache (counted once per text)."""
        return self.multilingual.hits

    @property
    def misses(self) -> int:
        """Texts that had to be encoded."""
        return self.multilingual.misses

    def _english(
        self, texts: list[str], weights: np.ndarray, query: bool, progress: bool = False
    ) -> np.ndarray:
        """English vectors for the texts that use them; zeros elsewhere (model not even loaded)."""
        out = np.zeros((len(texts), self.english.dim), dtype=np.float32)
        used = [i for i, w in enumerate(weights) if w > 0]
        if used:
            picked = [texts[i] for i in used]
            if query:
                out[used] = self.english.encode_queries(picked)
            else:
                out[used] = self.english.encode_documents(picked, progress=progress)
        return out

    def _join(
        self,
        english: np.ndarray,
        multilingual: np.ndarray,
        weights: np.ndarray,
        query: bool,
    ) -> np.ndarray:
        """Both parts side by side; a Swedish text's English part from the adapter, if any."""
        swedish = weights == 0
        if self.adapter is not None and swedish.any():
            english = english.copy()
            english[swedish] = self.adapter.english(multilingual[swedish], query)
            weights = np.full(len(weights), self.weight)
        left = english * np.sqrt(weights)[:, None]
        right = multilingual * np.sqrt(1 - self.weight)
        return np.ascontiguousarray(np.hstack([left, right]), dtype=np.float32)

    def _weights(self, texts: list[str]) -> np.ndarray:
        return np.array([0.0 if guess_language(t) == "sv" else self.weight for t in texts])

    def encode_documents(
        self, texts: list[str], progress: bool = False, languages: list[str] | None = None
    ) -> np.ndarray:
        """Both models on English catalogue texts; the multilingual one alone on Swedish ones.

        The language of each text is the one given (its entity's), else guessed from the text.
        """
        if languages is None:
            weights = self._weights(texts)
        else:
            weights = np.array([0.0 if lang == "sv" else self.weight for lang in languages])
        english = self._english(texts, weights, query=False, progress=progress)
        multilingual = self.multilingual.encode_documents(texts, progress=progress)
        return self._join(english, multilingual, weights, query=False)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Both models on English needs, at the same time (each on its own thread and core);
        the multilingual model alone on Swedish ones."""
        weights = self._weights(texts)
        english = ENGLISH.submit(self._english, texts, weights, True)
        multilingual = self.multilingual.encode_queries(texts)
        return self._join(english.result(), multilingual, weights, query=True)
