"""Ranking one need against the served catalogue: every allowed candidate scored and fused,
best first, split into partners and testbeds; the head of each list made into candidates."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.schemas import (
    KINDS,
    AnyEntity,
    Band,
    FilteredOut,
    Kind,
    NeedRequest,
    RecommendationFilters,
)
from matcher.search.filters import failed_constraints, passes
from matcher.search.query import Query
from matcher.search.ranking import Candidate, diversify
from matcher.served import Loaded

Pairs = list[tuple[AnyEntity, Candidate]]
NO_FILTERS = RecommendationFilters()
LAB = KINDS.index("lab")


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
    head: int,
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
    ranked = {}
    for group, rows in lists.items():
        taken = rows[:head].tolist()
        candidates = retriever.candidates_at(query, ids, taken, score)
        entities = [loaded.entities[ids[row]] for row in taken]
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


FILTERED_POOL = 200
FILTERED_SHOWN = 3


def filtered_out(
    loaded: Loaded,
    query: Query,
    request: NeedRequest,
    ranked: dict[str, Ranked],
    lists: dict[str, Pairs],
    top_k: int,
    grade: Callable[[Candidate], tuple[float, Band]],
) -> list[FilteredOut]:
    """Up to three candidates the request's filters or kinds left out that score above the last
    result shown (where a list is full), with the conditions each fails."""
    kinds = set(request.kinds or KINDS)
    if request.filters == NO_FILTERS and kinds == set(KINDS):
        return []
    retriever = loaded.retriever
    ks = {
        language: min(retriever.settings.candidate_items, n)
        for language, n in retriever.sizes.items()
    }
    excluded = set(request.exclude)
    removed = [
        e
        for e in retriever.candidates(query, ks)[:FILTERED_POOL]
        if e in loaded.entities
        and e not in excluded
        and not passes(loaded.entities[e], kinds, request.filters)
    ]
    if not removed:
        return []
    full = [pairs for pairs in lists.values() if len(pairs) >= top_k]
    floor = min((pairs[-1][1].score for pairs in full), default=-np.inf)
    _, _, score, order_ = retriever.fused_order(query, removed)
    above = [row for row in order_.tolist() if score[row] > floor][:FILTERED_SHOWN]
    out = []
    for candidate in retriever.candidates_at(query, removed, above, score):
        entity = loaded.entities[candidate.entity_id]
        out.append(
            FilteredOut(
                id=entity.id,
                name=entity.name,
                kind=entity.kind,
                band=grade(candidate)[1],
                failed=failed_constraints(entity, kinds, request.filters),
            )
        )
    return out
