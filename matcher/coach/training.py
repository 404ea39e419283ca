"""Training the reranker: from stored coach feedback, or from a simulated coach.

Both split the needs (not the rows) into training and held-out needs, fit on the training
needs' labelled suggestions, and compare nDCG@10 of the held-out needs' shown lists in the
engine's order and in the reranker's order. The simulated coach draws its labels from a
hidden preference the project defines: suggestions high in the engine's list are liked, and
more so small companies (startups, SMEs) in the startup's own municipality and researchers
with recent work, while large companies are liked less. Its gains on held-out needs are the
hidden probabilities themselves, so the comparison shows whether training moved the ranking
toward the preference.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.metrics import ndcg
from matcher.search import reranker
from matcher.search.reranker import GAINS, POSITIVE, RERANK_POOL, Reranker

HELD_OUT = 0.3
MIN_LABELS = 20
MIN_NEEDS = 5
SHOWN = 20
LOOKED_AT = 10


class TrainingDataError(ValueError):
    """Too little feedback to train and check a reranker."""


def split(needs: Sequence[str], seed: int) -> tuple[set[str], set[str]]:
    """Training and held-out needs."""
    order = sorted(set(needs))
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(order) * HELD_OUT))
    return set(order[cut:]), set(order[:cut])


def hidden_preference(row: dict[str, float]) -> float:
    """The simulated coach's probability of liking a suggestion."""
    logit = (
        2.0 * (1.0 - 2.0 * row["rank_share"] * RERANK_POOL / SHOWN)
        + 2.0 * row["local_small_company"]
        + 1.5 * row["researcher"] * float(row["years_since_latest"] <= 1)
        - 1.0 * row["company"] * (1.0 - row["small_company"])
    )
    return 1.0 / (1.0 + math.exp(-logit))


def compare(
    model: Reranker, lists: dict[str, list[dict[str, float]]], gains: dict[str, list[float]]
) -> dict[str, float]:
    """Mean nDCG@10 of the held-out lists in the engine's order and in the reranker's."""
    before, after, top_before, top_after = [], [], [], []
    for need, rows in lists.items():
        if not rows or max(gains[need]) <= 0:
            continue
        chance = model.probability(rows)
        order = sorted(range(len(rows)), key=lambda i: (-chance[i], i))
        reranked = [gains[need][i] for i in order]
        before.append(ndcg(gains[need]))
        after.append(ndcg(reranked))
        top_before.append(float(np.mean(gains[need][:LOOKED_AT])))
        top_after.append(float(np.mean(reranked[:LOOKED_AT])))
    if not before:
        raise TrainingDataError("no held-out need has a positive label to rank")
    return {
        "ndcg@10_before": float(np.mean(before)),
        "ndcg@10_after": float(np.mean(after)),
        "mean_gain@10_before": float(np.mean(top_before)),
        "mean_gain@10_after": float(np.mean(top_after)),
        "held_out_needs": float(len(before)),
    }


def fit_and_check(
    lists: dict[str, list[dict[str, float]]],
    labels: dict[str, dict[int, int]],
    gains: dict[str, list[float]],
    seed: int,
) -> tuple[Reranker, dict[str, float]]:
    """Fit on the training needs' labelled rows; compare on the held-out needs."""
    train_needs, held_out = split(list(lists), seed)
    rows, targets = [], []
    for need in train_needs:
        for index, label in labels.get(need, {}).items():
            rows.append(lists[need][index])
            targets.append(label)
    if len(rows) < MIN_LABELS or len(set(targets)) < 2:
        raise TrainingDataError(
            f"{len(rows)} labelled suggestions on the training needs; at least {MIN_LABELS} "
            "with both good and bad verdicts are needed"
        )
    model = reranker.train(rows, targets)
    metrics = compare(model, {n: lists[n] for n in held_out}, gains)
    metrics["training_rows"] = float(len(rows))
    metrics["training_needs"] = float(len(train_needs))
    return model, metrics


def from_feedback(
    feedback: list[dict[str, Any]], seed: int = 0
) -> tuple[Reranker, dict[str, float]]:
    """Train on stored feedback: each verdict with the ranking it was given on."""
    lists: dict[str, list[dict[str, float]]] = {}
    ids: dict[str, list[str]] = {}
    verdicts: dict[str, dict[str, str]] = {}
    for entry in feedback:
        need = entry["need_id"]
        shown = [s for s in entry["ranking"] if s["list"] == "partners"] or entry["ranking"]
        lists[need] = [s["features"] for s in shown]
        ids[need] = [s["entity_id"] for s in shown]
        verdicts.setdefault(need, {})
        best = verdicts[need].get(entry["entity_id"])
        if best is None or GAINS[entry["label"]] > GAINS[best]:
            verdicts[need][entry["entity_id"]] = entry["label"]
    if len(lists) < MIN_NEEDS:
        raise TrainingDataError(f"feedback on {len(lists)} needs; at least {MIN_NEEDS} are needed")
    labels: dict[str, dict[int, int]] = {}
    gains: dict[str, list[float]] = {}
    for need, entity_ids in ids.items():
        given = verdicts[need]
        labels[need] = {
            i: int(given[e] in POSITIVE) for i, e in enumerate(entity_ids) if e in given
        }
        gains[need] = [GAINS.get(given.get(e, "not_relevant"), 0.0) for e in entity_ids]
    return fit_and_check(lists, labels, gains, seed)


def simulated(
    lists: dict[str, list[dict[str, float]]], seed: int = 0
) -> tuple[Reranker, dict[str, float]]:
    """Train on labels drawn from the hidden preference for the top of each shown list."""
    rng = random.Random(seed)
    labels: dict[str, dict[int, int]] = {}
    gains: dict[str, list[float]] = {}
    for need, rows in lists.items():
        chances = [hidden_preference(row) for row in rows]
        gains[need] = chances
        labels[need] = {i: int(rng.random() < chances[i]) for i in range(min(LOOKED_AT, len(rows)))}
    return fit_and_check(lists, labels, gains, seed)


@dataclass
class Trained:
    """A reranker trained and saved: from what, where, whether it is used, its figures."""

    source: str
    folder: Path
    active: bool
    metrics: dict[str, float]


def train(matcher: Any, seed: int = 0, simulate: bool = False) -> Trained:
    """Train from the stored feedback (or a simulated coach), compare held out and save it
    under the models folder; only a feedback model that beats the engine's order is used."""
    models = matcher.settings.models_dir
    if simulate:
        model, metrics = simulated(simulation_lists(matcher), seed)
        source, folder = "simulated", models / "reranker-simulated"
    else:
        model, metrics = from_feedback(matcher.coach.feedback(), seed)
        source, folder = "feedback", models / "reranker"
    return Trained(source, folder, save(folder, model, metrics, source), metrics)


def save(folder: Path, model: Reranker, metrics: dict[str, float], source: str) -> bool:
    """Save the model; it is marked for use only when it beat the engine's order held out."""
    active = source == "feedback" and metrics["ndcg@10_after"] > metrics["ndcg@10_before"]
    reranker.save(folder, model, {"source": source, "active": active, "metrics": metrics})
    return active


def simulation_lists(matcher: Any, limit: int = 60) -> dict[str, list[dict[str, float]]]:
    """Shown partner lists (features, engine order) for the catalogue's startups and SMEs as
    needs (each excluding itself), in one batch, with no reranker and nothing recorded."""
    from matcher.schemas import Company, NeedRequest

    companies = sorted(
        (e for e in matcher.store.all() if isinstance(e, Company) and e.stage != "large"),
        key=lambda e: e.id,
    )[:limit]
    requests = [
        NeedRequest(
            need=" ".join(f"{c.description} {' '.join(c.seeks)}".split()),
            kinds=["company", "researcher"],
            top_k=SHOWN,
            partner_set=False,
            municipality=c.location.municipality if c.location else None,
            exclude=[c.id],
        )
        for c in companies
    ]
    shown = [a.shown for a in matcher.answers(requests, record=False, rerank=False)]
    lists = {}
    for company, entries in zip(companies, shown, strict=True):
        partners = [e for e in entries if e["list"] == "partners"]
        lists[company.id] = [e["features"] for e in partners[:SHOWN]]
    return lists
