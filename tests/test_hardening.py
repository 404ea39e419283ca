"""What an attacker or an operator probed: security headers, methods per path, the offline API
documentation, the OpenAPI security schemes and limits, and the entity fields that reach pages."""

import re

import pytest
from fastapi.testclient import TestClient

JSON = {"content-type": "application/json"}
COMPANY = {
    "id": "company:probe-co",
    "kind": "company",
    "name": "Probe Co",
    "description": "Recycling of lithium-ion batteries.",
}


@pytest.mark.parametrize(
    "path", ["/", "/coach", "/v1/entities/company:battery-loop", "/v1/nothing", "/static/common.js"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy  # no third-party origin
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_options_and_405_name_every_method_of_the_path(client: TestClient) -> None:
    options = client.options("/v1/entities/company:battery-loop")
    assert options.status_code == 204
    assert options.headers["allow"] == "DELETE, GET, OPTIONS, PUT"
    refused = client.patch("/v1/entities/company:battery-loop", json={})
    assert refused.status_code == 405 and refused.headers["allow"] == "DELETE, GET, OPTIONS, PUT"
    assert client.options("/v1/recommendations").headers["allow"] == "OPTIONS, POST"
    missing = client.options("/v1/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_api_documentation_is_served_from_this_origin(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        assert "<script>" not in html, "no inline script"
        for source in sources:
            assert client.get(source).status_code == 200, source


def test_openapi_declares_the_key_schemes_and_the_limits(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    assert schemes["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key: `X-API-Key: mk_…`.",
    }
    assert {"HTTPBearer": []} in document["paths"]["/v1/entities:bulk"]["post"]["security"]
    top_k = document["components"]["schemas"]["NeedRequest"]["properties"]["top_k"]["anyOf"][0]
    assert (top_k["minimum"], top_k["maximum"]) == (1, 100)
    need = document["components"]["schemas"]["NeedRequest"]["properties"]["need"]
    assert need["minLength"] == 1 and need["pattern"] == r"\S"
    assert "anyOf" in document["components"]["schemas"]["Pool"], "an empty pool is refused"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("url", "javascript:alert(document.domain)", "http:// or https://"),
        ("url", 'https://x.example/" autofocus onfocus="alert(1)', "without spaces, quotes"),
        ("url", "data:text/html,<script>alert(1)</script>", "http:// or https://"),
        ("id", "company:probe-co\n", "id must look like"),
        ("name", "Probe\x00Co", "NUL character"),
    ],
)
def test_entity_fields_a_page_could_run_are_refused(
    client: TestClient, field: str, value: str, fragment: str
) -> None:
    body = COMPANY | {field: value}
    response = client.put("/v1/entities/company:probe-co", json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert client.get("/v1/entities/company:probe-co").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("contact", "javascript:alert(1)"), ("price_url", "vbscript:x"), ("contact", "<b>x</b>")],
)
def test_lab_contact_and_price_addresses_are_checked(
    client: TestClient, field: str, value: str
) -> None:
    lab = {"id": "lab:probe", "kind": "lab", "name": "P", "description": "A rig.", "host": "KTH"}
    response = client.put("/v1/entities/lab:probe", json=lab | {field: value})
    assert response.status_code == 422 and field in response.text


def test_an_orcid_with_a_wrong_check_digit_is_refused(client: TestClient) -> None:
    person = {
        "id": "researcher:probe",
        "kind": "researcher",
        "name": "P",
        "description": "Research.",
        "affiliation": "KTH",
        "consent": True,
    }
    wrong = client.put(
        "/v1/entities/researcher:probe", json=person | {"orcid": "0000-0002-1825-0098"}
    )
    assert wrong.status_code == 422 and "check digit" in wrong.text
    right = person | {"orcid": "https://orcid.org/0000-0002-1825-0097"}
    assert client.put("/v1/entities/researcher:probe", json=right).status_code == 201
    assert client.get("/v1/entities/researcher:probe").json()["orcid"] == "0000-0002-1825-0097"
    assert client.delete("/v1/entities/researcher:probe").status_code == 200


@pytest.mark.parametrize("top_k", [True, "3", 0, 101, 2.5])
def test_top_k_must_be_a_whole_number_in_range(client: TestClient, top_k: object) -> None:
    response = client.post("/v1/recommendations", json={"need": "batteries", "top_k": top_k})
    assert response.status_code == 422, response.text
