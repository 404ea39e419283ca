"""A batch of needs carried through retrieval, ready to be answered one by one (answer.py).

For each need the batch works out once: its clauses, its vector (one encoding call for the
whole batch), its query (vector, lexical matches, scale per language shard) and its first
candidate pool (one index search per shard for the whole batch). The clauses' vectors are
encoded on a helper thread meanwhile, since ranking needs only the needs' own vectors.
"""

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from matcher.encoders.base import Encode
from matcher.needs.aspects import segments
from matcher.schemas import NeedRequest
from matcher.search.query import Query
from matcher.search.retrieval import Retriever

NEED_ENCODING = ThreadPoolExecutor(4, thread_name_prefix="needs")
CLAUSE_ENCODING = ThreadPoolExecutor(4, thread_name_prefix="clauses")


def need_id(text: str) -> str:
    """A stable id for a need text."""
    return "need:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class ClauseVectors:
    """The clause vectors of a batch of needs, encoded on a helper thread while the caller
    goes on: candidate search and ranking need only the needs' own vectors, and the models
    (on their own thread) and the ranking (on the caller's) then use both cores."""

    def __init__(
        self, encode: Encode, clauses: list[list[str]], known: dict[str, np.ndarray]
    ) -> None:
        """`known`: vectors of texts encoded already (the needs: a one-clause need's clause is
        the need itself)."""
        self._clauses = clauses
        todo = list(dict.fromkeys(c for own in clauses for c in own if c not in known))
        self._vectors = dict(known)
        self._future = CLAUSE_ENCODING.submit(encode, todo) if todo else None
        self._todo = todo

    def of(self, row: int) -> np.ndarray:
        """The clause vectors of need `row`, in clause order (waits for the encoding)."""
        if self._future is not None:
            self._vectors |= zip(self._todo, self._future.result(), strict=True)
            self._future = None
        return np.stack([self._vectors[clause] for clause in self._clauses[row]])


@dataclass
class PreparedNeed:
    """One need of a batch as retrieval left it: what an Answer starts from."""

    request: NeedRequest
    clauses: list[str]
    query: Query
    initial: list[str]
    clause_vectors: Callable[[], np.ndarray]


class NeedBatch:
    """Needs carried through retrieval together: clauses, vectors, queries, first candidates."""

    def __init__(
        self,
        requests: list[NeedRequest],
        encode: Encode,
        retriever: Retriever,
        overlap: bool = False,
    ) -> None:
        """`overlap`: a single need's lexical matches are found while its vector is encoded
        (worth it where the models run in their own processes)."""
        self.requests = requests
        self.clauses = [segments(request.need) for request in requests]
        texts = [request.need for request in requests]
        if overlap and len(requests) == 1:
            encoding = NEED_ENCODING.submit(encode, texts)
            retriever.match_ahead(texts + [c for own in self.clauses for c in own])
            vectors = encoding.result()
        else:
            vectors = encode(texts)
        known = {text: vectors[row] for row, text in enumerate(texts)}
        self._clause_vectors = ClauseVectors(encode, self.clauses, known)
        self.queries = [
            retriever.query(text, vectors[row : row + 1]) for row, text in enumerate(texts)
        ]
        limit = retriever.settings.candidate_items
        ks = {language: min(limit, n) for language, n in retriever.sizes.items()}
        self.initial = retriever.candidates_many(self.queries, ks)

    def __len__(self) -> int:
        return len(self.requests)

    def need(self, row: int) -> PreparedNeed:
        """Need `row` of the batch, ready to be answered."""
        return PreparedNeed(
            self.requests[row],
            self.clauses[row],
            self.queries[row],
            self.initial[row],
            lambda: self._clause_vectors.of(row),
        )
