"""The synthetic benchmark catalogue: valid, unique entities of real text, fully pre-encoded."""

from pathlib import Path

import pytest

from benchmarks.fragments import Pool, load_pool
from benchmarks.synthetic import Generator, cache_targets, prefill, write_catalogue
from matcher.encoders.cache import EmbeddingCache
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import parse_entity
from matcher.settings import Settings

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="module")
def pool() -> Pool:
    """The real fragment pool (small external samples)."""
    if not SHARED.is_dir():
        pytest.skip(f"no shared data at {SHARED}")
    return load_pool(SHARED, scale=1)


def strings(value: object) -> list[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_entities_are_valid_unique_and_made_of_real_fragments(pool: Pool) -> None:
    entities = Generator(pool, seed=1).generate(300)
    parsed = [parse_entity(s.record) for s in entities]
    assert len({e.id for e in parsed}) == 300
    assert {e.kind for e in parsed} == {"company", "lab", "researcher"}
    assert {e.language for e in parsed} == {"en", "sv"}
    for synthetic, entity in zip(entities, parsed, strict=True):
        assert 2 <= len(synthetic.fragments)
        text = "\n".join(strings(synthetic.record))
        assert all(pool.texts[f] in text for f in synthetic.fragments)
        assert entity.location is not None and entity.location.lat is not None


def test_prefill_covers_every_item_text_of_a_build(pool: Pool, tmp_path: Path) -> None:
    entities = Generator(pool, seed=2).generate(120)
    catalogue = write_catalogue(entities, tmp_path / "synthetic.jsonl")
    fake = FakeEncoder()
    settings = Settings(data_dir=tmp_path / "data", cache_file=tmp_path / "embeddings.sqlite")
    matcher = Matcher(settings, encoder=fake)
    vectors = {fake.model_id: (fake.encode_documents(pool.texts), None)}
    cache = EmbeddingCache(settings.cache_file)
    report = prefill(cache, entities, pool, cache_targets(matcher.encoder, vectors))
    cache.close()
    assert report.uncovered == 0
    built = matcher.build(str(catalogue))
    assert built.encoded == 0
    assert built.from_cache == built.items > 0
