"""The catalogue being served: an index snapshot with the entities, retriever and discipline map
that answer from it until the next snapshot is loaded."""

import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matcher.encoders.base import Encoder
from matcher.errors import NotBuiltError
from matcher.index.lexicon import load as load_lexicon
from matcher.index.snapshot import Snapshot, SnapshotError, current_name, load_snapshot
from matcher.needs.aspects import DisciplineMap
from matcher.schemas import KINDS, AnyEntity, is_listed
from matcher.search.retrieval import Retriever
from matcher.search.strength import Strengths
from matcher.search.strength import load as load_strength
from matcher.settings import RankingSettings


@dataclass
class Loaded:
    """An index snapshot together with the entities it serves."""

    snapshot: Snapshot
    entities: dict[str, AnyEntity]
    retriever: Retriever
    name: str
    disciplines: DisciplineMap
    newest: int | None = None
    strength: Strengths | None = None
    kind_codes: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """Each retriever row's kind as a code (KINDS order; -1: not an entity served)."""
        self.kind_codes = np.full(len(self.retriever.row), -1, dtype=np.int64)
        for entity_id, row in self.retriever.row.items():
            entity = self.entities.get(entity_id)
            if entity is not None:
                self.kind_codes[row] = KINDS.index(entity.kind)

    def hide(self, entity_ids: list[str]) -> None:
        """Stop serving these entities at once (deleted, or a researcher's consent withdrawn),
        before the next snapshot leaves them out. The entity map and kind codes are replaced,
        not changed in place, so a request reading them meanwhile sees one or the other."""
        gone = {e for e in entity_ids if e in self.entities}
        if not gone:
            return
        codes = self.kind_codes.copy()
        for entity_id in gone:
            row = self.retriever.row.get(entity_id)
            if row is not None:
                codes[row] = -1
        self.entities = {k: v for k, v in self.entities.items() if k not in gone}
        self.kind_codes = codes


def settle_heap() -> None:
    """Take the objects alive now (models, catalogue, index) out of the cyclic collector's scans.

    With the models loaded a full collection walks every object of the models and the catalogue,
    and one falls due every few requests; frozen objects are still freed by reference counting.
    The first call also collects what is garbage by then.
    """
    if not gc.get_freeze_count():
        gc.collect()
    gc.freeze()


class Serving:
    """The snapshot being served, swapped when a rebuild (in this process or another) makes
    a new one current: the previous keeps answering while the new one loads in the background."""

    def __init__(self, index_dir: Path, load: Callable[[list[AnyEntity] | None], Loaded]) -> None:
        """`load` loads the current snapshot, with the store's entities when given."""
        self.index_dir = index_dir
        self._load = load
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self._reloading = False

    def current(self) -> Loaded:
        """The loaded snapshot; a newer one is loaded in the background meanwhile."""
        name = current_name(self.index_dir)
        loaded = self._loaded
        if loaded is not None and loaded.name == name:
            return loaded
        if loaded is not None:
            self._reload_soon()
            return loaded
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load(None)
            return self._loaded

    def searchable(self) -> Loaded:
        """The loaded snapshot, which must list at least one entity to search."""
        loaded = self.current()
        if not loaded.snapshot.items:
            raise NotBuiltError(
                "the catalogue lists no entities yet: add some with `matcher ingest FILE`, "
                "POST /v1/entities:bulk or `matcher build --catalogue demo`"
            )
        return loaded

    def refresh(self, entities: list[AnyEntity] | None = None) -> None:
        """Load the current snapshot now and answer from it from the next request on.

        `entities` are the store's entities when the caller has just read them all.
        """
        fresh = self._load(entities)
        with self._lock:
            self._loaded = fresh

    def hide(self, entity_ids: list[str]) -> None:
        """Stop serving these entities from the loaded snapshot now (see Loaded.hide)."""
        loaded = self._loaded
        if loaded is not None and entity_ids:
            loaded.hide(entity_ids)

    def _reload_soon(self) -> None:
        with self._lock:
            if self._reloading:
                return
            self._reloading = True

        def reload() -> None:
            try:
                self.refresh()
            except NotBuiltError:
                pass
            finally:
                self._reloading = False

        threading.Thread(target=reload, name="index-reload", daemon=True).start()


def load_served(
    index_dir: Path,
    stored: Iterable[AnyEntity],
    encoder: Encoder,
    ranking: RankingSettings,
    models_dir: Path | None = None,
) -> Loaded:
    """The current snapshot with the listed ones of the stored entities, its retriever and its
    discipline map (the disciplines' names encoded as needs); the strength model and lexicon
    saved under `models_dir`, where there are any."""
    name = current_name(index_dir)
    try:
        snapshot = load_snapshot(index_dir)
    except SnapshotError as exc:
        raise NotBuiltError(str(exc)) from exc
    if snapshot is None:
        raise NotBuiltError(
            f"no index in {index_dir.parent}: run `matcher build --catalogue demo` first"
        )
    if snapshot.model_id != encoder.model_id:
        raise NotBuiltError(
            f"the index was built with {snapshot.model_id} but the settings select "
            f"{encoder.model_id}: run `matcher build` again"
        )
    entities = {e.id: e for e in stored if is_listed(e)}
    snapshot.lexical.lexicon = load_lexicon(models_dir) if models_dir else None
    retriever = Retriever(snapshot, ranking)
    disciplines = DisciplineMap(entities.values())
    if disciplines.names:
        disciplines.vectors = encoder.encode_queries(disciplines.names)
    newest = max((item.year for item in snapshot.items if item.year), default=None)
    settle_heap()
    strength = load_strength(models_dir, encoder.model_id) if models_dir else None
    return Loaded(snapshot, entities, retriever, name, disciplines, newest, strength)
