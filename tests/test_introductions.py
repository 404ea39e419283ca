"""Introductions: a lab's public e-mail gets the request (a real SMTP server on 127.0.0.1);
a researcher's goes through an operator; the requester follows the status with a token; plain
text only, bounded, a few an hour; erased with the entity."""

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import AlertSettings, EncoderSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.coach import assert_error
from tests.support.open_access import OPEN
from tests.support.receivers import Mailbox, smtp_server

LAB = "lab:black-mass-pilot"  # public contact pilot@testbed-institute.example
PERSON = "researcher:ann-metals"


def ask(client: TestClient, entity: str, contact: str = "anna@startup.example", **extra) -> dict:
    body = {"entity_id": entity, "requester": "Anna, Cellfix AB", "contact": contact}
    return client.post("/v1/introductions", json={"message": "Could we talk?", **body, **extra})


@pytest.fixture
def served(tmp_path: Path):
    with smtp_server() as (port, mailbox):
        alerts = AlertSettings(smtp_host="127.0.0.1", smtp_port=port, deliver_every_s=0.05)
        fake = EncoderSettings(name="fake")
        settings = Settings(data_dir=tmp_path / "data", encoder=fake, access=OPEN, alerts=alerts)
        Matcher(settings, encoder=FakeEncoder()).build(str(write_catalogue(tmp_path / "c.jsonl")))
        with TestClient(create_app(settings, encoder=FakeEncoder())) as client:
            yield client, mailbox


def test_a_lab_with_a_public_email_gets_the_request(served: tuple[TestClient, Mailbox]) -> None:
    client, mailbox = served
    made = ask(client, LAB, message="<b>Hello</b> <script>alert(1)</script>we need 50 kg")
    assert made.status_code == 201, made.text
    intro = made.json()
    assert intro["route"] == "email" and intro["status"] == "requested"
    assert "<" not in intro["message"] and "Hello" in intro["message"]
    deadline = time.monotonic() + 10
    while not mailbox.messages:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    mail = mailbox.messages[0]
    assert mail["To"] == "pilot@testbed-institute.example"
    assert mail["Reply-To"] == "anna@startup.example"
    mine = {"X-Intro-Token": intro["token"]}
    followed = client.get(f"/v1/introductions/{intro['id']}", headers=mine)
    deadline = time.monotonic() + 5
    while followed.json()["status"] != "forwarded":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        followed = client.get(f"/v1/introductions/{intro['id']}", headers=mine)
    assert "contact" not in followed.json()
    assert_error(client.get(f"/v1/introductions/{intro['id']}"), 404, "not_found")


def test_a_researcher_is_reached_through_an_operator(served: tuple[TestClient, Mailbox]) -> None:
    client, mailbox = served
    intro = ask(client, PERSON).json()
    assert intro["route"] == "operator"
    queue = client.get("/v1/introductions?status=requested").json()
    assert [q["id"] for q in queue] == [intro["id"]]
    assert queue[0]["contact"] == "anna@startup.example"
    step = client.put(f"/v1/introductions/{intro['id']}/status", json={"status": "accepted"})
    assert step.status_code == 200 and step.json()["status"] == "accepted"
    mine = {"X-Intro-Token": intro["token"]}
    assert client.get(f"/v1/introductions/{intro['id']}", headers=mine).json()["status"] == (
        "accepted"
    )
    time.sleep(0.3)
    assert mailbox.messages == [], "nothing is mailed for a researcher"
    bad = client.put(f"/v1/introductions/{intro['id']}/status", json={"status": "requested"})
    assert_error(bad, 422, "invalid_request")


def test_requests_are_bounded_and_rate_limited(served: tuple[TestClient, Mailbox]) -> None:
    client, _ = served
    assert_error(ask(client, LAB, message="x" * 2001), 422, "invalid_request", "message")
    assert_error(ask(client, LAB, contact="not an address"), 422, "invalid_request", "contact")
    assert_error(ask(client, "lab:nothing"), 404, "not_found")
    for _ in range(5):
        assert ask(client, PERSON, contact="busy@example.org").status_code == 201
    limited = ask(client, PERSON, contact="BUSY@example.org")
    assert_error(limited, 429, "rate_limited", "an hour")
    assert ask(client, PERSON, contact="calm@example.org").status_code == 201


def test_erasing_the_entity_removes_its_introductions(served: tuple[TestClient, Mailbox]) -> None:
    client, _ = served
    intro = ask(client, PERSON).json()
    removed = client.delete(f"/v1/entities/{PERSON}").json()["removed"]
    assert removed["introductions"] == 1
    mine = {"X-Intro-Token": intro["token"]}
    assert_error(client.get(f"/v1/introductions/{intro['id']}", headers=mine), 404, "not_found")


def test_withdrawn_consent_removes_the_introductions(served: tuple[TestClient, Mailbox]) -> None:
    client, _ = served
    intro = ask(client, PERSON).json()
    record = client.get(f"/v1/entities/{PERSON}").json()
    withdrawn = client.put(f"/v1/entities/{PERSON}", json={**record, "consent": False})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["erased"]["introductions"] == 1
    mine = {"X-Intro-Token": intro["token"]}
    assert_error(client.get(f"/v1/introductions/{intro['id']}", headers=mine), 404, "not_found")
