"""Rules that cannot all hold are explained in words, before or by the solver."""

import dataclasses

import numpy as np
import pytest

from matcher.teams import formation as teams
from matcher.teams import milp as team_milp
from matcher.teams.checks import TeamInfeasibleError, check
from matcher.teams.problem import TeamProblem, violations
from tests.support.teams import (
    AFFINITY,
    brute_force,
    problem,
)


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
