"""Entities near a given one: the most similar, and those that complement it.

"Similar" matches the entity's own texts (the mean of its text vectors, and its words for
BM25) against the catalogue. "Complements" looks for entities that work on the same problem
from other disciplines: it starts from what a company says it seeks when it says so (else
from the entity's own texts), keeps candidates that bring at least one discipline the entity
lacks (in a catalogue without disciplines: entities of another kind), and lowers each
candidate's relative score by the share of disciplines it duplicates.
"""

import numpy as np

from matcher.encoders.base import Encode
from matcher.index.items import searchable_text
from matcher.needs.partners import relative
from matcher.schemas import AnyEntity, Company, Kind, Result
from matcher.search.explain import explain, facts_of, need_stems
from matcher.search.query import Query
from matcher.search.ranking import Candidate
from matcher.search.strength import Grader
from matcher.served import Loaded
from matcher.text import stems

OVERLAP_PENALTY = 0.5
POOL = 200
QUERY_CHARS = 2000


def entity_query(loaded: Loaded, entity: AnyEntity) -> Query:
    """A query made of an entity's own indexed texts."""
    retriever = loaded.retriever
    positions = retriever.positions[entity.id]
    language = loaded.snapshot.items[int(positions[0])].language
    vectors = loaded.snapshot.shards[language].backend.vectors(positions)
    vector = vectors.mean(axis=0, keepdims=True)
    vector /= max(float(np.linalg.norm(vector)), 1e-12)
    text = searchable_text(entity)[:QUERY_CHARS]
    return retriever.query(text, vector.astype(np.float32), lexical=True)


def _scored(
    loaded: Loaded, query: Query, entity: AnyEntity, kinds: set[Kind]
) -> list[tuple[AnyEntity, Candidate]]:
    entities = loaded.entities

    def keep(other: str) -> bool:
        return other != entity.id and other in entities and entities[other].kind in kinds

    return [(entities[c.entity_id], c) for c in loaded.retriever.best(query, POOL, keep)]


def _result(
    loaded: Loaded,
    stems: dict[str, str],
    entity: AnyEntity,
    candidate: Candidate,
    score: float,
    grade: Grader,
) -> Result:
    common = loaded.snapshot.lexical.common_terms()
    reasons = explain(stems, entity, candidate.hits, loaded.snapshot.items, 2, common)
    relevance, band = grade(candidate)
    return Result(
        id=entity.id,
        kind=entity.kind,
        name=entity.name,
        score=round(score, 4),
        relevance=relevance,
        band=band,
        disciplines=list(entity.disciplines),
        facts=facts_of(entity),
        reasons=reasons,
    )


def similar(loaded: Loaded, entity: AnyEntity, kinds: set[Kind], top_k: int) -> list[Result]:
    """The entities whose texts are closest to this entity's texts."""
    query = entity_query(loaded, entity)
    pairs = _scored(loaded, query, entity, kinds)[:top_k]
    stems = need_stems(searchable_text(entity)[:QUERY_CHARS])
    grade = Grader(loaded.strength, query, True, entity.language)
    results = []
    for other, candidate in pairs:
        result = _result(loaded, stems, other, candidate, candidate.score, grade)
        shared = sorted(set(entity.disciplines) & set(other.disciplines))
        if shared:
            result.reasons.complements = f"shares {', '.join(shared)} with {entity.name}"
            result.reasons.shares = shared
        results.append(result)
    return results


def _adds_something(entity: AnyEntity, other: AnyEntity) -> bool:
    """A discipline the entity lacks; where neither lists disciplines, another kind of entity."""
    if set(other.disciplines) - set(entity.disciplines):
        return True
    return not entity.disciplines and not other.disciplines and other.kind != entity.kind


def _closest_seek(seeks: list[str], other: AnyEntity) -> str | None:
    """The sought item that shares most word stems with another entity's texts."""
    if not seeks:
        return None
    theirs = set(stems(searchable_text(other), other.language))

    def shared(seek: str) -> int:
        return len(set(stems(seek)) & theirs)

    best = max(seeks, key=shared)
    return best if shared(best) else None


def complements(
    loaded: Loaded, entity: AnyEntity, kinds: set[Kind], top_k: int, encode: Encode
) -> list[Result]:
    """Entities on the same problem that bring disciplines this entity lacks."""
    seeks = entity.seeks if isinstance(entity, Company) else []
    if seeks:
        text = "; ".join(seeks)
        query = loaded.retriever.query(text, encode([text]), lexical=True)
    else:
        text = searchable_text(entity)[:QUERY_CHARS]
        query = entity_query(loaded, entity)
    own = set(entity.disciplines)
    pairs = [
        (other, candidate)
        for other, candidate in _scored(loaded, query, entity, kinds)
        if _adds_something(entity, other)
    ]
    if not pairs:
        return []
    base = relative(np.array([c.score for _, c in pairs]), floor=min(c.score for _, c in pairs))
    adjusted = []
    for (other, candidate), value in zip(pairs, base, strict=True):
        theirs = set(other.disciplines)
        overlap = len(theirs & own) / len(theirs | own) if theirs | own else 0.0
        adjusted.append((value - OVERLAP_PENALTY * overlap, other, candidate))
    adjusted.sort(key=lambda t: (-t[0], t[1].id))
    stems = need_stems(text)
    grade = Grader(loaded.strength, query, True, entity.language)
    results = []
    for value, other, candidate in adjusted[:top_k]:
        result = _result(loaded, stems, other, candidate, value, grade)
        new = [d for d in other.disciplines if d not in own]
        if new:
            reason = f"brings {', '.join(new)}, which {entity.name} lacks"
        else:
            reason = f"a {other.kind} beside {entity.name}, a {entity.kind}"
        wanted = _closest_seek(seeks, other)
        result.reasons.adds, result.reasons.answers_seek = new, wanted or None
        if wanted:
            reason += f"{'; ' if reason else ''}answers what it seeks: {wanted}"
        result.reasons.complements = reason[:1].upper() + reason[1:] if reason else None
        results.append(result)
    return results
