"""One need answered: ranked partners and testbeds, the need's aspects and a partner set."""

import gc
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.aspects import DisciplineMap, segments
from matcher.encoders.base import Encode
from matcher.explain import explain, need_stems
from matcher.filters import met_constraints, passes
from matcher.items import Item
from matcher.needs import POOL_FOR_NEED, NeedAnalysis, is_partner
from matcher.partners import Pick
from matcher.ranking import AnyEntity, Candidate, diversify, fuse, fused
from matcher.reranker import Reranker, features
from matcher.retrieval import Query, Retriever
from matcher.schemas import (
    KINDS,
    Kind,
    NeedRequest,
    RecommendationFilters,
    RecommendationResponse,
    Result,
)
from matcher.settings import RankingSettings
from matcher.snapshot import Snapshot

Pairs = list[tuple[AnyEntity, Candidate]]
RERANK_POOL = 50
NO_FILTERS = RecommendationFilters()
LAB = KINDS.index("lab")


@dataclass
class Loaded:
    """An index snapshot together with the entities it serves."""

    snapshot: Snapshot
    entities: dict[str, AnyEntity]
    retriever: Retriever
    name: str
    disciplines: DisciplineMap
    newest: int | None = None
    kind_codes: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """Each retriever row's kind as a code (KINDS order; -1: not an entity served)."""
        self.kind_codes = np.full(len(self.retriever.row), -1, dtype=np.int64)
        for entity_id, row in self.retriever.row.items():
            entity = self.entities.get(entity_id)
            if entity is not None:
                self.kind_codes[row] = KINDS.index(entity.kind)


def settle_heap() -> None:
    """Take the objects alive now (models, catalogue, index) out of the cyclic collector's scans.

    With the models loaded a full collection walks about half a million objects (~0.3 s on two
    cores), and one falls due every few requests; frozen objects are still freed by reference
    counting. The first call also collects what is garbage by then.
    """
    if not gc.get_freeze_count():
        gc.collect()
    gc.freeze()


class ClauseVectors:
    """The clause vectors of a batch of needs, encoded on a helper thread while the caller
    goes on: candidate search and ranking need only the needs' own vectors, and the models
    (on their own thread) and the ranking (on the caller's) then use both cores."""

    def __init__(
        self, encode: Encode, clauses: list[list[str]], known: dict[str, np.ndarray]
    ) -> None:
        """`known`: vectors of texts encoded already (the needs: a one-clause need's clause is
        the need itself)."""
        self._clauses = clauses
        todo = list(dict.fromkeys(c for own in clauses for c in own if c not in known))
        self._vectors = dict(known)
        self._future = CLAUSE_ENCODING.submit(encode, todo) if todo else None
        self._todo = todo

    def of(self, row: int) -> np.ndarray:
        """The clause vectors of need `row`, in clause order (waits for the encoding)."""
        if self._future is not None:
            self._vectors |= zip(self._todo, self._future.result(), strict=True)
            self._future = None
        return np.stack([self._vectors[clause] for clause in self._clauses[row]])


CLAUSE_ENCODING = ThreadPoolExecutor(4, thread_name_prefix="clauses")


def need_id(text: str) -> str:
    """A stable id for a need text."""
    return "need:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Ranked:
    """One list of allowed entities, best first: the dense and lexical scores of all of them
    as arrays (in list order) and (entity, candidate) pairs for the head, the only part a
    response shows, reranks, spreads or pools from."""

    head: Pairs
    ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray

    def reordered(self, head: Pairs) -> "Ranked":
        """The list with its head in another order (the same entities)."""
        moved = {e.id: i for i, (e, _) in enumerate(self.head)}
        rest = range(len(head), len(self.ids))
        order = np.array([moved[e.id] for e, _ in head] + list(rest), dtype=np.int64)
        ids = [self.ids[i] for i in order.tolist()]
        return Ranked(head, ids, self.dense[order], self.lexical[order])


def head_size(top_k: int) -> int:
    """How many of each ranked list get candidates: what reranking, spreading over
    disciplines (5 per place) and the partner pool look at."""
    return max(RERANK_POOL, POOL_FOR_NEED, 5 * top_k)


def allowed_of(
    loaded: Loaded, found: list[str], request: NeedRequest, kinds: set[Kind]
) -> tuple[list[str], np.ndarray]:
    """The found entities the request allows, in the order found, and their kind codes."""
    row = loaded.retriever.row
    rows = np.array([row.get(e, -1) for e in found], dtype=np.int64)
    codes = np.where(rows >= 0, loaded.kind_codes[rows], -1)
    keep = np.isin(codes, [KINDS.index(kind) for kind in kinds])
    if request.exclude:
        excluded = set(request.exclude)
        keep &= np.array([e not in excluded for e in found], dtype=bool)
    if request.filters != NO_FILTERS:  # otherwise only the kind decides (entities are listed)
        entities, filters = loaded.entities, request.filters
        for at in np.flatnonzero(keep).tolist():
            keep[at] = passes(entities[found[at]], kinds, filters)
    taken = np.flatnonzero(keep)
    return [found[at] for at in taken.tolist()], codes[taken]


def rank(
    loaded: Loaded,
    query: Query,
    request: NeedRequest,
    top_k: int,
    initial: list[str] | None = None,
) -> dict[str, Ranked]:
    """Every allowed candidate scored, best first (ties by id), split into partners and
    testbeds; candidates are made for the head of each list only.

    The candidate pool is widened until the filters leave at least top_k per list; `initial`
    is the first pool when it was already searched (in a batch).
    """
    kinds = set(request.kinds or KINDS)
    retriever = loaded.retriever
    sizes = retriever.sizes
    ks = {language: min(retriever.settings.candidate_items, n) for language, n in sizes.items()}
    while True:
        found = initial if initial is not None else retriever.candidates(query, ks)
        initial = None
        ids, codes = allowed_of(loaded, found, request, kinds)
        labs = int((codes == LAB).sum())
        enough = (len(ids) - labs >= top_k or not kinds - {"lab"}) and (
            labs >= top_k or "lab" not in kinds
        )
        if enough or ks == sizes:
            break
        ks = {language: min(k * 4, sizes[language]) for language, k in ks.items()}
    dense, lexical, score, order = retriever.fused_order(query, ids)
    partner = codes != LAB
    lists = {"partners": order[partner[order]], "testbeds": order[~partner[order]]}
    size = head_size(top_k)
    ranked = {}
    for group, rows in lists.items():
        head = rows[:size].tolist()
        candidates = retriever.candidates_at(query, ids, head, score)
        entities = [loaded.entities[ids[row]] for row in head]
        pairs = list(zip(entities, candidates, strict=True))
        ranked[group] = Ranked(pairs, [ids[i] for i in rows.tolist()], dense[rows], lexical[rows])
    return ranked


def order(pairs: Pairs, top_k: int, spread: bool) -> Pairs:
    """The top of a ranked list, spread over disciplines when asked."""
    if not spread:
        return pairs[:top_k]
    pool = pairs[: top_k * 5]
    picks = diversify([(e, c.score) for e, c in pool], top_k)
    return [pool[i] for i in picks]


def _added(entity: AnyEntity, above: set[str]) -> str | None:
    new = [d for d in entity.disciplines if d not in above]
    return f"adds {', '.join(new)} to the results above" if new else None


def _member_reason(pick: Pick, label: str | None, others: list[str]) -> str:
    parts = [f"covers the {label} part of the need" if label else "fits the need as a whole"]
    if pick.new_disciplines:
        parts.append(f"brings {', '.join(pick.new_disciplines)}")
    if others:
        parts.append(f"alongside {', '.join(others)}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


class Answer:
    """Builds the response for one need."""

    def __init__(
        self,
        loaded: Loaded,
        settings: RankingSettings,
        request: NeedRequest,
        reranker: Reranker | None = None,
    ) -> None:
        self.loaded = loaded
        self.settings = settings
        self.request = request
        self.reranker = reranker
        self.shown: list[dict[str, Any]] = []
        self.stems = need_stems(request.need)
        self.kinds = set(request.kinds or KINDS)
        self.coverage: dict[str, np.ndarray] = {}

    def _may_join(self, entity: AnyEntity) -> bool:
        """Whether an entity may be in the partner set (a partner the request allows)."""
        return (
            is_partner(entity)
            and entity.id not in self.request.exclude
            and passes(entity, self.kinds, self.request.filters)
        )

    def _result(self, entity: AnyEntity, candidate: Candidate, aspect: str | None) -> Result:
        items: list[Item] = self.loaded.snapshot.items
        reasons = explain(
            self.stems, entity, candidate.hits, items, self.settings.evidence_per_result
        )
        reasons.aspect = aspect
        reasons.constraints = met_constraints(entity, self.request.filters)
        return Result(
            id=entity.id,
            kind=entity.kind,
            name=entity.name,
            score=round(candidate.score, 4),
            disciplines=list(entity.disciplines),
            reasons=reasons,
        )

    def build(
        self,
        encode: Encode,
        top_k: int,
        vector: np.ndarray | None = None,
        query: Query | None = None,
        initial: list[str] | None = None,
        clause_vectors: Callable[[], np.ndarray] | None = None,
    ) -> RecommendationResponse:
        """Rank, analyse the need, choose the partner set and explain every result.

        `vector` (the need's, one row), `query`, `initial` (its first candidate pool) and
        `clause_vectors` (waits for its clauses' vectors) are given when a batch has computed
        or started them already.
        """
        request, loaded = self.request, self.loaded
        clauses = segments(request.need)
        if vector is None:
            vector = encode([request.need])
        if clause_vectors is None:  # after the need: a one-clause need's clause is the need
            pending = ClauseVectors(encode, [clauses], {request.need: vector[0]})
            clause_vectors = lambda: pending.of(0)  # noqa: E731
        if query is None:
            query = loaded.retriever.query(request.need, vector[:1])
        ranked = rank(loaded, query, request, top_k, initial)
        positions = {g: {e.id: i + 1 for i, (e, _) in enumerate(r.head)} for g, r in ranked.items()}
        if self.reranker is not None:
            ranked = {g: r.reordered(self._rerank(r.head)) for g, r in ranked.items()}
        spread = self.settings.diversify if request.diversify is None else request.diversify
        lists = {group: order(r.head, top_k, spread) for group, r in ranked.items()}
        analysis = NeedAnalysis(loaded.retriever, loaded.entities, loaded.disciplines)
        analysis.analyse(clause_vectors(), clauses)

        pool = analysis.pool([e for e, _ in ranked["partners"].head], self._may_join)
        pooled = {e.id for e in pool}
        partners = pool + [e for e, _ in lists["partners"] if e.id not in pooled]
        candidates = self._whole_need(query, ranked["partners"], partners)
        cover = analysis.cover(partners)
        self.coverage = {e.id: cover[row] for row, e in enumerate(partners)}
        members, partner_set = self._partner_set(analysis, pool, candidates)
        member_cover = np.array([self.coverage[e.id] for e in members]).reshape(
            len(members), len(analysis.aspects)
        )
        self.shown = [
            {
                "entity_id": e.id,
                "list": g,
                "position": i + 1,
                "features": self._features(e, c, positions[g][e.id]),
            }
            for g, pairs in lists.items()
            for i, (e, c) in enumerate(pairs)
        ]
        lab_cover = analysis.cover([e for e, _ in lists["testbeds"]])
        return RecommendationResponse(
            need_id=need_id(request.need),
            aspects=analysis.described(members, member_cover),
            results=self._ranked(analysis, lists["partners"]),
            testbeds=[
                self._result(entity, candidate, analysis.best_aspect(lab_cover[row]))
                for row, (entity, candidate) in enumerate(lists["testbeds"])
            ],
            partner_set=partner_set,
            reranked=self.reranker is not None,
        )

    def _features(self, entity: AnyEntity, candidate: Candidate, position: int) -> dict[str, float]:
        """Reranker features of an entity at its position in the engine's own order."""
        place, newest = self.request.municipality, self.loaded.newest
        return features(entity, candidate, position, RERANK_POOL, place, newest)

    def _rerank(self, pairs: Pairs) -> Pairs:
        """The head of a ranked list in the learned reranker's order (scores unchanged)."""
        assert self.reranker is not None
        head = pairs[:RERANK_POOL]
        if not head:
            return pairs
        chance = self.reranker.probability(
            [self._features(e, c, i + 1) for i, (e, c) in enumerate(head)]
        )
        order = sorted(range(len(head)), key=lambda i: (-chance[i], i))
        return [head[i] for i in order] + pairs[RERANK_POOL:]

    def _ranked(self, analysis: NeedAnalysis, pairs: Pairs) -> list[Result]:
        """The ranked partners, each with its aspect and what it adds to those above it."""
        results = []
        above: set[str] = set()
        for entity, candidate in pairs:
            result = self._result(entity, candidate, analysis.best_aspect(self.coverage[entity.id]))
            result.reasons.complements = _added(entity, above) if above else None
            above.update(entity.disciplines)
            results.append(result)
        return results

    def _partner_set(
        self, analysis: NeedAnalysis, pool: list[AnyEntity], candidates: dict[str, Candidate]
    ) -> tuple[list[AnyEntity], list[Result] | None]:
        """The chosen members and their results (None when no partner set was asked for)."""
        if not (self.request.partner_set and self.kinds & {"company", "researcher"}):
            return [], None
        pool = [e for e in pool if candidates[e.id].score > 0]
        if not pool:
            return [], []
        picks = analysis.partner_set(
            pool,
            np.array([self.coverage[e.id] for e in pool]),
            {e: c.score for e, c in candidates.items()},
            self.settings.partner_set_min,
            self.settings.partner_set_max,
        )
        members = [pool[p.row] for p in picks]
        results = []
        for pick, entity in zip(picks, members, strict=True):
            label = None if pick.aspect is None else analysis.aspects[pick.aspect].draft.label
            result = self._result(entity, candidates[entity.id], label)
            others = [m.name for m in members if m.id != entity.id]
            result.reasons.complements = _member_reason(pick, label, others)
            results.append(result)
        return members, results

    def _whole_need(
        self, query: Query, ranked: Ranked, entities: list[AnyEntity]
    ) -> dict[str, Candidate]:
        """Whole-need candidates for the given entities, fused as one set with every ranked
        partner (rank fusion ranks over that set)."""
        retriever = self.loaded.retriever
        found = retriever.score_many(query, [e.id for e in entities])
        settings = retriever.settings
        if settings.fusion != "rrf":  # a candidate's score does not depend on the others
            fuse(found, settings)
            return {c.entity_id: c for c in found}
        listed = set(ranked.ids)
        extra = [c for c in found if c.entity_id not in listed]
        dense = np.concatenate([ranked.dense, [c.dense for c in extra]])
        lexical = np.concatenate([ranked.lexical, [c.lexical for c in extra]])
        every = ranked.ids + [c.entity_id for c in extra]
        score = dict(
            zip(every, fused(dense, lexical, query.spread, settings).tolist(), strict=True)
        )
        for candidate in found:
            candidate.score = score[candidate.entity_id]
        return {c.entity_id: c for c in found}
