"""API keys and roles, public reading, CORS, rate limits, request ids and the request log."""

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.access import ROUTE_ROLES
from api.app import create_app
from api.context import RateLimiter
from matcher.catalogue.keys import KeyStore
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import AccessSettings, Settings
from tests.support.command import run

LAB = {
    "id": "lab:test-rig",
    "kind": "lab",
    "name": "Test Rig",
    "description": "A rig for fatigue tests of composite parts.",
    "host": "RISE",
}
NEED = {"need": "recycling lithium-ion batteries"}


def app_for(built: Matcher, **access: object) -> tuple[TestClient, KeyStore]:
    settings = built.settings.model_copy(update={"access": AccessSettings(**access)})
    app = create_app(settings, encoder=FakeEncoder())
    return TestClient(app, raise_server_exceptions=False), KeyStore(built.store)


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def test_writes_need_a_key_with_the_right_role(built: Matcher) -> None:
    client, keys = app_for(built)
    reader, editor, admin = (keys.create(role, role)[1] for role in ("reader", "editor", "admin"))
    assert client.post("/v1/recommendations", json=NEED).status_code == 200, "public read"
    anonymous = client.post("/v1/entities:bulk", json=[LAB])
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    weak = client.post("/v1/entities:bulk", json=[LAB], headers=bearer(reader))
    assert weak.status_code == 403 and weak.json()["error"]["code"] == "forbidden"
    assert "editor" in weak.json()["error"]["message"]
    done = client.post("/v1/entities:bulk", json=[LAB], headers={"x-api-key": editor})
    assert done.status_code == 200 and done.json()["inserted"] == 1
    replace = client.post("/v1/entities:bulk?replace=true", json=[LAB], headers=bearer(editor))
    assert replace.status_code == 403, "replacing the whole catalogue is for admins"
    assert client.get("/v1/portfolios").status_code == 401, "portfolios are never public"
    assert client.get("/v1/portfolios", headers=bearer(reader)).status_code == 200
    created = client.post(
        "/v1/portfolios", json={"name": "P", "needs": [{"text": "x"}]}, headers=bearer(reader)
    )
    assert created.status_code == 403
    train = client.post("/v1/reranker:train", headers=bearer(editor))
    assert train.status_code == 403
    assert client.post("/v1/reranker:train", headers=bearer(admin)).status_code == 422


def test_bad_and_revoked_keys_are_refused_even_on_public_reads(built: Matcher) -> None:
    client, keys = app_for(built)
    key, secret = keys.create("temp", "editor")
    assert client.post("/v1/recommendations", json=NEED, headers=bearer(secret)).status_code == 200
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert client.post("/v1/recommendations", json=NEED, headers=bearer(forged)).status_code == 401
    assert (
        client.post("/v1/recommendations", json=NEED, headers=bearer("nonsense")).status_code == 401
    )
    keys.revoke(key.id)
    refused = client.delete("/v1/entities/lab:anything", headers=bearer(secret))
    assert refused.status_code == 401


def test_reads_can_be_closed_to_the_public(built: Matcher) -> None:
    client, keys = app_for(built, public_read=False)
    reader = keys.create("r", "reader")[1]
    assert client.post("/v1/recommendations", json=NEED).status_code == 401
    assert client.get("/v1/map").status_code == 401
    assert client.post("/v1/recommendations", json=NEED, headers=bearer(reader)).status_code == 200
    assert client.get("/readyz").status_code == 200 and client.get("/").status_code == 200


def test_every_api_route_has_a_role(built: Matcher) -> None:
    client, _ = app_for(built)
    paths = client.get("/openapi.json").json()["paths"]
    routes = {
        (m.upper(), path) for path, item in paths.items() for m in item if path.startswith("/v1/")
    }
    assert routes == set(ROUTE_ROLES)


def test_keys_are_stored_hashed_and_managed_from_the_cli(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "keys", "create", "--name", "Incubator A", "--role", "editor")
    secret = out.strip().splitlines()[-1]
    assert code == 0 and secret.startswith("mk_")
    stored = b"".join(p.read_bytes() for p in cli_data.glob("catalogue.sqlite*"))
    assert secret.encode() not in stored and secret.split("_", 2)[2].encode() not in stored
    code, out, _ = run(capsys, "keys", "list", "--json")
    listed = json.loads(out)
    assert [(k["name"], k["role"], k["revoked_at"]) for k in listed] == [
        ("Incubator A", "editor", None)
    ]
    code, out, _ = run(capsys, "keys", "revoke", listed[0]["id"])
    assert code == 0 and "revoked" in out
    code, _, err = run(capsys, "keys", "revoke", "000000000000")
    assert code == 2 and "no key with id" in err
    code, _, err = run(capsys, "keys", "create", "--name", " ", "--role", "admin")
    assert code == 2 and "name" in err


def test_cors_answers_only_the_configured_origins(built: Matcher) -> None:
    client, _ = app_for(built, cors_origins=["https://incubator.example"])
    preflight = {"access-control-request-method": "POST"}
    allowed = client.options(
        "/v1/recommendations", headers={"origin": "https://incubator.example", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://incubator.example"
    other = client.post(
        "/v1/recommendations", json=NEED, headers={"origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    closed, _ = app_for(built)
    plain = closed.post("/v1/recommendations", json=NEED, headers={"origin": "https://x.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_callers_over_the_rate_get_429_with_retry_after(built: Matcher) -> None:
    client, keys = app_for(built, rate_per_minute=60, burst=3)
    codes = [client.post("/v1/recommendations", json=NEED).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/v1/recommendations", json=NEED)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    own = keys.create("own bucket", "reader")[1]
    assert client.post("/v1/recommendations", json=NEED, headers=bearer(own)).status_code == 200
    assert client.get("/readyz").status_code == 200, "health checks are never limited"


def test_the_token_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0, "callers have their own buckets"
    now[0] = 1.0
    assert limiter.take("a") == 0.0


def test_request_ids_and_a_log_line_without_personal_data(
    built: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    client, keys = app_for(built)
    editor = keys.create("e", "editor")
    with caplog.at_level(logging.INFO, logger="matcher.requests"):
        given = client.post(
            "/v1/recommendations",
            json={"need": "Anna Svensson's secret battery idea"},
            headers={"x-request-id": "trace-123"},
        )
        fresh = client.get("/v1/entities/researcher:ann-metals", headers=bearer(editor[1]))
        bad = client.get("/v1/entities/researcher:nobody")
    assert given.headers["x-request-id"] == "trace-123"
    assert len(fresh.headers["x-request-id"]) == 32 and bad.headers["x-request-id"]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "matcher.requests"]
    assert [line["status"] for line in lines] == [200, 200, 404]
    assert lines[0]["request_id"] == "trace-123" and lines[1]["key"] == editor[0].id
    assert lines[1]["route"] == "/v1/entities/{entity_id}"
    text = caplog.text
    assert "Anna" not in text and "ann-metals" not in text and editor[1] not in text


def test_settings_open_to_the_tests_do_not_need_keys(settings: Settings, built: Matcher) -> None:
    client = TestClient(create_app(settings, encoder=FakeEncoder()))
    assert client.post("/v1/entities:bulk", json=[LAB]).status_code == 200


TRUE_SPELLINGS = ["true", "True", "TRUE", "1", "yes", "Yes", "y", "Y", "on", "ON", "t", "T"]
FALSE_SPELLINGS = ["false", "False", "0", "no", "n", "N", "off", "f", "F"]


@pytest.mark.parametrize("spelling", TRUE_SPELLINGS)
def test_every_spelling_of_replace_needs_the_admin_role(built: Matcher, spelling: str) -> None:
    client, keys = app_for(built)
    editor, admin = (keys.create(role, role)[1] for role in ("editor", "admin"))
    before = built.store.count()
    for query in (f"replace={spelling}", f"replace=false&replace={spelling}"):
        refused = client.post(f"/v1/entities:bulk?{query}", json=[LAB], headers=bearer(editor))
        assert refused.status_code == 403, query
        assert "admin" in refused.json()["error"]["message"]
    assert built.store.count() == before, "nothing was deleted or added"
    done = client.post(f"/v1/entities:bulk?replace={spelling}", json=[LAB], headers=bearer(admin))
    assert done.status_code == 200 and built.store.count() == {"lab": 1}


@pytest.mark.parametrize("spelling", FALSE_SPELLINGS)
def test_an_editor_upserts_with_every_spelling_of_no_replace(built: Matcher, spelling: str) -> None:
    client, keys = app_for(built)
    editor = keys.create("editor", "editor")[1]
    before = sum(built.store.count().values())
    done = client.post(f"/v1/entities:bulk?replace={spelling}", json=[LAB], headers=bearer(editor))
    assert done.status_code == 200 and done.json()["deleted"] == 0
    assert sum(built.store.count().values()) == before + 1


def test_a_replace_value_no_parser_accepts_is_refused(built: Matcher) -> None:
    client, keys = app_for(built)
    admin = keys.create("admin", "admin")[1]
    response = client.post("/v1/entities:bulk?replace=maybe", json=[LAB], headers=bearer(admin))
    assert response.status_code == 422 and "replace" in response.json()["error"]["message"]


ROLES = ("reader", "editor", "admin")
SAMPLE_PATH = {
    "{entity_id}": "company:no-such-company",
    "{portfolio_id}": "portfolio:none",
    "{need_id}": "need:none",
}


def sample_path(route: str) -> str:
    for name, value in SAMPLE_PATH.items():
        route = route.replace(name, value)
    return route


@pytest.mark.parametrize(("method", "route"), sorted(ROUTE_ROLES))
def test_each_route_refuses_exactly_the_keys_below_its_role(
    built: Matcher, method: str, route: str
) -> None:
    client, keys = app_for(built, public_read=False)
    needed, _ = ROUTE_ROLES[(method, route)]
    secrets = {role: keys.create(role, role)[1] for role in ROLES}
    path = sample_path(route)
    anonymous = client.request(method, path, json={})
    assert anonymous.status_code == 401, f"{method} {route} without a key"
    for role, secret in secrets.items():
        response = client.request(method, path, json={}, headers=bearer(secret))
        allowed = ROLES.index(role) >= ROLES.index(needed)
        refused = response.status_code in (401, 403)
        assert refused != allowed, f"{method} {route} with a {role} key: {response.status_code}"
