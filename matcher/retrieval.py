"""Candidate retrieval from the language shards and exact scoring of each candidate's texts."""

from collections import defaultdict

import numpy as np

from matcher.calibration import align
from matcher.ranking import Candidate, aggregate
from matcher.settings import RankingSettings
from matcher.snapshot import Snapshot


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

    def candidates(self, query: np.ndarray, ks: dict[str, int]) -> list[str]:
        """Entity ids whose texts are among each shard's top-k, best aligned hit first."""
        scores: list[float] = []
        entities: list[str] = []
        for language, shard in self.snapshot.shards.items():
            found, ids = shard.backend.search(query, ks[language])
            valid = ids[0] >= 0
            values = found[0][valid].astype(np.float64)
            if self.settings.calibrate:
                values = align(values, query[0], shard.offset)
            scores.extend(values.tolist())
            entities.extend(self.snapshot.items[int(i)].entity_id for i in ids[0][valid])
        order = np.argsort(-np.asarray(scores), kind="stable")
        return list(dict.fromkeys(entities[i] for i in order))

    def score(self, query: np.ndarray, entity_id: str) -> Candidate:
        """Exact similarity to every text of an entity, aggregated into its score."""
        positions = self.positions[entity_id]
        language = self.snapshot.items[int(positions[0])].language
        shard = self.snapshot.shards[language]
        sims = (shard.backend.vectors(positions) @ query[0]).astype(np.float64)
        if self.settings.calibrate:
            sims = align(sims, query[0], shard.offset)
        order = np.argsort(-sims, kind="stable")
        hits = [(int(positions[i]), float(sims[i])) for i in order]
        years = [self.snapshot.items[p].year for p, _ in hits]
        return Candidate(entity_id, hits, aggregate([s for _, s in hits], years, self.settings))
