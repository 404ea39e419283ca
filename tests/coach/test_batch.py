"""Batch recommendations: a portfolio run answers each need as a single call would."""

from pathlib import Path

import pytest

from matcher.coach import workflow as coach
from matcher.coach.schemas import PortfolioRun
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError
from matcher.recommend import need_id
from matcher.schemas import NeedRequest
from matcher.settings import EncoderSettings, RankingSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.coach import (
    BATTERY_NEED,
    CARE_NEED,
    FRAUD_TEXT,
    PLACES,
    TOPICS,
    ids,
    make_portfolio,
    market,
)


def test_batch_results_equal_single_calls(engine: Matcher) -> None:
    requests = [
        NeedRequest(need=BATTERY_NEED, municipality="Stockholm"),
        NeedRequest(need=CARE_NEED, top_k=2),
        NeedRequest(need=FRAUD_TEXT, kinds=["company", "lab"]),
        NeedRequest(need="battery cell testing", filters={"open_to_smes": True}),
        NeedRequest(need="lithium-ion recycling", exclude=["company:battery-loop"]),
        NeedRequest(need="Återvinning av batterier och äldreomsorg", partner_set=False),
    ]
    batch = engine.recommend_many(requests, record=False)
    single = [engine.recommend(r, record=False) for r in requests]
    # Everything: ids, order, scores, reasons, aspects, partner sets.
    assert [b.model_dump() for b in batch] == [s.model_dump() for s in single]
    # The same engine in the other order, and a batch of one, give the same answers too.
    assert [b.model_dump() for b in engine.recommend_many(requests[::-1], record=False)] == [
        s.model_dump() for s in single[::-1]
    ]
    assert engine.recommend_many(requests[1:2], record=False)[0] == single[1]
    assert engine.recommend_many([]) == []
    # The rankings kept for learning (ids, positions, features) are the same too.
    kept = [answer.shown for answer in engine.answers(requests, record=False)]
    for request, batch_kept in zip(requests, kept, strict=True):
        [alone] = engine.answers([request], record=False)
        assert alone.shown == batch_kept
    # The answers are real: the battery need finds the battery partners first.
    assert ids(single[0].results)[:2] == ["company:battery-loop", "researcher:ann-metals"]
    assert "company:battery-loop" not in ids(single[4].results)


def test_batch_equals_single_calls_when_the_candidate_pool_must_widen(
    tmp_path: Path, models_dir: Path
) -> None:
    """A larger catalogue, a pool of ten texts per shard and more needs than FAISS answers
    one by one: the batch still gives every need exactly its single-call answer."""
    settings = Settings(
        data_dir=tmp_path / "market-data",
        models_dir=models_dir,
        encoder=EncoderSettings(name="fake"),
        ranking=RankingSettings(candidate_items=10),
    )
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "market.jsonl", market())))
    requests = [
        NeedRequest(
            need=f"{TOPICS[i % 6]} and {TOPICS[(5 * i + 1) % 6]} {i}",
            top_k=3 + i % 4,
            kinds=["company", "researcher"] if i % 2 else None,
            municipality=PLACES[i % 4],
            exclude=[f"company:c{i:02d}"],
        )
        for i in range(30)
    ]
    batch = matcher.recommend_many(requests, record=False)
    assert [b.model_dump() for b in batch] == [
        matcher.recommend(r, record=False).model_dump() for r in requests
    ]


def test_portfolio_run_equals_single_calls_for_its_needs(engine: Matcher) -> None:
    stored = make_portfolio(
        engine,
        [
            {"entity_id": "company:battery-loop"},
            {"text": CARE_NEED, "municipality": "Solna", "title": "Care"},
            {"entity_id": "company:ledger-safe"},
        ],
    )
    options = PortfolioRun(top_k=3, kinds=["company", "researcher", "lab"])
    answer = coach.run_portfolio(engine, stored["id"], options)
    assert answer.portfolio_id == stored["id"] and answer.seconds >= 0
    assert [n.title for n in answer.needs] == ["Battery Loop", "Care", "Ledger Safe"]
    for need, got in zip(stored["needs"], answer.needs, strict=True):
        request = NeedRequest(
            need=need["text"],
            kinds=options.kinds,
            top_k=3,
            municipality=need["municipality"],
            exclude=[need["entity_id"]] if need["entity_id"] else [],
        )
        assert got.response.need_id == need["need_id"]
        assert got.response == engine.recommend(request, record=False)
        assert len(got.response.results) <= 3 and len(got.response.testbeds) <= 3
        # A company's own need never suggests the company itself.
        if need["entity_id"]:
            assert need["entity_id"] not in ids(got.response.results)
            assert need["entity_id"] not in ids(got.response.partner_set)


def test_portfolio_run_refuses_bad_options(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"text": BATTERY_NEED}])
    with pytest.raises(InvalidRequestError, match="top_k"):
        coach.run_portfolio(engine, stored["id"], PortfolioRun(top_k=0))
    assert engine.coach.shown(need_id(BATTERY_NEED)) is None
