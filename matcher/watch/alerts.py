"""The alert pass: after an ingest, every saved need against the entities that ingest added or
changed, and only those (the catalogue is never ranked again for a saved need).

For each need: its vector (kept per model, so only new needs are encoded), its scale on each
language shard (from the shard's fixed sample, as for any request), the dense scores of the
changed entities' texts, and their BM25 scores looked up at their own positions
(LexicalIndex.scores_at). The strength model grades them as a recommendation would; a match
that is strong or possible, admitted by the need's kinds, filters and exclusions, and not shown
to the need before, becomes an alert, with an outbox row for each channel the need has.
"""

import json
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from matcher.encoders.base import Encode
from matcher.schemas import AnyEntity
from matcher.search.calibration import reference_language, shard_scales
from matcher.search.dense_many import dense_many
from matcher.search.filters import admits
from matcher.search.query import NO_MATCH, Query
from matcher.search.strength import can_be_strong, features_many, rounded
from matcher.served import Loaded
from matcher.text import guess_language, need_language
from matcher.watch.alert_store import AlertStore
from matcher.watch.schemas import stored_request

ALERT_BANDS = ("strong", "possible")


def channels_of(body: dict[str, Any]) -> list[str]:
    """The delivery channels a saved need asked for (the API list and feed need none)."""
    return [c for c, field in (("webhook", "webhook_url"), ("email", "email")) if body.get(field)]


def need_vectors(
    alerts: AlertStore, model: str, encode: Encode, records: list[dict[str, Any]]
) -> np.ndarray:
    """The saved needs' vectors, encoding (and keeping) only those not kept yet."""
    ids = [r["id"] for r in records]
    kept = alerts.vectors(model, ids)
    missing = [r for r in records if r["id"] not in kept]
    if missing:
        fresh = encode([r["body"]["need"] for r in missing])
        new = {r["id"]: fresh[i] for i, r in enumerate(missing)}
        alerts.keep_vectors(model, new)
        kept |= new
    return np.vstack([kept[i] for i in ids]).astype(np.float32)


def scaled_queries(loaded: Loaded, texts: list[str], vectors: np.ndarray) -> list[Query]:
    """Queries with each need's scale per shard (from the shards' fixed samples) and no
    lexical matches yet: unlike a request, an alert pass never runs BM25 over the catalogue."""
    retriever = loaded.retriever
    per_shard = {
        language: shard_scales(vectors, shard.mean, shard.sample)
        for language, shard in retriever.snapshot.shards.items()
    }
    out = []
    for row, text in enumerate(texts):
        scales = {language: found[row] for language, found in per_shard.items()}
        reference = reference_language(scales, guess_language(text), retriever.sizes)
        out.append(Query(vectors[row : row + 1], *NO_MATCH, scales, reference))
    return out


def _admitted(
    body: dict[str, Any], entities: list[AnyEntity], seen: dict[str, list[int]]
) -> list[int]:
    """The entities a need's kinds, filters and exclusions admit; needs with the same conditions
    (most have none) share one answer per pass (`seen`)."""
    conditions = {k: body[k] for k in ("kinds", "filters", "exclude") if body.get(k) is not None}
    key = json.dumps(conditions, sort_keys=True, default=str)
    if key not in seen:
        request = stored_request({"need": body["need"], **conditions})
        seen[key] = [i for i, e in enumerate(entities) if admits(request, e)]
    return seen[key]


def _graded(
    loaded: Loaded,
    need_id: str,
    text: str,
    query: Query,
    entities: list[AnyEntity],
    at: np.ndarray,
    dense: np.ndarray,
) -> list[dict[str, Any]]:
    """The entities that are a strong or possible match for one need, graded together (`at`:
    their positions in the lexical index, -1 for none; `dense`: their dense scores)."""
    if loaded.strength is None:
        return []
    lexical = loaded.snapshot.lexical
    found = lexical.scores_at(text, np.maximum(at, 0))
    lexical_scores = np.where(at >= 0, found, 0.0).astype(np.float64)
    model = loaded.strength.for_language(need_language(text))
    relevance = model.relevance_of(features_many(dense, lexical_scores, query))
    strong_allowed = can_be_strong(text, lexical.known_share(text))
    out = []
    for row in np.flatnonzero(relevance >= model.possible):
        value = rounded(float(relevance[row]))
        band = model.band(value, strong_allowed)
        if band in ALERT_BANDS:
            entity = entities[row]
            out.append(
                {
                    "need_id": need_id,
                    "entity_id": entity.id,
                    "name": entity.name,
                    "kind": entity.kind,
                    "band": band,
                    "relevance": value,
                }
            )
    return out


def alert_pass(
    loaded: Loaded, model: str, encode: Encode, alerts: AlertStore, changed: list[str]
) -> list[int]:
    """New alerts for the entities an ingest added or changed; their ids."""
    entities = [
        loaded.entities[e]
        for e in dict.fromkeys(changed)
        if e in loaded.entities and e in loaded.retriever.positions
    ]
    records = alerts.needs.all()
    if not entities or not records:
        return []
    texts = [r["body"]["need"] for r in records]
    queries = scaled_queries(loaded, texts, need_vectors(alerts, model, encode, records))
    where = np.array(
        [loaded.snapshot.lexical.position.get(e.id, -1) for e in entities], dtype=np.int64
    )
    dense = dense_many(loaded.retriever, queries, [e.id for e in entities])
    found: list[dict[str, Any]] = []
    seen: dict[str, list[int]] = {}
    for row, (record, text, query) in enumerate(zip(records, texts, queries, strict=True)):
        admitted = _admitted(record["body"], entities, seen)
        if admitted:
            chosen = [entities[i] for i in admitted]
            scores = dense[row, admitted]
            found += _graded(loaded, record["id"], text, query, chosen, where[admitted], scores)
    return alerts.add(found, {r["id"]: channels_of(r["body"]) for r in records})


log = logging.getLogger("matcher.alerts")


def listener(
    served: Callable[[], Loaded], encoder: Callable[[], Any], alerts: AlertStore
) -> Callable[[list[str]], None]:
    """What an engine calls after each ingest (Matcher.on_ingested): the alert pass over the
    changed entities. `served` gives the snapshot now answering, `encoder` the engine's encoder
    (made on first use). A failed pass is logged and never fails the ingest that ran it: the
    catalogue write has committed."""

    def after_ingest(changed: list[str]) -> None:
        try:
            used = encoder()
            alert_pass(served(), used.model_id, used.encode_queries, alerts, changed)
        except Exception:
            log.exception("the alert pass after an ingest of %d entities failed", len(changed))

    return after_ingest
