"""Team requests through the engine, the API and the CLI, on the tiny catalogue."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from matcher.engine import Matcher
from matcher.teams.build import TeamRequestError
from matcher.teams.checks import TeamInfeasibleError
from matcher.teams.schemas import TeamRequest, TeamResponse
from tests.support.teams import (
    HIDDEN,
)


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
