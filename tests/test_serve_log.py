"""`matcher serve` writes one JSON line per request and no access line with addresses or ids."""

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.catalogue import ENTITIES, write_catalogue
from tests.test_crash import environment, free_port, serve


def test_served_requests_are_logged_as_json_lines_without_personal_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    catalogue = write_catalogue(tmp_path / "catalogue.jsonl", ENTITIES)
    subprocess.run(
        [sys.executable, "-m", "matcher.cli", "ingest", str(catalogue)],
        env=environment(data),
        check=True,
        capture_output=True,
    )
    port = free_port()
    out = tmp_path / "serve.out"
    with out.open("wb") as sink:
        server = serve(data, port, sink)
        try:
            url = f"http://127.0.0.1:{port}"
            entity = ENTITIES[0]["id"]
            assert httpx.get(f"{url}/v1/entities/{entity}").status_code == 200
            need = {"need": "Anna Svensson's battery recycling idea"}
            assert httpx.post(f"{url}/v1/recommendations", json=need).status_code == 200
        finally:
            server.terminate()
            server.wait(30)
    text = out.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    routes = [(line["route"], line["status"]) for line in lines if line["route"] != "/readyz"]
    assert routes == [("/v1/entities/{entity_id}", 200), ("/v1/recommendations", 200)]
    assert all(line["event"] == "request" and line["ms"] >= 0 for line in lines)
    assert "Application startup complete" in text, "uvicorn's own lines still come out"
    assert entity not in text and "Anna" not in text
    assert "HTTP/1.1" not in text, "no access line (client address and raw path)"
