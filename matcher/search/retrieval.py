"""Candidate retrieval (dense shards and lexical index) and exact scoring of each candidate.

Per request, work follows the candidates, not the catalogue: the lexical index returns only
the entities that share a term with the need, and candidates are scored with array operations
over their texts.
"""

import functools
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from matcher.index.snapshot import Snapshot
from matcher.search.calibration import align, reference_language, shard_scales
from matcher.search.query import NO_MATCH, Query, Scored
from matcher.search.ranking import Candidate, aggregate, aggregate_groups, fused
from matcher.settings import RankingSettings
from matcher.text import guess_language

RECENT_QUERIES = 32
SHARD_SEARCH = ThreadPoolExecutor(4, thread_name_prefix="shards")
# From this many texts on, a batch's shards are scored at the same time (FAISS and NumPy let
# go of the GIL); below it, handing work to another thread costs more than it saves.
PARALLEL_TEXTS = 2000
T = TypeVar("T")


def on_shards(calls: list[tuple[str, Callable[[], T]]], together: bool = True) -> dict[str, T]:
    """Each shard's call and its result, in the order given. `together`: all but the first run
    on SHARD_SEARCH while the caller runs the first (FAISS and NumPy let go of the GIL)."""
    pending = {name: SHARD_SEARCH.submit(call) for name, call in calls[1:]} if together else {}
    return {name: pending[name].result() if name in pending else call() for name, call in calls}


class Retriever:
    """Finds candidate entities through their best texts, then scores all of their texts."""

    def __init__(self, snapshot: Snapshot, settings: RankingSettings) -> None:
        self.snapshot = snapshot
        self.settings = settings
        grouped: dict[str, list[int]] = defaultdict(list)
        for position, item in enumerate(snapshot.items):
            grouped[item.entity_id].append(position)
        self.positions = {e: np.array(p, dtype=np.int64) for e, p in grouped.items()}
        self.sizes = {language: len(s.backend) for language, s in snapshot.shards.items()}
        self.item_entity = np.array([item.entity_id for item in snapshot.items], dtype=object)
        # Every entity's item positions as one array, so a set of entities gathers its texts
        # with array operations: entity row r owns flat[start[r] : start[r] + count[r]].
        self.row = {e: r for r, e in enumerate(self.positions)}
        self.count = np.array([len(p) for p in self.positions.values()], dtype=np.int64)
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]]).astype(np.int64)
        self.flat = np.concatenate(list(self.positions.values())) if self.positions else NO_MATCH[0]
        language = [snapshot.items[int(p[0])].language for p in self.positions.values()]
        self.languages = list(dict.fromkeys(language))
        code = {name: c for c, name in enumerate(self.languages)}
        self.language_code = np.array([code[name] for name in language], np.int64)
        where = snapshot.lexical.position
        self.lexical_rows = np.array([where.get(e, -1) for e in self.positions], np.int64)
        self._recent: OrderedDict[tuple[str, bool, bytes], Query] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._lexical: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def match_ahead(self, texts: Sequence[str]) -> None:
        """Find the texts' lexical matches now (they need no vector), for `queries` to take:
        a request does this while its models encode the need in their own processes."""
        found = {text: self.snapshot.lexical.matches(text) for text in dict.fromkeys(texts)}
        with self._recent_lock:
            self._lexical.update(found)
            while len(self._lexical) > RECENT_QUERIES:
                self._lexical.popitem(last=False)

    def _matches(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A text's lexical matches, found ahead (and taken) or now."""
        with self._recent_lock:
            found = self._lexical.pop(text, None)
        return self.snapshot.lexical.matches(text) if found is None else found

    def query(self, need: str, vector: np.ndarray, lexical: bool = False) -> Query:
        """Prepare a need: its vector and, where lexical matching is used, its BM25 matches."""
        return self.queries([need], vector, lexical)[0]

    def queries(
        self, texts: Sequence[str], vectors: np.ndarray, lexical: bool = False
    ) -> list[Query]:
        """`query` for many texts (rows of `vectors`): one product per shard for all scales.

        A recent query with the same text and vector is returned as it is, with what was
        already found and scored for it."""
        if not len(texts):
            return []
        weight = self.settings.lexical_weight or 0.0
        use_lexical = lexical or weight > 0 or self.settings.fusion != "convex"
        keys = [(text, use_lexical, vectors[row].tobytes()) for row, text in enumerate(texts)]
        with self._recent_lock:
            out = [self._recent.get(key) for key in keys]
        missing = [row for row, query in enumerate(out) if query is None]
        if missing:
            per_shard = {
                language: shard_scales(vectors[missing], shard.mean, shard.sample)
                for language, shard in self.snapshot.shards.items()
            }
            for at, row in enumerate(missing):
                text = texts[row]
                scales = {language: found[at] for language, found in per_shard.items()}
                reference = reference_language(scales, guess_language(text), self.sizes)
                matched, scores = self._matches(text) if use_lexical else NO_MATCH
                out[row] = Query(vectors[row : row + 1], matched, scores, scales, reference)
        with self._recent_lock:
            for key, query in zip(keys, out, strict=True):
                self._recent[key] = query  # type: ignore[assignment]
                self._recent.move_to_end(key)
            while len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return out  # type: ignore[return-value]

    def _align(self, scores: np.ndarray, query: Query, language: str) -> np.ndarray:
        if not self.settings.calibrate:
            return scores
        return align(scores, query.scales[language], query.scales[query.reference])

    def candidates(self, query: Query, ks: dict[str, int]) -> list[str]:
        """Entities with a text among each shard's top-k, then the best lexical matches."""
        return self.candidates_many([query], ks)[0]

    def candidates_many(self, queries: list[Query], ks: dict[str, int]) -> list[list[str]]:
        """`candidates` for many queries with one index search per shard (for the queries
        that were not searched with these k before)."""
        key = tuple(sorted(ks.items()))
        todo = list({id(q): q for q in queries if key not in q.found}.values())
        if todo:
            for query, found in zip(todo, self._search(todo, ks), strict=True):
                query.found[key] = found
        return [query.found[key] for query in queries]

    def _search(self, queries: list[Query], ks: dict[str, int]) -> list[list[str]]:
        matrix = np.vstack([q.vector for q in queries])
        found = on_shards(
            [
                (language, functools.partial(shard.backend.search, matrix, ks[language]))
                for language, shard in self.snapshot.shards.items()
            ]
        )
        lexical_ids = self.snapshot.lexical.entity_ids
        owner = self.item_entity
        out = []
        for row, query in enumerate(queries):
            scores: list[np.ndarray] = []
            entities: list[str] = []
            for language, (values, ids) in found.items():
                valid = ids[row] >= 0
                scores.append(self._align(values[row][valid].astype(np.float64), query, language))
                entities.extend(owner[ids[row][valid]].tolist())
            joined = np.concatenate(scores) if scores else np.zeros(0)
            dense = [entities[i] for i in np.argsort(-joined, kind="stable").tolist()]
            best = query.lexical_best(max(ks.values(), default=0)).tolist()
            out.append(list(dict.fromkeys(dense + [lexical_ids[i] for i in best])))
        return out

    def best(self, query: Query, per_shard: int, keep: Callable[[str], bool]) -> list[Candidate]:
        """The kept candidates (up to `per_shard` texts from each shard), scored and fused,
        best first (ties by id)."""
        return self.best_many([query], per_shard, keep)[0]

    def best_many(
        self,
        queries: list[Query],
        per_shard: int,
        keep: Callable[[str], bool],
        limit: int | None = None,
    ) -> list[list[Candidate]]:
        """`best` for many queries with one index search per shard. With a `limit`, only the
        first `limit` of each list are made candidates; the rest are scored and fused as
        arrays, which is all their order needs."""
        ks = {language: min(per_shard, size) for language, size in self.sizes.items()}
        out = []
        for query, found in zip(queries, self.candidates_many(queries, ks), strict=True):
            kept = [e for e in found if keep(e)]
            _, _, score, order = self.fused_order(query, kept)
            out.append(self.candidates_at(query, kept, order[:limit].tolist(), score))
        return out

    def fused_order(
        self, query: Query, entity_ids: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The entities' dense, lexical and fused scores (as arrays, in the order given) and
        the order of their rows, best first (ties by id)."""
        dense, lexical = self.score_arrays(query, entity_ids)
        score = fused(dense, lexical, query.spread, self.settings)
        ids = np.array(entity_ids, dtype=str)
        order = np.lexsort((ids, -score)) if entity_ids else np.zeros(0, dtype=np.int64)
        return dense, lexical, score, order

    def candidates_at(
        self, query: Query, entity_ids: list[str], rows: list[int], score: np.ndarray
    ) -> list[Candidate]:
        """Candidates for the entities at these rows, with their fused scores (`score` by row)."""
        candidates = self.score_many(query, [entity_ids[row] for row in rows])
        for candidate, row in zip(candidates, rows, strict=True):
            candidate.score = float(score[row])
        return candidates

    def score_many(self, query: Query, entity_ids: list[str]) -> list[Candidate]:
        """Exact dense similarity to every text of each entity, aggregated, with its lexical
        score: one vector fetch and product per shard, array operations per entity.

        Entities scored for this query before are taken from it; every caller gets its own
        copies (fusion sets their scores)."""
        self._score_missing(query, entity_ids)
        known, batched = query.scored, query.batched
        for entity_id in entity_ids:
            if entity_id not in known:
                batch, row = batched[entity_id]
                known[entity_id] = batch.candidate(row)
        return [known[e].fresh() for e in entity_ids]

    def score_arrays(self, query: Query, entity_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The dense and lexical scores of each entity (as `score_many` gives them), as arrays,
        without making a Candidate per entity."""
        fresh = self._score_missing(query, entity_ids)
        if fresh is not None and fresh.ids == entity_ids:
            return fresh.dense, fresh.lexical
        known, batched = query.scored, query.batched
        dense, lexical = [], []
        for entity_id in entity_ids:
            candidate = known.get(entity_id)
            if candidate is not None:
                dense.append(candidate.dense)
                lexical.append(candidate.lexical)
            else:
                batch, row = batched[entity_id]
                dense.append(float(batch.dense[row]))
                lexical.append(float(batch.lexical[row]))
        return np.array(dense, dtype=np.float64), np.array(lexical, dtype=np.float64)

    def _score_missing(self, query: Query, entity_ids: list[str]) -> Scored | None:
        """Score the entities not scored for this query yet, as one batch (None: none were new)."""
        known, batched = query.scored, query.batched
        new = [e for e in dict.fromkeys(entity_ids) if e not in known and e not in batched]
        if not new:
            return None
        batch = self._score_new(query, new)
        batched.update({entity_id: (batch, row) for row, entity_id in enumerate(new)})
        return batch

    def _score_new(self, query: Query, entity_ids: list[str]) -> Scored:
        """Score entities by their texts, shard by shard (at once for a large batch)."""
        rows = np.array(list(map(self.row.__getitem__, entity_ids)), dtype=np.int64)
        codes = self.language_code[rows]
        dense = np.zeros(len(entity_ids), dtype=np.float64)
        lexical = np.zeros(len(entity_ids), dtype=np.float64)
        starts = np.zeros(len(entity_ids), dtype=np.int64)
        counts = self.count[rows]
        places: list[np.ndarray] = []
        sims: list[np.ndarray] = []
        offset = 0
        shards = [(lang, np.flatnonzero(codes == code)) for code, lang in enumerate(self.languages)]
        shards = [(language, picked) for language, picked in shards if len(picked)]
        parts = on_shards(
            [
                (language, functools.partial(self._score_shard, query, language, rows[picked]))
                for language, picked in shards
            ],
            together=int(counts.sum()) >= PARALLEL_TEXTS,
        )
        for language, picked in shards:
            part = parts[language]
            dense[picked], lexical[picked] = part.dense, part.lexical
            starts[picked] = part.starts + offset
            places.append(part.places)
            sims.append(part.sims)
            offset += len(part.places)
        return Scored(
            entity_ids,
            dense,
            lexical,
            query.spread,
            np.concatenate(places) if places else NO_MATCH[0],
            np.concatenate(sims) if sims else np.zeros(0, dtype=np.float64),
            starts,
            counts,
        )

    def _score_shard(self, query: Query, language: str, rows: np.ndarray) -> Scored:
        """Entities (`rows`) whose texts are all in one language's shard, scored (ids unset)."""
        counts = self.count[rows]
        starts = np.cumsum(counts) - counts  # where each entity's run begins in the gathered texts
        gather = np.arange(int(counts.sum())) + np.repeat(self.start[rows] - starts, counts)
        positions = self.flat[gather]
        vectors = self.snapshot.shards[language].backend.vectors(positions)
        sims = self._align((vectors @ query.vector[0]).astype(np.float64), query, language)
        order = np.lexsort((-sims, np.repeat(np.arange(len(rows)), counts)))  # ties: item order
        ranked, places = sims[order], positions[order]
        years = None
        if self.settings.recency_half_life:
            items = self.snapshot.items
            spans = zip(starts.tolist(), counts.tolist(), strict=True)
            years = [[items[p].year for p in places[s : s + n].tolist()] for s, n in spans]
        dense = aggregate_groups(ranked, starts, counts, years, self.settings)
        lexical = query.lexical_at(self.lexical_rows[rows])
        return Scored([], dense, lexical, query.spread, places, ranked, starts, counts)

    def score_vectors(self, query: Query, vectors: np.ndarray, language: str) -> float:
        """The aggregated dense score of texts outside the index, as if they were in `language`'s
        shard (aligned like that shard's texts)."""
        sims = (vectors @ query.vector[0]).astype(np.float64)
        if language in query.scales:
            sims = self._align(sims, query, language)
        return aggregate(sorted(sims.tolist(), reverse=True), [None] * len(sims), self.settings)

    def score(self, query: Query, entity_id: str) -> Candidate:
        """Exact dense similarity to every text of an entity, aggregated, with its lexical score."""
        return self.score_many(query, [entity_id])[0]
