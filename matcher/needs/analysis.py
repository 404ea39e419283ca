"""A need against the loaded catalogue: its aspects, their scores per entity, the partner set."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.needs.aspects import VOTERS, AspectDraft, DisciplineMap, group, key_terms
from matcher.needs.partners import PLAIN_LIST, RELEVANCE_FLOOR, Pick, choose, relative
from matcher.schemas import PARTNER_KINDS, AnyEntity, Aspect
from matcher.search.query import Query
from matcher.search.ranking import fuse
from matcher.search.retrieval import Retriever

FIT_FLOOR = 0.4
ASPECT_ITEMS = 30
POOL_PER_ASPECT = 6
POOL_FOR_NEED = 20
COVERED = 0.5

Allowed = Callable[[AnyEntity], bool]


@dataclass
class AspectQuery:
    """An aspect with the query that scores entities against it."""

    draft: AspectDraft
    text: str
    query: Query


class NeedAnalysis:
    """Splits a need into aspects and scores entities against each of them."""

    def __init__(
        self,
        retriever: Retriever,
        entities: dict[str, AnyEntity],
        disciplines: DisciplineMap,
    ) -> None:
        self.retriever = retriever
        self.entities = entities
        self.disciplines = disciplines
        self.aspects: list[AspectQuery] = []

    def _top(
        self, queries: list[Query], allowed: Allowed | None, limit: int
    ) -> list[list[AnyEntity]]:
        """The best entities for each query among those allowed (None: any), by fused score."""
        entities = self.entities
        keep: Callable[[str], bool] = entities.__contains__  # indexed but not served: left out
        if allowed is not None:
            keep = lambda e: e in entities and allowed(entities[e])  # noqa: E731
        found = self.retriever.best_many(queries, ASPECT_ITEMS, keep, limit)
        return [[entities[c.entity_id] for c in best] for best in found]

    def analyse(self, vectors: np.ndarray, clauses: Sequence[str]) -> None:
        """Find the aspects from the clause vectors (rows of `vectors`, in clause order)."""
        queries = self.retriever.queries(clauses, vectors[: len(clauses)], lexical=True)
        matches = self._top(queries, None, VOTERS)
        drafts = group(clauses, matches, self.disciplines, vectors)
        if not drafts:
            return
        texts, rows = [], []
        for draft in drafts:
            vector = vectors[draft.clauses].mean(axis=0, keepdims=True)
            if len(draft.clauses) > 1:  # a single clause's vector is of unit length already
                vector /= max(float(np.linalg.norm(vector)), 1e-12)
            rows.append(vector.astype(np.float32))
            texts.append(draft.text(clauses))
        found = self.retriever.queries(texts, np.vstack(rows), lexical=True)
        self.aspects = [AspectQuery(*parts) for parts in zip(drafts, texts, found, strict=True)]

    def pool(self, ranked: Sequence[AnyEntity], allowed: Allowed) -> list[AnyEntity]:
        """Partner candidates: the best for the whole need and the best for each aspect."""
        pool = {e.id: e for e in ranked[:POOL_FOR_NEED]}
        queries = [aspect.query for aspect in self.aspects]
        for best in self._top(queries, allowed, POOL_PER_ASPECT) if queries else []:
            for entity in best:
                pool.setdefault(entity.id, entity)
        return list(pool.values())

    def cover(self, entities: Sequence[AnyEntity]) -> np.ndarray:
        """How well each entity covers each aspect (rows: entities), relative to the others."""
        matrix = np.zeros((len(entities), len(self.aspects)))
        for column, aspect in enumerate(self.aspects):
            candidates = self.retriever.score_many(aspect.query, [e.id for e in entities])
            fuse(candidates, self.retriever.settings)
            scores = relative(np.array([c.score for c in candidates]))
            fit = np.array(
                [self.disciplines.fit(aspect.draft.discipline, e.disciplines) for e in entities]
            )
            matrix[:, column] = scores * (FIT_FLOOR + (1 - FIT_FLOOR) * fit)
        return matrix

    def partner_set(
        self,
        pool: Sequence[AnyEntity],
        cover: np.ndarray,
        scores: dict[str, float],
        min_size: int,
        max_size: int,
    ) -> list[Pick]:
        """The chosen members (rows of `pool`, whose cover matrix is given)."""
        raw = np.array([scores.get(e.id, 0.0) for e in pool])
        best = np.sort(raw)[::-1][:PLAIN_LIST]
        floor = float(best.mean()) - (1 - RELEVANCE_FLOOR) * abs(float(best.mean()))
        return choose(
            cover.reshape(len(pool), len(self.aspects)),
            relative(raw),
            [list(e.disciplines) for e in pool],
            [e.kind for e in pool],
            min_size=min_size,
            max_size=max_size,
            scores=raw,
            floor=floor,
        )

    def described(self, members: Sequence[AnyEntity], cover: np.ndarray) -> list[Aspect]:
        """The aspects as shown to users, each with the members that cover it."""
        return [
            Aspect(
                id=f"a{column + 1}",
                label=aspect.draft.label,
                text=aspect.text,
                terms=key_terms(aspect.text),
                covered_by=[e.id for row, e in enumerate(members) if cover[row, column] >= COVERED],
            )
            for column, aspect in enumerate(self.aspects)
        ]

    def best_aspect(self, row: np.ndarray) -> str | None:
        """The label of the aspect an entity covers best, if it covers one."""
        if not len(row) or row.max() < COVERED / 2:
            return None
        return self.aspects[int(np.argmax(row))].draft.label


def is_partner(entity: AnyEntity) -> bool:
    """Companies and researchers are partners; labs are testbeds."""
    return entity.kind in PARTNER_KINDS
