"""The engine: builds store and index from a catalogue, answers needs with ranked entities."""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from matcher import erasure, ingest, neighbours, reranker
from matcher.aspects import DisciplineMap, segments
from matcher.catalog import CatalogError, LoadedCatalog, load_catalog
from matcher.coach_store import CoachStore
from matcher.encoders import Encoder
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.factory import cached_encoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.filters import is_listed
from matcher.fusion import resolved_ranking
from matcher.ingest import IngestReport
from matcher.ranking import AnyEntity, Candidate, fuse
from matcher.recommend import Answer, ClauseVectors, Loaded, need_id, settle_heap
from matcher.reranker import Reranker
from matcher.retrieval import Retriever
from matcher.schemas import KINDS, Kind, NeedRequest, NeighboursResponse, RecommendationResponse
from matcher.settings import RankingSettings, Settings
from matcher.snapshot import (
    SnapshotError,
    current_name,
    load_snapshot,
)
from matcher.store import Store, store_location
from matcher.team_schemas import TeamRequest, TeamResponse

NEED_ENCODING = ThreadPoolExecutor(4, thread_name_prefix="needs")


class NotBuiltError(RuntimeError):
    """No index has been built in the data directory yet."""


class InvalidRequestError(ValueError):
    """A request that breaks a limit set in the settings."""


class UnknownEntityError(LookupError):
    """No listed entity has this id."""


__all__ = [
    "InvalidRequestError",
    "Matcher",
    "NotBuiltError",
    "UnknownEntityError",
    "is_listed",
    "need_id",
]


class Matcher:
    """Store, encoder and vector index of one data directory."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(store_location(settings))
        self._cache = EmbeddingCache(settings.cache_file or self.data_dir / "embeddings.sqlite")
        self._encoder: CachedEncoder | HybridEncoder | None = (
            CachedEncoder(encoder, self._cache) if encoder else None
        )
        self._loaded: Loaded | None = None
        self._coach: CoachStore | None = None
        self._map: tuple[str, dict[str, Any]] | None = None
        self._reranker: Reranker | None = None
        self._reranker_stamp: int | None = None
        self._lock = threading.Lock()
        self._reloading = False
        self.writes = ingest.Writes()
        self._mapping = False

    @property
    def ranking(self) -> RankingSettings:
        """Ranking settings with tuned fusion weights filled in."""
        return resolved_ranking(self.settings)

    @property
    def index_dir(self) -> Path:
        """Where index snapshots live."""
        return self.data_dir / "index"

    @property
    def encoder(self) -> CachedEncoder | HybridEncoder:
        """The configured encoder behind the embedding cache (created on first use)."""
        if self._encoder is None:
            self._encoder = cached_encoder(self.settings.encoder, self._cache)
        return self._encoder

    def build(self, source: str, progress: bool = False) -> IngestReport:
        """Make the catalogue exactly this source: upsert it, delete the rest, reindex.

        Only new or changed texts are encoded; a failed build changes nothing.
        """
        loaded = load_catalog(source, progress=progress)
        if not loaded.entities:
            raise CatalogError(f"no valid entities in {source} ({len(loaded.rejected)} rejected)")
        return ingest.ingest(self, loaded, replace=True, progress=progress)

    def ingest(
        self, loaded: LoadedCatalog, replace: bool = False, progress: bool = False
    ) -> IngestReport:
        """Upsert validated entities by id and swap in the rebuilt index (see ingest.py)."""
        return ingest.ingest(self, loaded, replace=replace, progress=progress)

    def delete(self, entity_ids: list[str]) -> erasure.Erased:
        """Erase entities: store, index, embedding cache, coach rows (see erasure.py);
        `.store` of the answer counts the ids that existed."""
        return ingest.delete(self, entity_ids)

    def drop_map(self) -> None:
        """Forget the cached catalogue map (it may show erased entities)."""
        self._map = None

    def _current(self) -> Loaded:
        """The loaded snapshot; a rebuild by another process is loaded in the background
        while the previous snapshot keeps answering."""
        name = current_name(self.index_dir)
        loaded = self._loaded
        if loaded is not None and loaded.name == name:
            return loaded
        if loaded is not None:
            self._reload_soon()
            return loaded
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load(name)
            return self._loaded

    def refresh(self, entities: list[AnyEntity] | None = None) -> None:
        """Load the current snapshot now and answer from it from the next request on.

        `entities` are the store's entities when the caller has just read them all.
        """
        fresh = self._load(current_name(self.index_dir), entities)
        with self._lock:
            self._loaded = fresh

    def _searchable(self) -> Loaded:
        """The loaded snapshot, which must list at least one entity to search."""
        loaded = self._current()
        if not loaded.snapshot.items:
            raise NotBuiltError(
                "the catalogue lists no entities yet: add some with `matcher ingest FILE`, "
                "POST /v1/entities:bulk or `matcher build --catalog demo`"
            )
        return loaded

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

    def _load(self, name: str, stored: list[AnyEntity] | None = None) -> Loaded:
        try:
            snapshot = load_snapshot(self.index_dir)
        except SnapshotError as exc:
            raise NotBuiltError(str(exc)) from exc
        if snapshot is None:
            raise NotBuiltError(
                f"no index in {self.data_dir}: run `matcher build --catalog demo` first"
            )
        if snapshot.model_id != self.encoder.model_id:
            raise NotBuiltError(
                f"the index was built with {snapshot.model_id} but the settings select "
                f"{self.encoder.model_id}: run `matcher build` again"
            )
        source = self.store.all() if stored is None else stored
        entities = {e.id: e for e in source if is_listed(e)}
        retriever = Retriever(snapshot, self.ranking)
        disciplines = DisciplineMap(entities.values())
        if disciplines.names:
            disciplines.vectors = self.encoder.encode_queries(disciplines.names)
        newest = max((item.year for item in snapshot.items if item.year), default=None)
        settle_heap()
        return Loaded(snapshot, entities, retriever, name, disciplines, newest)

    def warm_up(self) -> None:
        """Load the models now (an English and a Swedish need), not on a user's first request."""
        self.encoder.encode_queries(["testbed for battery recycling", "testbädd för återvinning"])

    def ready(self) -> bool:
        """Whether an index is built and loadable."""
        try:
            self._current()
        except NotBuiltError:
            return False
        return True

    def score_parts(
        self, need: str, entity_ids: list[str], lexical: bool = True
    ) -> list[Candidate]:
        """Dense and lexical scores of a need for each given indexed entity, not yet fused."""
        retriever = self._searchable().retriever
        vector = self.encoder.encode_queries([need])
        query = retriever.query(need, vector, lexical=lexical)
        return retriever.score_many(query, [e for e in entity_ids if e in retriever.positions])

    def score_entities(self, need: str, entity_ids: list[str]) -> dict[str, float]:
        """The engine's score of a need against each given indexed entity, without filters."""
        retriever = self._searchable().retriever
        ranking = retriever.settings
        pool = list(retriever.positions) if ranking.fusion == "rrf" else entity_ids
        candidates = self.score_parts(need, pool)
        fuse(candidates, ranking)
        scores = {c.entity_id: c.score for c in candidates}
        return {e: scores[e] for e in entity_ids if e in scores}

    def get(self, entity_id: str) -> AnyEntity | None:
        """A listed entity by id (researchers without consent are not listed)."""
        entity = self.store.get(entity_id)
        return entity if entity is not None and is_listed(entity) else None

    def browse(
        self, kinds: list[Kind] | None, query: str, limit: int, offset: int
    ) -> tuple[int, list[AnyEntity]]:
        """Listed entities by kind whose name or id holds every word of the query, by name."""
        return self.store.browse(kinds or KINDS, query.split(), limit, offset)

    def check(self, request: NeedRequest) -> int:
        """Apply the limits from the settings; returns the effective top_k."""
        limits = self.settings.ranking
        if len(request.need) > limits.max_need_chars:
            raise InvalidRequestError(
                f"need is {len(request.need)} characters; the limit is {limits.max_need_chars}"
            )
        top_k = limits.default_top_k if request.top_k is None else request.top_k
        if not 1 <= top_k <= limits.max_top_k:
            raise InvalidRequestError(f"top_k must be between 1 and {limits.max_top_k}")
        return top_k

    @property
    def coach(self) -> CoachStore:
        """Portfolios, shortlists, shown rankings and feedback (created on first use)."""
        if self._coach is None:
            self._coach = CoachStore(self.data_dir / "coach.sqlite")
        return self._coach

    def reranker(self) -> Reranker | None:
        """The learned reranker when one is trained and marked for use."""
        manifest = self.settings.models_dir / "reranker" / "manifest.json"
        try:
            stamp: int | None = manifest.stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != self._reranker_stamp:
            self._reranker = reranker.load(manifest.parent) if stamp else None
            self._reranker_stamp = stamp
        return self._reranker

    def recommend(self, request: NeedRequest, record: bool = True) -> RecommendationResponse:
        """Partners and testbeds for one need, its aspects and a partner set covering them."""
        return self.recommend_many([request], record)[0]

    def recommend_many(
        self,
        requests: list[NeedRequest],
        record: bool = True,
        rerank: bool = True,
        shown: list[list[dict[str, Any]]] | None = None,
    ) -> list[RecommendationResponse]:
        """Recommendations for many needs: one encoding batch and one index search per shard.

        With `record`, each need's shown ranking is kept so feedback on it can be learned from.
        """
        tops = [self.check(request) for request in requests]
        loaded = self._searchable()
        learned = self.reranker() if rerank else None
        clauses = [segments(request.need) for request in requests]
        encode = self.encoder.encode_queries
        retriever = loaded.retriever
        texts = [r.need for r in requests]
        if self.settings.encoder.need_processes and len(requests) == 1:  # match words meanwhile
            encoding = NEED_ENCODING.submit(encode, texts)
            retriever.match_ahead(texts + [c for own in clauses for c in own])
            vectors = encoding.result()
        else:
            vectors = encode(texts)
        known = {r.need: vectors[row] for row, r in enumerate(requests)}
        pending = ClauseVectors(encode, clauses, known)  # encoded while the needs are searched
        queries = [
            retriever.query(r.need, vectors[row : row + 1]) for row, r in enumerate(requests)
        ]
        ks = {
            lang: min(retriever.settings.candidate_items, n) for lang, n in retriever.sizes.items()
        }
        initial = retriever.candidates_many(queries, ks)
        responses = []
        batch = zip(requests, tops, queries, initial, strict=True)
        for row, (request, top_k, query, first) in enumerate(batch):
            answer = Answer(loaded, self.ranking, request, learned)
            later = functools.partial(pending.of, row)
            vector = vectors[row : row + 1]
            responses.append(answer.build(encode, top_k, vector, query, first, later))
            if shown is not None:
                shown.append(answer.shown)
            if record:
                self.coach.record_shown(
                    responses[-1].need_id, request.need, request.municipality, answer.shown
                )
        return responses

    def neighbours(
        self, entity_id: str, relation: str, kinds: list[Kind] | None = None, top_k: int = 10
    ) -> NeighboursResponse:
        """Entities similar to one entity, or complementing it (relation 'complements')."""
        limit = self.settings.ranking.max_top_k
        if not 1 <= top_k <= limit:
            raise InvalidRequestError(f"top_k must be between 1 and {limit}")
        loaded = self._current()
        entity = loaded.entities.get(entity_id)
        if entity is None or entity_id not in loaded.retriever.positions:
            raise UnknownEntityError(f"no entity with id '{entity_id}'")
        wanted = set(kinds or KINDS)
        if relation == "similar":
            results = neighbours.similar(loaded, entity, wanted, top_k)
        else:
            encode = self.encoder.encode_queries
            results = neighbours.complements(loaded, entity, wanted, top_k, encode)
        return NeighboursResponse(
            entity_id=entity_id,
            relation="similar" if relation == "similar" else "complements",
            results=results,
        )

    def form_teams(self, request: TeamRequest) -> TeamResponse:
        """OpenLab teams for challenges from a pool (see teams.py)."""
        from matcher.teams import form_teams

        encoder = self.encoder
        return form_teams(
            self._searchable(), request, encoder.encode_queries, encoder.encode_documents
        )

    def catalogue_map(self) -> dict[str, Any]:
        """The catalogue projected to 2-D, cached per index snapshot.

        After a rebuild the previous map is answered while the new one is computed in the
        background (t-SNE takes seconds); erasure clears the cache, so a map is never answered
        with an erased entity in it.
        """
        loaded = self._searchable()
        cached = self._map
        if cached is not None and cached[0] == loaded.name:
            return cached[1]
        if cached is None:
            self._map = (loaded.name, self._project(loaded))
            return self._map[1]
        with self._lock:
            start, self._mapping = not self._mapping, True
        if start:

            def project() -> None:
                try:
                    current = self._current()
                    self._map = (current.name, self._project(current))
                finally:
                    self._mapping = False

            threading.Thread(target=project, name="catalogue-map", daemon=True).start()
        return cached[1]

    def _project(self, loaded: Loaded) -> dict[str, Any]:
        from matcher.catalog_map import catalogue_map

        encoder = self.encoder
        skip = encoder.english.dim if isinstance(encoder, HybridEncoder) else 0
        return catalogue_map(loaded, skip)
