"""Saved needs with an owner token, open challenges, and the challenges that fit an entity."""

import time
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
    inside = {"need": BATTERY, "webhook_url": "http://127.0.0.1:9/hook"}
    assert_error(client.post("/v1/needs", json=inside), 422, "invalid_request", "private address")
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


def test_a_need_saved_with_a_key_belongs_to_that_key(tmp_path) -> None:
    from matcher.catalogue.keys import KeyStore
    from matcher.settings import AccessSettings

    settings = Settings(
        data_dir=tmp_path / "data",
        encoder=EncoderSettings(name="fake"),
        access=AccessSettings(require_keys=True, rate_per_minute=10_000, burst=1_000),
    )
    built = Matcher(settings, encoder=FakeEncoder())
    built.build(str(write_catalogue(tmp_path / "c.jsonl")))
    keys = KeyStore(built.store)
    coach = {"Authorization": f"Bearer {keys.create('coach', 'editor')[1]}"}
    other = {"Authorization": f"Bearer {keys.create('other', 'editor')[1]}"}
    client = TestClient(create_app(settings, encoder=FakeEncoder()), raise_server_exceptions=False)
    saved = client.post("/v1/needs", json={"need": BATTERY}, headers=coach)
    assert saved.status_code == 201 and saved.json()["token"] is None
    need = saved.json()["id"]
    assert client.get(f"/v1/needs/{need}", headers=coach).status_code == 200
    assert_error(client.get(f"/v1/needs/{need}", headers=other), 404, "not_found")
    assert client.delete(f"/v1/needs/{need}", headers=coach).status_code == 204


def test_a_webhook_that_keeps_failing_is_given_up_and_shown_as_failed(tmp_path) -> None:
    from matcher.settings import AlertSettings
    from matcher.watch.alert_store import ErasableWatchStore
    from matcher.watch.delivery import deliver_due
    from tests.support.receivers import webhook_receiver

    store = ErasableWatchStore(tmp_path / "watch.sqlite")
    with webhook_receiver() as (url, hooks):
        hooks.status = 500
        need, _ = store.create({"need": BATTERY, "webhook_url": url}, key_id=None)
        match = {"need_id": need, "entity_id": "lab:x", "name": "X", "kind": "lab"}
        found = [{**match, "band": "strong", "relevance": 0.9}]
        [alert] = store.alerts.add(found, {need: ["webhook"]})
        settings = AlertSettings(allow_private_webhooks=True, max_attempts=3, backoff_s=0.01)
        states = []
        for _ in range(3):
            deliver_due(store.alerts, settings, now=time.time() + 10)
            states.append(store.alerts.of_need(need)[0]["deliveries"]["webhook"])
        assert [s["status"] for s in states] == ["pending", "pending", "failed"]
        assert states[-1]["attempts"] == 3 and "500" in states[-1]["last_error"]
        assert deliver_due(store.alerts, settings, now=time.time() + 10) == 0, "given up"
        assert hooks.calls == [] and alert > 0
