"""Dense scores of a few entities for many needs at once (the alert pass: every saved need
against the entities an ingest added). The same numbers as the retriever gives one need at a
time: each text's similarity aligned onto the need's reference scale, then the entity's best
`top_items` texts averaged; but the entities' vectors are fetched once and all needs meet them
in one matrix product per shard."""

import numpy as np

from matcher.search.calibration import MIN_STD
from matcher.search.query import Query
from matcher.search.ranking import EXACT_TOP
from matcher.search.retrieval import Retriever

CHUNK = 256  # needs per product: chunk x entities x texts stays small


def _alignment(queries: list[Query], language: str) -> tuple[np.ndarray, np.ndarray]:
    """Per need, the a, b of `align` as a * score + b for this shard."""
    a = np.ones(len(queries))
    b = np.zeros(len(queries))
    for i, query in enumerate(queries):
        scale = query.scales.get(language)
        reference = query.scales.get(query.reference)
        if scale is None or reference is None:
            continue
        if scale.std < MIN_STD or reference.std < MIN_STD:
            b[i] = reference.mean - scale.mean
        else:
            a[i] = reference.std / scale.std
            b[i] = reference.mean - scale.mean * a[i]
    return a, b


def dense_many(retriever: Retriever, queries: list[Query], entity_ids: list[str]) -> np.ndarray:
    """needs x entities: each entity's dense score for each need."""
    settings = retriever.settings
    top = settings.top_items if settings.aggregate == "topk_mean" else 1
    if settings.recency_half_life or settings.aggregate == "mean" or top >= EXACT_TOP:
        return np.vstack([retriever.score_arrays(q, entity_ids)[0] for q in queries])
    out = np.zeros((len(queries), len(entity_ids)))
    needs = np.vstack([q.vector[0] for q in queries]).astype(np.float32)
    rows = np.array([retriever.row[e] for e in entity_ids], dtype=np.int64)
    codes = retriever.language_code[rows]
    for code, language in enumerate(retriever.languages):
        picked = np.flatnonzero(codes == code)
        if not len(picked):
            continue
        mine = rows[picked]
        counts = retriever.count[mine]
        starts = np.cumsum(counts) - counts
        gather = np.arange(int(counts.sum())) + np.repeat(retriever.start[mine] - starts, counts)
        vectors = retriever.snapshot.shards[language].backend.vectors(retriever.flat[gather])
        a, b = _alignment(queries, language) if settings.calibrate else (None, None)
        width = int(counts.max())
        slots = np.minimum(starts[:, None] + np.arange(width)[None, :], len(gather) - 1)
        valid = np.arange(width)[None, :] < counts[:, None]
        taken = np.minimum(counts, top)
        for first in range(0, len(queries), CHUNK):
            sims = (needs[first : first + CHUNK] @ vectors.T).astype(np.float64)
            if a is not None and b is not None:
                sims = sims * a[first : first + CHUNK, None] + b[first : first + CHUNK, None]
            grid = np.where(valid[None], sims[:, slots], -np.inf)
            best = -np.sort(-grid, axis=2)[:, :, :top]
            best = np.where(np.isfinite(best), best, 0.0)
            out[first : first + CHUNK, picked] = best.sum(axis=2) / taken
    return out
