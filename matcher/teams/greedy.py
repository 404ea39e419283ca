"""The greedy solver: the baseline, and the fallback for pools too large for the time limit.

People who must be together move as one unit. First every team is filled up to its minimum
size, the team furthest from it first, each time with the unit that adds most to the
objective among those that break no rule (while a team has fewer disciplines than required,
new disciplines weigh one point each); then units join wherever they still add to the
objective, while teams have room. A final check lists any rule the result breaks.
"""

from collections import Counter

import numpy as np

from matcher.teams.problem import (
    DISCIPLINE_WEIGHT,
    ORG_WEIGHT,
    SKILL_WEIGHT,
    Assignment,
    TeamProblem,
)


def units(problem: TeamProblem) -> list[list[int]]:
    """Groups of people who must be together (each person alone otherwise)."""
    parent = list(range(len(problem.people)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in problem.together:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for person in range(len(problem.people)):
        groups.setdefault(root(person), []).append(person)
    return list(groups.values())


class _Teams:
    """Teams being built, with what each already covers, so a gain costs a few set lookups."""

    def __init__(self, problem: TeamProblem) -> None:
        self.problem = problem
        _, challenges = problem.shape
        self.members: list[list[int]] = [[] for _ in range(challenges)]
        self.skills = [np.zeros(len(s), dtype=bool) for s in problem.skills]
        self.disciplines: list[set[str]] = [set() for _ in range(challenges)]
        self.organisations: list[Counter[str]] = [Counter() for _ in range(challenges)]
        self.apart: dict[int, set[int]] = {}
        for a, b in problem.apart:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def gain(self, unit: list[int], column: int) -> float:
        problem = self.problem
        value = float(problem.affinity[unit, column].sum())
        if len(self.skills[column]):
            brought = problem.has_skill[column][unit].any(axis=0)
            value += SKILL_WEIGHT * int((brought & ~self.skills[column]).sum())
        new = {d for p in unit for d in problem.disciplines[p]} - self.disciplines[column]
        value += DISCIPLINE_WEIGHT * len(new)
        short = problem.min_disciplines - len(self.disciplines[column])
        if short > 0:
            value += min(len(new), short)  # steer towards the rule while it is not yet met
        orgs = {problem.organisations[p] for p in unit}
        value += ORG_WEIGHT * sum(o not in self.organisations[column] for o in orgs)
        return value

    def allowed(self, unit: list[int], column: int) -> bool:
        """Whether a unit may join without breaking a rule that cannot be mended later."""
        problem = self.problem
        team = self.members[column]
        if len(team) + len(unit) > problem.max_size[column]:
            return False
        if any(self.apart.get(p, set()) & set(team) for p in unit):
            return False
        share = problem.max_org_share
        if share is not None:
            final = max(len(team) + len(unit), int(problem.min_size[column]))
            counts = self.organisations[column] + Counter(problem.organisations[p] for p in unit)
            if max(counts.values()) > share * final + 1e-9:
                return False
        return True

    def add(self, unit: list[int], column: int) -> None:
        problem = self.problem
        self.members[column].extend(unit)
        if len(self.skills[column]):
            self.skills[column] |= problem.has_skill[column][unit].any(axis=0)
        for p in unit:
            self.disciplines[column].update(problem.disciplines[p])
            self.organisations[column][problem.organisations[p]] += 1


def solve(problem: TeamProblem) -> Assignment:
    """Teams chosen greedily by marginal gain of the objective.

    A team's best candidate is cached and recomputed only when that team changed or its
    candidate was placed elsewhere, so each step costs one pass over the free units.
    """
    _, challenges = problem.shape
    teams = _Teams(problem)
    free = dict(enumerate(units(problem)))
    cache: dict[int, tuple[float, int] | None] = {}

    def best_for(column: int) -> tuple[float, int] | None:
        if column not in cache:
            options = [
                (teams.gain(unit, column), -key)
                for key, unit in free.items()
                if teams.allowed(unit, column)
            ]
            best = max(options) if options else None
            cache[column] = None if best is None else (best[0], -best[1])
        return cache[column]

    def place(key: int, column: int) -> None:
        teams.add(free.pop(key), column)
        for other, best in list(cache.items()):
            if other == column or (best is not None and best[1] == key):
                del cache[other]

    while True:
        short = [c for c in range(challenges) if len(teams.members[c]) < problem.min_size[c]]
        if not short:
            break
        column = max(short, key=lambda c: (problem.min_size[c] - len(teams.members[c]), -c))
        found = best_for(column)
        if found is None:
            break
        place(found[1], column)
    while free:
        options = []
        for column in range(challenges):
            found = best_for(column)
            if found is not None and found[0] > 0:
                options.append((found[0], -column, found[1]))
        if not options:
            break
        _, column, key = max(options)
        place(key, -column)
    return Assignment([sorted(team) for team in teams.members])
