"""How one catalogue entity matches one need, in the terms a result card uses: relevance, band
and a short reason. Kept with a shortlist entry so that an export says why it is there."""

from typing import Any

from matcher.engine import Matcher
from matcher.search.explain import explain, need_stems
from matcher.search.strength import Grader, can_be_strong
from matcher.text import need_language


def assess(matcher: Matcher, need: str, entity_id: str) -> dict[str, Any] | None:
    """{band, relevance, reason} of an indexed entity for a need; None when it is not indexed."""
    loaded = matcher.served()
    query, found = matcher.scored(need, [entity_id])
    entity = loaded.entities.get(entity_id)
    if not found or entity is None:
        return None
    lexical = loaded.snapshot.lexical
    strong_allowed = can_be_strong(need, lexical.known_share(need))
    relevance, band = Grader(loaded.strength, query, strong_allowed, need_language(need))(found[0])
    reasons = explain(
        need_stems(need), entity, found[0].hits, loaded.snapshot.items, 1, lexical.common_terms()
    )
    parts = []
    if reasons.terms:
        parts.append("shares " + ", ".join(reasons.terms))
    if reasons.evidence:
        parts.append(f"“{reasons.evidence[0].text}”")
    return {"band": band, "relevance": relevance, "reason": "; ".join(parts)}
