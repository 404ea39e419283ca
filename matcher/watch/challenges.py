"""Open challenges: listing the published needs, and the reverse question, which open challenges
fit one company, lab or researcher.

The reverse ranking scores the entity against each open challenge's need exactly as a
recommendation for that need would (dense and BM25 parts fused, the strength model's relevance
and band, the same reasons), skipping challenges whose kinds, filters or exclusions leave the
entity out. Challenges are ordered by the engine's fused score, relevance breaking ties: on the
SweCRIS dev split that found a company's own later grant sooner than ordering by relevance
first (docs/evaluation.md).
"""

from datetime import date
from typing import Any

from matcher.encoders.base import Encode
from matcher.schemas import AnyEntity
from matcher.search.explain import explain, need_stems
from matcher.search.filters import admits, met_constraints
from matcher.search.strength import Grader
from matcher.served import Loaded
from matcher.text import words
from matcher.watch.schemas import Challenge, ChallengeMatch, stored_request


def challenge_of(record: dict[str, Any]) -> Challenge:
    """The public view of a stored public need."""
    body = record["body"]
    return Challenge(
        id=record["id"],
        title=body.get("title") or body["need"][:80],
        need=body["need"],
        owner_organisation=body["owner_organisation"],
        deadline=date.fromisoformat(body["deadline"]),
        areas=body.get("filters", {}).get("areas", []),
        kinds=body.get("kinds"),
    )


def is_open(body: dict[str, Any], today: date) -> bool:
    """Public and not past its deadline."""
    deadline = str(body.get("deadline") or "")
    return body.get("visibility") == "public" and deadline >= today.isoformat()


def matching(
    records: list[dict[str, Any]], q: str = "", area: str | None = None
) -> list[Challenge]:
    """Open challenges holding every word of `q` (title, need or owner) and, with `area`,
    in that priority area."""
    wanted = words(q)
    found = []
    for record in records:
        challenge = challenge_of(record)
        text = set(words(f"{challenge.title} {challenge.need} {challenge.owner_organisation}"))
        if all(w in text for w in wanted) and (area is None or area in challenge.areas):
            found.append(challenge)
    return found


def for_entity(
    loaded: Loaded, encode: Encode, entity: AnyEntity, records: list[dict[str, Any]]
) -> list[ChallengeMatch]:
    """The open challenges whose conditions admit the entity, best fit first."""
    requests = [(record, stored_request(record["body"])) for record in records]
    admitted = [(record, request) for record, request in requests if admits(request, entity)]
    if not admitted or entity.id not in loaded.retriever.positions:
        return []
    texts = [request.need for _, request in admitted]
    queries = loaded.retriever.queries(texts, encode(texts), lexical=True)
    lexical = loaded.snapshot.lexical
    common = lexical.common_terms()
    matches = []
    for (record, request), query in zip(admitted, queries, strict=True):
        _, _, score, _ = loaded.retriever.fused_order(query, [entity.id])
        candidate = loaded.retriever.score_many(query, [entity.id])[0]
        known = lexical.known_share(request.need)
        relevance, band = Grader.for_need(loaded.strength, query, request.need, known)(candidate)
        stems = need_stems(request.need)
        reasons = explain(stems, entity, candidate.hits, loaded.snapshot.items, 2, common)
        reasons.constraints = met_constraints(entity, request.filters)
        matches.append(
            ChallengeMatch(
                challenge=challenge_of(record),
                score=round(float(score[0]), 4),
                relevance=relevance,
                band=band,
                reasons=reasons,
            )
        )
    matches.sort(key=lambda m: (-m.score, -m.relevance, m.challenge.id))
    return matches
