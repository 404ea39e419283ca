"""The `teams` subcommand: OpenLab teams from challenge and pool files."""

import argparse
from typing import Any

from matcher.cli.common import CliError, Subparsers, load_settings, read_records


def _pool(raw: Any) -> dict[str, Any]:
    """A pool document, or a list of ids and inline profiles."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, list):
        raise CliError("the pool file must hold a JSON object or a list of ids and profiles")
    return {
        "ids": [r for r in raw if isinstance(r, str)],
        "profiles": [r for r in raw if not isinstance(r, str)],
    }


def cmd_teams(args: argparse.Namespace) -> int:
    """Form OpenLab teams."""
    from pydantic import ValidationError

    from matcher.catalogue.reading import describe_error
    from matcher.engine import Matcher
    from matcher.errors import NotBuiltError
    from matcher.teams.build import TeamRequestError
    from matcher.teams.checks import TeamInfeasibleError
    from matcher.teams.schemas import TeamRequest

    challenges = read_records(args.challenges, "challenges")
    constraints: dict[str, Any] = {}
    if args.constraints:
        constraints = read_records(args.constraints, "constraints")
        if not isinstance(constraints, dict):
            raise CliError("the constraints file must hold one JSON object")
    for key in ("min_size", "max_size", "max_org_share", "min_disciplines"):
        if getattr(args, key) is not None:
            constraints[key] = getattr(args, key)
    raw = {
        "challenges": challenges if isinstance(challenges, list) else [challenges],
        "pool": _pool(read_records(args.pool, "pool")),
        "constraints": constraints,
        "solver": args.solver,
        "time_limit_s": args.time_limit,
    }
    try:
        request = TeamRequest.model_validate(raw)
    except ValidationError as exc:
        raise CliError(describe_error(exc)) from exc
    matcher = Matcher(load_settings(args))
    try:
        response = matcher.form_teams(request)
    except (NotBuiltError, TeamRequestError, TeamInfeasibleError) as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(response.model_dump_json())
        return 0
    gap = "" if response.gap is None else f", gap {response.gap:.4%}"
    print(
        f"{len(response.teams)} teams by {response.solver} ({response.status}{gap}) in "
        f"{response.seconds:.1f} s; objective {response.objective:.3f}"
    )
    if response.note:
        print(f"note: {response.note}")
    for team in response.teams:
        print(f"\n{team.challenge_id}  (objective {team.objective:.3f})")
        print(f"  disciplines: {', '.join(team.disciplines)}")
        print(f"  organisations: {', '.join(team.organisations)}")
        if team.skills_covered or team.skills_missing:
            print(
                f"  skills covered: {', '.join(team.skills_covered) or '-'}; "
                f"missing: {', '.join(team.skills_missing) or '-'}"
            )
        for member in team.members:
            print(f"  - {member.name} ({member.organisation}) {member.id}: {member.reason}")
    if response.unassigned:
        print(f"\nnot placed: {', '.join(response.unassigned)}")
    return 0


def add_parsers(
    sub: Subparsers, data: argparse.ArgumentParser, as_json: argparse.ArgumentParser
) -> None:
    """teams."""
    teams = sub.add_parser(
        "teams", parents=[data, as_json], help="form OpenLab teams for challenges from a pool"
    )
    teams.add_argument("--challenges", required=True, help="JSON/JSONL file of challenges")
    teams.add_argument("--pool", required=True, help="JSON/JSONL file: ids and/or profiles")
    teams.add_argument("--constraints", help="JSON file of constraints (see the README)")
    teams.add_argument("--min-size", type=int, dest="min_size", help="smallest team")
    teams.add_argument("--max-size", type=int, dest="max_size", help="largest team")
    teams.add_argument("--max-org-share", type=float, dest="max_org_share")
    teams.add_argument("--min-disciplines", type=int, dest="min_disciplines")
    teams.add_argument("--solver", choices=("auto", "exact", "greedy"), default="auto")
    teams.add_argument("--time-limit", type=float, default=20.0, help="seconds (default 20)")
    teams.set_defaults(func=cmd_teams)
