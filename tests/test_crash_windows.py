"""The two windows a SIGKILL found: between a store write and the erasure it causes, and
between a store write and the rebuilt index. Each process here is killed at exactly that point
(the next step kills it), and the next start must make the data whole again."""

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from matcher.coach.store import CoachStore
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import ENTITIES, write_catalogue
from tests.support.open_access import OPEN
from tests.support.server import ROOT, environment, free_port, serve

ANN = "researcher:ann-metals"
NEED = "leaching cobalt from spent lithium-ion batteries"


def settings(data: Path) -> Settings:
    return Settings(data_dir=data, encoder=EncoderSettings(name="fake"), access=OPEN)


def killed_during(data: Path, patch: str, write: str) -> int:
    """Run `write` in a fresh process on `data` with `patch` applied first (it kills the
    process at the step it replaces); the exit code."""
    script = textwrap.dedent(
        f"""
        import json, os, signal
        from matcher.catalogue import erasure, ingest
        from matcher.catalogue.reading import LoadedCatalogue, load_catalogue
        from matcher.encoders.fake import FakeEncoder
        from matcher.engine import Matcher
        from matcher.schemas import parse_entity
        from matcher.settings import EncoderSettings, Settings
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        {patch}
        matcher = Matcher(Settings(data_dir={str(data)!r}, encoder=EncoderSettings(name="fake")),
                          encoder=FakeEncoder())
        {write}
        """
    )
    done = subprocess.run([sys.executable, "-c", script], env=environment(data), cwd=ROOT)
    return done.returncode


def coach_rows_naming(data: Path, entity_id: str) -> list[str]:
    """Where coach.sqlite still names the entity."""
    store = CoachStore(data / "coach.sqlite")
    found = [f"feedback {f['label']}" for f in store.feedback() if f["entity_id"] == entity_id]
    return found + [
        f"bytes of {p.name}"
        for p in data.glob("coach.sqlite*")
        if entity_id.encode() in p.read_bytes()
    ]


def test_an_erasure_cut_off_by_a_kill_is_carried_out_at_the_next_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    built = Matcher(settings(data), encoder=FakeEncoder())
    built.build(str(write_catalogue(tmp_path / "catalogue.jsonl")))
    from matcher.coach import workflow
    from matcher.coach.schemas import FeedbackRequest, PortfolioCreate, PortfolioRun

    portfolio = workflow.create_portfolio(
        built, PortfolioCreate.model_validate({"name": "P", "needs": [{"text": NEED}]})
    )
    run = workflow.run_portfolio(built, portfolio["id"], PortfolioRun())
    need_id = run.needs[0].response.need_id
    assert ANN in [r.id for r in run.needs[0].response.results]
    built.coach.shortlist_add(portfolio["id"], need_id, ANN, "call Ann about leaching")
    workflow.feedback(built, FeedbackRequest(need_id=need_id, entity_id=ANN, label="relevant"))
    assert coach_rows_naming(data, ANN)
    withdrawn = json.dumps(next(e for e in ENTITIES if e["id"] == ANN) | {"consent": False})
    code = killed_during(
        data,
        "erasure.erase = die",
        f"matcher.ingest(LoadedCatalogue(entities=[parse_entity(json.loads({withdrawn!r}))]))",
    )
    assert code == -signal.SIGKILL
    assert Matcher(settings(data), encoder=FakeEncoder()).store.get(ANN).consent is False  # type: ignore[union-attr]
    assert coach_rows_naming(data, ANN) == [], "the next start erased what the kill left"
    restarted = Matcher(settings(data), encoder=FakeEncoder())
    assert restarted.store.pending_erasures() == []


def test_a_rebuild_cut_off_by_a_kill_is_made_good_when_the_server_starts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Matcher(settings(data), encoder=FakeEncoder()).build(
        str(write_catalogue(tmp_path / "catalogue.jsonl"))
    )
    rows = [
        {
            "id": f"company:wind-{n}",
            "kind": "company",
            "name": f"Wind {n}",
            "description": "Wind turbine blade inspection with drones.",
        }
        for n in range(30)
    ]
    upload = write_catalogue(tmp_path / "wind.jsonl", rows)
    code = killed_during(
        data, "ingest.save_snapshot = die", f"matcher.ingest(load_catalogue({str(upload)!r}))"
    )
    assert code == -signal.SIGKILL
    stale = Matcher(settings(data), encoder=FakeEncoder())
    assert stale.store.get("company:wind-29") is not None and not stale.index_is_current()
    port = free_port()
    server = serve(data, port)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            ready = httpx.get(f"{base}/readyz", timeout=10)
            if ready.status_code == 200:
                break
            time.sleep(0.1)
        assert ready.status_code == 200 and ready.json()["entities"]["company"] >= 30
        answer = httpx.post(f"{base}/v1/recommendations", json={"need": "wind turbine blades"})
        assert [r["id"] for r in answer.json()["results"]][:3] != []
        assert any(r["id"].startswith("company:wind-") for r in answer.json()["results"])
        assert httpx.get(f"{base}/v1/entities/company:wind-3/similar").status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
    assert Matcher(settings(data), encoder=FakeEncoder()).index_is_current()
