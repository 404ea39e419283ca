"""`GET /metrics`: request counts and latencies by route template, catalogue size, readiness."""

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.metrics import RequestMetrics
from matcher import __version__
from matcher.encoders.fake import FakeEncoder
from matcher.settings import Settings

SAMPLE = re.compile(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'\w+="(?:[^"\\]|\\.)*"')


def samples(text: str) -> dict[tuple[str, str], float]:
    """(metric name, label text) -> value, for every sample line of an exposition."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not an exposition line: {line!r}"
        labels = ",".join(sorted(LABEL.findall(match[2] or "")))  # in any order
        out[(match[1], labels)] = float(match[3])
    return out


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    for need in ("battery recycling", "elderly care robots", "wafer bonding"):
        assert client.post("/v1/recommendations", json={"need": need}).status_code == 200
    assert client.get("/v1/entities/researcher:someone-private").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "someone-private" not in response.text
    found = samples(response.text)
    post = 'method="POST",route="/v1/recommendations",status="200"'
    missing = 'method="GET",route="/v1/entities/{entity_id}",status="404"'
    assert found[("matcher_http_requests_total", post)] == 3
    assert found[("matcher_http_requests_total", missing)] == 1
    assert found[("matcher_http_request_duration_seconds_count", post)] == 3
    assert found[("matcher_http_request_duration_seconds_sum", post)] > 0
    ready = client.get("/readyz").json()["entities"]
    for kind, n in ready.items():
        assert found[("matcher_entities", f'kind="{kind}"')] == n
    assert found[("matcher_ready", "")] == 1


def test_the_histogram_is_cumulative_over_its_buckets() -> None:
    metrics = RequestMetrics()
    for seconds in (0.004, 0.005, 0.2, 0.2, 20.0):
        metrics.observe("GET", "/healthz", 200, seconds)
    found = samples(metrics.exposition()[0].decode())
    labels = 'method="GET",route="/healthz",status="200"'
    bucket = "matcher_http_request_duration_seconds_bucket"
    assert found[(bucket, 'le="0.005",' + labels)] == 2
    assert found[(bucket, 'le="0.15",' + labels)] == 2
    assert found[(bucket, 'le="0.25",' + labels)] == 4
    assert found[(bucket, 'le="10.0",' + labels)] == 4
    assert found[(bucket, 'le="+Inf",' + labels)] == 5
    assert found[("matcher_http_request_duration_seconds_sum", labels)] == pytest.approx(20.409)


def test_metrics_say_not_ready_before_a_build(settings: Settings) -> None:
    client = TestClient(create_app(settings, encoder=FakeEncoder()))
    found = samples(client.get("/metrics").text)
    assert found[("matcher_ready", "")] == 0


def test_process_metrics_and_openmetrics_on_request(client: TestClient) -> None:
    found = samples(client.get("/metrics").text)
    assert found[("process_resident_memory_bytes", "")] > 10_000_000
    assert found[("matcher_info", 'version="' + __version__ + '"')] == 1
    assert any(name == "python_gc_collections_total" for name, _ in found)
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert "# TYPE matcher_http_requests counter" in response.text
