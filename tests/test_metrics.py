"""Ranking metrics on cases worked out by hand, and on the published gold-standard predictions."""

import json
from pathlib import Path

import pytest

from matcher.evaluation.goldstandard import load_ratings
from matcher.evaluation.metrics import ndcg_at, pair_accuracy, pair_loss, recall_at, reciprocal_rank

GOLD = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "goldstandard-reviewer-paper"
)
PUBLISHED_SPLIT_1 = {
    "tpms": 0.2814,
    "elmo": 0.3367,
    "specter": 0.2719,
    "specter_mfr": 0.2375,
    "acl": 0.2950,
}


def test_pair_loss_by_hand() -> None:
    truth = {"r": {"a": 5.0, "b": 3.0, "c": 1.0}}
    assert pair_loss({"r": {"a": 3, "b": 2, "c": 1}}, truth) == 0.0
    assert pair_loss({"r": {"a": 1, "b": 2, "c": 3}}, truth) == 1.0
    # a>b right (w 2), a>c right (w 4), b<c wrong (w 2): 2 / 8
    assert pair_loss({"r": {"a": 3, "b": 1, "c": 2}}, truth) == pytest.approx(0.25)
    # all tied: every pair costs half
    assert pair_loss({"r": {"a": 1, "b": 1, "c": 1}}, truth) == pytest.approx(0.5)


def test_pair_accuracy_regimes() -> None:
    truth = {"r": {"a": 5.0, "b": 4.0, "c": 1.0}}
    predicted = {"r": {"a": 1.0, "b": 2.0, "c": 0.0}}
    assert pair_accuracy(predicted, truth, "hard") == 0.0  # a vs b only, wrong
    assert pair_accuracy(predicted, truth, "easy") == 1.0  # a vs c and b vs c, right
    with pytest.raises(ValueError):
        pair_accuracy(predicted, truth, "medium")


def test_retrieval_metrics_by_hand() -> None:
    ranked = ["x", "a", "y", "b"]
    assert recall_at(ranked, {"a", "b"}, 2) == 0.5
    assert recall_at(ranked, {"a", "b"}, 4) == 1.0
    assert ndcg_at(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert 0 < ndcg_at(ranked, {"a", "b"}, 10) < 1
    assert reciprocal_rank(ranked, "y") == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, "z") == 0.0


@pytest.mark.skipif(not GOLD.exists(), reason="shared gold-standard data not present")
@pytest.mark.parametrize(("system", "published"), list(PUBLISHED_SPLIT_1.items()))
def test_metric_reproduces_published_losses(system: str, published: float) -> None:
    ratings = load_ratings(GOLD)
    submissions = json.loads((GOLD / "evaluation_datasets/d_20_1/submissions.json").read_text())
    predicted = json.loads((GOLD / f"predictions/{system}_d_20_1_ta.json").read_text())
    truth = {
        r: {p: e for p, e in papers.items() if p in submissions}
        for r, papers in ratings.items()
        if r in predicted
    }
    assert len(truth) == 58
    assert pair_loss(predicted, truth) == pytest.approx(published, abs=5e-5)
