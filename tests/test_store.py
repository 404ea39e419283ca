"""The entity store: the same behaviour on SQLite and on a real PostgreSQL server."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from matcher.catalogue.store import Store, StoreError
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import NotBuiltError
from matcher.schemas import NeedRequest, parse_entity
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import ENTITIES, write_catalogue


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


def entities() -> list:
    return [parse_entity(e) for e in ENTITIES]


def test_upsert_counts_new_changed_and_unchanged_rows(store_url: str) -> None:
    store = Store(store_url)
    first = store.upsert(entities())
    assert (first.inserted, first.updated, first.unchanged) == (len(ENTITIES), 0, 0)
    again = store.upsert(entities())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(ENTITIES))
    changed = entities()
    changed[0] = changed[0].model_copy(update={"description": "Ny beskrivning: återvinning ✓"})
    third = store.upsert(changed)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, len(ENTITIES) - 1)
    stored = store.get(changed[0].id)
    assert stored is not None and stored.description == "Ny beskrivning: återvinning ✓"


def test_reads_deletes_and_counts(store_url: str) -> None:
    store = Store(store_url)
    store.upsert(entities())
    assert [e.id for e in store.all()] == sorted(e["id"] for e in ENTITIES)
    assert sum(store.count().values()) == len(ENTITIES)
    gone = [ENTITIES[0]["id"], ENTITIES[1]["id"], "company:never-stored"]
    assert store.delete_many(gone) == 2
    assert store.get(gone[0]) is None and store.get(ENTITIES[2]["id"]) is not None
    assert not store.delete(gone[0])
    assert sum(store.count().values()) == len(ENTITIES) - 2


def test_the_digest_follows_the_content_not_the_database(tmp_path: Path, store_url: str) -> None:
    store, reference = Store(store_url), Store(tmp_path / "reference.sqlite")
    store.upsert(list(reversed(entities())))
    reference.upsert(entities())
    assert store.digest() == reference.digest()
    store.delete(ENTITIES[0]["id"])
    assert store.digest() != reference.digest()
    assert store.hashes() != reference.hashes()


def test_a_store_reopened_holds_what_was_written(store_url: str) -> None:
    Store(store_url).upsert(entities())
    reopened = Store(store_url)
    assert {e.id for e in reopened.all()} == {e["id"] for e in ENTITIES}


def test_the_engine_runs_unchanged_on_either_store(store_url: str, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", store_url=store_url, encoder=EncoderSettings(name="fake")
    )
    matcher = Matcher(settings, encoder=FakeEncoder())
    report = matcher.build(str(write_catalogue(tmp_path / "catalogue.jsonl")))
    assert report.inserted == len(ENTITIES) and report.reindexed
    top = matcher.recommend(NeedRequest(need="recycling lithium-ion batteries black mass"))
    assert top.results[0].id == "company:battery-loop"
    assert not matcher.build(str(tmp_path / "catalogue.jsonl")).reindexed
    assert matcher.delete(["company:battery-loop"]).store == 1
    after = matcher.recommend(NeedRequest(need="recycling lithium-ion batteries black mass"))
    assert "company:battery-loop" not in [r.id for r in after.results]


def test_emptying_the_store_leaves_an_index_that_says_so(store_url: str, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", store_url=store_url, encoder=EncoderSettings(name="fake")
    )
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "catalogue.jsonl")))
    assert matcher.delete([e["id"] for e in ENTITIES]).store == len(ENTITIES)
    assert not any(matcher.store.count().values()) and matcher.ready()
    with pytest.raises(NotBuiltError, match="lists no entities"):
        matcher.recommend(NeedRequest(need="battery recycling"))


def test_an_unreachable_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the store at postgresql://u:\\*\\*\\*@"):
        Store("postgresql://u:secret@127.0.0.1:1/none")


def test_a_store_of_an_earlier_version_is_upgraded_without_losing_rows(store_url: str) -> None:
    old = [e.model_dump_json() for e in entities()]
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:  # the table as it was, without hash and date columns
        connection.execute(sa.text("DROP TABLE IF EXISTS entities"))
        connection.execute(
            sa.text(
                "CREATE TABLE entities (id VARCHAR(120) PRIMARY KEY, kind VARCHAR(20) NOT NULL,"
                " name TEXT NOT NULL, data TEXT NOT NULL)"
            )
        )
        for data, entity in zip(old, entities(), strict=True):
            connection.execute(
                sa.text("INSERT INTO entities VALUES (:id, :kind, :name, :data)"),
                {"id": entity.id, "kind": entity.kind, "name": entity.name, "data": data},
            )
    engine.dispose()
    store = Store(store_url)
    assert sorted(e.id for e in store.all()) == sorted(e.id for e in entities())
    again = store.upsert(entities())  # the computed hashes match what a write would store
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(ENTITIES))
