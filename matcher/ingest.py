"""Ingestion: upsert validated entities into the store and swap in a rebuilt index.

Order of work, so that a failure or a crash never leaves a half state in use:
1. validate (bad rows are reported, the good ones go on);
2. compare with the store by content hash: unchanged entities are skipped;
3. encode the texts of new and changed entities (the embedding cache keeps them);
4. write the store in one transaction;
5. rebuild the index into a new snapshot folder from the store and the cache, and point
   CURRENT at it (a rename); queries are served from the previous snapshot until then.
If the process dies between 4 and 5, the snapshot's catalogue digest no longer matches the
store, and the next ingest or `matcher build` rebuilds the index.
"""

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from matcher import erasure
from matcher.catalog import LoadedCatalog, Rejected
from matcher.erasure import Erased
from matcher.filters import is_listed
from matcher.items import Item, entity_items, searchable_text
from matcher.lexical import LexicalIndex
from matcher.snapshot import build_shards, save_snapshot, snapshot_info
from matcher.store import AnyEntity, row_hash

if TYPE_CHECKING:
    from matcher.engine import Matcher

_THREAD_LOCKS = {"write": threading.Lock(), "rebuild": threading.Lock()}


@dataclass
class IngestReport:
    """What an ingest did, row by row where rows were refused."""

    received: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    encoded: int = 0
    from_cache: int = 0
    reindexed: bool = False
    items: int = 0
    entities: dict[str, int] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)
    erased: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["rejected"] = [
            {k: v for k, v in asdict(r).items() if v is not None} for r in self.rejected
        ]
        return data


@contextmanager
def write_lock(data_dir: Path, what: str = "write") -> Iterator[None]:
    """One store writer (or one index rebuilder) at a time, across threads and processes.

    Store writes and rebuilds take different locks, so writes go on while the index is rebuilt;
    the next rebuild then covers all of them.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCKS[what], open(data_dir / f"{what}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


Encoded = tuple[list[Item], np.ndarray]


def _encode(matcher: "Matcher", entities: list[AnyEntity], progress: bool) -> Encoded:
    """The items of these entities with their vectors (new texts go into the cache)."""
    items = [i for e in entities if is_listed(e) for i in entity_items(e)]
    if not items:
        return [], np.zeros((0, matcher.encoder.dim), dtype=np.float32)
    vectors = matcher.encoder.encode_documents(
        [i.text for i in items], progress=progress, languages=[i.language for i in items]
    )
    return items, vectors


def _vectors(matcher: "Matcher", items: list[Item], known: Encoded, progress: bool) -> np.ndarray:
    """Vectors of all items: those encoded just before are reused, the rest come from the cache."""
    rows = {(i.text, i.language): r for r, i in enumerate(known[0])}
    found = [rows.get((i.text, i.language), -1) for i in items]
    missing = [k for k, r in enumerate(found) if r < 0]
    out = np.empty((len(items), matcher.encoder.dim), dtype=np.float32)
    reused = [k for k, r in enumerate(found) if r >= 0]
    if reused:
        out[reused] = known[1][[found[k] for k in reused]]
    if missing:
        out[missing] = matcher.encoder.encode_documents(
            [items[k].text for k in missing],
            progress=progress,
            languages=[items[k].language for k in missing],
        )
    return out


def index_is_current(matcher: "Matcher") -> bool:
    """Whether the current snapshot was built from exactly the store's content and model."""
    info = snapshot_info(matcher.index_dir)
    return (
        bool(info)
        and info.get("catalog") == matcher.store.digest()
        and info.get("model") == matcher.encoder.model_id
    )


def reindex(
    matcher: "Matcher", progress: bool = False, known: Encoded | None = None
) -> tuple[int, dict[str, Any]]:
    """Rebuild the index from the store into a new snapshot, swap it in and load it."""
    digest = matcher.store.digest()
    listed = [e for e in matcher.store.all() if is_listed(e)]
    items = [i for e in listed for i in entity_items(e)]
    vectors = _vectors(matcher, items, known or ([], np.zeros((0, 0))), progress)
    steps = tqdm(total=3, desc="indexing", unit=" step", disable=not progress)
    shards = build_shards(items, vectors, matcher.settings.index)
    del vectors
    steps.update()
    lexical = LexicalIndex.build({e.id: (searchable_text(e), e.language) for e in listed})
    steps.update()
    save_snapshot(matcher.index_dir, shards, items, lexical, matcher.encoder.model_id, digest)
    steps.update()
    steps.close()
    matcher.refresh(listed)
    index = {
        language: {"backend": s.backend.name, "vectors": len(s.backend), **s.backend.parameters()}
        for language, s in shards.items()
    }
    return len(items), index


@dataclass
class Writes:
    """Store writes made by this process, and how many of them the current index holds.

    Writers commit to the store one at a time, then rebuild the index one at a time; a rebuild
    covers every write committed before it started, so writers queued behind it skip theirs.
    """

    written: int = 0
    indexed: int = 0


def _commit(matcher: "Matcher", changed: bool) -> int:
    """Count a store write; its number (0 when nothing was written)."""
    if not changed:
        return 0
    matcher.writes.written += 1
    return matcher.writes.written


def _catch_up(
    matcher: "Matcher", mine: int, progress: bool, known: Encoded | None = None
) -> tuple[bool, int, dict[str, Any]]:
    """Make the index hold write `mine` (and the store as a whole when nothing was written).

    Returns whether the index holds this write, its item count and, when this call rebuilt
    it, the index parameters.
    """
    writes = matcher.writes
    if mine and writes.indexed >= mine:
        return True, int(snapshot_info(matcher.index_dir).get("items", 0)), {}
    if mine or not index_is_current(matcher):
        target = writes.written
        items, index = reindex(matcher, progress, known)
        writes.indexed = max(writes.indexed, target)
        return True, items, index
    return False, int(snapshot_info(matcher.index_dir).get("items", 0)), {}


def ingest(
    matcher: "Matcher", loaded: LoadedCatalog, replace: bool = False, progress: bool = False
) -> IngestReport:
    """Upsert the valid entities (and, with `replace`, delete every other one but those whose
    row was rejected), then reindex."""
    started = time.perf_counter()
    report = IngestReport(received=len(loaded.entities) + len(loaded.rejected))
    report.rejected = list(loaded.rejected)
    encoder = matcher.encoder
    misses = encoder.misses
    with write_lock(matcher.data_dir):
        stored = matcher.store.hashes()
        changed = [e for e in loaded.entities if stored.get(e.id) != row_hash(e)]
        incoming = {e.id for e in loaded.entities}
        # Under `replace`, a stored entity whose new row was rejected keeps its stored version:
        # a typo in one row must not delete what the row was meant to update.
        retried = {r.id for r in loaded.rejected if r.id in stored and r.id not in incoming}
        gone = [i for i in stored if i not in incoming and i not in retried] if replace else []
        report.kept = len(retried) if replace else 0
        withdrawn = [e.id for e in changed if e.id in stored and not is_listed(e)]
        plan = erasure.collect(matcher, gone + withdrawn)
        known = _encode(matcher, changed, progress)
        counts = matcher.store.upsert(changed)
        report.deleted = matcher.store.delete_many(gone) if gone else 0
        report.inserted, report.updated = counts.inserted, counts.updated
        report.unchanged = len(loaded.entities) - len(changed)
        mine = _commit(matcher, bool(counts.written or report.deleted))
    with write_lock(matcher.data_dir, "rebuild"):
        report.reindexed, report.items, report.index = _catch_up(matcher, mine, progress, known)
        del known
        if plan.ids:
            report.erased = erasure.erase(matcher, plan).as_dict()
            matcher.drop_map()
    report.encoded = encoder.misses - misses
    report.from_cache = max(report.items - report.encoded, 0) if report.reindexed else 0
    report.entities = matcher.store.count()
    report.seconds = time.perf_counter() - started
    return report


def delete(matcher: "Matcher", ids: list[str], progress: bool = False) -> Erased:
    """Remove entities from the store, the index, the embedding cache and the coach rows.

    `store` in the answer counts the ids that existed; coach rows that name an id are erased
    even when the store no longer has it.
    """
    with write_lock(matcher.data_dir):
        plan = erasure.collect(matcher, ids)
        removed = matcher.store.delete_many(ids)
        mine = _commit(matcher, removed > 0)
    with write_lock(matcher.data_dir, "rebuild"):
        _catch_up(matcher, mine, progress)
        erased = erasure.erase(matcher, plan)
        matcher.drop_map()
    erased.store = removed
    return erased
