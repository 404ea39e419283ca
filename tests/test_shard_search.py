"""Every language shard of the index is searched for a need at the same time."""

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher import retrieval
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import NeedRequest
from matcher.settings import Settings
from tests.catalog import ENTITIES, write_catalog

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
    matcher.build(str(write_catalog(tmp_path / "catalog.jsonl", [*ENTITIES, SWEDISH])))
    shards = matcher._current().retriever.snapshot.shards
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
    matcher._current().retriever._recent.clear()  # searched again, one shard after the other
    alone = [matcher.recommend(NeedRequest(need=n), record=False) for n in NEEDS]
    assert [a.model_dump() for a in together] == [a.model_dump() for a in alone]
    assert all(answer.results for answer in together)
