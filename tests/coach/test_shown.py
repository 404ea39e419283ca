"""Shown rankings: what a run showed is kept with its features, cheaply."""

from pathlib import Path

from matcher.coach import workflow as coach
from matcher.coach.schemas import PortfolioRun
from matcher.coach.store import CoachStore
from matcher.engine import Matcher
from matcher.schemas import NeedRequest
from matcher.search.reranker import FEATURES
from tests.support.coach import (
    BATTERY_NEED,
    CARE_NEED,
    ids,
    make_portfolio,
)


def test_shown_ranking_is_recorded_with_its_features(engine: Matcher) -> None:
    response = engine.recommend(NeedRequest(need=BATTERY_NEED, municipality="Stockholm"))
    shown = engine.coach.shown(response.need_id)
    assert shown is not None
    assert shown["text"] == BATTERY_NEED and shown["municipality"] == "Stockholm"
    partners = [s for s in shown["ranking"] if s["list"] == "partners"]
    testbeds = [s for s in shown["ranking"] if s["list"] == "testbeds"]
    assert [s["entity_id"] for s in partners] == ids(response.results)
    assert [s["entity_id"] for s in testbeds] == ids(response.testbeds)
    assert [s["position"] for s in partners] == list(range(1, len(partners) + 1))
    assert all(list(s["features"]) == list(FEATURES) for s in shown["ranking"])
    by_id = {s["entity_id"]: s["features"] for s in shown["ranking"]}
    # Ledger Safe is a startup in Stockholm, Care Robotics an SME in Solna.
    assert by_id["company:ledger-safe"]["local_small_company"] == 1.0
    assert by_id["company:care-robotics"]["local_small_company"] == 0.0
    assert by_id["researcher:ann-metals"]["researcher"] == 1.0
    assert by_id["lab:black-mass-pilot"]["lab"] == 1.0
    scores = {r.id: r.score for r in [*response.results, *response.testbeds]}
    assert all(round(by_id[e]["score"], 4) == scores[e] for e in scores)

    # Asking again replaces it; record=False leaves nothing behind.
    again = engine.recommend(NeedRequest(need=BATTERY_NEED, top_k=1))
    replaced = engine.coach.shown(again.need_id)
    assert replaced is not None and replaced["municipality"] is None
    assert [s["entity_id"] for s in replaced["ranking"] if s["list"] == "partners"] == ids(
        again.results
    )
    unrecorded = engine.recommend(NeedRequest(need=CARE_NEED), record=False)
    assert engine.coach.shown(unrecorded.need_id) is None


def test_a_portfolio_run_records_every_need(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"entity_id": "company:battery-loop"}, {"text": CARE_NEED}])
    answer = coach.run_portfolio(engine, stored["id"], PortfolioRun())
    for need, got in zip(stored["needs"], answer.needs, strict=True):
        shown = engine.coach.shown(need["need_id"])
        assert shown is not None and shown["text"] == need["text"]
        assert shown["municipality"] == need["municipality"]
        assert [s["entity_id"] for s in shown["ranking"] if s["list"] == "partners"] == ids(
            got.response.results
        )


def test_shown_rankings_skip_the_disk_wait_and_other_writes_do_not(tmp_path: Path) -> None:
    store = CoachStore(tmp_path / "coach.sqlite")
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.record_shown("need:a", "a need", None, [{"entity_id": "company:x"}])
    assert store.shown("need:a") == {
        "need_id": "need:a",
        "text": "a need",
        "municipality": None,
        "ranking": [{"entity_id": "company:x"}],
    }
    assert store.add_feedback("need:a", "company:x", "relevant", "[]")
    store._db.set_trace_callback(None)
    settings = [s for s in statements if s.startswith("PRAGMA") or s.startswith("INSERT")]
    assert [s.split(" VALUES")[0] for s in settings] == [
        "PRAGMA synchronous=NORMAL",
        "INSERT OR REPLACE INTO shown",
        "PRAGMA synchronous=FULL",
        "INSERT OR IGNORE INTO feedback",  # acknowledged to the client: on the disk first
    ]
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert CoachStore(tmp_path / "coach.sqlite").shown("need:a") is not None
