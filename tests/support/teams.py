"""What the team tests share: small problems with known answers, brute force, the demo files."""

import itertools
from pathlib import Path

import numpy as np

from matcher.teams import milp as team_milp
from matcher.teams.problem import Assignment, TeamProblem, score, violations

OPENLAB = Path(__file__).resolve().parents[2] / "matcher" / "demo" / "openlab"
HIDDEN = "researcher:hidden-person"

AFFINITY = np.array(
    [
        [0.90, 0.10],
        [0.80, 0.25],
        [0.60, 0.45],
        [0.50, 0.65],
        [0.20, 0.85],
        [0.15, 0.95],
    ]
)
PLAIN_BEST = [[0, 1, 2], [3, 4, 5]]


def problem(
    affinity: np.ndarray = AFFINITY,
    *,
    skills: list[list[str]] | None = None,
    holders: list[list[list[int]]] | None = None,
    disciplines: list[list[str]] | None = None,
    organisations: list[str] | None = None,
    sizes: tuple[int, int] = (3, 3),
    **rules: object,
) -> TeamProblem:
    """A TeamProblem with one discipline and one organisation for everyone unless given.

    `holders[c][s]` lists the people who bring skill s of challenge c.
    """
    people, challenges = affinity.shape
    skills = skills or [[] for _ in range(challenges)]
    has_skill = []
    for c, names in enumerate(skills):
        held = np.zeros((people, len(names)), dtype=bool)
        for s in range(len(names)):
            held[(holders or [])[c][s], s] = True
        has_skill.append(held)
    return TeamProblem(
        people=[f"p{i}" for i in range(people)],
        challenges=[f"c{j}" for j in range(challenges)],
        affinity=affinity,
        skills=skills,
        has_skill=has_skill,
        disciplines=disciplines or [["engineering"] for _ in range(people)],
        organisations=organisations or ["Org"] * people,
        min_size=np.full(challenges, sizes[0]),
        max_size=np.full(challenges, sizes[1]),
        **rules,  # type: ignore[arg-type]
    )


def brute_force(pr: TeamProblem) -> tuple[float, Assignment] | None:
    """The best valid assignment by enumeration (each person in a team or in none)."""
    people, challenges = pr.shape
    best: tuple[float, Assignment] | None = None
    for labels in itertools.product(range(challenges + 1), repeat=people):
        assignment = Assignment(
            [[p for p in range(people) if labels[p] == c] for c in range(challenges)]
        )
        if violations(pr, assignment):
            continue
        value = score(pr, assignment)
        if best is None or value > best[0] + 1e-12:
            best = (value, assignment)
    return best


def solve_exactly(pr: TeamProblem) -> list[list[int]]:
    """The exact solver's teams, asserting it proved them optimal and valid."""
    result = team_milp.solve(pr, time_limit=10)
    assert result.status == "optimal", result.message
    assert result.gap is not None and result.gap <= 1e-6
    assert result.assignment is not None
    assert violations(pr, result.assignment) == []
    return result.assignment.teams


def medium_problem(seed: int, people: int = 40, challenges: int = 5) -> TeamProblem:
    rng = np.random.default_rng(1000 + seed)
    names = ["chemistry", "economics", "design", "nursing", "computer science", "law", "physics"]
    pairs = rng.permutation(people)
    skills = [[f"s{c}{k}" for k in range(int(rng.integers(1, 4)))] for c in range(challenges)]
    low = rng.integers(3, 5, challenges)
    return TeamProblem(
        people=[f"p{i}" for i in range(people)],
        challenges=[f"c{j}" for j in range(challenges)],
        affinity=rng.random((people, challenges)),
        skills=skills,
        has_skill=[rng.random((people, len(s))) < 0.15 for s in skills],
        disciplines=[
            sorted(set(rng.choice(names, int(rng.integers(1, 3)), replace=False).tolist()))
            for _ in range(people)
        ],
        organisations=[f"org{rng.integers(8)}" for _ in range(people)],
        min_size=low,
        max_size=low + rng.integers(1, 3, challenges),
        max_org_share=0.5,
        min_disciplines=2,
        # Disjoint pairs, so the rules never contradict each other.
        together=[(int(pairs[i]), int(pairs[i + 1])) for i in range(0, 6, 2)],
        apart=[(int(pairs[i]), int(pairs[i + 1])) for i in range(6, 16, 2)],
    )
