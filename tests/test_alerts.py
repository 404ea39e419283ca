"""Alerts of saved needs, delivered to a real SMTP server and a real webhook receiver on
127.0.0.1: one alert per channel per saved need for an ingest that adds a matching lab, none for
one that does not, and each alert delivered once across a killed and restarted server."""

import hashlib
import hmac
import signal
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.search.strength import Strength, save
from matcher.settings import AlertSettings, EncoderSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.open_access import OPEN
from tests.support.receivers import smtp_server, webhook_receiver
from tests.support.server import free_port, matcher, serve

NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"
CARE = "Sensors that help older people live safely at home"


def lab(slug: str, text: str) -> dict:
    return {
        "id": f"lab:{slug}",
        "kind": "lab",
        "name": slug.replace("-", " ").title(),
        "host": "Testbed Institute",
        "description": text,
        "open_to_smes": True,
    }


MATCHING = lab(
    "leach-line",
    "Pilot line for black mass leaching of recycled lithium-ion batteries: we recycle "
    "battery cells at pilot scale and need partners.",
)
UNRELATED = lab("pottery-kiln", "A ceramics studio with kilns for glazing stoneware pottery.")


def strength_model(models: Path) -> None:
    """A strength model for the test encoder: a need's words in the entity's text make it
    strong (weights on the lexical score), dense similarity alone does not."""
    weights = np.array([0.3, 20.0, 0.0, 0.0, 0.0])
    model = Strength(np.zeros(5), np.ones(5), weights, -4.0, possible=0.3, strong=0.7)
    save(models, model, {"data": "a hand-set model for the tests"})


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_matching_lab_alerts_once_per_channel_and_an_unrelated_one_not(tmp_path: Path) -> None:
    strength_model(tmp_path / "models")
    with smtp_server() as (smtp_port, mailbox), webhook_receiver() as (url, hooks):
        alerts = AlertSettings(
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            allow_private_webhooks=True,
            deliver_every_s=0.05,
            backoff_s=0.05,
        )
        fake = EncoderSettings(name="fake")
        settings = Settings(
            data_dir=tmp_path / "data",
            encoder=fake,
            access=OPEN,
            models_dir=tmp_path / "models",
            alerts=alerts,
        )
        Matcher(settings, encoder=FakeEncoder()).build(str(write_catalogue(tmp_path / "c.jsonl")))
        with TestClient(create_app(settings, encoder=FakeEncoder())) as client:
            channels = {"webhook_url": url, "email": "founder@example.org"}
            saved = client.post("/v1/needs", json={"need": NEED, **channels}).json()
            quiet = client.post("/v1/needs", json={"need": CARE, **channels}).json()
            mine = {"X-Need-Token": saved["token"]}
            assert client.put(f"/v1/entities/{UNRELATED['id']}", json=UNRELATED).status_code == 201
            assert client.put(f"/v1/entities/{MATCHING['id']}", json=MATCHING).status_code == 201
            wait_for(lambda: len(hooks.calls) >= 1 and len(mailbox.messages) >= 1)
            time.sleep(0.5)  # anything more would have come by now
            found = client.get(f"/v1/needs/{saved['id']}/alerts", headers=mine).json()["alerts"]
            assert [a["entity_id"] for a in found] == [MATCHING["id"]]
            assert found[0]["band"] in {"strong", "possible"}
            assert {c: d["status"] for c, d in found[0]["deliveries"].items()} == {
                "webhook": "sent",
                "email": "sent",
            }
            other = {"X-Need-Token": quiet["token"]}
            assert (
                client.get(f"/v1/needs/{quiet['id']}/alerts", headers=other).json()["alerts"] == []
            ), "a need the lab does not match gets nothing"
            assert len(hooks.calls) == 1 and len(mailbox.messages) == 1
            call = hooks.calls[0]
            expected = hmac.new(saved["webhook_secret"].encode(), call["body"], hashlib.sha256)
            assert call["headers"]["X-Signature"] == "sha256=" + expected.hexdigest()
            assert call["json"]["entity_id"] == MATCHING["id"]
            assert mailbox.messages[0]["To"] == "founder@example.org"
            assert MATCHING["name"] in mailbox.messages[0]["Subject"]

            changed = {**MATCHING, "description": MATCHING["description"] + " Now 100 kg."}
            assert client.put(f"/v1/entities/{MATCHING['id']}", json=changed).status_code == 200
            time.sleep(0.5)
            assert len(hooks.calls) == 1 and len(mailbox.messages) == 1, "alerted once only"

            feed = client.get(f"/v1/needs/{saved['id']}/alerts.atom?token={saved['token']}")
            assert feed.headers["content-type"].startswith("application/atom+xml")
            entries = ET.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")
            assert len(entries) == 1
            assert client.get(f"/v1/needs/{saved['id']}/alerts.atom").status_code == 404


def test_a_killed_server_delivers_each_alert_once_after_restart(tmp_path: Path) -> None:
    models = tmp_path / "models"
    strength_model(models)
    data = tmp_path / "data"
    env = {
        "MATCHER_MODELS_DIR": str(models),
        "MATCHER_ACCESS__REQUIRE_KEYS": "false",
        "MATCHER_ALERTS__ALLOW_PRIVATE_WEBHOOKS": "true",
        "MATCHER_ALERTS__DELIVER_EVERY_S": "0.1",
        "MATCHER_ALERTS__BACKOFF_S": "0.1",
        "MATCHER_ALERTS__MAX_ATTEMPTS": "50",
    }
    matcher(data, "build", "--catalogue", str(write_catalogue(tmp_path / "c.jsonl")), **env)
    with webhook_receiver() as (url, hooks):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(data, port, **env)
        try:
            needs = [
                httpx.post(f"{base}/v1/needs", json={"need": NEED, "webhook_url": url}).json()
                for _ in range(3)
            ]
            assert all("token" in n for n in needs), needs
            hooks.status = 503  # the receiver is down: deliveries wait in the outbox
            put = httpx.put(f"{base}/v1/entities/{MATCHING['id']}", json=MATCHING, timeout=60)
            assert put.status_code == 201, put.text
            time.sleep(1.0)
            assert hooks.calls == []
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
        hooks.status = 200
        server = serve(data, port, **env)
        try:
            wait_for(lambda: len(hooks.calls) >= 3, 30)
            time.sleep(1.0)
        finally:
            server.terminate()
            server.wait(timeout=30)
    delivered = Counter(c["headers"]["X-Alert-Id"] for c in hooks.calls)
    assert len(delivered) == 3 and set(delivered.values()) == {1}, delivered
    assert {c["json"]["need_id"] for c in hooks.calls} == {n["id"] for n in needs}


def test_an_ingest_from_the_command_line_alerts_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher import cli
    from matcher.settings import get_settings

    strength_model(tmp_path / "models")
    data = tmp_path / "data"
    for name, value in {
        "MATCHER_DATA_DIR": str(data),
        "MATCHER_ENCODER__NAME": "fake",
        "MATCHER_MODELS_DIR": str(tmp_path / "models"),
        "MATCHER_ACCESS__REQUIRE_KEYS": "false",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        catalogue = write_catalogue(tmp_path / "c.jsonl")
        assert cli.main(["build", "--catalogue", str(catalogue), "--json"]) == 0
        with TestClient(create_app(get_settings(), encoder=FakeEncoder())) as client:
            saved = client.post("/v1/needs", json={"need": NEED}).json()
        new_lab = write_catalogue(tmp_path / "lab.jsonl", [MATCHING])
        assert cli.main(["ingest", str(new_lab), "--json"]) == 0
        with TestClient(create_app(get_settings(), encoder=FakeEncoder())) as client:
            mine = {"X-Need-Token": saved["token"]}
            alerts = client.get(f"/v1/needs/{saved['id']}/alerts", headers=mine).json()["alerts"]
            assert [a["entity_id"] for a in alerts] == [MATCHING["id"]]
        assert cli.main(["delete", MATCHING["id"]]) == 0  # erased here, its alert goes too
        with TestClient(create_app(get_settings(), encoder=FakeEncoder())) as client:
            alerts = client.get(f"/v1/needs/{saved['id']}/alerts", headers=mine).json()["alerts"]
            assert alerts == []
    finally:
        get_settings.cache_clear()
