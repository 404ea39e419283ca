"""A need's clause vectors: encoded once, apart from the needs, and never again for a clause
that is the need itself."""

import numpy as np

from matcher.encoders.fake import FakeEncoder
from matcher.recommend import ClauseVectors


def test_only_clauses_that_are_not_needs_reach_the_encoder() -> None:
    model, batches = FakeEncoder(), []

    def encode(texts: list[str]) -> np.ndarray:
        batches.append(list(texts))
        return model.encode_queries(texts)

    needs = ["battery testbed", "recycling plant and a lab for cells"]
    known = dict(zip(needs, model.encode_queries(needs), strict=True))
    clauses = [["battery testbed"], ["recycling plant", "a lab for cells", "recycling plant"]]
    pending = ClauseVectors(encode, clauses, known)
    np.testing.assert_array_equal(pending.of(0), known["battery testbed"][None, :])
    second = pending.of(1)
    assert batches == [["recycling plant", "a lab for cells"]]
    np.testing.assert_array_equal(second, model.encode_queries(clauses[1]))
    ClauseVectors(encode, [["battery testbed"]], known).of(0)
    assert len(batches) == 1, "a one-clause need is not encoded again"
