"""One need answered: ranked partners and testbeds, the need's aspects and a partner set, each
result explained."""

from typing import Any

import numpy as np

from matcher.index.items import Item
from matcher.needs.analysis import POOL_FOR_NEED, NeedAnalysis, is_partner
from matcher.needs.partners import Pick
from matcher.recommend import PreparedNeed, need_id
from matcher.schemas import KINDS, AnyEntity, RecommendationResponse, Result
from matcher.search.explain import explain, facts_of, need_stems
from matcher.search.filters import admits, met_constraints
from matcher.search.query import Query
from matcher.search.ranked import Pairs, Ranked, filtered_out, order, rank
from matcher.search.ranking import Candidate, fuse, fused
from matcher.search.reranker import RERANK_POOL, Reranker, features
from matcher.search.strength import Grader
from matcher.served import Loaded
from matcher.settings import RankingSettings
from matcher.text import need_language

OTHER_LANGUAGE = (
    "Your need seems to be written in neither Swedish nor English. It is matched through the "
    "multilingual model, which does best with Swedish and English: results may be weaker than "
    "for the same need in one of those."
)


def head_size(top_k: int) -> int:
    """How many of each ranked list get candidates: what reranking, spreading over
    disciplines (5 per place) and the partner pool look at."""
    return max(RERANK_POOL, POOL_FOR_NEED, 5 * top_k)


def _added(new: list[str]) -> str | None:
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
        need: PreparedNeed,
        reranker: Reranker | None = None,
    ) -> None:
        self.loaded = loaded
        self.settings = settings
        self.need = need
        self.request = need.request
        self.reranker = reranker
        self.shown: list[dict[str, Any]] = []
        self.stems = need_stems(need.request.need)
        self.kinds = set(need.request.kinds or KINDS)
        self.coverage: dict[str, np.ndarray] = {}
        self._response: RecommendationResponse | None = None
        known = loaded.snapshot.lexical.known_share(need.request.need)
        self.grade = Grader.for_need(loaded.strength, need.query, need.request.need, known)

    def _may_join(self, entity: AnyEntity) -> bool:
        """Whether an entity may be in the partner set (a partner the request allows)."""
        return is_partner(entity) and admits(self.request, entity)

    def _result(self, entity: AnyEntity, candidate: Candidate, aspect: str | None) -> Result:
        items: list[Item] = self.loaded.snapshot.items
        common = self.loaded.snapshot.lexical.common_terms()
        reasons = explain(
            self.stems, entity, candidate.hits, items, self.settings.evidence_per_result, common
        )
        reasons.aspect = aspect
        reasons.constraints = met_constraints(entity, self.request.filters)
        relevance, band = self.grade(candidate)
        return Result(
            id=entity.id,
            kind=entity.kind,
            name=entity.name,
            score=round(candidate.score, 4),
            relevance=relevance,
            band=band,
            disciplines=list(entity.disciplines),
            facts=facts_of(entity),
            reasons=reasons,
        )

    def build(self, top_k: int) -> RecommendationResponse:
        """Rank, analyse the need, choose the partner set and explain every result."""
        request, loaded, need = self.request, self.loaded, self.need
        ranked = rank(loaded, need.query, request, top_k, head_size(top_k), need.initial)
        positions = {g: {e.id: i + 1 for i, (e, _) in enumerate(r.head)} for g, r in ranked.items()}
        if self.reranker is not None:
            ranked = {g: r.reordered(self._rerank(r.head)) for g, r in ranked.items()}
        spread = self.settings.diversify if request.diversify is None else request.diversify
        lists = {group: order(r.head, top_k, spread) for group, r in ranked.items()}
        analysis = NeedAnalysis(loaded.retriever, loaded.entities, loaded.disciplines)
        analysis.analyse(need.clause_vectors(), need.clauses)

        pool = analysis.pool([e for e, _ in ranked["partners"].head], self._may_join)
        pooled = {e.id for e in pool}
        partners = pool + [e for e, _ in lists["partners"] if e.id not in pooled]
        candidates = self._whole_need(need.query, ranked["partners"], partners)
        cover = analysis.cover(partners)
        self.coverage = {e.id: cover[row] for row, e in enumerate(partners)}
        members, partner_set = self._partner_set(analysis, pool, candidates)
        member_cover = np.array([self.coverage[e.id] for e in members]).reshape(
            len(members), len(analysis.aspects)
        )
        self.shown = self._shown(lists, positions)
        lab_cover = analysis.cover([e for e, _ in lists["testbeds"]])
        self._response = RecommendationResponse(
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
        self._say_how_strong(self._response, ranked, lists, top_k)
        return self._response

    def _say_how_strong(
        self,
        response: RecommendationResponse,
        ranked: dict[str, Ranked],
        lists: dict[str, Pairs],
        top_k: int,
    ) -> None:
        """Whether anything is strong, the stronger candidates the filters left out, and a
        notice for a need in neither Swedish nor English."""
        shown = response.results + response.testbeds
        response.no_strong_match = not any(r.band == "strong" for r in shown)
        response.filtered_out = filtered_out(
            self.loaded, self.need.query, self.request, ranked, lists, top_k, self.grade
        )
        if need_language(self.request.need) == "other":
            response.notice = OTHER_LANGUAGE

    @property
    def response(self) -> RecommendationResponse:
        """The response `build` made."""
        if self._response is None:
            raise RuntimeError("the answer is not built yet")
        return self._response

    def _shown(
        self, lists: dict[str, Pairs], positions: dict[str, dict[str, int]]
    ) -> list[dict[str, Any]]:
        """The shown ranking, kept so that feedback on it can be learned from: each result's
        list, place and reranker features at its place in the engine's own order."""
        return [
            {
                "entity_id": e.id,
                "list": g,
                "position": i + 1,
                "features": self._features(e, c, positions[g][e.id]),
            }
            for g, pairs in lists.items()
            for i, (e, c) in enumerate(pairs)
        ]

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
            if above:
                result.reasons.adds = [d for d in entity.disciplines if d not in above]
                result.reasons.complements = _added(result.reasons.adds)
            above.update(entity.disciplines)
            results.append(result)
        return results

    def _partner_set(
        self, analysis: NeedAnalysis, pool: list[AnyEntity], candidates: dict[str, Candidate]
    ) -> tuple[list[AnyEntity], list[Result] | None]:
        """The chosen members and their results (None when no partner set was asked for)."""
        if not (self.request.partner_set and self.kinds & {"company", "researcher"}):
            return [], None
        # a member is at least a possible match (where a strength model says so)
        pool = [
            e
            for e in pool
            if candidates[e.id].score > 0 and self._at_least_possible(candidates[e.id])
        ]
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
            result.reasons.adds = list(pick.new_disciplines)
            result.reasons.alongside = others
            results.append(result)
        return members, results

    def _at_least_possible(self, candidate: Candidate) -> bool:
        return self.grade(candidate)[1] != "weak" or self.loaded.strength is None

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
