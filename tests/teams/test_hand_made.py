"""Hand-made problems whose optimum is known: both solvers against the hand solution.

The problems share one affinity table (6 people x 2 challenges, teams of exactly three, so
everyone is placed). With plain affinity the best teams are {p0, p1, p2} and {p3, p4, p5};
each case adds one rule or one term that moves the optimum, and the comments give the
arithmetic. What matters for the choice of c0's three members is the sum of their advantages
affinity[p, c0] - affinity[p, c1]:

    p0 +0.80, p1 +0.55, p2 +0.15, p3 -0.15, p4 -0.65, p5 -0.80

so {p0, p1, p2} (+1.50) beats {p0, p1, p3} (+1.20) by 0.30, {p0, p2, p3} (+0.80) by 0.70.
"""

import dataclasses

import pytest

from matcher.teams import formation as teams
from matcher.teams.build import Person
from matcher.teams.problem import Assignment, score, team_score, violations
from tests.support.teams import (
    PLAIN_BEST,
    brute_force,
    problem,
    solve_exactly,
)


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


def test_people_left_out_are_named_with_the_reason() -> None:
    pr = problem(sizes=(2, 2))
    people = [
        Person(f"p{i}", f"Person {i}", "Org", ["engineering"], [], "en", False) for i in range(6)
    ]
    left = teams._not_placed(pr, people, Assignment([[0, 1], [4, 5]]))
    assert [p.id for p in left] == ["p2", "p3"]
    # p2 fits c0 best (0.6) after p0 (0.9) and p1 (0.8); all four places are taken.
    assert left[0].reason.startswith("All 4 places are taken (6 people in the pool)")
    assert "fits c0 best, where 2 people fit better" in left[0].reason
