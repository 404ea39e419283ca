"""The HTTP API through FastAPI's TestClient."""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import NeedRequest, RecommendationResponse
from matcher.settings import Settings

NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"


@pytest.fixture
def client(built: Matcher, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, encoder=FakeEncoder()), raise_server_exceptions=False)


def assert_error(response, status: int, code: str, fragment: str = "") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


def test_recommendations_contract(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"need": NEED, "top_k": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["need_id"].startswith("need:")
    assert len(body["results"]) == 2 and len(body["testbeds"]) == 2
    first = body["results"][0]
    assert set(first) >= {"id", "kind", "name", "score", "reasons"}
    assert set(first["reasons"]) >= {"terms", "evidence"}
    assert body["testbeds"][0]["kind"] == "lab"


def test_recommendations_are_the_documented_schema(client: TestClient, built: Matcher) -> None:
    response = client.post("/v1/recommendations", json={"need": NEED, "top_k": 3})
    assert response.headers["content-type"] == "application/json"
    answer = RecommendationResponse.model_validate_json(response.content)
    direct = built.recommend(NeedRequest(need=NEED, top_k=3), record=False)
    assert answer == direct
    documented = client.get("/openapi.json").json()["paths"]["/v1/recommendations"]["post"]
    schema = documented["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/RecommendationResponse"}


def test_filters_through_the_api(client: TestClient) -> None:
    body = {"need": "battery cell recycling", "filters": {"open_to_smes": True}, "top_k": 10}
    testbeds = client.post("/v1/recommendations", json=body).json()["testbeds"]
    assert "lab:closed-cell-lab" not in [t["id"] for t in testbeds]


def test_entity_by_id(client: TestClient) -> None:
    response = client.get("/v1/entities/lab:black-mass-pilot")
    assert response.status_code == 200
    assert response.json()["capabilities"][0].startswith("Leaching")
    assert_error(client.get("/v1/entities/lab:nothing-here"), 404, "not_found", "lab:nothing-here")
    assert_error(client.get("/v1/entities/researcher:hidden-person"), 404, "not_found")


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["entities"]["lab"] == 3


def test_not_ready_before_build(settings: Settings) -> None:
    client = TestClient(create_app(settings, encoder=FakeEncoder()))
    assert client.get("/readyz").status_code == 503
    assert_error(client.post("/v1/recommendations", json={"need": "x"}), 503, "not_ready", "build")


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ({"need": ""}, 422, "invalid_request", "need is empty"),
        ({"need": "   "}, 422, "invalid_request", "need is empty"),
        ({"need": "x" * 100_000}, 422, "invalid_request", "the limit is 10000"),
        ({"need": "x", "kinds": ["robot"]}, 422, "invalid_request", "kinds.0"),
        ({"need": "x", "kinds": []}, 422, "invalid_request", "kinds is empty"),
        ({"need": "x", "top_k": 0}, 422, "invalid_request", "top_k"),
        ({"need": "x", "top_k": 10_000}, 422, "invalid_request", "top_k"),
        ({"need": "x", "top_k": "many"}, 422, "invalid_request", "top_k"),
        ({"need": 42}, 422, "invalid_request", "need"),
        ({}, 422, "invalid_request", "need"),
        ({"need": "x", "filters": {"trl": 12}}, 422, "invalid_request", "trl"),
        ({"need": "x", "unknown": 1}, 422, "invalid_request", "unknown"),
    ],
)
def test_bad_requests_get_clear_4xx(
    client: TestClient, body: dict, status: int, code: str, fragment: str
) -> None:
    assert_error(client.post("/v1/recommendations", json=body), status, code, fragment)


def test_invalid_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations", content=b"{need: oops", headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_json")


def test_oversized_body_is_a_413(client: TestClient) -> None:
    big = {"need": "x" * 2_000_000}
    assert_error(client.post("/v1/recommendations", json=big), 413, "too_large")


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing"), 404, "not_found")
    assert_error(client.get("/v1/recommendations"), 405, "method_not_allowed")


def test_openapi_and_pages(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/recommendations", "/v1/entities/{entity_id}", "/healthz"} <= set(paths)
    page = client.get("/")
    assert page.status_code == 200 and "<textarea" in page.text
    assert client.get("/static/startup.js").status_code == 200


class QueryLog(FakeEncoder):
    """Remembers every need it encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode_queries(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.seen += texts
        return super().encode_queries(texts)


def test_startup_warms_the_models_before_the_first_request(
    built: Matcher, settings: Settings
) -> None:
    encoder = QueryLog()
    with TestClient(create_app(settings, encoder=encoder)) as client:
        assert len(encoder.seen) == 2, "an English and a Swedish need at start-up"
        assert client.post("/v1/recommendations", json={"need": NEED}).status_code == 200
        assert NEED in encoder.seen[2:]
