"""The lean layer stack's bfloat16 products through oneDNN with packed weights: the same
numbers as F.linear, bit for bit, and F.linear where the packed product is not available."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from matcher.encoders import bert_layers
from matcher.encoders.bert_layers import BertStack, packed_linear
from matcher.encoders.minilm import MiniLMEncoder

SHAPES = [(1, 1, 384), (1, 7, 384), (1, 55, 384), (3, 40, 384), (1, 300, 384)]


@pytest.mark.parametrize("outputs", [1152, 1536, 384])
def test_packed_products_equal_plain_ones(outputs: int) -> None:
    generator = torch.Generator().manual_seed(outputs)
    weight = torch.randn(outputs, 384, generator=generator).to(torch.bfloat16)
    bias = torch.randn(outputs, generator=generator).to(torch.bfloat16)
    with torch.inference_mode():
        product = packed_linear(weight)
        for shape in SHAPES:
            x = torch.randn(*shape, generator=generator).to(torch.bfloat16)
            assert torch.equal(product(x, bias), F.linear(x, weight, bias)), shape


def test_without_the_packed_product_it_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*_: object) -> None:
        raise RuntimeError("not compiled in")

    monkeypatch.setattr(torch.ops.mkldnn, "_reorder_linear_weight", missing)
    weight = torch.randn(384, 384).to(torch.bfloat16)
    bias = torch.zeros(384, dtype=torch.bfloat16)
    x = torch.randn(1, 9, 384).to(torch.bfloat16)
    with torch.inference_mode():
        assert torch.equal(packed_linear(weight)(x, bias), F.linear(x, weight, bias))


def test_a_real_model_gives_the_same_need_vectors_packed_or_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoder = MiniLMEncoder(precision="bfloat16")
    stack: BertStack = encoder._lean.stack
    assert len(stack._products) == 4 * len(stack.layers)  # every product of every layer
    needs = ["testbed for battery recycling", "AI-based sepsis diagnostics; clinical partners"]
    packed = encoder.encode_queries(needs)
    monkeypatch.setattr(stack, "_products", {})
    plain = encoder.encode_queries(needs)
    assert np.array_equal(packed, plain)


def test_float32_stacks_are_not_packed() -> None:
    assert MiniLMEncoder(precision="float32")._lean.stack._products == {}
    assert bert_layers.PACK_HINT > 0
