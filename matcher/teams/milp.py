"""The exact solver: team formation as a mixed-integer programme solved by HiGHS.

Variables: x[p, c] in {0, 1} (person p in challenge c's team) and, per team, continuous
y[d, c], w[o, c], z[s, c] in [0, 1] for each discipline, organisation and required skill,
each bounded by the number of team members who bring it; maximising pushes them to 1 exactly
when someone brings it, so they count distinct disciplines, organisations and covered skills.

Rows: each person in at most one team; team sizes within bounds; at most max_org_share of a
team from one organisation (count_o - share * size <= 0); at least min_disciplines
y-variables per team; x[a, c] = x[b, c] for pairs that must be together;
x[a, c] + x[b, c] <= 1 for pairs that must be apart.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from matcher.teams.problem import (
    DISCIPLINE_WEIGHT,
    ORG_WEIGHT,
    SKILL_WEIGHT,
    Assignment,
    TeamProblem,
)


@dataclass
class MilpResult:
    """What HiGHS found: an assignment (None when none), whether it is proven optimal, the gap."""

    assignment: Assignment | None
    status: str  # optimal | time_limit | infeasible | error
    gap: float | None
    seconds: float
    message: str


class _Rows:
    """Sparse constraint rows collected one at a time."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, entries: list[tuple[int, float]], lower: float, upper: float) -> None:
        row = len(self.lower)
        for col, val in entries:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.lower.append(lower)
        self.upper.append(upper)

    def constraint(self, size: int) -> LinearConstraint:
        matrix = coo_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.lower), size))
        return LinearConstraint(matrix.tocsr(), np.array(self.lower), np.array(self.upper))


class _Programme:
    """The programme's variables (cost and upper bound each) and rows, added one at a time;
    the x-variables come first, one per person and challenge."""

    def __init__(self, problem: TeamProblem) -> None:
        people, challenges = problem.shape
        self.x = np.arange(people * challenges).reshape(people, challenges)
        self.costs: list[float] = list(-problem.affinity.reshape(-1))
        self.uppers: list[float] = [1.0] * (people * challenges)
        self.rows = _Rows()

    def new_var(self, weight: float, upper: float = 1.0) -> int:
        """A continuous variable worth `weight` in the objective."""
        self.costs.append(-weight)
        self.uppers.append(upper)
        return len(self.costs) - 1

    def members(self, people: Sequence[int] | np.ndarray, c: int) -> list[tuple[int, float]]:
        """x[p, c] of these people, each with coefficient 1."""
        return [(int(self.x[p, c]), 1.0) for p in people]


def _groups(problem: TeamProblem) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """The people of each discipline and of each organisation."""
    disciplines: dict[str, list[int]] = {}
    organisations: dict[str, list[int]] = {}
    for p in range(problem.shape[0]):
        for d in problem.disciplines[p]:
            disciplines.setdefault(d, []).append(p)
        organisations.setdefault(problem.organisations[p], []).append(p)
    return disciplines, organisations


def _team_rows(programme: _Programme, problem: TeamProblem, c: int, relax: frozenset[str]) -> None:
    """Challenge c's team: its size, and what counts its disciplines, organisations and
    skills."""
    rows, people = programme.rows, range(problem.shape[0])
    disciplines, organisations = _groups(problem)
    share = None if "org_share" in relax else problem.max_org_share
    low = 0 if "sizes" in relax else float(problem.min_size[c])
    members_of_c = programme.members(people, c)
    rows.add(members_of_c, low, float(problem.max_size[c]))
    size = programme.new_var(0.0, upper=np.inf)
    rows.add([*members_of_c, (size, -1.0)], 0.0, 0.0)
    ys = []
    for members in disciplines.values():
        y = programme.new_var(DISCIPLINE_WEIGHT)
        ys.append(y)
        rows.add(
            [(y, 1.0)] + [(col, -1.0) for col, _ in programme.members(members, c)], -np.inf, 0.0
        )
    for members in organisations.values():
        w = programme.new_var(ORG_WEIGHT)
        from_o = programme.members(members, c)
        rows.add([(w, 1.0)] + [(col, -1.0) for col, _ in from_o], -np.inf, 0.0)
        if share is not None and len(members) > share * low:
            rows.add([*from_o, (size, -share)], -np.inf, 0.0)
    for s in range(len(problem.skills[c])):
        z = programme.new_var(SKILL_WEIGHT)
        holders = np.flatnonzero(problem.has_skill[c][:, s])
        rows.add(
            [(z, 1.0)] + [(col, -1.0) for col, _ in programme.members(holders, c)], -np.inf, 0.0
        )
    if problem.min_disciplines and "disciplines" not in relax:
        rows.add([(y, 1.0) for y in ys], float(problem.min_disciplines), np.inf)


def _pair_rows(programme: _Programme, problem: TeamProblem, relax: frozenset[str]) -> None:
    """Pairs that must be in the same team, and pairs that must not."""
    x, challenges = programme.x, problem.shape[1]
    if "together" not in relax:
        for a, b in problem.together:
            for c in range(challenges):
                programme.rows.add([(int(x[a, c]), 1.0), (int(x[b, c]), -1.0)], 0.0, 0.0)
    if "apart" not in relax:
        for a, b in problem.apart:
            for c in range(challenges):
                programme.rows.add([(int(x[a, c]), 1.0), (int(x[b, c]), 1.0)], -np.inf, 1.0)


def solve(
    problem: TeamProblem, time_limit: float, relax: frozenset[str] = frozenset()
) -> MilpResult:
    """Solve exactly (within the time limit); `relax` names rule families to leave out."""
    started = time.perf_counter()
    people, challenges = problem.shape
    programme = _Programme(problem)
    for p in range(people):
        programme.rows.add([(int(programme.x[p, c]), 1.0) for c in range(challenges)], -np.inf, 1.0)
    for c in range(challenges):
        _team_rows(programme, problem, c, relax)
    _pair_rows(programme, problem, relax)
    extra = len(programme.costs)
    integrality = np.zeros(extra)
    integrality[: people * challenges] = 1
    result = milp(
        np.array(programme.costs),
        constraints=programme.rows.constraint(extra),
        integrality=integrality,
        bounds=Bounds(np.zeros(extra), np.array(programme.uppers)),
        options={"time_limit": time_limit, "disp": False, "mip_rel_gap": 1e-6},
    )
    seconds = time.perf_counter() - started
    if result.status == 2:
        return MilpResult(None, "infeasible", None, seconds, str(result.message))
    if result.x is None:
        status = "time_limit" if result.status == 1 else "error"
        return MilpResult(None, status, None, seconds, str(result.message))
    chosen = result.x[: people * challenges].reshape(people, challenges) > 0.5
    teams = [sorted(np.flatnonzero(chosen[:, c]).tolist()) for c in range(challenges)]
    gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    status = "optimal" if result.status == 0 else "time_limit"
    return MilpResult(Assignment(teams), status, gap, seconds, str(result.message))
