"""Entities similar to one entity, and entities complementing it: engine, API and CLI."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError, UnknownEntityError
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import ENTITIES, write_catalogue
from tests.support.command import run

LISTED = [e["id"] for e in ENTITIES if e["kind"] != "researcher" or e["consent"]]
HIDDEN = "researcher:hidden-person"
DISCIPLINES = {e["id"]: set(e["disciplines"]) for e in ENTITIES}
PLAIN = [
    {
        "id": "company:plain-co",
        "kind": "company",
        "name": "Plain Co",
        "description": "Battery recycling consultancy for black mass.",
    },
    {
        "id": "company:plain-two",
        "kind": "company",
        "name": "Plain Two",
        "description": "Battery recycling of lithium-ion cells and black mass.",
    },
]
SEEKER = {
    "id": "company:seeker",
    "kind": "company",
    "name": "Seeker",
    "description": "Chemistry of lithium-ion battery cells and black mass recycling.",
    "disciplines": ["chemistry"],
    "seeks": ["fraud detection for payments"],
}


def ids(matcher: Matcher, entity_id: str, relation: str, **options: object) -> list[str]:
    response = matcher.neighbours(entity_id, relation, **options)  # type: ignore[arg-type]
    return [r.id for r in response.results]


@pytest.mark.parametrize("entity_id", LISTED)
def test_similar_never_returns_the_entity_itself(engine: Matcher, entity_id: str) -> None:
    response = engine.neighbours(entity_id, "similar", top_k=100)
    assert response.entity_id == entity_id and response.relation == "similar"
    found = [r.id for r in response.results]
    assert entity_id not in found
    assert sorted(found) == sorted(set(LISTED) - {entity_id})
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)


def test_similar_finds_the_entities_on_the_same_topic(engine: Matcher) -> None:
    assert ids(engine, "company:battery-loop", "similar", top_k=1) == ["researcher:ann-metals"]
    assert set(ids(engine, "lab:care-living-lab", "similar", top_k=2)) == {
        "company:care-robotics",
        "researcher:bo-care",
    }
    first = engine.neighbours("company:battery-loop", "similar", top_k=1).results[0]
    assert first.reasons.complements == "shares chemistry with Battery Loop"
    assert first.disciplines == ["chemistry"]


def test_kinds_and_top_k(engine: Matcher) -> None:
    assert ids(engine, "company:battery-loop", "similar", kinds=["lab"], top_k=1) == [
        "lab:closed-cell-lab"
    ]
    labs = ids(engine, "company:battery-loop", "similar", kinds=["lab"], top_k=10)
    assert sorted(labs) == ["lab:black-mass-pilot", "lab:care-living-lab", "lab:closed-cell-lab"]
    people = ids(engine, "researcher:ann-metals", "complements", kinds=["researcher"], top_k=10)
    assert people == ["researcher:bo-care"]
    assert len(ids(engine, "company:ledger-safe", "similar", top_k=2)) == 2


@pytest.mark.parametrize("entity_id", LISTED)
def test_complements_bring_a_discipline_the_entity_lacks(engine: Matcher, entity_id: str) -> None:
    own = DISCIPLINES[entity_id]
    name = next(e["name"] for e in ENTITIES if e["id"] == entity_id)
    response = engine.neighbours(entity_id, "complements", top_k=100)
    assert response.relation == "complements" and response.results
    for result in response.results:
        assert result.id != entity_id
        new = set(result.disciplines) - own
        assert new, result.id
        assert result.reasons.complements is not None
        assert result.reasons.complements.startswith(f"Brings {', '.join(sorted(new))}")
        assert f"which {name} lacks" in result.reasons.complements
    expected = {e for e in LISTED if e != entity_id and DISCIPLINES[e] - own}
    assert {r.id for r in response.results} == expected


def test_complements_of_a_chemist(engine: Matcher) -> None:
    found = ids(engine, "researcher:ann-metals", "complements", top_k=100)
    assert found[0] == "lab:closed-cell-lab"
    assert "company:battery-loop" not in found and "lab:black-mass-pilot" not in found


def test_complements_start_from_what_a_company_seeks(settings: Settings, tmp_path: Path) -> None:
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "seeker.jsonl", ENTITIES + [SEEKER])))
    assert ids(matcher, "company:seeker", "similar", top_k=1) != ["company:ledger-safe"]
    first = matcher.neighbours("company:seeker", "complements", top_k=1).results[0]
    assert first.id == "company:ledger-safe"
    assert first.reasons.complements is not None
    assert first.reasons.complements.startswith("Brings data science, which Seeker lacks")
    assert "seeks: fraud detection for payments" in first.reasons.complements


def test_complements_of_an_entity_without_disciplines_still_bring_one(
    settings: Settings, tmp_path: Path
) -> None:
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "plain.jsonl", ENTITIES + PLAIN)))
    response = matcher.neighbours("company:plain-co", "complements", top_k=100)
    assert response.results
    for result in response.results:
        assert result.disciplines, result.id
        assert result.reasons.complements, result.id


@pytest.mark.parametrize("relation", ["similar", "complements"])
def test_every_neighbour_has_evidence(engine: Matcher, relation: str) -> None:
    for entity_id in LISTED:
        for result in engine.neighbours(entity_id, relation, top_k=100).results:
            assert result.reasons.evidence, (entity_id, result.id)


@pytest.mark.parametrize("relation", ["similar", "complements"])
def test_researchers_without_consent_are_never_neighbours(engine: Matcher, relation: str) -> None:
    for entity_id in LISTED:
        for kinds in (None, ["researcher"]):
            assert HIDDEN not in ids(engine, entity_id, relation, kinds=kinds, top_k=100)
    with pytest.raises(UnknownEntityError, match=HIDDEN):
        engine.neighbours(HIDDEN, relation)


def test_unknown_entity_and_bad_top_k(engine: Matcher) -> None:
    with pytest.raises(UnknownEntityError, match="no entity with id 'company:nobody'"):
        engine.neighbours("company:nobody", "similar")
    for top_k in (0, -1, 101):
        with pytest.raises(InvalidRequestError, match="top_k must be between 1 and 100"):
            engine.neighbours("company:battery-loop", "complements", top_k=top_k)


def assert_error(response, status: int, code: str, fragment: str = "") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


@pytest.mark.parametrize("relation", ["similar", "complements"])
def test_neighbours_through_the_api(client: TestClient, relation: str) -> None:
    response = client.get(f"/v1/entities/researcher:ann-metals/{relation}")
    assert response.status_code == 200
    body = response.json()
    assert body["entity_id"] == "researcher:ann-metals" and body["relation"] == relation
    found = [r["id"] for r in body["results"]]
    assert found and "researcher:ann-metals" not in found and HIDDEN not in found
    first = body["results"][0]
    assert set(first) >= {"id", "kind", "name", "score", "disciplines", "reasons"}
    assert first["reasons"]["evidence"]


def test_api_kind_is_repeatable_and_top_k_limits(client: TestClient) -> None:
    url = "/v1/entities/company:battery-loop/similar"
    both = client.get(url, params={"kind": ["lab", "researcher"], "top_k": 100}).json()
    assert {r["kind"] for r in both["results"]} == {"lab", "researcher"}
    assert len(both["results"]) == 5
    two = client.get(url, params={"top_k": 2}).json()["results"]
    assert [r["id"] for r in two] == ["researcher:ann-metals", "lab:closed-cell-lab"]
    labs = client.get(
        "/v1/entities/researcher:ann-metals/complements", params={"kind": "lab"}
    ).json()
    assert [r["id"] for r in labs["results"]] == ["lab:closed-cell-lab", "lab:care-living-lab"]


@pytest.mark.parametrize("relation", ["similar", "complements"])
def test_api_errors(client: TestClient, relation: str) -> None:
    missing = client.get(f"/v1/entities/company:nobody/{relation}")
    assert_error(missing, 404, "not_found", "no entity with id 'company:nobody'")
    assert_error(client.get(f"/v1/entities/{HIDDEN}/{relation}"), 404, "not_found", HIDDEN)
    url = f"/v1/entities/company:battery-loop/{relation}"
    assert_error(client.get(url, params={"top_k": 0}), 422, "invalid_request", "top_k")
    assert_error(
        client.get(url, params={"top_k": 101}),
        422,
        "invalid_request",
        "top_k must be between 1 and 100",
    )
    assert_error(client.get(url, params={"top_k": "many"}), 422, "invalid_request", "top_k")
    assert_error(client.get(url, params={"kind": "robot"}), 422, "invalid_request", "kind")


def test_api_documents_the_new_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/entities/{entity_id}/similar", "/v1/entities/{entity_id}/complements"} <= set(
        paths
    )


def test_cli_similar_json(cli_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "similar", "company:battery-loop", "--json", "--top", "2")
    assert code == 0 and err == ""
    body = json.loads(out)
    assert body["relation"] == "similar"
    assert [r["id"] for r in body["results"]] == ["researcher:ann-metals", "lab:closed-cell-lab"]
    code, out, _ = run(capsys, "similar", "company:battery-loop", "--json", "--kind", "company")
    assert {r["kind"] for r in json.loads(out)["results"]} == {"company"}


def test_cli_complements_text(cli_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "complements", "researcher:ann-metals", "--top", "3")
    assert code == 0
    assert "Complements researcher:ann-metals" in out
    assert "lab:closed-cell-lab" in out
    assert "Brings electrical engineering, which Ann Metals lacks" in out
    assert "company:battery-loop" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["similar", "company:nobody"], "no entity with id 'company:nobody'"),
        (["complements", HIDDEN], f"no entity with id '{HIDDEN}'"),
        (["similar", "company:battery-loop", "--top", "0"], "top_k must be between 1 and 100"),
        (["complements", "company:battery-loop", "--top", "500"], "top_k must be between"),
    ],
)
def test_cli_neighbour_errors_are_one_line(
    cli_data: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("matcher: error:") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_neighbours_before_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.settings import get_settings

    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    try:
        code, _, err = run(capsys, "similar", "company:battery-loop")
    finally:
        get_settings.cache_clear()
    assert code == 2 and "matcher build" in err


def test_without_disciplines_complements_are_other_kinds(tmp_path: Path) -> None:
    rows = [
        {
            "id": "company:a",
            "kind": "company",
            "name": "Alpha",
            "description": "Battery recycling with hydrometallurgy.",
        },
        {
            "id": "company:b",
            "kind": "company",
            "name": "Beta",
            "description": "Battery recycling with solvent extraction.",
        },
        {
            "id": "researcher:c",
            "kind": "researcher",
            "name": "C",
            "affiliation": "KTH",
            "consent": True,
            "description": "Battery regulation and product passports.",
        },
        {
            "id": "lab:d",
            "kind": "lab",
            "name": "D",
            "host": "RISE",
            "description": "Battery test lab.",
        },
    ]
    catalogue = tmp_path / "plain.jsonl"
    catalogue.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", encoder=EncoderSettings(name="fake"))
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(catalogue))
    found = matcher.neighbours("company:a", "complements").results
    assert {r.id for r in found} == {"researcher:c", "lab:d"}
    assert all(r.reasons.complements and "beside Alpha" in r.reasons.complements for r in found)
