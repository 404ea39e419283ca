"""A post-layer-norm BERT encoder stack run directly by PyTorch, for short inputs.

Both embedding models are BERTs of hidden size 384 (all-MiniLM-L6-v2: 6 layers, e5-small:
12). For a need of a few dozen tokens, the time of a library forward pass goes mostly to
calling hundreds of small modules; this stack makes the same products in as few calls as it
can (query, key and value as one matrix), in bfloat16 where the processor has fast bfloat16
units. Sums, normalisation and pooling stay in float32.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F

Precision = Literal["auto", "float32", "bfloat16"]


def fast_bfloat16() -> bool:
    """Whether this processor multiplies bfloat16 matrices in hardware (AMX or AVX-512 BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def chosen(precision: Precision) -> Literal["float32", "bfloat16"]:
    """The precision "auto" stands for on this processor."""
    if precision == "auto":
        return "bfloat16" if fast_bfloat16() else "float32"
    return precision


@contextmanager
def one_thread() -> Iterator[None]:
    """PyTorch on one thread for the calling thread meanwhile.

    PyTorch keeps the number per calling thread (its OpenMP setting; a thread that has not
    used PyTorch yet starts from the last number set anywhere), so each model thread sets its
    own. A need's products are too small to gain much from a second core, and in a server the
    second core does other work for the request meanwhile (the other model, or the ranking
    while the clauses are encoded; docs/benchmarks.md compares one thread with two). Catalogue
    texts, in batches, keep every core.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class Layer:
    """One encoder layer: weight matrices in the products' dtype, norms in float32."""

    qkv: torch.Tensor
    qkv_bias: torch.Tensor
    out: torch.Tensor
    out_bias: torch.Tensor
    norm1: tuple[torch.Tensor, torch.Tensor]
    up: torch.Tensor
    up_bias: torch.Tensor
    down: torch.Tensor
    down_bias: torch.Tensor
    norm2: tuple[torch.Tensor, torch.Tensor]


PACK_HINT = 64  # rows per product oneDNN lays packed weights out for (any count works)


def packed_linear(weight: torch.Tensor) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """`x -> F.linear(x, weight, bias)` through oneDNN with the weight packed once, in its own
    layout, instead of re-laid out on every product; F.linear itself where this build cannot.

    For bfloat16 products on one core this is markedly faster (docs/benchmarks.md), with equal
    results (tests/test_bert_layers.py compares them bit for bit)."""
    try:
        packed = torch.ops.mkldnn._reorder_linear_weight(weight, PACK_HINT)
        probe = torch.ones(2, weight.shape[1], dtype=weight.dtype)
        bias = torch.zeros(weight.shape[0], dtype=weight.dtype)
        same = torch.equal(
            torch.ops.mkldnn._linear_pointwise(probe, packed, bias, "none", [], ""),
            F.linear(probe, weight, bias),
        )
    except (AttributeError, RuntimeError):
        same = False
    if not same:
        return lambda x, bias: F.linear(x, weight, bias)
    return lambda x, bias: torch.ops.mkldnn._linear_pointwise(x, packed, bias, "none", [], "")


class BertStack:
    """The layers of one model; `pool` runs them over embedded tokens and averages."""

    def __init__(
        self, layers: list[Layer], hidden: int, heads: int, eps: float, dtype: torch.dtype
    ) -> None:
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.eps = eps
        self.dtype = dtype
        self._products: dict[int, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {}
        if dtype == torch.bfloat16 and torch.backends.mkldnn.is_available():
            with torch.inference_mode():
                for layer in layers:
                    for weight in (layer.qkv, layer.out, layer.up, layer.down):
                        self._products[id(weight)] = packed_linear(weight)

    def _linear(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        if self.dtype == torch.float32:
            return F.linear(x, weight, bias)
        product = self._products.get(id(weight))
        x = x.to(self.dtype)
        return (F.linear(x, weight, bias) if product is None else product(x, bias)).float()

    def pool(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Mean of the last hidden states over each row's tokens; x [B, L, hidden] (embedded,
        normalised), padded where `mask` is False (None: no padding)."""
        batch, length, hidden = x.shape
        heads, eps = self.heads, self.eps
        attend = None if mask is None else mask[:, None, None, :]
        for layer in self.layers:
            qkv = self._linear(x, layer.qkv, layer.qkv_bias)
            q, k, v = qkv.view(batch, length, 3, heads, hidden // heads).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
            context = context.transpose(1, 2).reshape(batch, length, hidden)
            x = x + self._linear(context, layer.out, layer.out_bias)
            x = F.layer_norm(x, (hidden,), *layer.norm1, eps)
            inner = F.gelu(self._linear(x, layer.up, layer.up_bias))
            x = x + self._linear(inner, layer.down, layer.down_bias)
            x = F.layer_norm(x, (hidden,), *layer.norm2, eps)
        if mask is None:
            return x.mean(dim=1)
        weights = mask.to(x.dtype)[..., None]
        return (x * weights).sum(dim=1) / weights.sum(dim=1)
