"""A need as the retriever sees it (vector, lexical matches, scale per language shard, and what
was found and scored for it so far), and entities scored for it as arrays."""

from dataclasses import dataclass, field

import numpy as np

from matcher.search.calibration import Scale
from matcher.search.ranking import Candidate

NO_MATCH = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)


@dataclass
class Query:
    """A need as the retriever sees it: vector, lexical matches, scale per shard.

    `matched` are the lexical-index positions of the entities sharing a term with the need
    (ascending) and `lexical` their normalised BM25 scores; every other entity scores 0.
    A query also keeps what was found and scored for it, so the stages of one request that
    ask again (a one-clause need is its own clause) do not search or score twice: `scored`
    holds candidates, `batched` the entities scored as arrays whose candidates are not made yet.
    """

    vector: np.ndarray
    matched: np.ndarray
    lexical: np.ndarray
    scales: dict[str, Scale]
    reference: str
    found: dict[tuple[tuple[str, int], ...], list[str]] = field(default_factory=dict)
    scored: dict[str, Candidate] = field(default_factory=dict)
    batched: dict[str, tuple["Scored", int]] = field(default_factory=dict)

    @property
    def spread(self) -> float:
        """Spread of the need's similarities on the common (reference) scale."""
        return self.scales[self.reference].std if self.scales else 0.0

    def lexical_at(self, positions: np.ndarray) -> np.ndarray:
        """Lexical scores at lexical-index positions (-1 or unmatched: 0)."""
        if not len(self.matched):
            return np.zeros(len(positions), dtype=np.float64)
        where = np.minimum(np.searchsorted(self.matched, positions), len(self.matched) - 1)
        hit = self.matched[where] == positions
        return np.where(hit, self.lexical[where], 0.0).astype(np.float64)

    def lexical_best(self, k: int) -> np.ndarray:
        """Lexical-index positions of the k best lexical matches, best first (ties: position).

        Only the matches at or above the k-th best score are sorted, not all of them."""
        scores = self.lexical
        if k <= 0 or not len(scores):
            return self.matched[:0]
        taken = np.arange(len(scores))
        if len(scores) > k:
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            taken = np.flatnonzero(scores >= kth)
        best = taken[np.argsort(-scores[taken], kind="stable")][:k]
        return self.matched[best]


@dataclass
class Scored:
    """Entities scored for one query as arrays, in the order asked for; an entity's Candidate
    is made only when asked for, since most scored entities are ranked and never shown.

    Entity row r's texts are places[starts[r] : starts[r] + counts[r]], best first, with
    their aligned similarities in sims."""

    ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    spread: float
    places: np.ndarray
    sims: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    def candidate(self, row: int) -> Candidate:
        """The candidate of entity row `row`."""
        start, end = int(self.starts[row]), int(self.starts[row] + self.counts[row])
        return Candidate(
            self.ids[row],
            dense=float(self.dense[row]),
            lexical=float(self.lexical[row]),
            spread=self.spread,
            places=self.places[start:end],
            sims=self.sims[start:end],
        )
