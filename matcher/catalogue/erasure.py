"""Erasure of entities (researchers are personal data): everything derived from them goes.

A delete, or a researcher's consent withdrawn by an ingest, removes the entity from the
store and the index (ingest.py rebuilds the index without it) and here from the rest: the
vectors of its texts in the embedding cache, under every model id (the hybrid's two models,
the `#query` key space) unless another listed entity still has the same text; the coach rows
that name it (shortlists, feedback, its entries in stored rankings, portfolio needs built
from it with their rankings and feedback); and, with `secure_delete` on and a WAL checkpoint,
the bytes of the deleted rows in the SQLite files. `collect` runs before the store forgets
the entities (their texts are needed), `erase` after. Both take the store, the encoder and
the rows that depend on entities (the coach's) as arguments; the engine then drops what it
keeps in memory (explanations of texts, the catalogue map).
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

from matcher.catalogue.store import Store
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.hybrid import HybridEncoder
from matcher.index.items import entity_items
from matcher.needs.aspects import segments
from matcher.schemas import AnyEntity, Company, is_listed
from matcher.text import text_hash


@dataclass
class Erased:
    """What an erasure removed, counted per place."""

    store: int = 0
    index_texts: int = 0
    embeddings: int = 0
    portfolio_needs: int = 0
    shortlist: int = 0
    marks: int = 0
    saved_needs: int = 0
    alerts: int = 0
    introductions: int = 0
    shown: int = 0
    feedback: int = 0
    job_reports: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON-ready data."""
        return asdict(self)


class Dependants(Protocol):
    """Rows kept elsewhere that name entities (the coach's, upload jobs' reports), erased with
    them; `erase` counts per field of Erased."""

    def needs_from(self, entity_ids: list[str]) -> list[tuple[str, str]]:
        """(need id, need text) of the stored needs built from these entities."""
        ...

    def erase(self, entity_ids: list[str]) -> dict[str, int]:
        """Remove every row naming these entities; counts per kind of row."""
        ...

    def checkpoint(self) -> bool:
        """Empty the write-ahead log into the database file."""
        ...


@dataclass
class Plan:
    """The entities to erase and every text of theirs that may have been encoded."""

    ids: list[str]
    texts: set[str] = field(default_factory=set)
    index_texts: int = 0

    def journal(self) -> tuple[str, str] | None:
        """(key, JSON) to note in the store with the write that causes the erasure, so that a
        crash before it is carried out is made good at the next start; None when empty."""
        if not self.ids:
            return None
        data = json.dumps(
            {"ids": self.ids, "texts": sorted(self.texts), "index_texts": self.index_texts},
            ensure_ascii=False,
        )
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:40], data

    @classmethod
    def from_journal(cls, data: str) -> "Plan":
        """The plan a journal entry noted."""
        raw = json.loads(data)
        return cls(list(raw["ids"]), set(raw["texts"]), int(raw["index_texts"]))


def entity_texts(entity: AnyEntity) -> set[str]:
    """The texts of an entity the engine may have encoded (documents and queries)."""
    texts = {item.text for item in entity_items(entity)}
    if isinstance(entity, Company) and entity.seeks:
        texts.add("; ".join(entity.seeks))
    return texts


def collect(store: Store, dependants: Sequence[Dependants], ids: list[str]) -> Plan:
    """Gather what an erasure of these ids must remove, while the store still has them."""
    plan = Plan(list(dict.fromkeys(ids)))
    if not plan.ids:
        return plan
    for entity_id in plan.ids:
        entity = store.get(entity_id)
        if entity is not None:
            plan.texts |= entity_texts(entity)
            plan.index_texts += len(entity_items(entity)) if is_listed(entity) else 0
    for dependant in dependants:
        for _, text in dependant.needs_from(plan.ids):
            plan.texts |= {text, *segments(text)}
    return plan


def cached_parts(encoder: CachedEncoder | HybridEncoder | None) -> list[CachedEncoder]:
    """The cached encoders whose in-memory query vectors an erasure must drop."""
    if encoder is None:
        return []
    if isinstance(encoder, HybridEncoder):
        return [encoder.english, encoder.multilingual]
    return [encoder]


def erase(
    store: Store,
    cache: EmbeddingCache,
    encoders: Sequence[CachedEncoder],
    dependants: Sequence[Dependants],
    plan: Plan,
) -> Erased:
    """Remove the planned entities from the embedding cache (and the in-memory query vectors of
    the encoders in use) and from the dependent stores; empty the WALs."""
    kept = {
        text_hash(item.text)
        for entity in store.all()
        if is_listed(entity)
        for item in entity_items(entity)
    }
    erased = Erased(index_texts=plan.index_texts)
    hashes = {text_hash(t) for t in plan.texts} - kept
    erased.embeddings += cache.delete_hashes(hashes)
    cache.checkpoint()
    for one in encoders:
        one.forget(plan.texts)
    for dependant in dependants:
        for place, count in dependant.erase(plan.ids).items():
            setattr(erased, place, getattr(erased, place) + count)
    noted = plan.journal()
    if noted is not None:  # struck before the checkpoint, so the noted texts leave the file too
        store.erasure_done(noted[0])
    store.checkpoint()
    for dependant in dependants:
        dependant.checkpoint()
    return erased
