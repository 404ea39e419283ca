"""Ingestion: upsert validated entities into the store and rebuild the index from it.

Order of work, so that a failure or a crash never leaves a half state in use:
1. validate (bad rows are reported, the good ones go on);
2. compare with the store by content hash: unchanged entities are skipped;
3. encode the texts of new and changed entities (the embedding cache keeps them);
4. write the store in one transaction;
5. rebuild the index into a new snapshot folder from the store and the cache, and point
   CURRENT at it (a rename); queries are served from the previous snapshot until then.
If the process dies between 4 and 5, the snapshot's catalogue digest no longer matches the
store, and the next ingest or `matcher build` rebuilds the index.

The functions here take their collaborators (store, encoder, index folder) as a `Catalogue`
and return what they changed; the engine takes the locks, loads the new snapshot and erases
what the write removed (erasure.py).
"""

import fcntl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.catalogue import erasure
from matcher.catalogue.reading import LoadedCatalogue, Rejected
from matcher.catalogue.store import Store, row_hash
from matcher.encoders.cache import CachedEncoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.index.items import Item, entity_items, searchable_text
from matcher.index.lexical import LexicalIndex
from matcher.index.snapshot import build_shards, save_snapshot, snapshot_info
from matcher.schemas import AnyEntity, Researcher, is_listed
from matcher.settings import IndexSettings

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
    changed: list[str] = field(default_factory=list)  # listed entities added or changed

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready data (without the changed ids)."""
        data = asdict(self)
        data.pop("changed")
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
NOTHING_ENCODED: Encoded = ([], np.zeros((0, 0), dtype=np.float32))


@dataclass
class Writes:
    """Store writes made by this process, and how many of them the current index holds.

    Writers commit to the store one at a time, then rebuild the index one at a time; a rebuild
    covers every write committed before it started, so writers queued behind it skip theirs.
    """

    written: int = 0
    indexed: int = 0

    def count(self, changed: bool) -> int:
        """Count a store write; its number (0 when nothing was written)."""
        if not changed:
            return 0
        self.written += 1
        return self.written


@dataclass
class Catalogue:
    """What a catalogue write works with: the store, the encoder behind its embedding cache,
    the index folder with its settings, and this process's count of writes."""

    data_dir: Path
    store: Store
    encoder: CachedEncoder | HybridEncoder
    index: IndexSettings
    writes: Writes

    @property
    def index_dir(self) -> Path:
        """Where index snapshots live."""
        return self.data_dir / "index"


@dataclass
class Written:
    """A store write done: the report so far, its number, what it must erase, its vectors."""

    report: IngestReport
    number: int
    plan: erasure.Plan
    known: Encoded


@dataclass
class CaughtUp:
    """The index after a catch-up: whether it holds the write, its item count, and, when this
    call rebuilt it, the index parameters and the entities the new snapshot serves."""

    holds: bool
    items: int
    index: dict[str, Any] = field(default_factory=dict)
    listed: list[AnyEntity] | None = None


def _encode(catalogue: Catalogue, entities: list[AnyEntity], progress: bool) -> Encoded:
    """The items of these entities with their vectors (new texts go into the cache)."""
    encoder = catalogue.encoder
    items = [i for e in entities if is_listed(e) for i in entity_items(e)]
    if not items:
        return [], np.zeros((0, encoder.dim), dtype=np.float32)
    vectors = encoder.encode_documents(
        [i.text for i in items], progress=progress, languages=[i.language for i in items]
    )
    return items, vectors


def _vectors(
    encoder: CachedEncoder | HybridEncoder, items: list[Item], known: Encoded, progress: bool
) -> np.ndarray:
    """Vectors of all items: those encoded just before are reused, the rest come from the cache."""
    rows = {(i.text, i.language): r for r, i in enumerate(known[0])}
    found = [rows.get((i.text, i.language), -1) for i in items]
    missing = [k for k, r in enumerate(found) if r < 0]
    out = np.empty((len(items), encoder.dim), dtype=np.float32)
    reused = [k for k, r in enumerate(found) if r >= 0]
    if reused:
        out[reused] = known[1][[found[k] for k in reused]]
    if missing:
        out[missing] = encoder.encode_documents(
            [items[k].text for k in missing],
            progress=progress,
            languages=[items[k].language for k in missing],
        )
    return out


def index_is_current(catalogue: Catalogue) -> bool:
    """Whether the current snapshot was built from exactly the store's content and model."""
    info = snapshot_info(catalogue.index_dir)
    return (
        bool(info)
        and info.get("catalogue") == catalogue.store.digest()
        and info.get("model") == catalogue.encoder.model_id
    )


def reindex(
    catalogue: Catalogue, progress: bool = False, known: Encoded = NOTHING_ENCODED
) -> CaughtUp:
    """Rebuild the index from the store into a new snapshot and swap it in."""
    store, encoder = catalogue.store, catalogue.encoder
    digest = store.digest()
    listed = [e for e in store.all() if is_listed(e)]
    items = [i for e in listed for i in entity_items(e)]
    vectors = _vectors(encoder, items, known, progress)
    steps = tqdm(total=3, desc="indexing", unit=" step", disable=not progress)
    shards = build_shards(items, vectors, catalogue.index)
    del vectors
    steps.update()
    lexical = LexicalIndex.build({e.id: (searchable_text(e), e.language) for e in listed})
    steps.update()
    save_snapshot(catalogue.index_dir, shards, items, lexical, encoder.model_id, digest)
    steps.update()
    steps.close()
    index = {
        language: {"backend": s.backend.name, "vectors": len(s.backend), **s.backend.parameters()}
        for language, s in shards.items()
    }
    return CaughtUp(True, len(items), index, listed)


def catch_up(
    catalogue: Catalogue, mine: int, progress: bool = False, known: Encoded = NOTHING_ENCODED
) -> CaughtUp:
    """Make the index hold write `mine` (and the store as a whole when nothing was written);
    call it holding the rebuild lock."""
    writes = catalogue.writes
    if mine and writes.indexed >= mine:
        return CaughtUp(True, int(snapshot_info(catalogue.index_dir).get("items", 0)))
    if mine or not index_is_current(catalogue):
        target = writes.written
        caught = reindex(catalogue, progress, known)
        writes.indexed = max(writes.indexed, target)
        return caught
    return CaughtUp(False, int(snapshot_info(catalogue.index_dir).get("items", 0)))


def keep_objections(store: Store, entities: list[AnyEntity]) -> list[AnyEntity]:
    """A person who opted out stays out when a public register brings them again (the next
    import of the grant records must not list them anew)."""
    ids = [
        e.id
        for e in entities
        if isinstance(e, Researcher) and e.basis == "public-register" and not e.opted_out
    ]
    objected = store.opted_out(ids) if ids else set()
    return [e.model_copy(update={"opted_out": True}) if e.id in objected else e for e in entities]


def write(
    catalogue: Catalogue,
    loaded: LoadedCatalogue,
    dependants: Sequence[erasure.Dependants],
    replace: bool = False,
    progress: bool = False,
) -> Written:
    """Upsert the valid entities (and, with `replace`, delete every other one but those whose
    row was rejected); call it holding the write lock. The index is not touched."""
    store = catalogue.store
    loaded.entities = keep_objections(store, loaded.entities)
    report = IngestReport(received=len(loaded.entities) + len(loaded.rejected))
    report.rejected = list(loaded.rejected)
    stored = store.hashes()
    changed = [e for e in loaded.entities if stored.get(e.id) != row_hash(e)]
    incoming = {e.id for e in loaded.entities}
    # Under `replace`, a stored entity whose new row was rejected keeps its stored version:
    # a typo in one row must not delete what the row was meant to update.
    retried = {r.id for r in loaded.rejected if r.id in stored and r.id not in incoming}
    gone = [i for i in stored if i not in incoming and i not in retried] if replace else []
    report.kept = len(retried) if replace else 0
    withdrawn = [e.id for e in changed if e.id in stored and not is_listed(e)]
    plan = erasure.collect(store, dependants, gone + withdrawn)
    known = _encode(catalogue, changed, progress)
    counts, report.deleted = store.write(changed, gone, plan.journal())
    report.inserted, report.updated = counts.inserted, counts.updated
    report.unchanged = len(loaded.entities) - len(changed)
    report.changed = [e.id for e in changed if is_listed(e)]
    number = catalogue.writes.count(bool(counts.written or report.deleted))
    return Written(report, number, plan, known)
