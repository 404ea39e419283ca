"""Every language shard of the index is searched, and a large batch of candidates scored, at the
same time; the answers are those of one shard after the other."""

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import NeedRequest
from matcher.search import retrieval
from matcher.settings import Settings
from tests.support.catalogue import ENTITIES, write_catalogue

SWEDISH = {
    "id": "company:tradgardsdata",
    "kind": "company",
    "name": "Trädgårdsdata",
    "language": "sv",
    "description": "Vi mäter fukt och näring i växthus med sensorer och styr bevattningen.",
    "areas": ["cleantech"],
    "disciplines": ["agriculture"],
    "location": {"municipality": "Stockholm"},
    "stage": "startup",
}
NEEDS = [
    "sensors for irrigation in greenhouses, växthus och bevattning",
    "battery recycling testbed; machine learning for sorting; life cycle assessment",
]


class Inline:
    """An executor that runs each call at once on the caller's thread."""

    def submit(self, function: Any, *args: Any) -> Future:
        future: Future = Future()
        future.set_result(function(*args))
        return future


def test_shards_are_searched_at_once_and_answer_as_one_at_a_time(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "catalogue.jsonl", [*ENTITIES, SWEDISH])))
    shards = matcher.served().retriever.snapshot.shards
    assert set(shards) == {"en", "sv"}
    threads: dict[str, set[str]] = {language: set() for language in shards}
    for language, shard in shards.items():
        search = shard.backend.search

        def watched(queries: np.ndarray, k: int, _lang: str = language, _search: Any = search):
            threads[_lang].add(threading.current_thread().name)
            return _search(queries, k)

        monkeypatch.setattr(shard.backend, "search", watched)
    together = [matcher.recommend(NeedRequest(need=n), record=False) for n in NEEDS]
    first, second = list(shards)
    assert threads[first] and not any(name.startswith("shards") for name in threads[first])
    assert threads[second] and all(name.startswith("shards") for name in threads[second])

    monkeypatch.setattr(retrieval, "SHARD_SEARCH", Inline())
    matcher.served().retriever._recent.clear()  # searched again, one shard after the other
    alone = [matcher.recommend(NeedRequest(need=n), record=False) for n in NEEDS]
    assert [a.model_dump() for a in together] == [a.model_dump() for a in alone]
    assert all(answer.results for answer in together)


def test_shards_are_scored_at_once_and_score_as_one_at_a_time(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "catalogue.jsonl", [*ENTITIES, SWEDISH])))
    retriever = matcher.served().retriever
    scored_on: set[str] = set()
    score_shard = retriever._score_shard

    def watched(*args: Any) -> Any:
        scored_on.add(threading.current_thread().name)
        return score_shard(*args)

    monkeypatch.setattr(retriever, "_score_shard", watched)
    monkeypatch.setattr(retrieval, "PARALLEL_TEXTS", 1)  # the tiny catalogue counts as large
    everyone = list(retriever.positions)
    vector = matcher.encoder.encode_queries([NEEDS[0]])
    together = retriever._score_new(retriever.query(NEEDS[0], vector), everyone)
    assert any(name.startswith("shards") for name in scored_on)
    assert any(not name.startswith("shards") for name in scored_on)

    monkeypatch.setattr(retrieval, "PARALLEL_TEXTS", 10**9)
    retriever._recent.clear()
    alone = retriever._score_new(retriever.query(NEEDS[0], vector), everyone)
    for name in ("dense", "lexical", "places", "sims", "starts", "counts"):
        assert np.array_equal(getattr(together, name), getattr(alone, name)), name
    assert together.ids == alone.ids == everyone
