"""Random problems: the exact solver against enumeration; greedy never better."""

import itertools

import numpy as np
import pytest

from matcher.teams import formation as teams
from matcher.teams import greedy as team_greedy
from matcher.teams import milp as team_milp
from matcher.teams.checks import TeamInfeasibleError, check
from matcher.teams.problem import TeamProblem, score, violations
from tests.support.teams import (
    AFFINITY,
    brute_force,
    medium_problem,
    problem,
)


def tiny_problem(seed: int, people: int = 7, challenges: int = 2) -> TeamProblem:
    rng = np.random.default_rng(seed)
    pairs = list(itertools.combinations(range(people), 2))
    order = rng.permutation(len(pairs))
    n_together, n_apart = int(rng.integers(0, 2)), int(rng.integers(0, 3))
    skills = [[f"s{c}{k}" for k in range(int(rng.integers(0, 3)))] for c in range(challenges)]
    low = rng.integers(1, 3, challenges)
    return TeamProblem(
        people=[f"p{i}" for i in range(people)],
        challenges=[f"c{j}" for j in range(challenges)],
        affinity=np.round(rng.random((people, challenges)), 3),
        skills=skills,
        has_skill=[rng.random((people, len(s))) < 0.3 for s in skills],
        disciplines=[
            sorted({f"d{rng.integers(4)}" for _ in range(int(rng.integers(1, 3)))})
            for _ in range(people)
        ],
        organisations=[f"o{rng.integers(3)}" for _ in range(people)],
        min_size=low,
        max_size=low + rng.integers(0, 3, challenges),
        max_org_share=[None, 0.34, 0.5, 0.67][int(rng.integers(4))],
        min_disciplines=int(rng.integers(0, 3)),
        together=[pairs[i] for i in order[:n_together]],
        apart=[pairs[i] for i in order[n_together : n_together + n_apart]],
    )


@pytest.mark.parametrize("seed", range(30))
def test_exact_solver_matches_enumeration_and_greedy_never_beats_it(seed: int) -> None:
    pr = tiny_problem(seed)
    best = brute_force(pr)
    exact = team_milp.solve(pr, time_limit=10)
    greedy = team_greedy.solve(pr)
    broken = violations(pr, greedy)
    if best is None:
        assert exact.status == "infeasible" and exact.assignment is None
        assert broken, "greedy claims valid teams where none exist"
        return
    assert exact.status == "optimal" and exact.assignment is not None
    assert violations(pr, exact.assignment) == []
    assert score(pr, exact.assignment) == pytest.approx(best[0], abs=1e-6)
    assert exact.gap is not None and exact.gap <= 1e-6
    if broken:
        # Greedy may fail on tight problems; then it says so, and the exact answer is used.
        assert all(isinstance(v, str) and v for v in broken)
        with pytest.raises(TeamInfeasibleError, match="the greedy teams break"):
            teams.solve(pr, "greedy", time_limit=10)
    else:
        assert score(pr, greedy) <= best[0] + 1e-9
    solved = teams.solve(pr, "auto", time_limit=10)
    assert score(pr, solved.assignment) == pytest.approx(best[0], abs=1e-6)
    if not pr.together:
        # The checks before solving never refuse a problem that has valid teams.
        assert check(pr) == []


def test_the_random_problems_cover_both_feasible_and_infeasible_cases() -> None:
    found = [brute_force(tiny_problem(seed)) is not None for seed in range(30)]
    assert 5 <= sum(found) <= 29


@pytest.mark.parametrize("seed", range(5))
def test_both_solvers_break_no_rule_on_medium_problems(seed: int) -> None:
    pr = medium_problem(seed)
    assert check(pr) == []
    exact = team_milp.solve(pr, time_limit=10)
    assert exact.status == "optimal" and exact.assignment is not None
    assert violations(pr, exact.assignment) == []
    greedy = team_greedy.solve(pr)
    assert violations(pr, greedy) == []
    assert score(pr, greedy) <= score(pr, exact.assignment) + 1e-9
    placed = [p for team in exact.assignment.teams for p in team]
    assert len(placed) == len(set(placed))
    for a, b in pr.together:
        assert greedy.team_of(a) == greedy.team_of(b)


def test_greedy_moves_people_who_must_be_together_as_one_unit() -> None:
    pr = problem(affinity=AFFINITY[:5], together=[(0, 1), (1, 3)])
    groups = sorted(sorted(g) for g in team_greedy.units(pr))
    assert groups == [[0, 1, 3], [2], [4]]
    found = team_greedy.solve(pr)
    assert found.team_of(0) == found.team_of(1) == found.team_of(3)
