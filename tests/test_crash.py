"""SIGKILL during ingestion: acknowledged writes survive and the index always loads."""

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.index.snapshot import load_snapshot, snapshot_info
from matcher.schemas import NeedRequest
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.server import environment, free_port, serve

TOPICS = ["battery recycling", "wind turbine blades", "protein folding", "urban mobility"]


def entity(i: int, version: int = 0) -> dict:
    topic = TOPICS[i % len(TOPICS)]
    return {
        "id": f"company:firm-{i}",
        "kind": "company",
        "name": f"Firm {i}",
        "description": f"Firm {i} (v{version}) works on {topic} with partner number {i * 7}.",
        "keywords": [topic, f"term-{i}"],
        "offers": [f"{topic} consulting {i}", f"pilot line {i}"],
    }


def check_consistent(data: Path) -> Matcher:
    """The store passes SQLite's integrity check and the current index loads whole."""
    with sqlite3.connect(data / "catalogue.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    snapshot = load_snapshot(data / "index")
    assert snapshot is not None, "an index is always in place"
    settings = Settings(data_dir=data, encoder=EncoderSettings(name="fake"))
    matcher = Matcher(settings, encoder=FakeEncoder())
    assert matcher.recommend(NeedRequest(need="battery recycling")).results
    return matcher


def test_killing_an_ingest_at_any_moment_leaves_a_loadable_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    base = write_catalogue(tmp_path / "base.jsonl", [entity(i) for i in range(50)])
    big = write_catalogue(tmp_path / "big.jsonl", [entity(i, 1) for i in range(4000)])
    command = [sys.executable, "-m", "matcher.cli", "ingest"]
    subprocess.run([*command, str(base)], env=environment(data), check=True, capture_output=True)
    old = snapshot_info(data / "index")["catalogue"]
    outcomes = set()
    for delay in (0.5, 1.5, 2.5, 3.5, 5.0):
        process = subprocess.Popen(
            [*command, str(big)],
            env=environment(data),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        matcher = check_consistent(data)
        served = snapshot_info(data / "index")["catalogue"]
        outcomes.add("old" if served == old else "new")
        assert served == old or matcher.index_is_current(), "the index is the old or the new one"
    finished = subprocess.run([*command, str(big)], env=environment(data), capture_output=True)
    assert finished.returncode == 0, finished.stderr
    matcher = check_consistent(data)
    assert matcher.index_is_current()
    assert sum(matcher.store.count().values()) == 4000
    assert matcher.get("company:firm-3999") is not None
    assert outcomes, "every kill was checked"


def test_acknowledged_bulk_writes_survive_a_killed_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    base = write_catalogue(tmp_path / "base.jsonl", [entity(i) for i in range(20)])
    subprocess.run(
        [sys.executable, "-m", "matcher.cli", "ingest", str(base)],
        env=environment(data),
        check=True,
        capture_output=True,
    )
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "matcher.cli",
            "keys",
            "create",
            "--name",
            "loader",
            "--role",
            "editor",
            "--json",
        ],
        env=environment(data),
        check=True,
        capture_output=True,
    )
    auth = {"authorization": f"Bearer {json.loads(created.stdout)['key']}"}
    port = free_port()
    server = serve(data, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def upload() -> None:
        batch = 0
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30, headers=auth) as client:
            while not stop.is_set():
                rows = [entity(1000 + batch * 50 + i) for i in range(50)]
                try:
                    response = client.post(
                        "/v1/entities:bulk",
                        content=json.dumps(rows),
                        headers={"content-type": "application/json"},
                    )
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged.extend(r["id"] for r in rows)
                batch += 1

    writer = threading.Thread(target=upload)
    writer.start()
    time.sleep(4.0)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    writer.join()
    assert acknowledged, "some uploads were acknowledged before the kill"
    matcher = check_consistent(data)
    stored = {e.id for e in matcher.store.all()}
    assert set(acknowledged) <= stored, "every acknowledged row is stored"
    restarted = serve(data, port)
    try:
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/recommendations", json={"need": "wind turbine blades"}
        )
        assert answer.status_code == 200 and answer.json()["results"]
        last = acknowledged[-1]
        resend = httpx.post(
            f"http://127.0.0.1:{port}/v1/entities:bulk",
            json=[entity(int(last.rsplit("-", 1)[1]))],
            headers=auth,
            timeout=30,
        )
        assert resend.status_code == 200 and resend.json()["unchanged"] == 1
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(10)
    assert check_consistent(data).index_is_current(), "the index follows the store again"
