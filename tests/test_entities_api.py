"""Browsing the catalogue (`GET /v1/entities`) and writing one entity (`PUT /v1/entities/{id}`)."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from tests.support.catalogue import ENTITIES

LISTED = sorted(e["name"] for e in ENTITIES if e.get("consent", True))
LAB = {
    "id": "lab:angstrom-wafer",
    "kind": "lab",
    "name": "Ångström Wafer Lab",
    "description": "Wafer bonding and lithography for MEMS sensors.",
    "host": "Uppsala University",
}


@pytest.fixture
def client(built: Matcher) -> TestClient:
    """The app over a freshly built engine of its own (these tests write)."""
    return TestClient(create_app(built.settings, encoder=FakeEncoder()))


def names(client: TestClient, **params: object) -> list[str]:
    response = client.get("/v1/entities", params=params)
    assert response.status_code == 200
    return [item["name"] for item in response.json()["items"]]


def test_the_catalogue_is_listed_by_name_in_pages_without_hidden_researchers(
    client: TestClient,
) -> None:
    assert names(client, limit=500) == LISTED
    page = client.get("/v1/entities", params={"limit": 3, "offset": 3}).json()
    assert page["total"] == len(LISTED) and [i["name"] for i in page["items"]] == LISTED[3:6]
    assert names(client, kind="researcher") == ["Ann Metals", "Bo Care"]
    assert names(client, kind=["lab", "company"], q="CARE") == [
        "Care Robotics",
        "Home Care Living Lab",
    ]
    assert names(client, q="hidden") == [] and names(client, q="battery-loop") == ["Battery Loop"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"kind": "robot"}, {"q": "x" * 201}]
)
def test_bad_browse_parameters_are_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/v1/entities", params=params)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_put_adds_then_replaces_one_entity_and_it_is_found(client: TestClient) -> None:
    created = client.put(f"/v1/entities/{LAB['id']}", json=LAB)
    assert created.status_code == 201 and created.json()["inserted"] == 1
    assert names(client, q="angstrom") == ["Ångström Wafer Lab"]
    found = client.post("/v1/recommendations", json={"need": "wafer bonding lithography MEMS"})
    assert LAB["id"] in [t["id"] for t in found.json()["testbeds"]]
    again = client.put(f"/v1/entities/{LAB['id']}", json=LAB)
    assert again.status_code == 200 and again.json()["unchanged"] == 1
    changed = client.put(f"/v1/entities/{LAB['id']}", json={**LAB, "trl_min": 3, "trl_max": 6})
    assert changed.status_code == 200 and changed.json()["updated"] == 1
    assert client.get(f"/v1/entities/{LAB['id']}").json()["trl_max"] == 6


@pytest.mark.parametrize(
    ("path_id", "body", "words"),
    [
        ("lab:other", LAB, "is not the path's"),
        (LAB["id"], {**LAB, "host": None}, "host"),
        (LAB["id"], {**LAB, "kind": "robot"}, "kind"),
        (LAB["id"], {**LAB, "colour": "blue"}, "colour"),
    ],
)
def test_a_bad_put_is_422_and_stores_nothing(
    client: TestClient, path_id: str, body: dict[str, object], words: str
) -> None:
    before = client.get("/readyz").json()
    response = client.put(f"/v1/entities/{path_id}", json=body)
    assert response.status_code == 422 and words in response.json()["error"]["message"]
    assert client.get("/readyz").json() == before
    assert client.get(f"/v1/entities/{path_id}").status_code == 404
