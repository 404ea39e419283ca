"""OpenLab team formation: solve a team request exactly or greedily and explain the teams.

`form_teams` checks the rules for clashes it can name before solving, then runs the greedy
solver (always: it is the baseline and the fallback) and, unless asked not to, the exact
solver (integer programming with HiGHS, milp.py) under the time limit. The better valid
answer is returned with the solver's status and optimality gap. When the exact solver proves
that no teams exist, each family of rules is dropped in turn to find the ones that clash.
"""

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from matcher.encoders.base import Encode
from matcher.served import Loaded
from matcher.settings import AccessSettings
from matcher.teams import greedy as greedy_solver
from matcher.teams import milp as exact_solver
from matcher.teams.build import (
    Person,
    TeamRequestError,
    build_problem,
    participants,
)
from matcher.teams.checks import FAMILIES, TeamInfeasibleError, check
from matcher.teams.problem import Assignment, TeamProblem, score, team_score, violations
from matcher.teams.schemas import Member, NotPlaced, Team, TeamRequest, TeamResponse

PROBE_SECONDS = 5.0
EXACT_MAX_PAIRS = 20_000


def _clashing(problem: TeamProblem) -> list[str]:
    """Families of rules whose removal alone makes the problem solvable."""
    found = []
    for family, words in FAMILIES.items():
        relaxed = exact_solver.solve(problem, PROBE_SECONDS, relax=frozenset({family}))
        if relaxed.assignment is not None:
            found.append(words)
    if found:
        return [f"the teams become possible without {' or without '.join(found)}"]
    return ["no single family of rules is to blame; several clash together"]


def _members(
    problem: TeamProblem, people: list[Person], column: int, team: list[int]
) -> list[Member]:
    ranks = np.argsort(-problem.affinity[:, column], kind="stable")
    position = {int(p): i + 1 for i, p in enumerate(ranks)}
    members = []
    for person in team:
        skills = [
            skill
            for s, skill in enumerate(problem.skills[column])
            if problem.has_skill[column][person, s]
        ]
        others = {d for p in team if p != person for d in problem.disciplines[p]}
        only = [d for d in problem.disciplines[person] if d not in others]
        parts = [f"ranks {position[person]} of {len(people)} in the pool for this challenge"]
        if skills:
            parts.append(f"brings {', '.join(skills)}")
        if only:
            parts.append(f"the team's only member in {', '.join(only)}")
        reason = "; ".join(parts)
        members.append(
            Member(
                id=people[person].id,
                name=people[person].name,
                organisation=people[person].organisation,
                disciplines=people[person].disciplines,
                skills=skills,
                affinity=round(float(problem.affinity[person, column]), 4),
                in_catalogue=people[person].in_index,
                reason=reason[0].upper() + reason[1:],
            )
        )
    return members


def _teams(problem: TeamProblem, people: list[Person], assignment: Assignment) -> list[Team]:
    teams = []
    for column, team in enumerate(assignment.teams):
        skills = problem.skills[column]
        held = problem.has_skill[column][team] if team else np.zeros((0, len(skills)), bool)
        covered = [bool(v) for v in np.asarray(held.any(axis=0)).reshape(-1)]
        teams.append(
            Team(
                challenge_id=problem.challenges[column],
                members=_members(problem, people, column, team),
                skills_covered=[s for s, hit in zip(skills, covered, strict=True) if hit],
                skills_missing=[s for s, hit in zip(skills, covered, strict=True) if not hit],
                disciplines=sorted({d for p in team for d in problem.disciplines[p]}),
                organisations=sorted({problem.organisations[p] for p in team}),
                objective=round(team_score(problem, column, team), 4),
            )
        )
    return teams


def _not_placed(
    problem: TeamProblem, people: list[Person], assignment: Assignment
) -> list[NotPlaced]:
    """Everyone in no team, with the reason in words: the places are fewer than the people,
    and where the person fits best (which team took whom instead)."""
    placed = {p for team in assignment.teams for p in team}
    places = int(problem.max_size.sum())
    full = len(placed) >= places
    out = []
    for person in (p for p in range(len(people)) if p not in placed):
        best = int(np.argmax(problem.affinity[person])) if problem.challenges else None
        parts = []
        if full:
            parts.append(f"all {places} places are taken ({len(people)} people in the pool)")
        else:
            parts.append("a place in a team would break a rule or lower the teams' balance")
        if best is not None:
            column = problem.affinity[:, best]
            rank = 1 + int((column > column[person]).sum())
            parts.append(
                f"fits {problem.challenges[best]} best, where {rank - 1} people fit better"
            )
        reason = "; ".join(parts)
        out.append(
            NotPlaced(
                id=people[person].id,
                name=people[person].name,
                organisation=people[person].organisation,
                disciplines=people[person].disciplines,
                reason=reason[0].upper() + reason[1:],
            )
        )
    return out


@dataclass
class Solved:
    """An assignment and how it was found."""

    assignment: Assignment
    status: Literal["optimal", "feasible", "greedy"]
    solver: str
    gap: float | None = None
    note: str | None = None


def _broken(problem: TeamProblem, assignment: Assignment) -> str:
    return "; ".join(violations(problem, assignment)[:3])


def solve(problem: TeamProblem, solver: str, time_limit: float) -> Solved:
    """The best valid assignment: greedy, exact, or greedy when the exact one finds nothing."""
    started = time.perf_counter()
    greedy = greedy_solver.solve(problem)
    greedy_ok = not violations(problem, greedy)
    if solver == "greedy":
        if not greedy_ok:
            raise TeamInfeasibleError([f"the greedy teams break: {_broken(problem, greedy)}"])
        return Solved(greedy, "greedy", "greedy")
    pairs = problem.affinity.size
    if pairs > EXACT_MAX_PAIRS:
        if solver == "exact":
            raise TeamRequestError(
                f"{pairs} participant-challenge pairs are too many for the exact solver (limit "
                f"{EXACT_MAX_PAIRS}); use the greedy solver"
            )
        if not greedy_ok:
            raise TeamInfeasibleError([f"the greedy teams break: {_broken(problem, greedy)}"])
        note = f"{pairs} participant-challenge pairs: too many for the exact solver, greedy used"
        return Solved(greedy, "greedy", "greedy", None, note)
    left = max(time_limit - (time.perf_counter() - started), 1.0)
    exact = exact_solver.solve(problem, left)
    if exact.status == "infeasible":
        raise TeamInfeasibleError(_clashing(problem))
    if exact.assignment is not None and not violations(problem, exact.assignment):
        status: Literal["optimal", "feasible"] = (
            "optimal" if exact.status == "optimal" else "feasible"
        )
        if greedy_ok and score(problem, greedy) > score(problem, exact.assignment) + 1e-9:
            note = "the greedy teams beat the exact solver's best within the time limit"
            return Solved(greedy, "feasible", "highs-milp", exact.gap, note)
        return Solved(exact.assignment, status, "highs-milp", exact.gap)
    if greedy_ok:
        note = f"the exact solver found no teams within {time_limit:g} s ({exact.message})"
        return Solved(greedy, "greedy", "greedy", None, note)
    raise TeamInfeasibleError(
        [
            f"no valid teams were found within {time_limit:g} s; the greedy attempt broke: "
            + _broken(problem, greedy)
        ]
    )


@dataclass(frozen=True)
class TeamLimits:
    """Bounds on one team request (a caller without a key gets smaller ones)."""

    max_people: int | None = None
    max_challenges: int | None = None
    max_seconds: float | None = None

    @classmethod
    def for_caller(cls, access: AccessSettings, public: bool) -> "TeamLimits":
        """The bounds for a caller: the access settings' public ones without an API key."""
        if not public:
            return cls()
        return cls(
            access.public_team_people, access.public_team_challenges, access.public_team_seconds
        )

    def check(self, request: TeamRequest, people: int) -> float:
        """Refuse a request over the bounds, before anything is encoded; the time limit the
        exact solver gets."""
        challenges = len(request.challenges)
        over = []
        if self.max_people is not None and people > self.max_people:
            over.append(f"{people} participants (at most {self.max_people})")
        if self.max_challenges is not None and challenges > self.max_challenges:
            over.append(f"{challenges} challenges (at most {self.max_challenges})")
        if over:
            raise TeamRequestError(
                f"this team request has {' and '.join(over)} without an API key; send a key "
                "for larger requests"
            )
        if request.solver == "exact" and people * challenges > EXACT_MAX_PAIRS:
            raise TeamRequestError(
                f"{people * challenges} participant-challenge pairs are too many for the exact "
                f"solver (limit {EXACT_MAX_PAIRS}); use the greedy solver"
            )
        limit = request.time_limit_s
        return limit if self.max_seconds is None else min(limit, self.max_seconds)


def form_teams(
    loaded: Loaded,
    request: TeamRequest,
    encode: Encode,
    encode_documents: Encode,
    limits: TeamLimits = TeamLimits(),
) -> TeamResponse:
    """Teams for a request, or TeamInfeasibleError saying which rules clash."""
    started = time.perf_counter()
    people = participants(loaded, request)
    seconds = limits.check(request, len(people))
    problem = build_problem(loaded, request, people, encode, encode_documents)
    reasons = check(problem)
    if reasons:
        raise TeamInfeasibleError(reasons)
    solved = solve(problem, request.solver, seconds)
    assignment = solved.assignment
    placed = {p for team in assignment.teams for p in team}
    return TeamResponse(
        status=solved.status,
        solver=solved.solver,
        objective=round(score(problem, assignment), 4),
        gap=None if solved.gap is None else round(solved.gap, 6),
        seconds=round(time.perf_counter() - started, 3),
        note=solved.note,
        teams=_teams(problem, people, assignment),
        unassigned=[people[p].id for p in range(len(people)) if p not in placed],
        not_placed=_not_placed(problem, people, assignment),
    )
