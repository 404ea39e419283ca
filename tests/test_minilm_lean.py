"""all-MiniLM-L6-v2's needs on the lean layer stack: sentence-transformers' vectors, sooner."""

import numpy as np
import pytest
import torch

from matcher.encoders.bert_layers import fast_bfloat16
from matcher.encoders.minilm import MiniLMEncoder
from tests.test_e5_torch import EDGES, demo_texts

NEEDS = [
    "testbed for battery recycling",
    "We develop biodegradable packaging from forestry residues and need access to material "
    "characterisation, barrier property testing and a partner that can scale up a pilot line.",
    "AI-based sepsis diagnostics; clinical partners in Stockholm",
    " ".join(["a long need about heat pumps, district heating and grid flexibility"] * 40),
]


@pytest.fixture(scope="module", params=["float32", "bfloat16"])
def encoder(request: pytest.FixtureRequest) -> MiniLMEncoder:
    return MiniLMEncoder(precision=request.param)


def reference(encoder: MiniLMEncoder, texts: list[str]) -> np.ndarray:
    vectors = encoder._model.encode_query(texts, convert_to_numpy=True)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_need_vectors_agree_with_sentence_transformers(encoder: MiniLMEncoder) -> None:
    texts = NEEDS + EDGES + demo_texts(12)  # one need is over the 256-token cut
    vectors = encoder.encode_queries(texts)
    assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    cosine = (vectors * reference(encoder, texts)).sum(axis=1)
    assert cosine.min() > (0.99999 if encoder.precision == "float32" else 0.9999)


def test_a_batch_gives_each_text_its_own_vector(encoder: MiniLMEncoder) -> None:
    together = encoder.encode_queries(NEEDS)
    alone = np.vstack([encoder.encode_queries([need]) for need in NEEDS])
    assert (together * alone).sum(axis=1).min() > 0.9999  # padding changes nothing
    assert encoder.encode_queries([]).shape == (0, 384)


def test_catalogue_texts_still_go_through_sentence_transformers(encoder: MiniLMEncoder) -> None:
    texts = demo_texts(6)
    vectors = encoder._model.encode_document(texts, convert_to_numpy=True)
    expected = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    np.testing.assert_allclose(encoder.encode_documents(texts), expected, rtol=1e-5, atol=1e-6)


def test_need_vectors_are_stored_under_the_engine_that_made_them() -> None:
    auto = MiniLMEncoder()
    assert auto.precision == ("bfloat16" if fast_bfloat16() else "float32")
    assert auto.query_id.startswith(MiniLMEncoder.model_id) and auto.query_id != auto.model_id


def test_needs_run_on_one_torch_thread_and_the_setting_comes_back(encoder: MiniLMEncoder) -> None:
    torch.set_num_threads(2)
    seen: list[int] = []
    lean = encoder._lean.encode

    def watched(texts: list[str]) -> np.ndarray:
        seen.append(torch.get_num_threads())
        return lean(texts)

    encoder._lean.encode = watched  # type: ignore[method-assign]
    try:
        encoder.encode_queries(["testbed for battery recycling"])
    finally:
        encoder._lean.encode = lean  # type: ignore[method-assign]
    assert seen == [1] and torch.get_num_threads() == 2
