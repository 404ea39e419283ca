"""Dense scores for many needs at once are the retriever's own, need by need."""

import numpy as np

from matcher.engine import Matcher
from matcher.search.dense_many import dense_many

NEEDS = [
    "We recycle lithium-ion batteries and need a pilot line for black mass leaching",
    "sensors for elderly care at home",
    "Vi behöver en testbädd för batteriåtervinning",
    "machine learning for fraud detection in payments",
]


def test_many_needs_at_once_score_as_one_at_a_time(engine: Matcher) -> None:
    loaded = engine.served()
    ids = sorted(loaded.retriever.positions)
    vectors = engine.encoder.encode_queries(NEEDS)
    queries = loaded.retriever.queries(NEEDS, vectors)
    together = dense_many(loaded.retriever, queries, ids)
    for row, query in enumerate(queries):
        alone = loaded.retriever.score_arrays(query, ids)[0]
        assert np.allclose(together[row], alone, atol=1e-6), NEEDS[row]
