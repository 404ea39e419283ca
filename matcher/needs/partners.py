"""Choosing a partner set: a few entities that together cover a need's aspects.

The set S maximises, greedily, the objective

    F(S) = sum_a  w_a * max_{e in S} cover(e, a)          (aspect coverage)
         + DISCIPLINE_GAIN * |disciplines(S)|              (discipline diversity)
         + KIND_GAIN * |kinds(S)|                          (companies and researchers mixed)
         + RELEVANCE_GAIN * sum_{e in S} relevance(e)      (fit to the whole need)

where cover(e, a) in [0, 1] is how well e matches aspect a, relative to the other candidates,
times how well its disciplines fit the aspect's discipline; relevance(e) in [0, 1] is its
score for the whole need relative to the candidates; w_a = 1 / number of aspects. Coverage is
a weighted maximum coverage (facility location) term, the discipline and kind terms are
coverage counts and relevance is modular, so F is monotone submodular and greedy maximisation
is within 1 - 1/e of the best set of its size.

Two rules keep the set useful rather than merely varied. A candidate's disciplines and kind
count only when it also raises the coverage of some aspect (variety alone does not earn a
place; this departs from plain greedy on F, so the bound is no longer guaranteed, though a
test finds it holding on random cases), and past `min_size` a member joins only while it
adds at least MIN_GAIN of coverage and variety, up to `max_size`. A relevance budget keeps
the set on the need: the members' mean score for the whole need may not fall below
RELEVANCE_FLOOR times the mean of the plain top-5 list, so coverage is bought with
specialists only while the set stays about as relevant as the list a user would otherwise
read. Each member is credited with the aspect it raised most when it joined, and a candidate
that covers none of the aspects never joins (no passengers).
"""

from dataclasses import dataclass

import numpy as np

DISCIPLINE_GAIN = 0.06
KIND_GAIN = 0.05
RELEVANCE_GAIN = 0.25
MIN_GAIN = 0.08
RELEVANCE_FLOOR = 0.92
PLAIN_LIST = 5


@dataclass(frozen=True)
class Pick:
    """A chosen member: its row among the candidates, the aspect it covers, what it adds."""

    row: int
    aspect: int | None
    new_disciplines: tuple[str, ...]
    gain: float


def choose(
    cover: np.ndarray,
    relevance: np.ndarray,
    disciplines: list[list[str]],
    kinds: list[str],
    min_size: int = 3,
    max_size: int = 6,
    scores: np.ndarray | None = None,
    floor: float | None = None,
) -> list[Pick]:
    """Greedy maximisation of the partner-set objective over candidate rows.

    With `scores` and `floor`, a row may join only while the members' mean score stays at or
    above the floor (the relevance budget); when no row fits, the best-scoring one is taken
    until the set reaches `min_size`.
    """
    n, aspects = cover.shape
    weight = 1.0 / max(aspects, 1)
    covered = np.zeros(aspects)
    seen_disciplines: set[str] = set()
    seen_kinds: set[str] = set()
    picks: list[Pick] = []
    # a candidate that matches none of the need's aspects is never a member (no passengers)
    pool = {r for r in range(n) if not aspects or cover[r].max() > 0}
    while pool and len(picks) < max_size:
        best_row, best_gain, best_raise, best_adds = -1, -np.inf, np.zeros(aspects), 0.0
        total = sum(float(scores[p.row]) for p in picks) if scores is not None else 0.0
        for row in sorted(pool):
            if scores is not None and floor is not None:
                if (total + float(scores[row])) / (len(picks) + 1) < floor:
                    continue
            raised = np.maximum(cover[row] - covered, 0.0)
            coverage = weight * float(raised.sum())
            variety = DISCIPLINE_GAIN * len(
                set(disciplines[row]) - seen_disciplines
            ) + KIND_GAIN * (kinds[row] not in seen_kinds)
            adds = coverage + (variety if coverage > 0 or not aspects else 0.0)
            gain = adds + RELEVANCE_GAIN * float(relevance[row])
            if gain > best_gain:
                best_row, best_gain, best_raise, best_adds = row, gain, raised, adds
        if best_row < 0:
            if len(picks) >= min_size or scores is None:
                break
            best_row = max(pool, key=lambda r: (float(scores[r]), -r))
            best_raise = np.maximum(cover[best_row] - covered, 0.0)
            best_gain = 0.0
        elif len(picks) >= min_size and best_adds < MIN_GAIN:
            break
        aspect = int(np.argmax(best_raise)) if aspects and best_raise.max() > 0 else None
        if aspect is None and aspects and cover[best_row].max() > 0:
            aspect = int(np.argmax(cover[best_row]))
        new = tuple(sorted(set(disciplines[best_row]) - seen_disciplines))
        picks.append(Pick(best_row, aspect, new, round(best_gain, 4)))
        covered = np.maximum(covered, cover[best_row])
        seen_disciplines.update(disciplines[best_row])
        seen_kinds.add(kinds[best_row])
        pool.remove(best_row)
    return picks


def objective(
    rows: list[int],
    cover: np.ndarray,
    relevance: np.ndarray,
    disciplines: list[list[str]],
    kinds: list[str],
) -> float:
    """F(S) for a given set of candidate rows (to compare sets, e.g. with the plain top list)."""
    if not rows:
        return 0.0
    aspects = cover.shape[1]
    coverage = float(cover[rows].max(axis=0).sum()) / max(aspects, 1) if aspects else 0.0
    return (
        coverage
        + DISCIPLINE_GAIN * len({d for r in rows for d in disciplines[r]})
        + KIND_GAIN * len({kinds[r] for r in rows})
        + RELEVANCE_GAIN * float(relevance[rows].sum())
    )


def relative(values: np.ndarray, floor: float | None = None) -> np.ndarray:
    """Scores as shares of the way from a floor (default: their median) to the best one."""
    if len(values) == 0:
        return values
    low = float(np.median(values)) if floor is None else floor
    high = float(values.max())
    if high - low < 1e-9:
        return np.where(values >= high, 1.0, 0.0)
    return np.clip((values - low) / (high - low), 0.0, 1.0)
