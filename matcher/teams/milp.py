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


def solve(
    problem: TeamProblem, time_limit: float, relax: frozenset[str] = frozenset()
) -> MilpResult:
    """Solve exactly (within the time limit); `relax` names rule families to leave out."""
    started = time.perf_counter()
    people, challenges = problem.shape
    x = np.arange(people * challenges).reshape(people, challenges)
    costs: list[float] = list(-problem.affinity.reshape(-1))
    rows = _Rows()
    extra = people * challenges

    uppers: list[float] = [1.0] * (people * challenges)

    def new_var(weight: float, upper: float = 1.0) -> int:
        nonlocal extra
        costs.append(-weight)
        uppers.append(upper)
        extra += 1
        return extra - 1

    for p in range(people):
        rows.add([(int(x[p, c]), 1.0) for c in range(challenges)], -np.inf, 1.0)
    disciplines: dict[str, list[int]] = {}
    organisations: dict[str, list[int]] = {}
    for p in range(people):
        for d in problem.disciplines[p]:
            disciplines.setdefault(d, []).append(p)
        organisations.setdefault(problem.organisations[p], []).append(p)
    share = None if "org_share" in relax else problem.max_org_share
    for c in range(challenges):
        low = 0 if "sizes" in relax else float(problem.min_size[c])
        members_of_c = [(int(x[p, c]), 1.0) for p in range(people)]
        rows.add(members_of_c, low, float(problem.max_size[c]))
        size = new_var(0.0, upper=np.inf)
        rows.add([*members_of_c, (size, -1.0)], 0.0, 0.0)
        ys = []
        for members in disciplines.values():
            y = new_var(DISCIPLINE_WEIGHT)
            ys.append(y)
            rows.add([(y, 1.0)] + [(int(x[p, c]), -1.0) for p in members], -np.inf, 0.0)
        for members in organisations.values():
            w = new_var(ORG_WEIGHT)
            from_o = [(int(x[p, c]), 1.0) for p in members]
            rows.add([(w, 1.0)] + [(col, -1.0) for col, _ in from_o], -np.inf, 0.0)
            if share is not None and len(members) > share * low:
                rows.add([*from_o, (size, -share)], -np.inf, 0.0)
        for s in range(len(problem.skills[c])):
            z = new_var(SKILL_WEIGHT)
            holders = np.flatnonzero(problem.has_skill[c][:, s])
            rows.add([(z, 1.0)] + [(int(x[p, c]), -1.0) for p in holders], -np.inf, 0.0)
        if problem.min_disciplines and "disciplines" not in relax:
            rows.add([(y, 1.0) for y in ys], float(problem.min_disciplines), np.inf)
    if "together" not in relax:
        for a, b in problem.together:
            for c in range(challenges):
                rows.add([(int(x[a, c]), 1.0), (int(x[b, c]), -1.0)], 0.0, 0.0)
    if "apart" not in relax:
        for a, b in problem.apart:
            for c in range(challenges):
                rows.add([(int(x[a, c]), 1.0), (int(x[b, c]), 1.0)], -np.inf, 1.0)

    integrality = np.zeros(extra)
    integrality[: people * challenges] = 1
    result = milp(
        np.array(costs),
        constraints=rows.constraint(extra),
        integrality=integrality,
        bounds=Bounds(np.zeros(extra), np.array(uppers)),
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
