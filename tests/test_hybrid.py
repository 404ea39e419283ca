"""The hybrid encoder: weighted English and multilingual parts, Swedish routed to the latter."""

import numpy as np

from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.fake import FakeEncoder
from matcher.encoders.hybrid import HybridEncoder


def hybrid(weight: float) -> tuple[HybridEncoder, FakeEncoder, FakeEncoder]:
    english, multilingual = FakeEncoder(dim=32), FakeEncoder(dim=48)
    cache = EmbeddingCache(None)
    encoder = HybridEncoder(
        CachedEncoder(english, cache), CachedEncoder(multilingual, cache), weight
    )
    return encoder, english, multilingual


def test_dot_product_is_the_weighted_sum_of_cosines() -> None:
    encoder, english, multilingual = hybrid(0.7)
    need, doc = "battery recycling pilot", "recycling of lithium batteries in a pilot plant"
    score = float(encoder.encode_queries([need])[0] @ encoder.encode_documents([doc])[0])
    cos_en = float(english.encode_queries([need])[0] @ english.encode_documents([doc])[0])
    cos_ml = float(multilingual.encode_queries([need])[0] @ multilingual.encode_documents([doc])[0])
    assert encoder.dim == 80
    assert np.isclose(score, 0.7 * cos_en + 0.3 * cos_ml, atol=1e-6)


def test_swedish_texts_leave_the_english_part_out() -> None:
    encoder, _, _ = hybrid(0.7)
    swedish = encoder.encode_queries(["Vi behöver en testbädd för återvinning av batterier"])[0]
    english = encoder.encode_queries(["We need a testbed for battery recycling"])[0]
    assert not swedish[:32].any() and english[:32].any()
    assert encoder.encode_documents(["Och det är en bädd för att testa"])[0][:32].sum() == 0


def test_hybrid_components_are_cached_once_each() -> None:
    encoder, _, _ = hybrid(0.5)
    encoder.encode_documents(["alpha beta", "gamma delta"])
    encoder.encode_documents(["alpha beta", "gamma delta"])
    assert encoder.misses == 2 and encoder.hits == 2


def test_given_languages_override_the_guess() -> None:
    encoder, _, _ = hybrid(0.7)
    keywords = ["hydrodeoxygenering, biodrivmedel, HVO, lignin"]  # no function words: looks English
    assert encoder.encode_documents(keywords)[0][:32].any()
    assert not encoder.encode_documents(keywords, languages=["sv"])[0][:32].any()
