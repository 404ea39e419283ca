"""The coach workflow: portfolios, batch runs, shortlists, exports, feedback and the reranker.

Engine, API and CLI on the tiny catalogue with the fake encoder. Every engine here reads its
models from a temporary models_dir holding a copy of the repository's fusion weights, so a
reranker trained in the repository never leaks in and the tests can save their own.
"""

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from matcher import cli
from matcher.coach import training as reranker_training
from matcher.coach import workflow as coach
from matcher.coach.schemas import FeedbackRequest, PortfolioCreate, PortfolioRun
from matcher.coach.store import CoachStore
from matcher.coach.training import TrainingDataError
from matcher.coach.workflow import UnknownRecordError
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError, UnknownEntityError
from matcher.evaluation.metrics import ndcg
from matcher.recommend import need_id
from matcher.schemas import NeedRequest, RecommendationResponse
from matcher.search import reranker
from matcher.search.fusion import resolved_ranking
from matcher.search.reranker import FEATURES, Reranker
from matcher.settings import EncoderSettings, RankingSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.command import run
from tests.support.open_access import OPEN

REPO_MODELS = Path(__file__).resolve().parent.parent / "models"
BATTERY_TEXT = (
    "Recycling of lithium-ion batteries; cobalt and nickel from black mass. pilot customers"
)
FRAUD_TEXT = "Fraud detection for payments and banking with graph analytics."
CARE_NEED = "Robots and sensors for elderly care at home, fall prevention"
BATTERY_NEED = "battery recycling black mass"
EXPORT_COLUMNS = ["portfolio", "need_id", "need", "entity_id", "name", "kind", "note"]

# A larger synthetic market for training: 36 companies and 18 researchers on six topics.
TOPICS = [
    "battery recycling black mass",
    "elderly care robots at home",
    "fraud detection payments banking",
    "solar panels grid storage",
    "water purification membranes",
    "food waste fermentation",
]
PLACES = ["Stockholm", "Solna", "Huddinge", "Täby"]


def market() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(36):
        rows.append(
            {
                "id": f"company:c{i:02d}",
                "kind": "company",
                "name": f"Company {i}",
                "description": f"{TOPICS[i % 6]} for customers of kind {i % 5}",
                "stage": ["startup", "sme", "large"][i % 3],
                "location": {"municipality": PLACES[i % 4]},
                "disciplines": [f"discipline {i % 6}"],
                "seeks": [f"partners in {TOPICS[(i + 1) % 6]}"],
            }
        )
    for i in range(18):
        rows.append(
            {
                "id": f"researcher:r{i:02d}",
                "kind": "researcher",
                "name": f"Researcher {i}",
                "affiliation": "KTH",
                "consent": True,
                "description": f"Research on {TOPICS[i % 6]}",
                "publications": [{"title": f"{TOPICS[i % 6]} study {i}", "year": 2012 + i}],
                "location": {"municipality": PLACES[i % 4]},
                "disciplines": [f"discipline {i % 6}"],
            }
        )
    return rows


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A models folder with the repository's tuned fusion weights and nothing else."""
    folder = tmp_path / "models"
    shutil.copytree(REPO_MODELS / "fusion", folder / "fusion")
    return folder


@pytest.fixture
def coach_settings(tmp_path: Path, models_dir: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        models_dir=models_dir,
        encoder=EncoderSettings(name="fake"),
        access=OPEN,
    )


@pytest.fixture
def engine(coach_settings: Settings, catalogue_file: Path) -> Matcher:
    matcher = Matcher(coach_settings, encoder=FakeEncoder())
    matcher.build(str(catalogue_file))
    return matcher


@pytest.fixture
def client(engine: Matcher) -> TestClient:
    return TestClient(
        create_app(engine.settings, encoder=FakeEncoder()), raise_server_exceptions=False
    )


def make_portfolio(matcher: Matcher, needs: list[dict[str, Any]], name: str = "Spring") -> dict:
    return coach.create_portfolio(
        matcher, PortfolioCreate.model_validate({"name": name, "needs": needs})
    )


def ids(results: list[Any] | None) -> list[str]:
    return [r.id for r in results or []]


def summary(response: RecommendationResponse) -> dict[str, Any]:
    """What a user sees of a response: ids in order, scores, aspects, the partner set."""
    return {
        "need_id": response.need_id,
        "results": [(r.id, r.score) for r in response.results],
        "testbeds": [(r.id, r.score) for r in response.testbeds],
        "partner_set": ids(response.partner_set),
        "aspects": [(a.label, a.text, a.covered_by) for a in response.aspects],
        "reranked": response.reranked,
    }


def assert_error(response: Any, status: int, code: str, fragment: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


# --- portfolios ------------------------------------------------------------------------------


def test_portfolio_from_text_and_from_company_ids(engine: Matcher) -> None:
    stored = make_portfolio(
        engine,
        [
            {"text": "  robots for   elderly care\nat home ", "municipality": "Solna"},
            {"entity_id": "company:battery-loop"},
            {"entity_id": "company:ledger-safe", "title": "Fraud", "municipality": "Täby"},
        ],
    )
    assert stored["id"].startswith("portfolio:") and stored["name"] == "Spring"
    text, company, titled = stored["needs"]

    assert text["text"] == "robots for elderly care at home"
    assert text["title"].startswith("robots for")
    assert text["need_id"] == need_id("robots for elderly care at home")
    assert text["entity_id"] is None and text["municipality"] == "Solna"

    # A company's need is its description and what it seeks; its municipality comes along.
    assert company["text"] == BATTERY_TEXT
    assert company["need_id"] == need_id(BATTERY_TEXT)
    assert company["title"] == "Battery Loop" and company["entity_id"] == "company:battery-loop"
    assert company["municipality"] == "Stockholm"
    # A given title and municipality win over the company's.
    assert titled["text"] == FRAUD_TEXT
    assert titled["title"] == "Fraud" and titled["municipality"] == "Täby"
    assert all(n["shortlist"] == [] for n in stored["needs"])

    assert coach.portfolio(engine, stored["id"]) == stored
    assert engine.coach.portfolios() == [{"id": stored["id"], "name": "Spring", "needs": 3}]


def test_a_long_text_need_gets_a_title_cut_at_a_word(engine: Matcher) -> None:
    text = "We recycle lithium-ion batteries from electric buses and need a pilot line for leaching"
    need = make_portfolio(engine, [{"text": text}])["needs"][0]
    assert need["text"] == text
    title = need["title"]
    assert title == "We recycle lithium-ion batteries from electric buses and…"
    assert len(title) <= 61 and text.startswith(title[:-1]) and text[len(title) - 1] == " "


def test_default_title_of_a_text_need_is_its_normalised_text(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"text": "robots for   elderly care\nat home"}])
    assert stored["needs"][0]["title"] == "robots for elderly care at home"


@pytest.mark.parametrize(
    ("need", "error"),
    [
        ({"entity_id": "company:no-such-company"}, UnknownEntityError),
        ({"entity_id": "researcher:hidden-person"}, UnknownEntityError),  # not listed
        ({"text": "x", "entity_id": "company:battery-loop"}, ValidationError),
        ({"title": "nothing"}, ValidationError),
        ({"text": "   "}, ValidationError),
    ],
)
def test_portfolio_needs_that_are_refused(
    engine: Matcher, need: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_portfolio(engine, [need])
    assert engine.coach.portfolios() == []


def test_unknown_portfolio(engine: Matcher) -> None:
    with pytest.raises(UnknownRecordError, match="portfolio:nope"):
        coach.portfolio(engine, "portfolio:nope")
    with pytest.raises(UnknownRecordError):
        coach.run_portfolio(engine, "portfolio:nope", PortfolioRun())
    with pytest.raises(UnknownRecordError):
        coach.export_rows(engine, "portfolio:nope")


# --- batch recommendations ------------------------------------------------------------------


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


# --- shown rankings ---------------------------------------------------------------------------


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


# --- shortlists and exports -----------------------------------------------------------------


def test_shortlist_add_update_note_and_remove(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"text": BATTERY_NEED}, {"text": CARE_NEED}])
    pid, first, second = stored["id"], stored["needs"][0]["need_id"], stored["needs"][1]["need_id"]

    need = coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", "call Monday")
    assert need["need_id"] == first
    assert need["shortlist"] == [{"entity_id": "lab:black-mass-pilot", "note": "call Monday"}]
    coach.shortlist_add(engine, pid, first, "researcher:ann-metals", "")
    need = coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", "met; send NDA")
    assert need["shortlist"] == [
        {"entity_id": "lab:black-mass-pilot", "note": "met; send NDA"},
        {"entity_id": "researcher:ann-metals", "note": ""},
    ]
    coach.shortlist_add(engine, pid, second, "lab:care-living-lab", "")
    needs = coach.portfolio(engine, pid)["needs"]
    assert [e["entity_id"] for e in needs[1]["shortlist"]] == ["lab:care-living-lab"]

    coach.shortlist_remove(engine, pid, first, "lab:black-mass-pilot")
    needs = coach.portfolio(engine, pid)["needs"]
    assert needs[0]["shortlist"] == [{"entity_id": "researcher:ann-metals", "note": ""}]
    with pytest.raises(UnknownRecordError, match="not on the shortlist"):
        coach.shortlist_remove(engine, pid, first, "lab:black-mass-pilot")

    with pytest.raises(UnknownEntityError):
        coach.shortlist_add(engine, pid, first, "lab:nothing", "")
    with pytest.raises(UnknownEntityError):
        coach.shortlist_add(engine, pid, first, "researcher:hidden-person", "")
    with pytest.raises(UnknownRecordError):
        coach.shortlist_add(engine, pid, "need:0000000000000000", "lab:black-mass-pilot", "")
    with pytest.raises(UnknownRecordError):
        coach.shortlist_add(engine, "portfolio:nope", first, "lab:black-mass-pilot", "")
    # A need of another portfolio is not this portfolio's need.
    other = make_portfolio(engine, [{"text": FRAUD_TEXT}], name="Other")
    with pytest.raises(UnknownRecordError):
        coach.shortlist_add(engine, pid, other["needs"][0]["need_id"], "lab:black-mass-pilot", "")


def test_csv_and_json_exports_hold_the_shortlists(engine: Matcher) -> None:
    stored = make_portfolio(
        engine, [{"text": BATTERY_NEED, "title": "Batteries"}, {"text": CARE_NEED}]
    )
    pid, first = stored["id"], stored["needs"][0]["need_id"]
    tricky = 'Åsa said: "ask, then wait"\nsecond line'
    coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", tricky)
    coach.shortlist_add(engine, pid, first, "researcher:ann-metals", "")

    rows = list(csv.DictReader(io.StringIO(coach.export_csv(engine, pid))))
    assert rows == [
        {
            "portfolio": "Spring",
            "need_id": first,
            "need": "Batteries",
            "entity_id": "lab:black-mass-pilot",
            "name": "Black Mass Pilot Line",
            "kind": "lab",
            "note": tricky,
        },
        {
            "portfolio": "Spring",
            "need_id": first,
            "need": "Batteries",
            "entity_id": "researcher:ann-metals",
            "name": "Ann Metals",
            "kind": "researcher",
            "note": "",
        },
        # A need without a shortlist still has its row.
        {
            "portfolio": "Spring",
            "need_id": stored["needs"][1]["need_id"],
            "need": CARE_NEED,
            "entity_id": "",
            "name": "",
            "kind": "",
            "note": "",
        },
    ]
    assert coach.export_rows(engine, pid) == rows


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_needs_a_shown_need_and_a_known_entity(engine: Matcher) -> None:
    never = FeedbackRequest(
        need_id=need_id("never asked"), entity_id="company:battery-loop", label="relevant"
    )
    with pytest.raises(UnknownRecordError, match="ask for them first"):
        coach.feedback(engine, never)
    shown = engine.recommend(NeedRequest(need=BATTERY_NEED))
    for unknown in ("company:nothing", "researcher:hidden-person"):
        with pytest.raises(UnknownEntityError, match=unknown):
            coach.feedback(
                engine,
                FeedbackRequest(need_id=shown.need_id, entity_id=unknown, label="relevant"),
            )
    with pytest.raises(ValidationError):
        FeedbackRequest(need_id=shown.need_id, entity_id="company:battery-loop", label="great")
    assert engine.coach.feedback() == []


def test_duplicate_feedback_is_stored_once(engine: Matcher) -> None:
    shown = engine.recommend(NeedRequest(need=BATTERY_NEED, municipality="Stockholm"))
    body = FeedbackRequest(
        need_id=shown.need_id, entity_id="company:battery-loop", label="contacted"
    )
    first = coach.feedback(engine, body)
    second = coach.feedback(engine, body)
    assert first.stored is True and second.stored is False
    assert (second.need_id, second.entity_id, second.label) == (
        shown.need_id,
        "company:battery-loop",
        "contacted",
    )
    rows = engine.coach.feedback()
    assert len(rows) == 1
    row = rows[0]
    assert (row["need_id"], row["entity_id"], row["label"]) == (
        shown.need_id,
        "company:battery-loop",
        "contacted",
    )
    # The ranking the verdict was given on is kept with it.
    assert row["text"] == BATTERY_NEED and row["municipality"] == "Stockholm"
    recorded = engine.coach.shown(shown.need_id)
    assert recorded is not None and row["ranking"] == recorded["ranking"]
    # Another label for the same suggestion is another verdict.
    assert coach.feedback(engine, body.model_copy(update={"label": "partnered"})).stored
    assert len(engine.coach.feedback()) == 2


def test_feedback_survives_a_new_engine_on_the_same_data(engine: Matcher) -> None:
    shown = engine.recommend(NeedRequest(need=CARE_NEED))
    body = FeedbackRequest(need_id=shown.need_id, entity_id="researcher:bo-care", label="relevant")
    assert coach.feedback(engine, body).stored

    reopened = Matcher(engine.settings, encoder=FakeEncoder())
    rows = reopened.coach.feedback()
    assert [(r["need_id"], r["entity_id"], r["label"]) for r in rows] == [
        (shown.need_id, "researcher:bo-care", "relevant")
    ]
    assert reopened.coach.shown(shown.need_id) is not None
    assert coach.feedback(reopened, body).stored is False
    assert len(reopened.coach.feedback()) == 1


# --- the reranker -----------------------------------------------------------------------------


def synthetic_rows(count: int, seed: int, key: str) -> tuple[list[dict[str, float]], list[int]]:
    """Random feature rows whose label is exactly whether `key` is set."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        row = {f: float(rng.normal()) for f in FEATURES}
        row[key] = float(rng.random() < 0.4)
        rows.append(row)
    return rows, [int(row[key]) for row in rows]


def test_trained_reranker_ranks_by_the_feature_the_labels_depend_on() -> None:
    rows, labels = synthetic_rows(300, 0, "same_municipality")
    model = reranker.train(rows, labels)
    weights = dict(zip(FEATURES, model.weights, strict=True))
    assert max(weights, key=lambda f: abs(weights[f])) == "same_municipality"
    assert weights["same_municipality"] > 0

    fresh, truth = synthetic_rows(100, 1, "same_municipality")
    chance = model.probability(fresh)
    assert chance.shape == (100,) and np.all((chance > 0) & (chance < 1))
    ranked = [truth[i] for i in np.argsort(-chance, kind="stable")]
    assert ranked == sorted(truth, reverse=True)
    assert ndcg([float(t) for t in ranked]) == pytest.approx(1.0)


def test_ndcg() -> None:
    assert ndcg([3.0, 2.0, 1.0, 0.0]) == pytest.approx(1.0)
    assert ndcg([0.0, 0.0]) == 0.0
    assert ndcg([]) == 0.0
    assert 0 < ndcg([0.0, 1.0, 3.0]) < ndcg([1.0, 0.0, 3.0]) < 1
    assert ndcg([0.0] * 10 + [1.0]) == 0.0  # beyond @10
    assert ndcg([0.0, 1.0], k=1) == 0.0


def test_reranker_save_and_load_round_trip(tmp_path: Path) -> None:
    rows, labels = synthetic_rows(80, 2, "researcher")
    model = reranker.train(rows, labels)
    folder = tmp_path / "reranker"
    reranker.save(folder, model, {"source": "feedback", "active": True})

    stored = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert stored["features"] == list(FEATURES) and len(stored["weights"]) == len(FEATURES)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["active"] is True and manifest["features"] == list(FEATURES)
    assert manifest["source"] == "feedback" and "date" in manifest

    loaded = reranker.load(folder)
    assert loaded is not None
    np.testing.assert_allclose(loaded.probability(rows), model.probability(rows))
    assert loaded.intercept == model.intercept


def test_reranker_load_refuses_what_should_not_be_served(tmp_path: Path) -> None:
    model = reranker.train(*synthetic_rows(80, 3, "lab"))
    inactive = tmp_path / "inactive"
    reranker.save(inactive, model, {"active": False})
    assert reranker.load(inactive) is None

    other = tmp_path / "other-features"
    reranker.save(other, model, {"active": True})
    raw = json.loads((other / "model.json").read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    (other / "model.json").write_text(json.dumps(raw), encoding="utf-8")
    assert reranker.load(other) is None

    broken = tmp_path / "broken"
    reranker.save(broken, model, {"active": True})
    (broken / "model.json").write_text("{not json", encoding="utf-8")
    assert reranker.load(broken) is None
    assert reranker.load(tmp_path / "missing") is None


def test_split_is_by_need_and_deterministic() -> None:
    needs = [f"need:{i}" for i in range(10)]
    train, held = reranker_training.split(needs + needs[:3], seed=4)
    assert train | held == set(needs) and not train & held and len(held) == 3
    assert reranker_training.split(list(reversed(needs)), seed=4) == (train, held)


def feedback_entries(needs: int, seed: int = 0) -> list[dict[str, Any]]:
    """Stored-feedback-shaped entries: ten shown partners per need, verdicts on all of them;
    the coach likes exactly the small companies in the need's municipality, which the engine's
    order (by score) ignores."""
    rng = np.random.default_rng(seed)
    entries = []
    for n in range(needs):
        ranking: list[dict[str, Any]] = []
        for position in range(1, 11):
            local = float(rng.random() < 0.3 or position == 10)
            row = dict.fromkeys(FEATURES, 0.0)
            row.update(
                score=1.0 - position / 20,
                dense=1.0 - position / 20,
                rank_share=position / 50,
                company=1.0,
                small_company=1.0,
                same_municipality=local,
                local_small_company=local,
            )
            ranking.append(
                {
                    "entity_id": f"e{position}",
                    "list": "partners",
                    "position": position,
                    "features": row,
                }
            )
        for entry in ranking:
            label = "contacted" if entry["features"]["local_small_company"] else "not_relevant"
            entries.append(
                {
                    "need_id": f"need:{n}",
                    "entity_id": entry["entity_id"],
                    "label": label,
                    "ranking": ranking,
                }
            )
    return entries


def test_from_feedback_learns_what_the_coach_likes() -> None:
    model, metrics = reranker_training.from_feedback(feedback_entries(10), seed=0)
    assert metrics["training_needs"] == 7 and metrics["held_out_needs"] == 3
    assert metrics["training_rows"] == 70
    assert metrics["ndcg@10_after"] > metrics["ndcg@10_before"]
    assert metrics["ndcg@10_after"] == pytest.approx(1.0)
    weights = dict(zip(FEATURES, model.weights, strict=True))
    assert weights["local_small_company"] > 0


def test_from_feedback_with_too_little_feedback(engine: Matcher) -> None:
    with pytest.raises(TrainingDataError, match="at least 5"):
        reranker_training.from_feedback([])
    # Real stored feedback on two needs is not enough.
    for need in (BATTERY_NEED, CARE_NEED):
        shown = engine.recommend(NeedRequest(need=need))
        for result in shown.results:
            label = "relevant" if result.score > 0.3 else "not_relevant"
            coach.feedback(
                engine, FeedbackRequest(need_id=shown.need_id, entity_id=result.id, label=label)
            )
    with pytest.raises(TrainingDataError, match="at least 5"):
        reranker_training.from_feedback(engine.coach.feedback())
    # Enough needs, but too few verdicts on the training needs.
    sparse = [e for e in feedback_entries(6) if e["entity_id"] in ("e1", "e2")]
    with pytest.raises(TrainingDataError, match="at least 20"):
        reranker_training.from_feedback(sparse)
    # Only one kind of verdict.
    same = [{**e, "label": "relevant"} for e in feedback_entries(8)]
    with pytest.raises(TrainingDataError):
        reranker_training.from_feedback(same)


def test_simulated_coach_follows_the_hidden_preference() -> None:
    local = dict.fromkeys(FEATURES, 0.0) | {
        "rank_share": 0.1,
        "company": 1.0,
        "small_company": 1.0,
        "same_municipality": 1.0,
        "local_small_company": 1.0,
    }
    large = local | {"small_company": 0.0, "same_municipality": 0.0, "local_small_company": 0.0}
    recent = dict.fromkeys(FEATURES, 0.0) | {"rank_share": 0.1, "researcher": 1.0}
    preference = reranker_training.hidden_preference
    assert preference(local) > preference(recent) > preference(large)
    assert preference(local) > preference(local | {"rank_share": 0.4})

    rng = np.random.default_rng(5)
    lists: dict[str, list[dict[str, float]]] = {}
    for n in range(30):
        rows = []
        for position in range(1, 21):
            small = float(rng.random() < 0.5)
            here = float(rng.random() < 0.5)
            rows.append(
                dict.fromkeys(FEATURES, 0.0)
                | {
                    "score": 1.0 - position / 40,
                    "rank_share": position / 50,
                    "company": 1.0,
                    "small_company": small,
                    "same_municipality": here,
                    "local_small_company": small * here,
                    "years_since_latest": 10.0,
                }
            )
        lists[f"need:{n}"] = rows
    model, metrics = reranker_training.simulated(lists, seed=0)
    again, repeated = reranker_training.simulated(lists, seed=0)
    assert repeated == metrics
    np.testing.assert_allclose(again.weights, model.weights)
    assert metrics["held_out_needs"] == 9 and metrics["training_rows"] == 21 * 10
    assert metrics["ndcg@10_after"] > metrics["ndcg@10_before"]
    weights = dict(zip(FEATURES, model.weights, strict=True))
    assert weights["local_small_company"] > 0


def test_only_a_model_trained_on_feedback_that_beats_the_engine_is_marked_active(
    tmp_path: Path,
) -> None:
    model = reranker.train(*synthetic_rows(60, 6, "company"))
    better = {"ndcg@10_before": 0.5, "ndcg@10_after": 0.7}
    worse = {"ndcg@10_before": 0.7, "ndcg@10_after": 0.7}
    assert reranker_training.save(tmp_path / "a", model, better, "feedback") is True
    assert reranker.load(tmp_path / "a") is not None
    assert reranker_training.save(tmp_path / "b", model, worse, "feedback") is False
    assert reranker.load(tmp_path / "b") is None
    assert reranker_training.save(tmp_path / "c", model, better, "simulated") is False
    assert reranker.load(tmp_path / "c") is None
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metrics"] == better and manifest["source"] == "feedback"


def researchers_first() -> Reranker:
    """A reranker that only cares whether a suggestion is a researcher."""
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("researcher")] = 5.0
    return Reranker(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), weights, 0.0)


def test_active_reranker_reorders_recommendations_but_keeps_scores(engine: Matcher) -> None:
    # The temporary models_dir carries the repository's fusion weights, so scores are as usual.
    assert engine.ranking.lexical_weight == resolved_ranking(Settings()).lexical_weight
    request = NeedRequest(need=BATTERY_NEED)
    before = engine.recommend(request)
    assert before.reranked is False
    plain = ids(before.results)
    expected = [e for e in plain if e.startswith("researcher:")] + [
        e for e in plain if not e.startswith("researcher:")
    ]
    assert expected != plain

    reranker.save(engine.settings.models_dir / "reranker", researchers_first(), {"active": True})
    after = engine.recommend(request)  # the running engine picks the new model up
    assert after.reranked is True
    assert ids(after.results) == expected
    assert {r.id: r.score for r in after.results} == {r.id: r.score for r in before.results}
    # Labs are all alike to this model: the testbeds keep their order.
    assert [(t.id, t.score) for t in after.testbeds] == [(t.id, t.score) for t in before.testbeds]
    shown = engine.coach.shown(after.need_id)
    assert shown is not None
    assert [s["entity_id"] for s in shown["ranking"] if s["list"] == "partners"] == expected

    # The batch path reranks the same way; rerank=False asks for the engine's own order.
    assert summary(engine.recommend_many([request])[0]) == summary(after)
    unranked = engine.recommend_many([request], rerank=False)[0]
    assert unranked.reranked is False and ids(unranked.results) == plain


def test_inactive_reranker_changes_nothing(coach_settings: Settings, engine: Matcher) -> None:
    request = NeedRequest(need=BATTERY_NEED)
    before = summary(engine.recommend(request))
    reranker.save(coach_settings.models_dir / "reranker", researchers_first(), {"active": False})
    fresh = Matcher(coach_settings, encoder=FakeEncoder())
    assert fresh.reranker() is None
    assert summary(fresh.recommend(request)) == before


def test_a_reranker_folder_without_manifest_is_ignored(engine: Matcher) -> None:
    before = summary(engine.recommend(NeedRequest(need=BATTERY_NEED)))
    (engine.settings.models_dir / "reranker").mkdir()
    assert summary(engine.recommend(NeedRequest(need=BATTERY_NEED))) == before


# --- HTTP API ---------------------------------------------------------------------------------


def test_portfolio_api(client: TestClient, engine: Matcher) -> None:
    created = client.post(
        "/v1/portfolios",
        json={
            "name": "Cohort 7",
            "needs": [{"entity_id": "company:battery-loop"}, {"text": CARE_NEED, "title": "Care"}],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    pid = body["id"]
    assert [n["title"] for n in body["needs"]] == ["Battery Loop", "Care"]
    assert body["needs"][0]["text"] == BATTERY_TEXT

    assert client.get("/v1/portfolios").json() == [{"id": pid, "name": "Cohort 7", "needs": 2}]
    assert client.get(f"/v1/portfolios/{pid}").json() == body
    assert_error(client.get("/v1/portfolios/portfolio:nope"), 404, "not_found", "portfolio:nope")

    run = client.post(f"/v1/portfolios/{pid}/recommendations", json={"top_k": 2})
    assert run.status_code == 200, run.text
    answer = run.json()
    assert answer["portfolio_id"] == pid and [n["title"] for n in answer["needs"]] == [
        "Battery Loop",
        "Care",
    ]
    care = answer["needs"][1]["response"]
    direct = engine.recommend(NeedRequest(need=CARE_NEED, top_k=2), record=False)
    assert [r["id"] for r in care["results"]] == ids(direct.results)
    assert care["need_id"] == body["needs"][1]["need_id"]
    # Without a body the defaults apply.
    default = client.post(f"/v1/portfolios/{pid}/recommendations")
    assert default.status_code == 200 and len(default.json()["needs"]) == 2
    assert_error(client.post("/v1/portfolios/portfolio:nope/recommendations"), 404, "not_found")
    assert_error(
        client.post(f"/v1/portfolios/{pid}/recommendations", json={"top_k": 0}),
        422,
        "invalid_request",
        "top_k",
    )


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"name": "x", "needs": []}, 422, "needs"),
        (
            {"name": "x", "needs": [{"text": "a", "entity_id": "company:battery-loop"}]},
            422,
            "either",
        ),
        ({"name": "x", "needs": [{"title": "a"}]}, 422, "either"),
        ({"name": "", "needs": [{"text": "a"}]}, 422, "name"),
        ({"name": "x", "needs": [{"text": "a"}], "owner": "me"}, 422, "owner"),
        ({"name": "x", "needs": [{"entity_id": "company:nothing"}]}, 404, "company:nothing"),
    ],
)
def test_portfolio_api_refuses_bad_portfolios(
    client: TestClient, body: dict[str, Any], status: int, fragment: str
) -> None:
    code = "not_found" if status == 404 else "invalid_request"
    assert_error(client.post("/v1/portfolios", json=body), status, code, fragment)
    assert client.get("/v1/portfolios").json() == []


def test_a_portfolio_the_api_accepts_can_be_run(client: TestClient) -> None:
    created = client.post(
        "/v1/portfolios", json={"name": "long", "needs": [{"text": "battery " * 1500}]}
    )
    if created.status_code == 201:
        run = client.post(f"/v1/portfolios/{created.json()['id']}/recommendations")
        assert run.status_code == 200, run.text
    else:
        assert_error(created, 422, "invalid_request")


def test_shortlist_and_export_api(client: TestClient) -> None:
    pid = client.post(
        "/v1/portfolios",
        json={"name": "Cohort", "needs": [{"text": BATTERY_NEED}, {"text": CARE_NEED}]},
    ).json()["id"]
    need = need_id(BATTERY_NEED)
    base = f"/v1/portfolios/{pid}/needs/{need}/shortlist"

    added = client.put(base, json={"entity_id": "lab:black-mass-pilot", "note": "visit, 12 May"})
    assert added.status_code == 200, added.text
    assert added.json()["shortlist"] == [
        {"entity_id": "lab:black-mass-pilot", "note": "visit, 12 May"}
    ]
    updated = client.put(base, json={"entity_id": "lab:black-mass-pilot", "note": "visited"})
    assert updated.json()["shortlist"] == [{"entity_id": "lab:black-mass-pilot", "note": "visited"}]
    client.put(base, json={"entity_id": "researcher:ann-metals"})

    assert_error(
        client.put(base, json={"entity_id": "lab:nothing"}), 404, "not_found", "lab:nothing"
    )
    assert_error(
        client.put(
            f"/v1/portfolios/{pid}/needs/need:0000/shortlist",
            json={"entity_id": "lab:black-mass-pilot"},
        ),
        404,
        "not_found",
        "need:0000",
    )
    assert_error(
        client.put(
            f"/v1/portfolios/portfolio:nope/needs/{need}/shortlist",
            json={"entity_id": "lab:black-mass-pilot"},
        ),
        404,
        "not_found",
    )
    assert_error(client.put(base, json={"note": "who?"}), 422, "invalid_request", "entity_id")
    assert_error(
        client.put(base, json={"entity_id": "lab:black-mass-pilot", "note": "x" * 2001}),
        422,
        "invalid_request",
        "note",
    )

    removed = client.delete(f"{base}/researcher:ann-metals")
    assert removed.status_code == 204 and removed.content == b""
    assert_error(
        client.delete(f"{base}/researcher:ann-metals"), 404, "not_found", "not on the shortlist"
    )
    assert_error(
        client.delete(f"/v1/portfolios/portfolio:nope/needs/{need}/shortlist/x"), 404, "not_found"
    )

    exported = client.get(f"/v1/portfolios/{pid}/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(rows[0]) == EXPORT_COLUMNS
    assert [(r["need_id"], r["entity_id"], r["name"], r["kind"], r["note"]) for r in rows] == [
        (need, "lab:black-mass-pilot", "Black Mass Pilot Line", "lab", "visited"),
        (need_id(CARE_NEED), "", "", "", ""),
    ]
    document = client.get(f"/v1/portfolios/{pid}/export.json").json()
    assert document["id"] == pid and document["name"] == "Cohort"
    assert document["rows"] == rows
    assert document["needs"][0]["shortlist"] == [
        {"entity_id": "lab:black-mass-pilot", "note": "visited"}
    ]
    assert_error(client.get("/v1/portfolios/portfolio:nope/export.csv"), 404, "not_found")
    assert_error(client.get("/v1/portfolios/portfolio:nope/export.json"), 404, "not_found")


def test_feedback_api(client: TestClient, engine: Matcher) -> None:
    unknown_need = {
        "need_id": need_id("never"),
        "entity_id": "company:battery-loop",
        "label": "relevant",
    }
    assert_error(
        client.post("/v1/feedback", json=unknown_need), 404, "not_found", "ask for them first"
    )

    shown = client.post("/v1/recommendations", json={"need": BATTERY_NEED}).json()
    body = {"need_id": shown["need_id"], "entity_id": "company:battery-loop", "label": "partnered"}
    first = client.post("/v1/feedback", json=body)
    assert first.status_code == 201 and first.json() == {**body, "stored": True}
    second = client.post("/v1/feedback", json=body)
    assert second.status_code == 200 and second.json() == {**body, "stored": False}
    assert len(engine.coach.feedback()) == 1

    assert_error(
        client.post("/v1/feedback", json={**body, "entity_id": "company:nothing"}),
        404,
        "not_found",
        "company:nothing",
    )
    assert_error(
        client.post("/v1/feedback", json={**body, "label": "great"}),
        422,
        "invalid_request",
        "label",
    )
    assert_error(
        client.post("/v1/feedback", json={"need_id": shown["need_id"]}), 422, "invalid_request"
    )
    assert len(engine.coach.feedback()) == 1


def test_api_serves_an_active_reranker(client: TestClient, engine: Matcher) -> None:
    plain = client.post("/v1/recommendations", json={"need": BATTERY_NEED}).json()
    assert plain["reranked"] is False
    reranker.save(engine.settings.models_dir / "reranker", researchers_first(), {"active": True})
    ranked = client.post("/v1/recommendations", json={"need": BATTERY_NEED}).json()
    assert ranked["reranked"] is True
    assert [r["kind"] for r in ranked["results"]] == sorted(
        (r["kind"] for r in plain["results"]), key=lambda kind: kind != "researcher"
    )


# --- command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, models_dir: Path) -> Iterator[Path]:
    """The CLI on a temporary data directory and models folder, with the fake encoder."""
    from matcher.settings import get_settings

    data = tmp_path / "cli-data"
    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(data))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models_dir))
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def assert_cli_error(result: tuple[int, str, str], fragment: str) -> None:
    code, out, err = result
    assert code == 2 and out == ""
    assert err.startswith("matcher: error:") and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_portfolio_workflow(
    cli_env: Path, catalogue_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    needs = tmp_path / "needs.jsonl"
    needs.write_text(
        json.dumps("company:battery-loop")
        + "\n"
        + json.dumps({"text": CARE_NEED, "title": "Care"})
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "portfolio", "create", "--name", "Cohort 7", "--needs", str(needs))
    assert code == 0
    pid = out.strip()
    assert pid.startswith("portfolio:")

    code, out, _ = run(capsys, "portfolio", "list")
    assert code == 0 and out.strip() == f"{pid}  Cohort 7 (2 needs)"
    assert json.loads(run(capsys, "portfolio", "list", "--json")[1]) == [
        {"id": pid, "name": "Cohort 7", "needs": 2}
    ]

    code, out, _ = run(capsys, "portfolio", "recommend", pid, "--json", "--top", "2")
    assert code == 0
    answer = json.loads(out)
    assert answer["portfolio_id"] == pid
    battery, care = (n["response"] for n in answer["needs"])
    assert battery["need_id"] == need_id(BATTERY_TEXT) and care["need_id"] == need_id(CARE_NEED)
    assert len(care["results"]) == 2
    assert "company:battery-loop" not in [r["id"] for r in battery["results"]]
    code, out, _ = run(capsys, "portfolio", "recommend", pid)
    assert code == 0 and out.startswith("2 needs in") and "Care" in out and "Battery Loop" in out

    target = "researcher:ann-metals"
    code, out, _ = run(capsys, "feedback", battery["need_id"], target, "relevant")
    assert (code, out.strip()) == (0, "stored")
    code, out, _ = run(capsys, "feedback", battery["need_id"], target, "relevant")
    assert (code, out.strip()) == (0, "already stored")
    code, out, _ = run(capsys, "feedback", battery["need_id"], target, "contacted", "--json")
    assert code == 0 and json.loads(out)["stored"] is True

    # The shortlist is kept by the engine on the same data directory; export shows it.
    from matcher.settings import get_settings

    coach.shortlist_add(Matcher(get_settings()), pid, battery["need_id"], target, "ask about ICP")
    csv_file = tmp_path / "out" / "cohort.csv"
    csv_file.parent.mkdir()
    code, out, _ = run(
        capsys, "portfolio", "export", pid, "--format", "csv", "--output", str(csv_file)
    )
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert [(r["entity_id"], r["note"], r["need"]) for r in rows] == [
        (target, "ask about ICP", "Battery Loop"),
        ("", "", "Care"),
    ]
    code, out, _ = run(capsys, "portfolio", "export", pid, "--format", "csv")
    assert code == 0 and list(csv.DictReader(io.StringIO(out))) == rows
    code, out, _ = run(capsys, "portfolio", "export", pid, "--format", "json")
    assert code == 0 and json.loads(out)["rows"] == rows


def test_cli_coach_errors_are_one_line(
    cli_env: Path, catalogue_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(["company:nothing"]), encoding="utf-8")
    both = tmp_path / "both.json"
    both.write_text(json.dumps({"needs": [{"text": "x", "entity_id": "company:battery-loop"}]}))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "a"}\n{oops\n', encoding="utf-8")

    assert_cli_error(run(capsys, "portfolio", "create", "--name", "x"), "--needs")
    assert_cli_error(
        run(capsys, "portfolio", "create", "--needs", str(tmp_path / "no.json")), "not found"
    )
    assert_cli_error(run(capsys, "portfolio", "create", "--needs", str(unknown)), "company:nothing")
    assert_cli_error(
        run(capsys, "portfolio", "create", "--needs", str(both)), "either text or entity_id"
    )
    assert_cli_error(run(capsys, "portfolio", "create", "--needs", str(broken)), "broken.jsonl:2")
    assert_cli_error(run(capsys, "portfolio", "recommend"), "needs a portfolio id")
    assert_cli_error(run(capsys, "portfolio", "recommend", "portfolio:nope"), "portfolio:nope")
    assert_cli_error(run(capsys, "portfolio", "export", "portfolio:nope"), "portfolio:nope")
    assert_cli_error(
        run(capsys, "feedback", need_id("never"), "company:battery-loop", "relevant"),
        "ask for them first",
    )
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps([{"text": BATTERY_NEED}]), encoding="utf-8")
    pid = run(capsys, "portfolio", "create", "--needs", str(ok))[1].strip()
    assert_cli_error(run(capsys, "portfolio", "recommend", pid, "--top", "0"), "top_k")
    run(capsys, "portfolio", "recommend", pid, "--json")
    assert_cli_error(
        run(capsys, "feedback", need_id(BATTERY_NEED), "company:nothing", "relevant"),
        "company:nothing",
    )
    assert_cli_error(run(capsys, "train-reranker"), "at least 5")
    with pytest.raises(SystemExit) as info:
        cli.main(["feedback", need_id(BATTERY_NEED), "company:battery-loop", "great"])
    assert info.value.code == 2 and "invalid choice: 'great'" in capsys.readouterr().err


def test_cli_needs_file_with_a_bare_string(
    cli_env: Path, catalogue_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    needs = tmp_path / "needs.json"
    needs.write_text(json.dumps("company:battery-loop"), encoding="utf-8")
    code, out, _ = run(capsys, "portfolio", "create", "--needs", str(needs))
    assert code in (0, 2)


def test_cli_train_reranker_simulated_and_from_feedback(
    cli_env: Path, models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.settings import get_settings

    catalog = write_catalogue(tmp_path / "market.jsonl", market())
    run(capsys, "build", "--catalogue", str(catalog), "--json")

    code, out, _ = run(capsys, "train-reranker", "--simulate", "--seed", "1", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["source"] == "simulated" and report["active"] is False
    assert Path(report["folder"]) == models_dir / "reranker-simulated"
    assert report["training_needs"] + report["held_out_needs"] == 24  # the non-large companies
    assert reranker.load(models_dir / "reranker-simulated") is None  # never served
    assert not (models_dir / "reranker").exists()
    code, out, _ = run(capsys, "train-reranker", "--simulate")
    assert code == 0 and "never used for serving" in out

    # A coach who contacts exactly the small companies in the startup's own municipality.
    matcher = Matcher(get_settings())
    requests = [
        NeedRequest(
            need=f"{TOPICS[i % 6]} pilot project {i}",
            municipality=PLACES[i % 4],
            kinds=["company", "researcher"],
        )
        for i in range(10)
    ]
    for request, response in zip(requests, matcher.recommend_many(requests), strict=True):
        for result in response.results[:8]:
            entity = matcher.get(result.id)
            assert entity is not None
            local = (
                entity.kind == "company"
                and getattr(entity, "stage", None) != "large"
                and entity.location is not None
                and entity.location.municipality == request.municipality
            )
            label = "contacted" if local else "not_relevant"
            coach.feedback(
                matcher, FeedbackRequest(need_id=response.need_id, entity_id=result.id, label=label)
            )

    code, out, _ = run(capsys, "train-reranker", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["source"] == "feedback" and report["training_needs"] == 7
    assert report["active"] is (report["ndcg@10_after"] > report["ndcg@10_before"])
    assert report["active"] is True
    assert reranker.load(models_dir / "reranker") is not None
    code, out, _ = run(capsys, "recommend", requests[0].need, "--json")
    assert code == 0 and json.loads(out)["reranked"] is True


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
