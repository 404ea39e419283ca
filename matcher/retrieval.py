"""Candidate retrieval (dense shards and lexical index) and exact scoring of each candidate."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.calibration import Scale, align, reference_language, shard_scale
from matcher.ranking import Candidate, aggregate, fuse
from matcher.settings import RankingSettings
from matcher.snapshot import Snapshot
from matcher.text import guess_language


@dataclass
class Query:
    """A need as the retriever sees it: vector, lexical score per entity, scale per shard."""

    vector: np.ndarray
    lexical: np.ndarray
    scales: dict[str, Scale]
    reference: str

    @property
    def spread(self) -> float:
        """Spread of the need's similarities on the common (reference) scale."""
        return self.scales[self.reference].std if self.scales else 0.0


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
        scales = {
            language: shard_scale(vector[0], shard.mean, shard.sample)
            for language, shard in self.snapshot.shards.items()
        }
        reference = reference_language(scales, guess_language(need), self.sizes)
        if lexical or weight > 0 or self.settings.fusion != "convex":
            lexical_scores = index.scores(need)
        else:
            lexical_scores = np.zeros(len(index.entity_ids), dtype=np.float32)
        return Query(vector, lexical_scores, scales, reference)

    def _align(self, scores: np.ndarray, query: Query, language: str) -> np.ndarray:
        if not self.settings.calibrate:
            return scores
        return align(scores, query.scales[language], query.scales[query.reference])

    def candidates(self, query: Query, ks: dict[str, int]) -> list[str]:
        """Entities with a text among each shard's top-k, then the best lexical matches."""
        return self.candidates_many([query], ks)[0]

    def candidates_many(self, queries: list[Query], ks: dict[str, int]) -> list[list[str]]:
        """`candidates` for many queries with one index search per shard."""
        if not queries:
            return []
        matrix = np.vstack([q.vector for q in queries])
        found = {
            language: shard.backend.search(matrix, ks[language])
            for language, shard in self.snapshot.shards.items()
        }
        out = []
        for row, query in enumerate(queries):
            scores: list[float] = []
            entities: list[str] = []
            for language, (values, ids) in found.items():
                valid = ids[row] >= 0
                aligned = self._align(values[row][valid].astype(np.float64), query, language)
                scores.extend(aligned.tolist())
                entities.extend(self.snapshot.items[int(i)].entity_id for i in ids[row][valid])
            order = np.argsort(-np.asarray(scores), kind="stable")
            dense = [entities[i] for i in order]
            lexical_ids = self.snapshot.lexical.entity_ids
            matched = np.flatnonzero(query.lexical > 0)
            best = matched[np.argsort(-query.lexical[matched], kind="stable")][
                : max(ks.values(), default=0)
            ]
            out.append(list(dict.fromkeys(dense + [lexical_ids[i] for i in best])))
        return out

    def best(self, query: Query, per_shard: int, keep: Callable[[str], bool]) -> list[Candidate]:
        """The kept candidates (up to `per_shard` texts from each shard), scored and fused,
        best first (ties by id)."""
        ks = {language: min(per_shard, size) for language, size in self.sizes.items()}
        found = [e for e in self.candidates(query, ks) if keep(e)]
        scored = self.score_many(query, found)
        fuse(scored, self.settings)
        return sorted(scored, key=lambda c: (-c.score, c.entity_id))

    def score_many(self, query: Query, entity_ids: list[str]) -> list[Candidate]:
        """`score` for many entities at once: one vector fetch and product per shard."""
        by_language: dict[str, list[str]] = defaultdict(list)
        for entity_id in entity_ids:
            first = int(self.positions[entity_id][0])
            by_language[self.snapshot.items[first].language].append(entity_id)
        scored: dict[str, Candidate] = {}
        for language, ids in by_language.items():
            groups = [self.positions[e] for e in ids]
            positions = np.concatenate(groups)
            vectors = self.snapshot.shards[language].backend.vectors(positions)
            sims = self._align((vectors @ query.vector[0]).astype(np.float64), query, language)
            start = 0
            for entity_id, group in zip(ids, groups, strict=True):
                part = sims[start : start + len(group)]
                start += len(group)
                scored[entity_id] = self._candidate(query, entity_id, group, part)
        return [scored[e] for e in entity_ids]

    def _candidate(
        self, query: Query, entity_id: str, positions: np.ndarray, sims: np.ndarray
    ) -> Candidate:
        order = np.argsort(-sims, kind="stable")
        hits = [(int(positions[i]), float(sims[i])) for i in order]
        years = [self.snapshot.items[p].year for p, _ in hits]
        dense = aggregate([s for _, s in hits], years, self.settings)
        where = self.snapshot.lexical.position.get(entity_id)
        lexical = float(query.lexical[where]) if where is not None else 0.0
        return Candidate(entity_id, hits, dense=dense, lexical=lexical, spread=query.spread)

    def score_vectors(self, query: Query, vectors: np.ndarray, language: str) -> float:
        """The aggregated dense score of texts outside the index, as if they were in `language`'s
        shard (aligned like that shard's texts)."""
        sims = (vectors @ query.vector[0]).astype(np.float64)
        if language in query.scales:
            sims = self._align(sims, query, language)
        return aggregate(sorted(sims.tolist(), reverse=True), [None] * len(sims), self.settings)

    def score(self, query: Query, entity_id: str) -> Candidate:
        """Exact dense similarity to every text of an entity, aggregated, with its lexical score."""
        positions = self.positions[entity_id]
        language = self.snapshot.items[int(positions[0])].language
        shard = self.snapshot.shards[language]
        sims = (shard.backend.vectors(positions) @ query.vector[0]).astype(np.float64)
        return self._candidate(query, entity_id, positions, self._align(sims, query, language))
