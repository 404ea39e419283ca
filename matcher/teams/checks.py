"""Why a team request cannot be met, in words, found before (and, if need be, by) the solver."""

import math

from matcher.teams.greedy import units
from matcher.teams.problem import TeamProblem

FAMILIES = {
    "sizes": "the minimum team sizes",
    "org_share": "the largest share from one organisation",
    "disciplines": "the minimum number of disciplines per team",
    "together": "the pairs who must be together",
    "apart": "the pairs who must be apart",
}


class TeamInfeasibleError(ValueError):
    """No teams can meet every rule; `reasons` says which rules clash."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("no teams meet every rule: " + "; ".join(reasons))
        self.reasons = reasons


def check(problem: TeamProblem) -> list[str]:
    """Rules that cannot all hold, found without solving (empty when none is seen)."""
    people, challenges = problem.shape
    reasons: list[str] = []
    need = int(problem.min_size.sum())
    if people < need:
        reasons.append(
            f"the {challenges} challenges need at least {need} people (their minimum team "
            f"sizes) but the pool has {people}"
        )
    groups = units(problem)
    where = {person: index for index, group in enumerate(groups) for person in group}
    for a, b in problem.apart:
        if where[a] == where[b]:
            reasons.append(
                f"{problem.people[a]} and {problem.people[b]} must be apart, but the pairs that "
                "must be together put them in one team"
            )
    largest = int(problem.max_size.max())
    for group in groups:
        if len(group) > largest:
            names = ", ".join(problem.people[p] for p in group)
            reasons.append(f"{names} must be together but no team has room for {len(group)}")
    share = problem.max_org_share
    if share is not None:
        caps = [math.floor(share * n + 1e-9) for n in problem.max_size]
        if max(caps) == 0:
            reasons.append(
                f"max_org_share {share:g} leaves no room for anyone in teams of at most {largest}"
            )
        else:
            counts: dict[str, int] = {}
            for organisation in problem.organisations:
                counts[organisation] = counts.get(organisation, 0) + 1
            usable = sum(min(n, sum(caps)) for n in counts.values())
            if usable < need:
                reasons.append(
                    f"with at most {share:g} of a team from one organisation only {usable} of "
                    f"the {people} people can be placed, fewer than the {need} the teams need"
                )
    if problem.min_disciplines:
        known = {d for ds in problem.disciplines for d in ds}
        if len(known) < problem.min_disciplines:
            reasons.append(
                f"each team needs {problem.min_disciplines} disciplines but the pool has "
                f"{len(known)} in all"
            )
    return reasons
