"""Team formation as data: who fits which challenge, who has which skill, and the rules.

The objective every solver maximises (and `score` computes) is

    sum_{p,c} affinity[p, c] x[p, c]                      (people where their expertise fits)
  + SKILL_WEIGHT      * skills of each challenge its team covers
  + DISCIPLINE_WEIGHT * distinct disciplines in each team
  + ORG_WEIGHT        * distinct organisations in each team

with x[p, c] = 1 when person p is in challenge c's team.
"""

from dataclasses import dataclass, field

import numpy as np

SKILL_WEIGHT = 0.5
DISCIPLINE_WEIGHT = 0.1
ORG_WEIGHT = 0.1


@dataclass
class TeamProblem:
    """Everything a solver needs, with people and challenges as row and column numbers."""

    people: list[str]
    challenges: list[str]
    affinity: np.ndarray  # people x challenges, 0..1
    skills: list[list[str]]  # required skills per challenge
    has_skill: list[np.ndarray]  # per challenge: people x its skills, bool
    disciplines: list[list[str]]  # per person
    organisations: list[str]  # per person
    min_size: np.ndarray  # per challenge
    max_size: np.ndarray  # per challenge
    max_org_share: float | None = None
    min_disciplines: int = 0
    together: list[tuple[int, int]] = field(default_factory=list)
    apart: list[tuple[int, int]] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.people), len(self.challenges)


@dataclass
class Assignment:
    """Teams as lists of person rows per challenge column."""

    teams: list[list[int]]

    def team_of(self, person: int) -> int | None:
        for column, team in enumerate(self.teams):
            if person in team:
                return column
        return None


def team_score(problem: TeamProblem, column: int, team: list[int]) -> float:
    """The objective's share of one team."""
    if not team:
        return 0.0
    value = float(problem.affinity[team, column].sum())
    if problem.skills[column]:
        value += SKILL_WEIGHT * int(problem.has_skill[column][team].any(axis=0).sum())
    value += DISCIPLINE_WEIGHT * len({d for p in team for d in problem.disciplines[p]})
    value += ORG_WEIGHT * len({problem.organisations[p] for p in team})
    return value


def score(problem: TeamProblem, assignment: Assignment) -> float:
    """The objective of a whole assignment."""
    return sum(team_score(problem, c, team) for c, team in enumerate(assignment.teams))


def violations(problem: TeamProblem, assignment: Assignment) -> list[str]:
    """Every broken rule, in words (empty when the assignment is valid)."""
    found: list[str] = []
    seen: dict[int, int] = {}
    for column, team in enumerate(assignment.teams):
        name = problem.challenges[column]
        for person in team:
            if person in seen:
                found.append(f"{problem.people[person]} is in two teams")
            seen[person] = column
        size = len(team)
        if not problem.min_size[column] <= size <= problem.max_size[column]:
            found.append(f"team {name} has {size} members, outside its size bounds")
        if problem.max_org_share is not None and team:
            counts: dict[str, int] = {}
            for person in team:
                counts[problem.organisations[person]] = (
                    counts.get(problem.organisations[person], 0) + 1
                )
            worst = max(counts.values())
            if worst > problem.max_org_share * size + 1e-9:
                found.append(f"team {name} has {worst} of {size} from one organisation")
        disciplines = {d for p in team for d in problem.disciplines[p]}
        if len(disciplines) < problem.min_disciplines:
            found.append(f"team {name} has {len(disciplines)} disciplines")
    for a, b in problem.together:
        if assignment.team_of(a) != assignment.team_of(b):
            found.append(f"{problem.people[a]} and {problem.people[b]} must be together")
    for a, b in problem.apart:
        where = assignment.team_of(a)
        if where is not None and where == assignment.team_of(b):
            found.append(f"{problem.people[a]} and {problem.people[b]} must be apart")
    return found
