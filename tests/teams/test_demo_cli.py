"""The CLI with the example OpenLab files on the demo catalogue (fake encoder)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher import cli
from matcher.engine import Matcher
from matcher.teams import formation as teams
from matcher.teams.build import TeamRequestError
from matcher.teams.problem import violations
from matcher.teams.schemas import TeamRequest, TeamResponse
from tests.support.command import run
from tests.support.teams import (
    OPENLAB,
    medium_problem,
)


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
