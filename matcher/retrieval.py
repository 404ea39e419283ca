"""Candidate retrieval (dense shards and lexical index) and exact scoring of each candidate."""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from matcher.calibration import align
from matcher.ranking import Candidate, aggregate
from matcher.settings import RankingSettings
from matcher.snapshot import Snapshot


@dataclass
class Query:
    """A need as the retriever sees it: its vector and its lexical score for every entity."""

    vector: np.ndarray
    lexical: np.ndarray
    spread: dict[str, float]


class Retriever:
    """Finds candidate entities through their best texts, then scores all of their texts."""

    def __init__(self, snapshot: Snapshot, settings: RankingSettings) -> None:
        self.snapshot = snapshot
        self.settings = settings
        grouped: dict[str, list[int]] = defaultdict(list)
        for position, item in enumerate(snapshot.items):
            grouped[item.entity_id].append(position)
        self.positions = {e: np.array(p, dtype=np.int64) for e, p in grouped.items()}
        self.sizes = {language: len(s.backend) for language, s in snapshot.shards.items()}

    def query(self, need: str, vector: np.ndarray, lexical: bool = False) -> Query:
        """Prepare a need: its vector and, where lexical matching is used, its BM25 scores."""
        index = self.snapshot.lexical
        weight = self.settings.lexical_weight or 0.0
        if lexical or weight > 0 or self.settings.fusion != "convex":
            return Query(vector, index.scores(need), self._spread(vector))
        return Query(vector, np.zeros(len(index.entity_ids), dtype=np.float32), {})

    def _spread(self, vector: np.ndarray) -> dict[str, float]:
        """Standard deviation of the need's similarity to each shard (from its sample)."""
        return {
            language: float(np.std(shard.sample @ vector[0])) if len(shard.sample) > 1 else 0.0
            for language, shard in self.snapshot.shards.items()
        }

    def candidates(self, query: Query, ks: dict[str, int]) -> list[str]:
        """Entities with a text among each shard's top-k, then the best lexical matches."""
        scores: list[float] = []
        entities: list[str] = []
        for language, shard in self.snapshot.shards.items():
            found, ids = shard.backend.search(query.vector, ks[language])
            valid = ids[0] >= 0
            values = found[0][valid].astype(np.float64)
            if self.settings.calibrate:
                values = align(values, query.vector[0], shard.offset)
            scores.extend(values.tolist())
            entities.extend(self.snapshot.items[int(i)].entity_id for i in ids[0][valid])
        order = np.argsort(-np.asarray(scores), kind="stable")
        dense = [entities[i] for i in order]
        lexical_ids = self.snapshot.lexical.entity_ids
        matched = np.flatnonzero(query.lexical > 0)
        best = matched[np.argsort(-query.lexical[matched], kind="stable")][
            : max(ks.values(), default=0)
        ]
        return list(dict.fromkeys(dense + [lexical_ids[i] for i in best]))

    def score(self, query: Query, entity_id: str) -> Candidate:
        """Exact dense similarity to every text of an entity, aggregated, with its lexical score."""
        positions = self.positions[entity_id]
        language = self.snapshot.items[int(positions[0])].language
        shard = self.snapshot.shards[language]
        sims = (shard.backend.vectors(positions) @ query.vector[0]).astype(np.float64)
        if self.settings.calibrate:
            sims = align(sims, query.vector[0], shard.offset)
        order = np.argsort(-sims, kind="stable")
        hits = [(int(positions[i]), float(sims[i])) for i in order]
        years = [self.snapshot.items[p].year for p, _ in hits]
        dense = aggregate([s for _, s in hits], years, self.settings)
        where = self.snapshot.lexical.position.get(entity_id)
        lexical = float(query.lexical[where]) if where is not None else 0.0
        spread = query.spread.get(language, 0.0)
        return Candidate(entity_id, hits, dense=dense, lexical=lexical, spread=spread)
