"""The learned reranker: training, saving, loading and serving only what beats the engine."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.coach import training as reranker_training
from matcher.coach import workflow as coach
from matcher.coach.schemas import FeedbackRequest
from matcher.coach.training import TrainingDataError
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.evaluation.metrics import ndcg
from matcher.schemas import NeedRequest
from matcher.search import reranker
from matcher.search.fusion import resolved_ranking
from matcher.search.reranker import FEATURES
from matcher.settings import Settings
from tests.support.coach import (
    BATTERY_NEED,
    CARE_NEED,
    ids,
    researchers_first,
    summary,
)


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
