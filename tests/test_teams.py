"""OpenLab team formation: exact and greedy solvers on hand-made and random problems, the
clashes explained before and by the solver, and teams through the engine, the API and the CLI.

The hand-made problems share one affinity table (6 people x 2 challenges, teams of exactly
three, so everyone is placed). With plain affinity the best teams are {p0, p1, p2} and
{p3, p4, p5}; each case adds one rule or one term that moves the optimum, and the comments give
the arithmetic. What matters for the choice of c0's three members is the sum of their
advantages affinity[p, c0] - affinity[p, c1]:

    p0 +0.80, p1 +0.55, p2 +0.15, p3 -0.15, p4 -0.65, p5 -0.80

so {p0, p1, p2} (+1.50) beats {p0, p1, p3} (+1.20) by 0.30, {p0, p2, p3} (+0.80) by 0.70.
"""

import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from matcher import cli
from matcher.engine import Matcher
from matcher.teams import formation as teams
from matcher.teams import greedy as team_greedy
from matcher.teams import milp as team_milp
from matcher.teams.build import TeamRequestError, organisation_key
from matcher.teams.checks import TeamInfeasibleError, check
from matcher.teams.problem import Assignment, TeamProblem, score, team_score, violations
from matcher.teams.schemas import TeamRequest, TeamResponse
from tests.support.command import run

OPENLAB = Path(__file__).resolve().parents[1] / "matcher" / "demo" / "openlab"
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


# --- hand-made problems whose optimum is known -------------------------------------------


def test_plain_affinity_puts_everyone_where_they_fit_best() -> None:
    pr = problem()
    assert solve_exactly(pr) == PLAIN_BEST
    # 0.9 + 0.8 + 0.6 and 0.65 + 0.85 + 0.95, plus one discipline and one organisation each.
    assert score(pr, Assignment(PLAIN_BEST)) == pytest.approx(2.3 + 2.45 + 4 * 0.1)
    assert team_score(pr, 0, [0, 1, 2]) == pytest.approx(2.3 + 0.2)
    assert team_score(pr, 1, []) == 0.0


def test_full_teams_leave_the_least_fitting_people_out() -> None:
    pr = problem(sizes=(2, 2))
    teams_ = solve_exactly(pr)
    assert teams_ == [[0, 1], [4, 5]]
    assert Assignment(teams_).team_of(2) is None and Assignment(teams_).team_of(3) is None


# Each case: the problem, the hand solution, its objective worked out by hand.
HAND_CASES = {
    # c0 needs machine learning, which only p3 brings: swapping p2 and p3 costs 0.30 of
    # affinity and earns 0.5 for the covered skill.
    # c0 {0,1,3}: 0.9+0.8+0.5 + 0.5 + 0.1 + 0.1; c1 {2,4,5}: 0.45+0.85+0.95 + 0.1 + 0.1.
    "a required skill": (
        problem(skills=[["machine learning"], []], holders=[[[3]], []]),
        [[0, 1, 3], [2, 4, 5]],
        2.9 + 2.45,
    ),
    # p3 and p4 bring four disciplines each (engineering is everyone else's). Plain: c0 has
    # 1 discipline, c1 5; with p3 in c0 both teams have 5: +0.4 for -0.30 of affinity.
    # (p4 instead of p3 would cost 0.80 of affinity.)
    "discipline diversity": (
        problem(
            disciplines=[["engineering"]] * 3
            + [["design", "law", "economics", "psychology"]] * 2
            + [["engineering"]]
        ),
        [[0, 1, 3], [2, 4, 5]],
        (2.2 + 0.5 + 0.1) + (2.25 + 0.5 + 0.1),
    ),
    # p0 and p1 share an organisation and a team of three may hold at most one of them
    # (0.5 * 3 = 1.5). Best c0 with only one: {0,2,3} (+0.80) before {1,2,3} (+0.55).
    # c0 {0,2,3}: 2.0 + 3 orgs + 1 discipline; c1 {1,4,5}: 2.05 + 3 orgs + 1 discipline.
    "largest organisation share": (
        problem(organisations=["A", "A", "B", "C", "D", "E"], max_org_share=0.5),
        [[0, 2, 3], [1, 4, 5]],
        (2.0 + 0.3 + 0.1) + (2.05 + 0.3 + 0.1),
    ),
    # Two disciplines per team: c0 needs a designer (p3 or p4) and c1 keeps the other.
    # {0,1,3} (+1.20) beats {0,1,4} (+0.70). Without the rule the plain teams win by 0.2.
    "minimum disciplines": (
        problem(
            disciplines=[["engineering"]] * 3 + [["design"]] * 2 + [["engineering"]],
            min_disciplines=2,
        ),
        [[0, 1, 3], [2, 4, 5]],
        (2.2 + 0.2 + 0.1) + (2.25 + 0.2 + 0.1),
    ),
    # p2 and p3 together: {0,2,3} (+0.80) beats putting them in c1 with {0,1,4} in c0 (+0.70).
    "a pair together": (
        problem(together=[(2, 3)]),
        [[0, 2, 3], [1, 4, 5]],
        (2.0 + 0.2) + (2.05 + 0.2),
    ),
    # p3 and p4 apart: one of them goes to c0; p3 (+1.20) rather than p4 (+0.70).
    "a pair apart": (
        problem(apart=[(3, 4)]),
        [[0, 1, 3], [2, 4, 5]],
        (2.2 + 0.2) + (2.25 + 0.2),
    ),
}


@pytest.mark.parametrize("case", list(HAND_CASES))
def test_exact_solver_finds_the_hand_solution(case: str) -> None:
    pr, hand, value = HAND_CASES[case]
    assert violations(pr, Assignment(hand)) == []
    assert score(pr, Assignment(hand)) == pytest.approx(value)
    found = solve_exactly(pr)
    assert found == hand
    assert score(pr, Assignment(found)) == pytest.approx(score(pr, Assignment(hand)), abs=1e-9)
    # The rule (or term) is what moved the optimum: plain affinity would choose otherwise.
    assert hand != PLAIN_BEST
    best = brute_force(pr)
    assert best is not None and best[0] == pytest.approx(value, abs=1e-9)
    solved = teams.solve(pr, "auto", time_limit=10)
    assert solved.status == "optimal" and solved.solver == "highs-milp"
    assert solved.assignment.teams == hand


@pytest.mark.parametrize("case", ["largest organisation share", "minimum disciplines"])
def test_without_the_rule_the_plain_teams_are_best(case: str) -> None:
    pr = dataclasses.replace(HAND_CASES[case][0], max_org_share=None, min_disciplines=0)
    assert solve_exactly(pr) == PLAIN_BEST


def test_a_pair_together_may_also_be_left_out_together() -> None:
    # Teams of at most two; p0 and p5 together would make c0 or c1 lose most, so the best
    # valid answer keeps them side by side (both in one team or both out), never split.
    pr = problem(sizes=(1, 2), together=[(0, 5)])
    found = Assignment(solve_exactly(pr))
    assert found.team_of(0) == found.team_of(5)
    best = brute_force(pr)
    assert best is not None and score(pr, found) == pytest.approx(best[0], abs=1e-9)


# --- random problems: the exact solver against enumeration, greedy never better ----------


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


# --- clashes explained -------------------------------------------------------------------


def reasons_of(pr: TeamProblem) -> list[str]:
    """What check() finds, after making sure the exact solver and enumeration agree that
    there are no teams (every problem here needs everyone placed)."""
    assert team_milp.solve(pr, time_limit=10).status == "infeasible"
    assert brute_force(pr) is None
    found = check(pr)
    assert found, "check() found no clash"
    return found


def test_too_few_people_for_the_minimum_sizes() -> None:
    pr = problem(affinity=AFFINITY[:5])
    assert reasons_of(pr) == [
        "the 2 challenges need at least 6 people (their minimum team sizes) but the pool has 5"
    ]


def test_a_pair_both_together_and_apart() -> None:
    (reason,) = reasons_of(problem(together=[(0, 1)], apart=[(1, 0)]))
    assert reason.startswith("p1 and p0 must be apart") and "together" in reason


def test_a_chain_of_together_pairs_meeting_an_apart_pair() -> None:
    (reason,) = reasons_of(problem(together=[(0, 1), (1, 2)], apart=[(0, 2)]))
    assert "p0 and p2 must be apart" in reason and "together put them in one team" in reason


def test_a_together_group_larger_than_any_team() -> None:
    pr = problem(together=[(0, 1), (2, 3), (1, 2)])
    (reason,) = reasons_of(pr)
    assert reason == "p0, p1, p2, p3 must be together but no team has room for 4"


def test_an_organisation_share_that_leaves_no_room() -> None:
    pr = problem(max_org_share=0.3)  # floor(0.3 * 3) = 0 from any organisation
    (reason,) = reasons_of(pr)
    assert "max_org_share 0.3 leaves no room" in reason


def test_an_organisation_share_that_leaves_too_few_placeable_people() -> None:
    # Four of six from A; at most one A per team of three (0.34 * 3 = 1.02): only 4 placeable.
    pr = problem(organisations=["A", "A", "A", "A", "B", "C"], max_org_share=0.34)
    (reason,) = reasons_of(pr)
    assert "only 4 of the 6 people can be placed, fewer than the 6" in reason


def test_more_disciplines_per_team_than_the_pool_has() -> None:
    pr = problem(
        disciplines=[["engineering"]] * 3 + [["design"]] * 3,
        min_disciplines=3,
    )
    (reason,) = reasons_of(pr)
    assert reason == "each team needs 3 disciplines but the pool has 2 in all"


def test_several_clashes_are_all_named() -> None:
    pr = problem(affinity=AFFINITY[:5], min_disciplines=2, together=[(0, 1)], apart=[(0, 1)])
    found = check(pr)
    assert len(found) == 3
    assert any("need at least 6 people" in r for r in found)
    assert any("must be apart" in r for r in found)
    assert any("2 disciplines but the pool has 1" in r for r in found)


def solver_only_clash() -> TeamProblem:
    """Two teams of exactly two, each with two disciplines; three of the four people are
    engineers, so one team is all engineers. The pool has two disciplines, so check() passes."""
    return problem(
        affinity=AFFINITY[:4],
        sizes=(2, 2),
        disciplines=[["engineering"]] * 3 + [["design"]],
        organisations=["A", "B", "C", "D"],
        min_disciplines=2,
    )


def test_a_clash_only_the_solver_finds_is_explained_by_relaxing_each_rule() -> None:
    pr = solver_only_clash()
    assert check(pr) == []
    assert brute_force(pr) is None
    assert team_milp.solve(pr, time_limit=10).status == "infeasible"
    relaxed = team_milp.solve(pr, time_limit=10, relax=frozenset({"disciplines"}))
    assert relaxed.status == "optimal" and relaxed.assignment is not None
    with pytest.raises(TeamInfeasibleError) as caught:
        teams.solve(pr, "auto", time_limit=10)
    assert caught.value.reasons == [
        "the teams become possible without the minimum number of disciplines per team"
    ]
    assert "no teams meet every rule" in str(caught.value)


def test_two_separate_clashes_are_blamed_on_no_single_rule() -> None:
    # On top of the discipline clash, p0 must be apart from everyone, yet all four people
    # are needed: dropping either family alone leaves the other clash.
    pr = dataclasses.replace(solver_only_clash(), apart=[(0, 1), (0, 2), (0, 3)])
    assert check(pr) == []
    for family in ("sizes", "org_share", "disciplines", "together", "apart"):
        relaxed = team_milp.solve(pr, time_limit=10, relax=frozenset({family}))
        assert relaxed.status == "infeasible", family
    with pytest.raises(TeamInfeasibleError) as caught:
        teams.solve(pr, "exact", time_limit=10)
    assert caught.value.reasons == ["no single family of rules is to blame; several clash together"]


def test_relaxing_the_sizes_keeps_the_organisation_share() -> None:
    # One team of exactly four, at most half from one organisation, two disciplines; only p0
    # brings the second discipline and p0 must be apart from everyone else. Without the
    # minimum size the only team with two disciplines is {p0}, all from one organisation,
    # so only dropping the apart pairs makes teams possible.
    pr = TeamProblem(
        people=["p0", "p1", "p2", "p3"],
        challenges=["c0"],
        affinity=np.full((4, 1), 0.5),
        skills=[[]],
        has_skill=[np.zeros((4, 0), dtype=bool)],
        disciplines=[["engineering", "design"], ["engineering"], ["engineering"], ["engineering"]],
        organisations=["A", "A", "B", "B"],
        min_size=np.array([4]),
        max_size=np.array([4]),
        max_org_share=0.5,
        min_disciplines=2,
        apart=[(0, 1), (0, 2), (0, 3)],
    )
    assert check(pr) == []
    relaxed = team_milp.solve(pr, time_limit=10, relax=frozenset({"sizes"}))
    if relaxed.assignment is not None:
        broken = violations(pr, relaxed.assignment)
        assert all("outside its size bounds" in v for v in broken), broken
    with pytest.raises(TeamInfeasibleError) as caught:
        teams.solve(pr, "auto", time_limit=10)
    assert caught.value.reasons == ["the teams become possible without the pairs who must be apart"]


# --- organisations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("KTH", "KTH"),
        ("KTH Royal Institute of Technology, Dept. of Chemistry", "KTH"),
        ("RISE Research Institutes of Sweden", "RISE"),
        ("Karolinska Institutet, Dept. of Medicine", "Karolinska Institutet"),
        ("Stockholm University", "Stockholm University"),
        ("  Konstfack ", "Konstfack"),
    ],
)
def test_departments_of_one_organisation_share_a_key(name: str, key: str) -> None:
    assert organisation_key(name) == key


def test_companies_with_a_legal_form_prefix_stay_apart() -> None:
    assert organisation_key("AB Volvo") != organisation_key("AB Electrolux")


# --- engine, API and CLI with the fake encoder on the tiny catalogue ---------------------


def profile(
    pid: str, name: str, text: str, organisation: str, *disciplines: str, **extra: object
) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "description": text,
        "organisation": organisation,
        "disciplines": list(disciplines),
        **extra,
    }


CHALLENGES: list[dict[str, Any]] = [
    {
        "id": "batteries",
        "text": "Recycling lithium-ion batteries: leaching cobalt and nickel from black mass",
        "skills": ["hydrometallurgy", "business model", "quantum computing"],
    },
    {
        "id": "care",
        "text": "Robots and sensors that help elderly people at home with falls",
        "skills": ["elderly care"],
    },
]
PROFILES = [
    profile(
        "student:alva",
        "Alva",
        "Economics student on battery recycling markets",
        "Stockholm School of Economics",
        "economics",
        skills=["business model"],
    ),
    profile(
        "student:bert",
        "Bert",
        "Nursing student; elderly care at home",
        "Karolinska Institutet, Dept. of Nursing",
        "nursing",
    ),
    profile(
        "pro:cid",
        "Cid",
        "Engineer who builds robots for homes",
        "Care Robotics",
        "mechanical engineering",
    ),
    profile(
        "student:dora",
        "Dora",
        "Chemist on leaching cobalt from lithium-ion batteries",
        "KTH Royal Institute of Technology, Dept. of Chemistry",
        "chemistry",
    ),
    profile("student:eve", "Eve", "Designer of furniture", "Konstfack", "design"),
]
POOL_IDS = ["researcher:ann-metals", "researcher:bo-care"]
EVERYONE = POOL_IDS + [p["id"] for p in PROFILES]


def request(**changes: object) -> TeamRequest:
    body: dict[str, object] = {
        "challenges": CHALLENGES,
        "pool": {"ids": POOL_IDS, "profiles": PROFILES},
        "constraints": {"min_size": 2, "max_size": 3},
        "time_limit_s": 10,
    }
    body.update(changes)
    return TeamRequest.model_validate(body)


def assert_consistent(
    response: TeamResponse, pool: list[str], sizes: tuple[int, int] = (2, 3)
) -> None:
    """Every team within sizes, every member explained, skills and the unplaced accounted for."""
    skills = {c["id"]: c["skills"] for c in CHALLENGES}
    assert [t.challenge_id for t in response.teams] == [c["id"] for c in CHALLENGES]
    placed = [m.id for t in response.teams for m in t.members]
    assert len(placed) == len(set(placed))
    assert set(placed) <= set(pool)
    assert response.unassigned == [p for p in pool if p not in placed]
    for team in response.teams:
        assert sizes[0] <= len(team.members) <= sizes[1]
        wanted = skills[team.challenge_id]
        assert sorted(team.skills_covered + team.skills_missing) == sorted(wanted)
        assert not set(team.skills_covered) & set(team.skills_missing)
        brought = {s for m in team.members for s in m.skills}
        assert brought == set(team.skills_covered)
        assert team.disciplines == sorted({d for m in team.members for d in m.disciplines})
        assert team.organisations == sorted({m.organisation for m in team.members})
        for member in team.members:
            assert member.reason.startswith("Ranks ") and "in the pool for this challenge" in (
                member.reason
            )
            assert f"of {len(pool)} in the pool" in member.reason
            assert set(member.skills) <= set(wanted)
            assert 0.0 <= member.affinity <= 1.0
    assert response.objective == pytest.approx(sum(t.objective for t in response.teams), abs=1e-3)


def members(response: TeamResponse, challenge: str) -> list[str]:
    (team,) = [t for t in response.teams if t.challenge_id == challenge]
    return [m.id for m in team.members]


def test_engine_forms_teams_from_catalogue_ids_and_inline_profiles(engine: Matcher) -> None:
    response = engine.form_teams(request())
    assert response.status == "optimal" and response.solver == "highs-milp"
    assert response.gap is not None and response.gap <= 1e-6
    assert_consistent(response, EVERYONE)
    assert "researcher:ann-metals" in members(response, "batteries")
    assert "researcher:bo-care" in members(response, "care")
    batteries = response.teams[0]
    # Ann's expertise names hydrometallurgy, Alva's profile the business model; nobody
    # in the pool knows quantum computing.
    assert batteries.skills_missing == ["quantum computing"]
    ann = next(m for m in batteries.members if m.id == "researcher:ann-metals")
    assert ann.skills == ["hydrometallurgy"] and ann.organisation == "KTH"
    assert "brings hydrometallurgy" in ann.reason


def test_the_greedy_solver_gives_valid_teams_through_the_engine(engine: Matcher) -> None:
    response = engine.form_teams(request(solver="greedy"))
    assert response.status == "greedy" and response.solver == "greedy"
    assert response.gap is None
    assert_consistent(response, EVERYONE)
    exact = engine.form_teams(request(solver="exact"))
    assert response.objective <= exact.objective + 1e-6


def test_leave_out_removes_a_person_from_the_pool(engine: Matcher) -> None:
    response = engine.form_teams(
        request(constraints={"min_size": 2, "max_size": 3, "leave_out": ["researcher:ann-metals"]})
    )
    pool = [p for p in EVERYONE if p != "researcher:ann-metals"]
    assert_consistent(response, pool)
    assert "researcher:ann-metals" not in response.unassigned
    with pytest.raises(TeamRequestError, match="leave_out names people not in the pool"):
        engine.form_teams(request(constraints={"leave_out": ["student:nobody"]}))


def test_researchers_without_consent_cannot_join(engine: Matcher) -> None:
    with pytest.raises(TeamRequestError, match=HIDDEN):
        engine.form_teams(request(pool={"ids": [*POOL_IDS, HIDDEN], "profiles": PROFILES}))
    # A catalogue filter takes the listed researchers only.
    response = engine.form_teams(
        request(
            pool={"filter": {"kinds": ["researcher"]}, "profiles": PROFILES},
            constraints={"min_size": 1, "max_size": 4},
        )
    )
    pool = ["researcher:ann-metals", "researcher:bo-care"] + [p["id"] for p in PROFILES]
    assert_consistent(response, pool, sizes=(1, 4))
    everyone = [m.id for t in response.teams for m in t.members] + response.unassigned
    assert HIDDEN not in everyone and sorted(everyone) == sorted(pool)


def test_together_and_apart_pairs_are_kept(engine: Matcher) -> None:
    rules = {
        "min_size": 2,
        "max_size": 3,
        "together": [["student:eve", "researcher:bo-care"]],
        "apart": [["researcher:bo-care", "student:bert"]],
    }
    response = engine.form_teams(request(constraints=rules))
    assert_consistent(response, EVERYONE)
    where = {m.id: t.challenge_id for t in response.teams for m in t.members}
    assert where.get("student:eve") == where.get("researcher:bo-care") is not None
    assert where.get("student:bert") != where["researcher:bo-care"]


def test_one_organisation_across_catalogue_and_profiles_keeps_its_share(
    engine: Matcher,
) -> None:
    # Ann (KTH) and Dora (a KTH department) fit the battery challenge best, but a team of two
    # may hold one person per organisation.
    one = [CHALLENGES[0]]
    body = {
        "challenges": one,
        "pool": {"ids": ["researcher:ann-metals"], "profiles": [PROFILES[3], PROFILES[4]]},
        "time_limit_s": 10,
    }
    plain = engine.form_teams(
        TeamRequest.model_validate({**body, "constraints": {"min_size": 2, "max_size": 2}})
    )
    assert sorted(members(plain, "batteries")) == ["researcher:ann-metals", "student:dora"]
    ruled = engine.form_teams(
        TeamRequest.model_validate(
            {**body, "constraints": {"min_size": 2, "max_size": 2, "max_org_share": 0.5}}
        )
    )
    team = ruled.teams[0]
    assert [m.organisation for m in plain.teams[0].members] == ["KTH", "KTH"]
    assert "student:eve" in members(ruled, "batteries")
    assert sorted(team.organisations) == ["KTH", "Konstfack"]


def test_unknown_ids_and_bad_pairs_are_refused(engine: Matcher) -> None:
    with pytest.raises(TeamRequestError, match="researcher:nobody"):
        engine.form_teams(request(pool={"ids": ["researcher:nobody"], "profiles": PROFILES}))
    with pytest.raises(TeamRequestError, match="given twice"):
        engine.form_teams(request(pool={"ids": POOL_IDS, "profiles": [PROFILES[0]] * 2}))
    with pytest.raises(TeamRequestError, match="together names people not in the pool"):
        engine.form_teams(request(constraints={"together": [["student:alva", "student:zed"]]}))
    with pytest.raises(TeamRequestError, match="with themselves"):
        engine.form_teams(request(constraints={"apart": [["student:alva", "student:alva"]]}))


def test_infeasible_requests_are_explained_by_the_engine(engine: Matcher) -> None:
    with pytest.raises(TeamInfeasibleError) as caught:
        engine.form_teams(request(constraints={"min_size": 4, "max_size": 5}))
    assert caught.value.reasons == [
        "the 2 challenges need at least 8 people (their minimum team sizes) but the pool has 7"
    ]


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        (
            {
                "together": [["student:alva", "student:bert"]],
                "apart": [["student:bert", "student:alva"]],
            },
            "student:bert and student:alva must be apart, but the pairs that must be together",
        ),
        (
            {
                "together": [["student:alva", "student:bert"], ["student:bert", "pro:cid"]],
                "apart": [["student:alva", "pro:cid"]],
            },
            "student:alva and pro:cid must be apart",
        ),
        (
            {
                "together": [
                    ["student:alva", "student:bert"],
                    ["student:bert", "pro:cid"],
                    ["pro:cid", "student:dora"],
                ]
            },
            "must be together but no team has room for 4",
        ),
        ({"max_org_share": 0.3}, "max_org_share 0.3 leaves no room"),
        ({"min_disciplines": 9}, "each team needs 9 disciplines but the pool has 6 in all"),
    ],
)
def test_clashing_rules_are_refused_before_solving(
    engine: Matcher, rules: dict[str, object], fragment: str
) -> None:
    with pytest.raises(TeamInfeasibleError) as caught:
        engine.form_teams(request(constraints={"min_size": 2, "max_size": 3, **rules}))
    assert any(fragment in reason for reason in caught.value.reasons), caught.value.reasons


def test_api_forms_teams(client: TestClient) -> None:
    body = request().model_dump(mode="json")
    response = client.post("/v1/teams", json=body)
    assert response.status_code == 200, response.text
    parsed = TeamResponse.model_validate(response.json())
    assert parsed.status == "optimal"
    assert_consistent(parsed, EVERYONE)


def assert_error(response: Any, status: int, code: str, fragment: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


def test_api_says_which_rules_clash(client: TestClient) -> None:
    body = request(constraints={"min_size": 4, "max_size": 5}).model_dump(mode="json")
    assert_error(client.post("/v1/teams", json=body), 422, "infeasible", "need at least 8 people")
    # A clash only the solver finds: three of four people are chemists.
    chemists = [
        profile(f"p:{i}", f"P{i}", "Chemist on batteries", f"Org {i}", "chemistry")
        for i in range(3)
    ] + [profile("p:3", "P3", "Nurse", "Org 3", "nursing")]
    body = {
        "challenges": CHALLENGES,
        "pool": {"profiles": chemists},
        "constraints": {"min_size": 2, "max_size": 2, "min_disciplines": 2},
        "time_limit_s": 10,
    }
    assert_error(
        client.post("/v1/teams", json=body), 422, "infeasible", "minimum number of disciplines"
    )


def test_api_refuses_unknown_and_hidden_ids(client: TestClient) -> None:
    for missing in ("researcher:nobody", HIDDEN):
        body = request(pool={"ids": [missing], "profiles": PROFILES}).model_dump(mode="json")
        assert_error(client.post("/v1/teams", json=body), 422, "invalid_request", missing)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"constraints": {"min_size": 5, "max_size": 3}}, "min_size 5 is above max_size 3"),
        ({"pool": {}}, "pool is empty"),
        ({"challenges": []}, "challenges"),
        ({"challenges": [CHALLENGES[0], CHALLENGES[0]]}, "challenge ids must be unique"),
        ({"solver": "quantum"}, "solver"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"constraints": {"max_org_share": 1.5}}, "max_org_share"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_api_refuses_malformed_requests(
    client: TestClient, change: dict[str, object], fragment: str
) -> None:
    body: dict[str, object] = {
        "challenges": CHALLENGES,
        "pool": {"ids": POOL_IDS, "profiles": PROFILES},
    }
    body.update(change)
    assert_error(client.post("/v1/teams", json=body), 422, "invalid_request", fragment)


# --- CLI on the demo catalogue (fake encoder) with the example files ---------------------


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo catalogue built with the fake encoder; the CLI pointed at it."""
    from matcher.settings import get_settings

    data = tmp_path_factory.mktemp("openlab") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MATCHER_ENCODER__NAME", "fake")
        patch.setenv("MATCHER_DATA_DIR", str(data))
        get_settings.cache_clear()
        assert cli.main(["build", "--catalogue", "demo", "--json"]) == 0
        yield data
    get_settings.cache_clear()


EXAMPLE = [
    "teams",
    "--challenges",
    str(OPENLAB / "challenges.jsonl"),
    "--pool",
    str(OPENLAB / "pool.json"),
]


def test_cli_json_prints_one_document_with_valid_teams(
    demo_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = json.loads((OPENLAB / "constraints.json").read_text(encoding="utf-8"))
    pool = json.loads((OPENLAB / "pool.json").read_text(encoding="utf-8"))
    everyone = pool["ids"] + [p["id"] for p in pool["profiles"]]
    challenges = [
        json.loads(line)
        for line in (OPENLAB / "challenges.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    code, out, err = run(
        capsys,
        *EXAMPLE,
        "--constraints",
        str(OPENLAB / "constraints.json"),
        "--time-limit",
        "10",
        "--json",
    )
    assert code == 0, err
    body = json.loads(out)  # one JSON document and nothing else
    response = TeamResponse.model_validate(body)
    assert response.status == "optimal" and response.gap is not None and response.gap <= 1e-6
    assert [t.challenge_id for t in response.teams] == [c["id"] for c in challenges]
    placed = [m.id for t in response.teams for m in t.members]
    assert len(placed) == len(set(placed))
    assert sorted(placed + response.unassigned) == sorted(everyone)
    for team in response.teams:
        size = len(team.members)
        assert rules["min_size"] <= size <= rules["max_size"]
        assert len(team.disciplines) >= rules["min_disciplines"]
        shares = [sum(m.organisation == o for m in team.members) / size for o in team.organisations]
        assert max(shares) <= rules["max_org_share"] + 1e-9
        assert all(m.reason for m in team.members)


def test_cli_options_override_the_constraints_file(
    demo_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        *EXAMPLE,
        "--constraints",
        str(OPENLAB / "constraints.json"),
        "--min-size",
        "2",
        "--max-size",
        "3",
        "--solver",
        "greedy",
        "--json",
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["status"] == "greedy" and body["solver"] == "greedy"
    assert all(2 <= len(t["members"]) <= 3 for t in body["teams"])
    code, out, _ = run(capsys, *EXAMPLE, "--min-size", "2", "--max-size", "3")
    assert code == 0 and "4 teams by highs-milp (optimal" in out and "not placed:" in out


@pytest.mark.parametrize(
    ("files", "options", "fragment"),
    [
        ({"challenges": None}, [], "challenges file not found"),
        ({"pool": "{not json\n"}, [], "not JSON"),
        ({"constraints": '[{"min_size": 2}]'}, [], "constraints"),
        ({"pool": '["researcher:nobody"]'}, [], "researcher:nobody"),
        ({"challenges": '{"id": "x"}'}, [], "text"),
        ({}, ["--min-size", "20", "--max-size", "20"], "need at least 80 people"),
        ({}, ["--min-size", "4", "--max-size", "3"], "min_size 4 is above max_size 3"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(
    demo_env: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    files: dict[str, str | None],
    options: list[str],
    fragment: str,
) -> None:
    paths = {
        "challenges": str(OPENLAB / "challenges.jsonl"),
        "pool": str(OPENLAB / "pool.json"),
        "constraints": str(OPENLAB / "constraints.json"),
    }
    for name, text in files.items():
        path = tmp_path / f"{name}.json"
        if text is not None:
            path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    args = ["teams", *(f"--{k}={v}" for k, v in paths.items()), *options, "--json"]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("matcher: error: ")
    assert fragment in lines[0]


def test_pools_too_large_for_the_exact_solver_use_greedy_or_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pr = medium_problem(0)
    monkeypatch.setattr(teams, "EXACT_MAX_PAIRS", pr.affinity.size - 1)
    solved = teams.solve(pr, "auto", 5.0)
    assert solved.solver == "greedy" and solved.note and "too many" in solved.note
    assert violations(pr, solved.assignment) == []
    with pytest.raises(TeamRequestError, match="use the greedy solver"):
        teams.solve(pr, "exact", 5.0)


def test_a_filter_that_matches_nobody_is_a_clear_error(built: Matcher) -> None:
    request = TeamRequest.model_validate(
        {
            "challenges": [{"id": "a", "text": "battery recycling"}],
            "pool": {"filter": {"kinds": ["researcher"], "municipalities": ["Nowhere"]}},
        }
    )
    with pytest.raises(TeamRequestError, match="the pool is empty"):
        built.form_teams(request)
