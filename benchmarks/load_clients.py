"""The load test's clients: each a thread with its own HTTP connection, mixing reads and writes.

Every request is timed and checked: a 2xx that is the answer the kind expects, or for the few
deliberately bad requests (an empty need, an unknown entity) exactly the documented 4xx in the
error shape. Anything else (another status, an exception, a timeout) is an error. Each client
remembers the bulk rows the server acknowledged, so their storage can be checked afterwards.
"""

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.latency_needs import needs

# Kind of request and its share of the mix: about four reads to one write.
MIX: dict[str, float] = {
    "recommend": 0.36,
    "entity": 0.14,
    "similar": 0.10,
    "map": 0.04,
    "bad_request": 0.04,
    "bulk": 0.08,
    "portfolio": 0.06,
    "shortlist": 0.08,
    "feedback": 0.10,
}
WRITES = frozenset({"bulk", "portfolio", "shortlist", "feedback"})
EXPECTED_4XX = {"empty_need": 422, "unknown_entity": 404}


@dataclass
class Tally:
    """Latencies per kind and every error, shared by all clients (guarded by a lock)."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    expected_4xx: int = 0
    busy: int = 0  # writes told 503 busy (the write lane was full): back-pressure, not errors
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, error: str | None = None) -> None:
        """One finished request."""
        with self.lock:
            self.ms[kind].append(ms)
            if error:
                self.errors.append(f"{kind}: {error}")


class Failed(Exception):
    """A request whose answer was not the expected one."""


def error_shape(response: httpx.Response, status: int) -> None:
    """Raise unless the response is `status` with a JSON {error: {code, message}} body."""
    if response.status_code != status:
        raise Failed(f"status {response.status_code}, expected {status}: {response.text[:200]}")
    error = response.json().get("error", {})
    if not (isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
        raise Failed(f"not the error shape: {response.text[:200]}")


def ok(response: httpx.Response, *statuses: int) -> Any:
    """The JSON body of a response with one of `statuses` (200 when none given)."""
    if response.status_code not in (statuses or (200,)):
        raise Failed(f"status {response.status_code}: {response.text[:200]}")
    return response.json()


class LoadClient(threading.Thread):
    """One simulated user: requests drawn from MIX until the deadline."""

    def __init__(
        self, number: int, url: str, key: str, ids: list[str], deadline: float, tally: Tally
    ) -> None:
        super().__init__(name=f"load-{number}", daemon=True)
        self.number, self.ids, self.deadline, self.tally = number, ids, deadline, tally
        self.http = httpx.Client(
            base_url=url, timeout=60, headers={"authorization": f"Bearer {key}"}
        )
        self.random = random.Random(number)
        self.needs = needs(200, seed=number)
        self.shown: list[tuple[str, str]] = []  # (need_id, entity_id) from answers
        self.portfolios: list[tuple[str, str]] = []  # (portfolio_id, need_id)
        self.stored: dict[str, str] = {}  # acknowledged bulk rows: id -> description
        self.rows = 0

    def run(self) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        try:
            while time.monotonic() < self.deadline:
                kind = self._feasible(self.random.choices(kinds, weights)[0])
                started = time.perf_counter()
                error = None
                try:
                    getattr(self, f"do_{kind}")()
                except (Failed, httpx.HTTPError, ValueError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                self.tally.record(kind, (time.perf_counter() - started) * 1000, error)
        finally:
            self.http.close()

    def _feasible(self, kind: str) -> str:
        """Shortlists need a portfolio and feedback a shown answer: make one first."""
        if kind == "shortlist" and not self.portfolios:
            return "portfolio"
        if kind == "feedback" and not self.shown:
            return "recommend"
        return kind

    def do_recommend(self) -> None:
        body = self.random.choice(self.needs)
        answer = ok(self.http.post("/v1/recommendations", json=body))
        for result in (answer["results"] + answer["testbeds"])[:3]:
            self.shown.append((answer["need_id"], result["id"]))
        del self.shown[:-50]

    def do_entity(self) -> None:
        entity_id = self.random.choice(self.ids)
        if ok(self.http.get(f"/v1/entities/{entity_id}"))["id"] != entity_id:
            raise Failed(f"GET {entity_id} answered another entity")

    def do_similar(self) -> None:
        entity_id = self.random.choice(self.ids)
        ok(self.http.get(f"/v1/entities/{entity_id}/similar", params={"top_k": 5}))

    def do_map(self) -> None:
        if not ok(self.http.get("/v1/map")).get("points"):
            raise Failed("the map has no points")

    def do_bad_request(self) -> None:
        if self.random.random() < 0.5:
            response = self.http.post("/v1/recommendations", json={"need": " \n "})
            error_shape(response, EXPECTED_4XX["empty_need"])
        else:
            response = self.http.get(f"/v1/entities/company:no-such-{self.number}")
            error_shape(response, EXPECTED_4XX["unknown_entity"])
        with self.tally.lock:
            self.tally.expected_4xx += 1

    def do_bulk(self) -> None:
        rows: list[dict[str, Any]] = []
        for _ in range(self.random.randint(1, 3)):
            row = self._row()
            if all(row["id"] != r["id"] for r in rows):  # one version of an entity per upload
                rows.append(row)
        response = self.http.post("/v1/entities:bulk", json=rows)
        if response.status_code == 503 and response.json()["error"]["code"] == "busy":
            with self.tally.lock:
                self.tally.busy += 1
            time.sleep(min(float(response.headers["retry-after"]), 1.0))  # a short test's pace
            return
        report = ok(response)
        done = report["inserted"] + report["updated"] + report["unchanged"]
        if report["rejected"] or done != len(rows):
            raise Failed(f"bulk of {len(rows)} rows answered {report}")
        self.stored.update({row["id"]: row["description"] for row in rows})

    def _row(self) -> dict[str, Any]:
        """A new company of this client, or a change to one it wrote before."""
        if self.stored and self.random.random() < 0.4:
            entity_id = self.random.choice(sorted(self.stored))
        else:
            self.rows += 1
            entity_id = f"company:load-{self.number}-{self.rows}"
        need = self.random.choice(self.needs)["need"]
        return {
            "id": entity_id,
            "kind": "company",
            "name": f"Load {self.number}-{entity_id.rsplit('-', 1)[1]}",
            "description": f"{need} (version {time.time_ns()})",
            "keywords": need.split()[:3],
            "disciplines": ["engineering"],
            "location": {"municipality": "Stockholm"},
        }

    def do_portfolio(self) -> None:
        texts = [self.random.choice(self.needs)["need"] for _ in range(2)]
        body = {"name": f"Load {self.number}", "needs": [{"text": t} for t in set(texts)]}
        created = ok(self.http.post("/v1/portfolios", json=body), 201)
        self.portfolios.extend((created["id"], n["need_id"]) for n in created["needs"])

    def do_shortlist(self) -> None:
        portfolio, need = self.random.choice(self.portfolios)
        url = f"/v1/portfolios/{portfolio}/needs/{need}/shortlist"
        body = {"entity_id": self.random.choice(self.ids), "note": "under load"}
        ok(self.http.put(url, json=body))

    def do_feedback(self) -> None:
        need, entity = self.random.choice(self.shown)
        label = self.random.choice(["relevant", "not_relevant", "contacted", "partnered"])
        body = {"need_id": need, "entity_id": entity, "label": label}
        ok(self.http.post("/v1/feedback", json=body), 200, 201)
