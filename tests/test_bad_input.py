"""Regression tests for the server errors the attack tests found: each input now gets a 4xx."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from matcher.catalogue.reading import text_records, validate
from matcher.schemas import NeedRequest

JSON = {"content-type": "application/json"}
LAB = (
    '{"id": "lab:x-rig", "kind": "lab", "name": "X", "description": "A rig.", "host": "RISE"'
    ', "url": "https://rig.example/\\ud800"}'
)


def assert_invalid(response: Any, where: str) -> None:
    """A 422 invalid_request naming the field with the bad text."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(where) and "surrogate" in error["message"]


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/v1/recommendations", '{"need": "battery \\ud800 recycling"}', "need"),
        ("/v1/recommendations", '{"need": "battery", "exclude": ["\\udfff"]}', "exclude.0"),
        (
            "/v1/feedback",
            '{"need_id": "\\ud800", "entity_id": "x", "label": "relevant"}',
            "need_id",
        ),
        (
            "/v1/portfolios",
            '{"name": "P", "needs": [{"entity_id": "\\ud800"}]}',
            "needs.0.entity_id",
        ),
        ("/v1/portfolios", '{"name": "P", "needs": [{"text": "a \\ud800"}]}', "needs.0.text"),
    ],
)
def test_unpaired_surrogates_in_json_are_a_422(
    client: TestClient, path: str, body: str, where: str
) -> None:
    """Found while probing for the property tests: a "\\ud800" escape (valid JSON syntax)
    reached hashing or SQLite in a plain `str` field and failed with UnicodeEncodeError (500)."""
    assert_invalid(client.post(path, content=body, headers=JSON), where)


def test_unpaired_surrogate_in_a_shortlist_entity_id(client: TestClient) -> None:
    created = client.post("/v1/portfolios", json={"name": "P", "needs": [{"text": "batteries"}]})
    portfolio = created.json()
    url = f"/v1/portfolios/{portfolio['id']}/needs/{portfolio['needs'][0]['need_id']}/shortlist"
    response = client.put(url, content='{"entity_id": "company:a\\ud800"}', headers=JSON)
    assert_invalid(response, "entity_id")


def test_bulk_rows_with_unpaired_surrogates_are_rejected_one_by_one(client: TestClient) -> None:
    """Found while probing for the property tests: a surrogate in a plain text field (url,
    contact, a project's summary) failed when the row was hashed (500); now it is rejected."""
    response = client.post("/v1/entities:bulk", content=f"[{LAB}]", headers=JSON)
    assert response.status_code == 422
    assert "record 1: url: text holds an unpaired surrogate" in response.json()["error"]["message"]
    good = LAB.replace("\\ud800", "x")
    loaded = validate(text_records(f"{LAB}\n{good}", "jsonl", "f"))
    assert [e.id for e in loaded.entities] == ["lab:x-rig"]
    assert [(r.where, r.id) for r in loaded.rejected] == [("f:1", "lab:x-rig")]


def test_the_engine_refuses_a_need_with_a_surrogate() -> None:
    """A command line can carry one too (undecodable bytes become surrogate escapes)."""
    with pytest.raises(ValidationError, match="unpaired surrogate"):
        NeedRequest(need="batteries \udcff")


def test_portfolio_recommendations_with_empty_kinds_are_a_422(client: TestClient) -> None:
    """Found by schemathesis (FUZZ_EXAMPLES=200): {"kinds": []} passed PortfolioRun but failed
    NeedRequest inside the handler (500)."""
    created = client.post("/v1/portfolios", json={"name": "P", "needs": [{"text": "batteries"}]})
    url = f"/v1/portfolios/{created.json()['id']}/recommendations"
    response = client.post(url, json={"kinds": []})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("kinds: kinds is empty")


def test_the_schema_declares_the_error_shape(client: TestClient) -> None:
    """Every API route documents its 4xx answers as {error: {code, message}}."""
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for operation in operations.values():
            answer = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert answer == {"$ref": "#/components/schemas/ErrorBody"}, path
    csv = document["paths"]["/v1/portfolios/{portfolio_id}/export.csv"]["get"]["responses"]
    assert list(csv["200"]["content"]) == ["text/csv"]


DEEP = "[" * 5000 + "]" * 5000
BULK_BODIES = {
    "deeply nested JSON": (DEEP, "application/json", "nested 5000 levels"),
    "deeply nested JSON object": ('{"a":' * 3000 + "1" + "}" * 3000, "application/json", "nested"),
    "deeply nested JSON line": (DEEP + "\n", "application/x-ndjson", "nested 5000 levels"),
    "a CSV cell of 100,000 [": (
        "id,kind,name,description,affiliation,publications\n"
        "researcher:a,researcher,A,Research.,KTH," + "[" * 100_000 + "\n",
        "text/csv",
        "publications: JSON nested 100000 levels",
    ),
    "a CSV header field over the field limit": (
        "id," + "x" * 140_000 + "\ncompany:a,1\n",
        "text/csv",
        "unreadable CSV header",
    ),
}


@pytest.mark.parametrize("case", sorted(BULK_BODIES))
def test_bulk_bodies_that_broke_the_parser_are_422s(client: TestClient, case: str) -> None:
    body, media, fragment = BULK_BODIES[case]
    before = client.get("/readyz").json()["entities"]
    response = client.post("/v1/entities:bulk", content=body, headers={"content-type": media})
    assert response.status_code == 422, response.text
    assert fragment in response.json()["error"]["message"]
    assert client.get("/readyz").json()["entities"] == before, "nothing stored changed"


def test_json_nesting_skips_brackets_inside_strings() -> None:
    from matcher.catalogue.json_text import nesting

    assert nesting('[{"a": [1, 2]}]') == 3
    assert nesting('["[[[[[[", "{{{{"]') == 1
    assert nesting('"\\"[[["') == 0
    assert nesting("") == 0


@pytest.mark.parametrize("path", ["/v1/recommendations", "/v1/entities:bulk"])
def test_a_streamed_body_over_the_limit_without_a_length_is_413(
    client: TestClient, path: str
) -> None:
    chunks = 600 if path.endswith(":bulk") else 30  # 60 MB against 50 MB, 3 MB against 1 MB

    def stream():  # noqa: ANN202
        for _ in range(chunks):
            yield b" " * 100_000

    response = client.post(path, content=stream(), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
