"""Ranking metrics: weighted pair loss, pair resolution, recall, nDCG, reciprocal rank."""

import math
from collections.abc import Mapping, Sequence
from itertools import combinations

Scores = Mapping[str, Mapping[str, float]]


def pair_loss(predicted: Scores, truth: Scores) -> float:
    """Weighted share of mis-ordered pairs (ties cost half); 0 is perfect, 0.5 random.

    For every reviewer and pair of rated papers the weight is the difference of the two
    expertise ratings; a pair costs its weight when the prediction orders it the wrong way.
    """
    loss = total = 0.0
    for reviewer, ratings in truth.items():
        for a, b in combinations(list(ratings), 2):
            true_diff = ratings[a] - ratings[b]
            pred_diff = predicted[reviewer][a] - predicted[reviewer][b]
            total += abs(true_diff)
            if pred_diff * true_diff == 0:
                loss += abs(true_diff) / 2
            elif pred_diff * true_diff < 0:
                loss += abs(true_diff)
    return loss / total if total else 0.0


def pair_accuracy(predicted: Scores, truth: Scores, regime: str) -> float:
    """Share of correctly ordered pairs: 'easy' (one rated 4+, other 2-) or 'hard' (both 4+)."""
    if regime not in {"easy", "hard"}:
        raise ValueError("regime must be 'easy' or 'hard'")
    correct = pairs = 0
    for reviewer, ratings in truth.items():
        for a, b in combinations(list(ratings), 2):
            high, low = max(ratings[a], ratings[b]), min(ratings[a], ratings[b])
            if high == low:
                continue
            if regime == "hard" and low < 4:
                continue
            if regime == "easy" and (high < 4 or low > 2):
                continue
            pairs += 1
            pred_diff = predicted[reviewer][a] - predicted[reviewer][b]
            correct += pred_diff * (ratings[a] - ratings[b]) > 0
    return correct / pairs if pairs else 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant ids found in the first k."""
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def ndcg(gains: Sequence[float], k: int = 10, ideal: Sequence[float] | None = None) -> float:
    """nDCG@k of graded gains in ranked order, against the best order of `ideal` (by default
    the same gains)."""

    def dcg(values: Sequence[float]) -> float:
        return sum(g / math.log2(i + 2) for i, g in enumerate(values[:k]))

    best = dcg(sorted(gains if ideal is None else ideal, reverse=True))
    return dcg(list(gains)) / best if best > 0 else 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Binary-relevance nDCG of the first k (every relevant id counts in the ideal order)."""
    gains = [1.0 if r in relevant else 0.0 for r in ranked[:k]]
    return ndcg(gains, k, [1.0] * len(relevant))


def reciprocal_rank_of(ranked: Sequence[str], relevant: set[str]) -> float:
    """1/rank of the first relevant id (0 when none is ranked)."""
    for i, item in enumerate(ranked):
        if item in relevant:
            return 1.0 / (i + 1)
    return 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: str) -> float:
    """1/rank of the one relevant id (0 when absent)."""
    for i, item in enumerate(ranked):
        if item == relevant:
            return 1.0 / (i + 1)
    return 0.0
