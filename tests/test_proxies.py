"""X-Forwarded-For is believed only from configured proxies: by default a client that rotates
the header is still one client to the rate limit."""

from pathlib import Path

import httpx

from tests.support.catalogue import write_catalogue
from tests.support.server import free_port, matcher, serve

LIMITS = {"MATCHER_ACCESS__RATE_PER_MINUTE": "6", "MATCHER_ACCESS__BURST": "5"}


def answers(port: int, count: int) -> list[int]:
    """Statuses of anonymous reads, each claiming another client address."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        return [
            client.get("/v1/entities", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(count)
        ]


def test_a_rotating_forwarded_for_does_not_escape_the_rate_limit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    matcher(data, "build", "--catalogue", str(write_catalogue(tmp_path / "c.jsonl")))
    port = free_port()
    server = serve(data, port, **LIMITS)
    try:
        statuses = answers(port, 12)
    finally:
        server.terminate()
        server.wait(10)
    assert statuses[:5] == [200] * 5 and statuses.count(429) >= 6, statuses


def test_a_configured_proxy_names_the_client(tmp_path: Path) -> None:
    data = tmp_path / "data"
    matcher(data, "build", "--catalogue", str(write_catalogue(tmp_path / "c.jsonl")))
    port = free_port()
    server = serve(data, port, MATCHER_SERVER__TRUSTED_PROXIES='["127.0.0.1"]', **LIMITS)
    try:
        statuses = answers(port, 12)
    finally:
        server.terminate()
        server.wait(10)
    assert statuses == [200] * 12, "each forwarded address is a client of its own"
