"""From item hits to ranked entities: aggregation over an entity's texts, filters, diversity."""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from matcher.schemas import AnyEntity
from matcher.settings import RankingSettings

NO_PLACES = np.zeros(0, dtype=np.int64)
NO_SIMS = np.zeros(0, dtype=np.float64)


@dataclass(eq=False)
class Candidate:
    """An entity with the similarities of its texts: item positions (`places`) and aligned
    similarities (`sims`), best first."""

    entity_id: str
    dense: float = 0.0
    lexical: float = 0.0
    spread: float = 0.0
    score: float = 0.0
    places: np.ndarray = field(default_factory=lambda: NO_PLACES)
    sims: np.ndarray = field(default_factory=lambda: NO_SIMS)

    def fresh(self) -> "Candidate":
        """A copy whose score can be fused without touching this one (arrays shared)."""
        return Candidate(
            self.entity_id,
            self.dense,
            self.lexical,
            self.spread,
            self.score,
            self.places,
            self.sims,
        )

    @property
    def hits(self) -> list[tuple[int, float]]:
        """(item position, similarity) of every text, best first; built only when asked for,
        since most scored candidates are never explained."""
        return list(zip(self.places.tolist(), self.sims.tolist(), strict=True))


def aggregate(scores: list[float], years: list[int | None], settings: RankingSettings) -> float:
    """Entity score from the scores of all its texts (sorted best first)."""
    values = np.asarray(scores, dtype=np.float64)
    if settings.recency_half_life:
        values = values + recency_bonus(years, settings.recency_half_life)
        values = np.sort(values)[::-1]
    if settings.aggregate == "max":
        return float(values[0])
    if settings.aggregate == "mean":
        return float(values.mean())
    return float(values[: settings.top_items].mean())


EXACT_TOP = 8  # numpy sums fewer values than this one by one, as reduceat does


def aggregate_groups(
    ranked: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    years: list[list[int | None]] | None,
    settings: RankingSettings,
) -> np.ndarray:
    """`aggregate` for many entities at once: `ranked` holds each entity's scores, best first,
    as consecutive runs (`starts`, `counts`). Gives the same numbers as `aggregate` per entity;
    `years` (per entity, in the same order) is needed only for the recency bonus."""
    top = settings.top_items if settings.aggregate == "topk_mean" else 1
    if settings.recency_half_life or settings.aggregate == "mean" or top >= EXACT_TOP:
        spans = zip(starts.tolist(), counts.tolist(), strict=True)
        return np.array(
            [
                aggregate(ranked[s : s + n].tolist(), years[i] if years else [None] * n, settings)
                for i, (s, n) in enumerate(spans)
            ],
            dtype=np.float64,
        )
    if top == 1:
        return ranked[starts].astype(np.float64)
    rank = np.arange(len(ranked)) - np.repeat(starts, counts)
    taken = np.minimum(counts, top)
    kept = ranked[rank < top].astype(np.float64)
    firsts = np.concatenate([[0], np.cumsum(taken)[:-1]]).astype(np.int64)
    return np.add.reduceat(kept, firsts) / taken


def fuse(candidates: list[Candidate], settings: RankingSettings) -> None:
    """Set each candidate's score from its dense and lexical scores (see `fused`)."""
    dense = np.array([c.dense for c in candidates], dtype=np.float64)
    lexical = np.array([c.lexical for c in candidates], dtype=np.float64)
    spread = np.array([c.spread for c in candidates], dtype=np.float64)
    scores = fused(dense, lexical, spread, settings).tolist()
    for candidate, score in zip(candidates, scores, strict=True):
        candidate.score = score


def fused(
    dense: np.ndarray,
    lexical: np.ndarray,
    spread: np.ndarray | float,
    settings: RankingSettings,
) -> np.ndarray:
    """The scores of a set of candidates from their dense and lexical scores.

    convex: dense + w * spread * lexical. The lexical score (BM25 as a share of the best the
    need could reach, 0..1) is worth w standard deviations of the need's dense similarities on
    the common scale of calibration.py (the spread of the need's own-language shard), so one
    weight means the same for encoders and languages whose similarities spread differently.
    w is tuned on labelled data (models/fusion).
    rrf: reciprocal rank fusion over this set of candidates, 1/(k + rank) summed over both lists
    (ties ranked in the order given).
    bm25: the lexical score alone (a baseline).
    """
    if settings.fusion == "bm25":
        return lexical.astype(np.float64, copy=True)
    if settings.fusion == "rrf":
        score = np.zeros(len(dense), dtype=np.float64)
        ranks = np.arange(1, len(dense) + 1)
        for values in (dense, lexical):
            order = np.argsort(-values, kind="stable")
            score[order] += 1.0 / (settings.rrf_k + ranks)
        return score
    weight = settings.lexical_weight or 0.0
    return dense + weight * spread * lexical


def recency_bonus(years: list[int | None], half_life: float, weight: float = 0.5) -> np.ndarray:
    """A bonus for recent publications that halves every `half_life` years (0 without a year)."""
    newest = max((y for y in years if y), default=0)
    return np.array(
        [weight * 0.5 ** ((newest - y) / half_life) - weight if y else 0.0 for y in years]
    )


def diversify(ranked: list[tuple[AnyEntity, float]], k: int, weight: float = 0.5) -> list[int]:
    """Greedy re-ranking that lowers entities whose disciplines are already well represented.

    The penalty is a share of the score spread of the list, so it means the same for encoders
    whose similarities live in different ranges.
    """
    if not ranked:
        return []
    spread = max(ranked[0][1] - ranked[-1][1], 1e-6)
    chosen: list[int] = []
    counts: Counter[str] = Counter()
    pool = list(range(len(ranked)))
    while pool and len(chosen) < k:

        def adjusted(i: int) -> float:
            entity, score = ranked[i]
            seen = [counts[d] for d in entity.disciplines] or [0]
            return score - weight * spread * min(seen) / (len(chosen) + 1)

        best = max(pool, key=adjusted)
        pool.remove(best)
        chosen.append(best)
        counts.update(ranked[best][0].disciplines)
    return chosen
