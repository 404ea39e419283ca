"""From item hits to ranked entities: aggregation over an entity's texts, filters, diversity."""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from matcher.schemas import Company, Kind, Lab, RecommendationFilters, Researcher
from matcher.settings import RankingSettings

AnyEntity = Company | Lab | Researcher


@dataclass
class Candidate:
    """An entity with the item hits that brought it in, best first."""

    entity_id: str
    hits: list[tuple[int, float]] = field(default_factory=list)
    score: float = 0.0


def group_hits(
    scores: np.ndarray, positions: np.ndarray, item_entities: list[str]
) -> dict[str, Candidate]:
    """Group one query's item hits by entity, keeping the order of the hits."""
    groups: dict[str, Candidate] = {}
    for score, pos in zip(scores, positions, strict=True):
        if pos < 0:
            continue
        eid = item_entities[int(pos)]
        groups.setdefault(eid, Candidate(eid)).hits.append((int(pos), float(score)))
    return groups


def aggregate(hits: list[float], n_items: int, floor: float, settings: RankingSettings) -> float:
    """Entity score from its item scores; unseen items count at most the candidate floor."""
    if settings.aggregate == "max":
        return hits[0]
    if settings.aggregate == "mean":
        return float(np.mean(hits))
    want = min(settings.top_items, n_items)
    top = hits[:want] + [floor] * (want - len(hits[:want]))
    return float(np.mean(top))


def passes(entity: AnyEntity, kinds: set[Kind], filters: RecommendationFilters) -> bool:
    """Whether an entity may be shown for this request (consent is always required)."""
    if entity.kind not in kinds:
        return False
    if isinstance(entity, Researcher) and not entity.consent:
        return False
    if filters.areas and not set(filters.areas) & set(entity.areas):
        return False
    if filters.languages and entity.language not in filters.languages:
        return False
    if filters.municipalities:
        wanted = {m.casefold() for m in filters.municipalities}
        if entity.location is None or entity.location.municipality.casefold() not in wanted:
            return False
    if isinstance(entity, Lab):
        if filters.open_to_smes and not entity.open_to_smes:
            return False
        if filters.trl is not None and not entity.trl_min <= filters.trl <= entity.trl_max:
            return False
    return True


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
