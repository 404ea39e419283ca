"""The engine: composes the rooms below it into one object that builds store and index from a
catalogue and answers needs with ranked entities. Nothing below imports it."""

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matcher.answer import Answer
from matcher.catalogue import demo_vectors, erasure
from matcher.catalogue import ingest as ingestion
from matcher.catalogue.ingest import Catalogue, CaughtUp, Encoded, IngestReport, write_lock
from matcher.catalogue.reading import LoadedCatalogue, load_catalogues
from matcher.catalogue.store import Store, store_location
from matcher.coach.store import CoachStore
from matcher.encoders import Encoder
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.factory import cached_encoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.errors import InvalidRequestError, NotBuiltError, UnknownEntityError
from matcher.explore import neighbours
from matcher.explore.map import MapCache
from matcher.index.snapshot import snapshot_info
from matcher.recommend import NeedBatch
from matcher.schemas import (
    KINDS,
    AnyEntity,
    Kind,
    NeedRequest,
    NeighboursResponse,
    RecommendationResponse,
    is_listed,
)
from matcher.search import reranker
from matcher.search.explain import forget_texts
from matcher.search.fusion import resolved_ranking
from matcher.search.query import Query
from matcher.search.ranking import Candidate, fuse
from matcher.search.reranker import Reranker
from matcher.served import Loaded, Serving, load_served
from matcher.settings import RankingSettings, Settings
from matcher.teams.schemas import TeamRequest, TeamResponse

CONSISTENCY_CHECK_S = 5.0


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
        self._serving = Serving(self.index_dir, self._load)
        self._coach: CoachStore | None = None
        self._map: MapCache | None = None
        self._reranker = reranker.Watched(settings.models_dir / "reranker")
        self.writes = ingestion.Writes()
        self._dependants: list[erasure.Dependants] = []
        self._ingested: list[Callable[[list[str]], None]] = []
        self._checked: tuple[float, bool] | None = None
        self._repairing = threading.Lock()
        if self.store.pending_erasures():
            self.replay_erasures()

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
            settings = self.settings
            self._encoder = cached_encoder(settings.encoder, self._cache, settings.models_dir)
        return self._encoder

    @property
    def coach(self) -> CoachStore:
        """Portfolios, shortlists, shown rankings and feedback (created on first use)."""
        if self._coach is None:
            self._coach = CoachStore(self.data_dir / "coach.sqlite")
        return self._coach

    def watch_erasure(self, dependant: erasure.Dependants) -> None:
        """Also erase, with every erased entity, the rows this store keeps that name it."""
        self._dependants.append(dependant)

    def on_ingested(self, listener: Callable[[list[str]], None]) -> None:
        """Call `listener` with the ids each ingest added or changed, once they are served."""
        self._ingested.append(listener)

    def _erasure_dependants(self) -> list[erasure.Dependants]:
        return [self.coach, *self._dependants]

    # Catalogue writes: the rooms write and rebuild; the engine locks, reloads and forgets.

    def _catalogue(self) -> Catalogue:
        index = self.settings.index
        return Catalogue(self.data_dir, self.store, self.encoder, index, self.writes)

    def build(self, sources: str | list[str], progress: bool = False) -> IngestReport:
        """Make the catalogue exactly these sources: upsert them, delete the rest, reindex.

        Only new or changed texts are encoded; a failed build changes nothing.
        """
        names = [sources] if isinstance(sources, str) else sources
        demo_vectors.seed_build(names, self.encoder, self.settings)
        return self.ingest(load_catalogues(names, progress), replace=True, progress=progress)

    def ingest(
        self, loaded: LoadedCatalogue, replace: bool = False, progress: bool = False
    ) -> IngestReport:
        """Upsert validated entities by id (with `replace`, delete every other one but those
        whose row was rejected), then rebuild and load the index (see catalogue/ingest.py)."""
        started = time.perf_counter()
        misses = self.encoder.misses
        with write_lock(self.data_dir):
            dependants = self._erasure_dependants()
            written = ingestion.write(self._catalogue(), loaded, dependants, replace, progress)
            self._hide(written.plan.ids)
        report = written.report
        with write_lock(self.data_dir, "rebuild"):
            caught = self._catch_up(written.number, progress, written.known)
            report.reindexed, report.items, report.index = caught.holds, caught.items, caught.index
            written.known = ingestion.NOTHING_ENCODED  # the vectors are in the index now
            if written.plan.ids:
                report.erased = self._erase(written.plan).as_dict()
        report.encoded = self.encoder.misses - misses
        report.from_cache = max(report.items - report.encoded, 0) if report.reindexed else 0
        report.entities = self.store.count()
        report.seconds = time.perf_counter() - started
        for listener in self._ingested if report.changed and report.reindexed else []:
            listener(report.changed)
        return report

    def delete(self, entity_ids: list[str], progress: bool = False) -> erasure.Erased:
        """Erase entities: store, index, embedding cache, coach rows (see erasure.py);
        `.store` of the answer counts the ids that existed."""
        with write_lock(self.data_dir):
            plan = erasure.collect(self.store, self._erasure_dependants(), entity_ids)
            removed = self.store.write([], entity_ids, plan.journal())[1]
            mine = self.writes.count(removed > 0)
            self._hide(plan.ids)
        with write_lock(self.data_dir, "rebuild"):
            self._catch_up(mine, progress)
            erased = self._erase(plan)
        erased.store = removed
        return erased

    def _catch_up(
        self, mine: int, progress: bool, known: Encoded = ingestion.NOTHING_ENCODED
    ) -> CaughtUp:
        """Make the index hold write `mine` and serve it (holding the rebuild lock)."""
        caught = ingestion.catch_up(self._catalogue(), mine, progress, known)
        if caught.listed is not None:
            self._serving.refresh(caught.listed)
        return caught

    def _hide(self, entity_ids: list[str]) -> None:
        """Entities the store no longer lists leave every answer when the store write commits,
        not when the rebuilt index is loaded."""
        if entity_ids:
            self._serving.hide(entity_ids)
            self.drop_map()

    def index_is_current(self) -> bool:
        """Whether the current snapshot was built from exactly the store's content and model."""
        return ingestion.index_is_current(self._catalogue())

    def index_matches_store(self) -> bool:
        """Whether the served index holds what the store holds (checked at most every few
        seconds). When it does not and no write of this process explains it (a process died
        between a store write and its rebuild), a rebuild starts in the background."""
        now = time.monotonic()
        if self._checked is not None and now - self._checked[0] < CONSISTENCY_CHECK_S:
            return self._checked[1]
        owed = self.writes.written > self.writes.indexed  # a write of ours is being indexed
        unbuilt = not snapshot_info(self.index_dir)  # nothing to hold the store yet
        matches = owed or unbuilt or self.index_is_current()
        self._checked = (now, matches)
        if not matches:
            threading.Thread(target=self.repair_index, name="index-repair", daemon=True).start()
        return matches

    def repair_index(self) -> bool:
        """Rebuild the index when it does not hold the store's content; whether it rebuilt."""
        if not self._repairing.acquire(blocking=False):
            return False
        try:
            with write_lock(self.data_dir, "rebuild"):
                rebuilt = self._catch_up(0, False).listed is not None
            self._checked = None
            return rebuilt
        except NotBuiltError:
            return False
        finally:
            self._repairing.release()

    def _erase(self, plan: erasure.Plan) -> erasure.Erased:
        """Erase what a write removed (and strike it from the store's journal), and forget what
        is kept of it in memory."""
        encoders = erasure.cached_parts(self._encoder)
        dependants = self._erasure_dependants()
        erased = erasure.erase(self.store, self._cache, encoders, dependants, plan)
        forget_texts()
        self.drop_map()
        return erased

    def replay_erasures(self) -> int:
        """Carry out the erasures that committed writes still owe (the process died between a
        write and its erasure); how many there were."""
        pending = self.store.pending_erasures()
        with write_lock(self.data_dir, "rebuild"):
            for _, data in pending:
                self._erase(erasure.Plan.from_journal(data))
        return len(pending)

    def drop_map(self) -> None:
        """Forget the cached catalogue map (it may show erased entities)."""
        if self._map is not None:
            self._map.drop()

    # The served snapshot.

    def _load(self, stored: list[AnyEntity] | None = None) -> Loaded:
        """The current snapshot with the entities it serves (`stored`: the store's, when just
        read)."""
        entities = self.store.all() if stored is None else stored
        models = self.settings.models_dir
        return load_served(self.index_dir, entities, self.encoder, self.ranking, models)

    def refresh(self) -> None:
        """Load the current snapshot now and answer from it from the next request on."""
        self._serving.refresh()

    def served(self) -> Loaded:
        """The snapshot answering now, with its entities, retriever and discipline map."""
        return self._serving.searchable()

    def warm_up(self) -> None:
        """Load the models now (an English and a Swedish need), not on a user's first request."""
        self.encoder.encode_queries(["testbed for battery recycling", "testbädd för återvinning"])

    def ready(self) -> bool:
        """Whether an index is built and loadable."""
        try:
            self._serving.current()
        except NotBuiltError:
            return False
        return True

    # Reading the catalogue.

    def get(self, entity_id: str) -> AnyEntity | None:
        """A listed entity by id (researchers without consent are not listed)."""
        entity = self.store.get(entity_id)
        return entity if entity is not None and is_listed(entity) else None

    def counts(self) -> dict[str, int]:
        """Listed entities per kind (researchers without consent are not counted)."""
        return self.store.count(listed=True)

    def browse(
        self, kinds: list[Kind] | None, query: str, limit: int, offset: int
    ) -> tuple[int, list[AnyEntity]]:
        """Listed entities by kind whose name or id holds every word of the query, by name."""
        return self.store.browse(kinds or KINDS, query.split(), limit, offset)

    # Answering needs.

    def score_parts(
        self, need: str, entity_ids: list[str], lexical: bool = True
    ) -> list[Candidate]:
        """Dense and lexical scores of a need for each given indexed entity, not yet fused."""
        return self.scored(need, entity_ids, lexical)[1]

    def scored(
        self, need: str, entity_ids: list[str], lexical: bool = True
    ) -> tuple[Query, list[Candidate]]:
        """The need as the retriever sees it, and `score_parts`."""
        retriever = self.served().retriever
        vector = self.encoder.encode_queries([need])
        query = retriever.query(need, vector, lexical=lexical)
        known = [e for e in entity_ids if e in retriever.positions]
        return query, retriever.score_many(query, known)

    def score_entities(self, need: str, entity_ids: list[str]) -> dict[str, float]:
        """The engine's score of a need against each given indexed entity, without filters."""
        retriever = self.served().retriever
        ranking = retriever.settings
        pool = list(retriever.positions) if ranking.fusion == "rrf" else entity_ids
        candidates = self.score_parts(need, pool)
        fuse(candidates, ranking)
        scores = {c.entity_id: c.score for c in candidates}
        return {e: scores[e] for e in entity_ids if e in scores}

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

    def reranker(self) -> Reranker | None:
        """The learned reranker when one is trained and marked for use."""
        return self._reranker.current()

    def recommend(self, request: NeedRequest, record: bool = True) -> RecommendationResponse:
        """Partners and testbeds for one need, its aspects and a partner set covering them."""
        return self.recommend_many([request], record)[0]

    def recommend_many(
        self, requests: list[NeedRequest], record: bool = True, rerank: bool = True
    ) -> list[RecommendationResponse]:
        """Recommendations for many needs: one encoding batch and one index search per shard.

        With `record`, each need's shown ranking is kept so feedback on it can be learned from.
        """
        return [answer.response for answer in self.answers(requests, record, rerank)]

    def answers(
        self, requests: list[NeedRequest], record: bool = True, rerank: bool = True
    ) -> list[Answer]:
        """The built answers to many needs: each response with its shown ranking and how well
        each partner covers each aspect of the need."""
        tops = [self.check(request) for request in requests]
        loaded = self.served()
        learned = self.reranker() if rerank else None
        overlap = bool(self.settings.encoder.need_processes)
        batch = NeedBatch(requests, self.encoder.encode_queries, loaded.retriever, overlap)
        answers = []
        for row, top_k in enumerate(tops):
            answer = Answer(loaded, self.ranking, batch.need(row), learned)
            response = answer.build(top_k)
            if record:
                request = requests[row]
                self.coach.record_shown(
                    response.need_id, request.need, request.municipality, answer.shown
                )
            answers.append(answer)
        return answers

    def neighbours(
        self, entity_id: str, relation: str, kinds: list[Kind] | None = None, top_k: int = 10
    ) -> NeighboursResponse:
        """Entities similar to one entity, or complementing it (relation 'complements')."""
        limit = self.settings.ranking.max_top_k
        if not 1 <= top_k <= limit:
            raise InvalidRequestError(f"top_k must be between 1 and {limit}")
        loaded = self._serving.current()
        entity = loaded.entities.get(entity_id)
        if entity is None or entity_id not in loaded.retriever.positions:
            raise UnknownEntityError(f"no entity with id '{entity_id}'")
        wanted = set(kinds or KINDS)
        if relation == "similar":
            results = neighbours.similar(loaded, entity, wanted, top_k)
        else:
            encode = self.encoder.encode_queries
            results = neighbours.complements(loaded, entity, wanted, top_k, encode)
        named = "similar" if relation == "similar" else "complements"
        return NeighboursResponse(entity_id=entity_id, relation=named, results=results)

    def form_teams(self, request: TeamRequest, public: bool = False) -> TeamResponse:
        """OpenLab teams for challenges from a pool (see teams/formation.py); a `public`
        request (no API key) gets the smaller bounds of the access settings."""
        from matcher.teams.formation import TeamLimits, form_teams

        limits = TeamLimits.for_caller(self.settings.access, public)
        encoder = self.encoder
        return form_teams(
            self.served(), request, encoder.encode_queries, encoder.encode_documents, limits
        )

    def catalogue_map(self) -> dict[str, Any]:
        """The catalogue projected to 2-D, cached per index snapshot (see explore/map.py)."""
        loaded = self.served()
        if self._map is None:
            encoder = self.encoder
            self._map = MapCache(encoder.english.dim if isinstance(encoder, HybridEncoder) else 0)
        return self._map.get(loaded, self._serving.current)
