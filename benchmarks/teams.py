"""Team formation benchmark: the exact solver (HiGHS MILP) against the greedy baseline.

Run by hand: `.venv/bin/python benchmarks/teams.py [--seeds 3]`. Prints, per size, the
solver status, proven gap, seconds, objective of exact vs greedy (ratio, same inputs in the
same process) and the number of broken rules in each answer (must be zero).

Problems are drawn from a fixed seed with the shape of a real OpenLab: people from a few
dozen organisations, one to three of 30 disciplines each, about 15 % holding each required
skill, and affinities that cluster (each person fits a few challenges well). Rules: teams of
3-6 (60 x 8) or 3-12 (300 x 30), at most half of a team from one organisation, at least three
disciplines per team, five pairs that must be together and five that must be apart.
"""

import argparse
import os
import platform
import time

import numpy as np

from matcher.teams import greedy as team_greedy
from matcher.teams import milp as team_milp
from matcher.teams.problem import TeamProblem, score, violations

DISCIPLINES = [f"discipline-{i}" for i in range(30)]


def problem(people: int, challenges: int, seed: int, max_size: int) -> TeamProblem:
    """A random OpenLab of the given size."""
    rng = np.random.default_rng(seed)
    topics = rng.random((challenges, 8))
    interests = rng.random((people, 8)) ** 3
    affinity = interests @ topics.T
    affinity = (affinity - affinity.min()) / (affinity.max() - affinity.min())
    skills = [[f"skill-{c}-{s}" for s in range(3)] for c in range(challenges)]
    has_skill = [rng.random((people, 3)) < 0.15 for _ in range(challenges)]
    disciplines = [
        list(rng.choice(DISCIPLINES, size=rng.integers(1, 4), replace=False)) for _ in range(people)
    ]
    organisations = [f"org-{rng.integers(max(people // 8, 4))}" for _ in range(people)]
    pairs = rng.choice(people, size=(10, 2), replace=False)
    return TeamProblem(
        people=[f"p{i}" for i in range(people)],
        challenges=[f"c{j}" for j in range(challenges)],
        affinity=affinity,
        skills=skills,
        has_skill=has_skill,
        disciplines=disciplines,
        organisations=organisations,
        min_size=np.full(challenges, 3),
        max_size=np.full(challenges, max_size),
        max_org_share=0.5,
        min_disciplines=3,
        together=[(int(a), int(b)) for a, b in pairs[:5]],
        apart=[(int(a), int(b)) for a, b in pairs[5:]],
    )


def run(people: int, challenges: int, seed: int, max_size: int, limit: float) -> dict[str, object]:
    """Solve one problem both ways."""
    instance = problem(people, challenges, seed, max_size)
    started = time.perf_counter()
    greedy = team_greedy.solve(instance)
    greedy_seconds = time.perf_counter() - started
    exact = team_milp.solve(instance, limit)
    assert exact.assignment is not None, exact.message
    exact_value = score(instance, exact.assignment)
    greedy_value = score(instance, greedy)
    return {
        "size": f"{people} x {challenges}",
        "seed": seed,
        "status": exact.status,
        "gap": exact.gap,
        "seconds": exact.seconds,
        "greedy_seconds": greedy_seconds,
        "ratio": exact_value / greedy_value,
        "exact_broken": len(violations(instance, exact.assignment)),
        "greedy_broken": len(violations(instance, greedy)),
    }


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{'size':>10} {'seed':>4} {'status':>10} {'gap':>8} {'exact s':>8} {'greedy s':>9} "
        f"{'exact/greedy':>12} {'broken':>9}"
    )
    for people, challenges, max_size in ((60, 8, 6), (300, 30, 12)):
        for seed in range(args.seeds):
            row = run(people, challenges, seed, max_size, args.time_limit)
            print(
                f"{row['size']:>10} {seed:>4} {row['status']:>10} {row['gap']:>8.2%} "
                f"{row['seconds']:>8.2f} {row['greedy_seconds']:>9.2f} {row['ratio']:>12.4f} "
                f"{row['exact_broken']:>4}/{row['greedy_broken']:<4}"
            )


if __name__ == "__main__":
    main()
