"""Ranking scores every candidate as arrays and makes candidates for each list's head only;
the lists must be exactly those of scoring, fusing and sorting one candidate at a time."""

from typing import Any

import numpy as np
import pytest

from matcher.answer import Answer, head_size
from matcher.engine import Matcher
from matcher.needs.analysis import is_partner
from matcher.recommend import NeedBatch
from matcher.schemas import KINDS, NeedRequest
from matcher.search.filters import passes
from matcher.search.query import Query
from matcher.search.ranked import rank
from matcher.search.ranking import Candidate, fuse

FUSIONS = [
    {"fusion": "convex", "lexical_weight": 1.5},
    {"fusion": "rrf", "rrf_k": 5},
    {"fusion": "bm25"},
]
HEAD = 2  # a head shorter than the list
REQUESTS = [
    NeedRequest(need="battery recycling and robots for elderly care", top_k=2),
    NeedRequest(need="testbed for sensors", top_k=1, exclude=["company:battery-loop"]),
    NeedRequest(need="fraud detection lab", top_k=2, filters={"municipalities": ["Stockholm"]}),
]


def fresh_query(engine: Matcher, need: str) -> Query:
    """A query with nothing found or scored for it yet."""
    retriever = engine.served().retriever
    retriever._recent.clear()
    return retriever.query(need, engine.encoder.encode_queries([need]))


def one_at_a_time(engine: Matcher, request: NeedRequest) -> dict[str, list[tuple[str, Candidate]]]:
    """The lists as ranking built them before: every allowed entity a candidate, fused, sorted."""
    loaded = engine.served()
    retriever = loaded.retriever
    query = fresh_query(engine, request.need)
    kinds = set(request.kinds or KINDS)
    found = retriever.candidates(query, dict(retriever.sizes))
    allowed = [
        loaded.entities[e]
        for e in found
        if e in loaded.entities
        and e not in request.exclude
        and passes(loaded.entities[e], kinds, request.filters)
    ]
    scored = list(zip(allowed, retriever.score_many(query, [e.id for e in allowed]), strict=True))
    fuse([c for _, c in scored], retriever.settings)
    scored.sort(key=lambda p: (-p[1].score, p[0].id))
    return {
        "partners": [(e.id, c) for e, c in scored if is_partner(e)],
        "testbeds": [(e.id, c) for e, c in scored if not is_partner(e)],
    }


@pytest.fixture(params=FUSIONS, ids=[f["fusion"] for f in FUSIONS])
def fusion(request: Any, engine: Matcher, monkeypatch: pytest.MonkeyPatch) -> str:
    retriever = engine.served().retriever
    monkeypatch.setattr(retriever, "settings", retriever.settings.model_copy(update=request.param))
    return str(request.param["fusion"])


@pytest.mark.parametrize("request_", REQUESTS, ids=["plain", "excluded", "filtered"])
def test_lists_equal_one_candidate_at_a_time(
    engine: Matcher, fusion: str, request_: NeedRequest
) -> None:
    expected = one_at_a_time(engine, request_)
    query = fresh_query(engine, request_.need)
    ranked = rank(engine.served(), query, request_, request_.top_k or 10, HEAD)
    assert sum(len(r.ids) for r in ranked.values()) >= 3
    for group, listed in ranked.items():
        want = expected[group]
        assert listed.ids == [e for e, _ in want]
        assert listed.dense.tolist() == [c.dense for _, c in want]
        assert listed.lexical.tolist() == [c.lexical for _, c in want]
        assert len(listed.head) == min(2, len(want))
        for (entity, got), (entity_id, candidate) in zip(listed.head, want, strict=False):
            assert entity.id == entity_id
            assert (got.score, got.dense, got.lexical) == (
                candidate.score,
                candidate.dense,
                candidate.lexical,
            )
            assert got.hits == candidate.hits  # what explanations are made from


def test_whole_need_fuses_with_every_ranked_partner(engine: Matcher, fusion: str) -> None:
    request = REQUESTS[0]
    query = fresh_query(engine, request.need)
    loaded = engine.served()
    ranked = rank(loaded, query, request, 2, HEAD)["partners"]
    outsider = next(e for e in loaded.entities.values() if e.id not in ranked.ids)
    everyone = [loaded.entities[e] for e in ranked.ids] + [outsider]
    need = NeedBatch([request], engine.encoder.encode_queries, loaded.retriever).need(0)
    got = Answer(loaded, engine.ranking, need)._whole_need(query, ranked, everyone[-2:])

    reference = loaded.retriever.score_many(fresh_query(engine, request.need), ranked.ids)
    reference += loaded.retriever.score_many(query, [outsider.id])
    fuse(reference, loaded.retriever.settings)
    want = {c.entity_id: c.score for c in reference}
    assert {e: c.score for e, c in got.items()} == {e.id: want[e.id] for e in everyone[-2:]}
    if fusion == "rrf":  # the outsider's rank fusion counts every ranked partner
        alone = [c.fresh() for c in reference[-1:]]
        fuse(alone, loaded.retriever.settings)
        assert alone[0].score != got[outsider.id].score


def test_reordered_head_keeps_scores_with_their_entities(engine: Matcher) -> None:
    request = NeedRequest(need="battery recycling and robots for elderly care")
    query = fresh_query(engine, request.need)
    listed = rank(engine.served(), query, request, 10, head_size(10))["partners"]
    assert len(listed.head) >= 3
    turned = listed.reordered(listed.head[::-1])
    by_id = dict(zip(listed.ids, listed.dense.tolist(), strict=True))
    assert turned.ids[: len(listed.head)] == [e.id for e, _ in listed.head[::-1]]
    assert sorted(turned.ids) == sorted(listed.ids)
    assert turned.dense.tolist() == [by_id[e] for e in turned.ids]
    assert np.array_equal(np.sort(turned.lexical), np.sort(listed.lexical))


@pytest.mark.parametrize("limit", [None, 1, 3])
def test_best_many_heads_equal_one_candidate_at_a_time(
    engine: Matcher, fusion: str, limit: int | None
) -> None:
    retriever = engine.served().retriever
    needs = ["battery recycling and robots for elderly care", "testbed for sensors"]
    keep = [lambda e: True, lambda e: not e.startswith("lab:")]
    for need, kept in zip(needs, keep, strict=True):
        query = fresh_query(engine, need)
        found = retriever.candidates(query, {k: min(30, n) for k, n in retriever.sizes.items()})
        old = retriever.score_many(query, [e for e in found if kept(e)])
        fuse(old, retriever.settings)
        old.sort(key=lambda c: (-c.score, c.entity_id))
        assert len(old) > 3
        [best] = retriever.best_many([fresh_query(engine, need)], 30, kept, limit)
        assert len(best) == (len(old) if limit is None else limit)
        for got, want in zip(best, old, strict=False):
            assert (got.entity_id, got.score, got.dense, got.lexical) == (
                want.entity_id,
                want.score,
                want.dense,
                want.lexical,
            )
            assert got.hits == want.hits
