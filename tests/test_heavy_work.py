"""Heavy work is bounded: public team requests are small and refused before anything is
encoded, team solves and catalogue writes run on their own few threads (reads go on meanwhile;
past the queue a request gets 503 at once), and a large upload is a job to poll."""

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.heavy import BusyError, HeavyWork
from api.jobs import INTERRUPTED, JobStore
from matcher.catalogue.keys import KeyStore
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import AccessSettings, ServerSettings
from matcher.teams import formation


class CountingEncoder(FakeEncoder):
    """The fake encoder, counting the texts it encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def encode_queries(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return super().encode_queries(texts)

    def encode_documents(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return super().encode_documents(texts)


def team_request(people: int, solver: str = "auto") -> dict[str, Any]:
    profiles = [
        {
            "id": f"p{n}",
            "name": f"P{n}",
            "description": "battery recycling",
            "organisation": f"O{n}",
        }
        for n in range(people)
    ]
    challenges = [{"id": "c1", "text": "battery recycling"}, {"id": "c2", "text": "care"}]
    constraints = {"min_size": 1, "max_size": 3}
    return {"challenges": challenges, "pool": {"profiles": profiles}, "constraints": constraints}


def app(built: Matcher, encoder: FakeEncoder | None = None, **server: Any) -> TestClient:
    access = AccessSettings(require_keys=True, public_team_people=3, public_team_challenges=5)
    settings = built.settings.model_copy(
        update={"access": access, "server": ServerSettings(**server)}
    )
    return TestClient(create_app(settings, encoder=encoder or FakeEncoder()))


def test_a_public_team_request_over_the_bounds_is_refused_before_encoding(built: Matcher) -> None:
    encoder = CountingEncoder()
    client = app(built, encoder)
    client.get("/readyz")
    before = encoder.texts
    refused = client.post("/v1/teams", json=team_request(5))
    assert refused.status_code == 422
    assert "5 participants (at most 3) without an API key" in refused.json()["error"]["message"]
    assert encoder.texts == before, "nothing was encoded"
    key = KeyStore(built.store).create("organiser", "reader")[1]
    keyed = client.post("/v1/teams", json=team_request(5), headers={"x-api-key": key})
    assert keyed.status_code == 200 and len(keyed.json()["teams"]) == 2
    assert client.post("/v1/teams", json=team_request(3)).status_code == 200


def test_too_many_pairs_for_the_exact_solver_are_refused_before_encoding(
    built: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formation, "EXACT_MAX_PAIRS", 4)
    encoder = CountingEncoder()
    client = app(built, encoder)
    client.get("/readyz")
    before = encoder.texts
    body = team_request(3) | {"solver": "exact"}
    refused = client.post("/v1/teams", json=body)
    assert refused.status_code == 422 and "6 participant-challenge pairs" in refused.text
    assert encoder.texts == before


def test_a_public_solve_gets_the_public_time_limit(built: Matcher) -> None:
    limits = formation.TeamLimits(max_seconds=2.0)
    request = formation.TeamRequest.model_validate(team_request(2) | {"time_limit_s": 90})
    assert limits.check(request, 2) == 2.0
    assert formation.TeamLimits().check(request, 2) == 90


def test_the_heavy_pool_refuses_at_once_when_it_is_full() -> None:
    heavy = HeavyWork(workers=1, queue=1)
    release = threading.Event()
    running = heavy.submit(release.wait, 10)
    queued = heavy.submit(lambda: "second")
    started = time.perf_counter()
    with pytest.raises(BusyError, match="busy"):
        heavy.submit(lambda: "third")
    assert time.perf_counter() - started < 0.1
    release.set()
    assert running.result(5) is True and queued.result(5) == "second"
    assert heavy.submit(lambda: "fourth").result(5) == "fourth", "slots come back"


def test_reads_go_on_while_heavy_work_fills_its_threads(
    built: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app(built, heavy_workers=1, heavy_queue=0)
    key = KeyStore(built.store).create("organiser", "reader")[1]
    release, entered = threading.Event(), threading.Event()
    solve = built.form_teams

    def slow(*args: Any) -> Any:
        entered.set()
        release.wait(20)
        return solve(*args)

    matcher = client.app.state.matcher  # type: ignore[attr-defined]
    monkeypatch.setattr(matcher, "form_teams", slow)
    answers: list[int] = []
    first = threading.Thread(
        target=lambda: answers.append(
            client.post("/v1/teams", json=team_request(3), headers={"x-api-key": key}).status_code
        )
    )
    first.start()
    try:
        assert entered.wait(10)
        started = time.perf_counter()
        read = client.get("/v1/entities/company:battery-loop")
        assert read.status_code == 200 and time.perf_counter() - started < 2
        busy = client.post("/v1/teams", json=team_request(3), headers={"x-api-key": key})
        assert busy.status_code == 503 and busy.json()["error"]["code"] == "busy"
        assert busy.headers["retry-after"] == "5"
    finally:
        release.set()
        first.join(20)
    assert answers == [200]


def test_a_large_upload_is_answered_202_with_a_job_to_poll(built: Matcher) -> None:
    client = app(built, bulk_inline_rows=3)
    keys = KeyStore(built.store)
    editor, reader = keys.create("loader", "editor")[1], keys.create("r", "reader")[1]
    rows = [
        {"id": f"company:job-{n}", "kind": "company", "name": f"Job {n}", "description": "Wind."}
        for n in range(5)
    ]
    accepted = client.post("/v1/entities:bulk", json=rows, headers={"x-api-key": editor})
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == job["url"] == f"/v1/jobs/{job['job_id']}"
    assert client.get(job["url"], headers={"x-api-key": reader}).status_code == 403
    for _ in range(100):
        status = client.get(job["url"], headers={"x-api-key": editor}).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "done" and status["result"]["inserted"] == 5
    assert built.store.get("company:job-4") is not None
    small = client.post("/v1/entities:bulk", json=rows[:2], headers={"x-api-key": editor})
    assert small.status_code == 200 and small.json()["unchanged"] == 2
    unknown = client.get("/v1/jobs/job:nothing", headers={"x-api-key": editor})
    assert unknown.status_code == 404


def test_a_job_cut_off_by_a_restart_is_marked_interrupted(tmp_path: Path) -> None:
    jobs = JobStore(tmp_path / "jobs.sqlite")
    done, cut = jobs.create("bulk"), jobs.create("bulk")
    jobs.run(done, lambda: {"inserted": 1})
    jobs._set(cut, status="running")
    reopened = JobStore(tmp_path / "jobs.sqlite")
    assert reopened.get(done)["status"] == "done"  # type: ignore[index]
    assert reopened.get(cut) | {"finished": None, "created": None} == {  # type: ignore[operator]
        "id": cut,
        "kind": "bulk",
        "status": "failed",
        "created": None,
        "finished": None,
        "result": None,
        "error": INTERRUPTED,
    }


def test_erasing_an_entity_drops_the_job_reports_that_name_it(built: Matcher) -> None:
    client = app(built, bulk_inline_rows=1)
    editor = {"x-api-key": KeyStore(built.store).create("loader", "editor")[1]}
    person = {
        "id": "researcher:zoe-job",
        "kind": "researcher",
        "name": "Zoe Job",
        "affiliation": "KTH",
        "description": "Wind power.",
        "consent": True,
    }
    assert client.put("/v1/entities/researcher:zoe-job", json=person, headers=editor).status_code
    rows = [
        person | {"consent": "maybe"},
        {"id": "company:job-a", "kind": "company", "name": "A", "description": "Wind."},
    ]
    job = client.post("/v1/entities:bulk", json=rows, headers=editor).json()
    for _ in range(100):
        status = client.get(job["url"], headers=editor).json()
        if status["status"] == "done":
            break
        time.sleep(0.05)
    assert status["result"]["rejected"][0]["id"] == "researcher:zoe-job"
    removed = client.delete("/v1/entities/researcher:zoe-job", headers=editor).json()["removed"]
    assert removed["job_reports"] == 1
    after = client.get(job["url"], headers=editor).json()
    assert after["result"] is None and "erased" in after["error"]
    assert b"zoe-job" not in (built.data_dir / "jobs.sqlite").read_bytes()


def test_callers_without_a_key_have_fewer_places() -> None:
    heavy = HeavyWork(workers=2, queue=4, public=1)
    release = threading.Event()
    first = heavy.submit(release.wait, 10, public=True)
    with pytest.raises(BusyError):
        heavy.submit(lambda: "second", public=True)
    assert heavy.submit(lambda: "keyed").result(5) == "keyed", "a key holder still gets in"
    release.set()
    assert first.result(5) is True
    assert heavy.submit(lambda: "public again", public=True).result(5) == "public again"
