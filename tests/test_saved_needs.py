"""Saved needs with an owner token, open challenges, and the challenges that fit an entity."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from matcher.watch.store import WatchStore
from tests.support.catalogue import write_catalogue
from tests.support.coach import assert_error
from tests.support.open_access import OPEN

BATTERY = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"
CARE = "Sensors for elderly care at home"
SOON = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def client(tmp_path) -> TestClient:
    """A fresh app per test (saved needs are written), over the tiny catalogue."""
    fake = EncoderSettings(name="fake")
    settings = Settings(data_dir=tmp_path / "data", encoder=fake, access=OPEN)
    Matcher(settings, encoder=FakeEncoder()).build(str(write_catalogue(tmp_path / "c.jsonl")))
    return TestClient(create_app(settings, encoder=FakeEncoder()), raise_server_exceptions=False)


def challenge(text: str, **extra: object) -> dict:
    return {
        "need": text,
        "visibility": "public",
        "owner_organisation": "Region Stockholm",
        "deadline": SOON,
        **extra,
    }


def test_a_saved_need_belongs_to_its_token(client: TestClient) -> None:
    saved = client.post("/v1/needs", json={"need": BATTERY, "title": "Batteries"})
    assert saved.status_code == 201, saved.text
    body = saved.json()
    token, need_id = body["token"], body["id"]
    assert len(token) >= 32 and body["open"] is False and body["visibility"] == "private"
    mine = {"X-Need-Token": token}
    assert client.get(f"/v1/needs/{need_id}", headers=mine).json()["title"] == "Batteries"
    assert_error(client.get(f"/v1/needs/{need_id}"), 404, "not_found")
    wrong = {"X-Need-Token": "x" * 32}
    assert_error(client.get(f"/v1/needs/{need_id}", headers=wrong), 404, "not_found")
    changed = client.put(
        f"/v1/needs/{need_id}", headers=mine, json={"need": BATTERY, "title": "Cells", "top_k": 5}
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Cells"
    assert changed.json()["top_k"] == 5
    stranger = client.put(f"/v1/needs/{need_id}", json={"need": "mine now"})
    assert_error(stranger, 404, "not_found")
    assert client.delete(f"/v1/needs/{need_id}", headers=mine).status_code == 204
    assert_error(client.get(f"/v1/needs/{need_id}", headers=mine), 404, "not_found")


def test_bad_needs_are_refused_clearly(client: TestClient) -> None:
    assert_error(client.post("/v1/needs", json={"need": "  "}), 422, "invalid_request", "empty")
    public = {"need": BATTERY, "visibility": "public"}
    assert_error(client.post("/v1/needs", json=public), 422, "invalid_request", "deadline")
    past = challenge(BATTERY, deadline="2020-01-01")
    assert_error(client.post("/v1/needs", json=past), 422, "invalid_request", "has passed")
    assert_error(client.post("/v1/needs", json={"need": "x" * 20_000}), 422, "invalid_request")
    zero = {"need": BATTERY, "top_k": 0}
    assert_error(client.post("/v1/needs", json=zero), 422, "invalid_request", "top_k")
    extra = {"need": BATTERY, "colour": "red"}
    assert_error(client.post("/v1/needs", json=extra), 422, "invalid_request", "colour")


def test_open_challenges_are_listed_until_their_deadline(client: TestClient) -> None:
    battery = client.post("/v1/needs", json=challenge(BATTERY, title="Battery pilot")).json()
    client.post("/v1/needs", json=challenge(CARE, filters={"areas": ["life-science-health"]}))
    client.post("/v1/needs", json={"need": "a private need about batteries"})
    listed = client.get("/v1/challenges").json()
    assert listed["total"] == 2 and battery["open"] is True
    assert "token" not in listed["items"][0] and "exclude" not in listed["items"][0]
    assert [c["title"] for c in client.get("/v1/challenges?q=pilot").json()["items"]] == [
        "Battery pilot"
    ]
    area = client.get("/v1/challenges?area=life-science-health").json()["items"]
    assert [c["need"] for c in area] == [CARE]
    assert client.get(f"/v1/challenges/{battery['id']}").json()["owner_organisation"] == (
        "Region Stockholm"
    )
    store: WatchStore = client.app.state.watch  # type: ignore[attr-defined]
    store.update(battery["id"], {**challenge(BATTERY), "deadline": "2020-01-01"})
    assert client.get("/v1/challenges").json()["total"] == 1, "an expired challenge is gone"
    assert_error(client.get(f"/v1/challenges/{battery['id']}"), 404, "not_found")
    assert_error(client.get("/v1/challenges?area=space"), 422, "invalid_request")


def test_the_challenges_that_fit_an_entity_come_with_band_and_reasons(client: TestClient) -> None:
    client.post("/v1/needs", json=challenge(CARE, title="Care"))
    client.post("/v1/needs", json=challenge(BATTERY, title="Battery"))
    client.post("/v1/needs", json=challenge(BATTERY, title="People only", kinds=["researcher"]))
    excluded = challenge(BATTERY, title="Not you", exclude=["lab:black-mass-pilot"])
    client.post("/v1/needs", json=excluded)
    found = client.get("/v1/entities/lab:black-mass-pilot/challenges").json()["results"]
    titles = [m["challenge"]["title"] for m in found]
    assert titles[0] == "Battery" and set(titles) == {"Battery", "Care"}
    best = found[0]
    assert best["band"] in {"strong", "possible", "weak"} and 0 <= best["relevance"] <= 1
    assert {"battery", "black", "leaching"} & {t.lower() for t in best["reasons"]["terms"]}
    assert best["reasons"]["evidence"]
    people = client.get("/v1/entities/researcher:ann-metals/challenges").json()["results"]
    assert "People only" in [m["challenge"]["title"] for m in people]
    assert_error(client.get("/v1/entities/lab:nothing/challenges"), 404, "not_found")


def test_erasing_an_entity_takes_it_out_of_saved_exclusions(client: TestClient) -> None:
    saved = client.post(
        "/v1/needs", json={"need": BATTERY, "exclude": ["company:battery-loop", "lab:x"]}
    ).json()
    removed = client.delete("/v1/entities/company:battery-loop").json()["removed"]
    assert removed["saved_needs"] == 1
    kept = client.get(f"/v1/needs/{saved['id']}", headers={"X-Need-Token": saved["token"]})
    assert kept.json()["exclude"] == ["lab:x"]
