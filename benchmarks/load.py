"""Load test: concurrent clients mixing reads and writes against `matcher serve` on 127.0.0.1.

Run by hand from the repository root:

    .venv/bin/python -m benchmarks.load --clients 20 --seconds 30

A fresh data directory gets the demo catalogue built with the fake encoder (the load test
measures the server, its locks and its stores, not the models), an editor key (`matcher keys
create`), and `matcher serve` on a free port with the rate limit raised so that the one key
all clients share is never limited. Then the clients (benchmarks/load_clients.py) run for the
duration. Afterwards every bulk row the server acknowledged is read back. Prints a table;
writes the "## Load" section of docs/benchmarks.md (unless --no-docs). tests/test_load.py runs
the same, shorter, in the slow suite.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import numpy as np

from benchmarks.docs_page import replace_section
from benchmarks.latency_report import machine
from benchmarks.load_clients import MIX, WRITES, LoadClient, Tally
from benchmarks.server import MATCHER, UNLIMITED, Server

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
HEADING = "## Load"


def environment(data_dir: Path) -> dict[str, str]:
    """The server's settings: fake encoder, this data directory, no effective rate limit."""
    return os.environ | {
        "HF_HUB_OFFLINE": "1",
        "MATCHER_DATA_DIR": str(data_dir),
        "MATCHER_ENCODER__NAME": "fake",
        **UNLIMITED,
    }


def prepare(data_dir: Path) -> str:
    """Build the demo catalogue and create the editor key; returns the key's secret."""
    env = environment(data_dir)
    build = [MATCHER, "build", "--catalogue", "demo", "--json"]
    subprocess.run(build, env=env, check=True, capture_output=True, timeout=600)
    create = [MATCHER, "keys", "create", "--name", "load", "--role", "editor", "--json"]
    done = subprocess.run(create, env=env, check=True, capture_output=True, timeout=120)
    created = json.loads(done.stdout)
    return str(created["key"])


def read_back(url: str, key: str, clients: list[LoadClient]) -> list[str]:
    """Every acknowledged bulk row as the server now stores it; the differences."""
    problems = []
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
        for client in clients:
            for entity_id, description in client.stored.items():
                response = http.get(f"/v1/entities/{entity_id}")
                if response.status_code != 200:
                    problems.append(f"{entity_id}: status {response.status_code}")
                elif response.json()["description"] != description:
                    problems.append(f"{entity_id}: not the last acknowledged description")
    return problems


def percentiles(ms: list[float]) -> dict[str, float]:
    """Count and p50/p95/p99/max of latencies in ms."""
    values = np.array(ms or [float("nan")])
    summary = {f"p{q}": float(np.percentile(values, q)) for q in (50, 95, 99)}
    return {"requests": len(ms), **summary, "max": float(values.max())}


def run(clients: int, seconds: float, data_dir: Path) -> dict[str, Any]:
    """Prepare, serve, load, read back; the figures and every error."""
    key = prepare(data_dir)
    server = Server(data_dir, environment(data_dir))
    try:
        headers = {"authorization": f"Bearer {key}"}
        points = httpx.get(f"{server.url}/v1/map", headers=headers, timeout=300).json()["points"]
        ids = [p["id"] for p in points]  # the warm-up also lays out the map once
        tally, load_before = Tally(), os.getloadavg()[0]
        started = time.monotonic()
        threads = [
            LoadClient(n, server.url, key, ids, started + seconds, tally) for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 120)
        elapsed = time.monotonic() - started
        hung = [t.name for t in threads if t.is_alive()]
        missing = read_back(server.url, key, threads)
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8", errors="replace")
    every = [ms for values in tally.ms.values() for ms in values]
    return {
        "machine": machine(),
        "clients": clients,
        "duration": seconds,
        "seconds": round(elapsed, 1),
        "catalogue": len(ids),
        "kinds": {kind: percentiles(tally.ms[kind]) for kind in MIX if kind in tally.ms},
        "overall": percentiles(every),
        "throughput": len(every) / elapsed,
        "errors": tally.errors + [f"client {name} did not finish" for name in hung],
        "expected_4xx": tally.expected_4xx,
        "busy": tally.busy,
        "acknowledged_rows": sum(len(t.stored) for t in threads),
        "missing_rows": missing,
        "server_tracebacks": log.count("Traceback"),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def table(results: dict[str, Any]) -> str:
    """A Markdown table: one row per kind of request, then all together."""
    lines = [
        "| request | kind | count | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [*results["kinds"].items(), ("all", results["overall"])]
    for kind, s in rows:
        side = "write" if kind in WRITES else "" if kind == "all" else "read"
        lines.append(
            f"| {kind} | {side} | {s['requests']} | {s['p50']:.0f} | {s['p95']:.0f} "
            f"| {s['p99']:.0f} | {s['max']:.0f} |"
        )
    return "\n".join(lines)


def summary(results: dict[str, Any]) -> str:
    """Throughput, errors and the read-back in one paragraph."""
    r = results
    return (
        f"{r['clients']} clients sending for {r['duration']:g} s (the last answers came at "
        f"{r['seconds']} s): {r['overall']['requests']} requests, {r['throughput']:.1f} per "
        f"second; p99 {r['overall']['p99']:.0f} ms overall. "
        f"Errors: {len(r['errors'])}; server tracebacks: {r['server_tracebacks']}; expected 4xx "
        f"answered as documented: {r['expected_4xx']}; uploads told busy (503, retry): "
        f"{r['busy']}. Bulk rows acknowledged: "
        f"{r['acknowledged_rows']}, read back different or missing: {len(r['missing_rows'])}."
    )


def section(results: dict[str, Any]) -> str:
    """The Markdown section written into docs/benchmarks.md."""
    m, r = results["machine"], results
    rest = max(s["p99"] for kind, s in r["kinds"].items() if kind not in ("bulk", "map"))
    mix = ", ".join(f"{kind} {share:.0%}" for kind, share in MIX.items())
    return f"""{HEADING}

`python -m benchmarks.load --clients {r["clients"]} --seconds {r["duration"]:g}` ({m["date"]}):
`matcher serve` (one uvicorn process) on 127.0.0.1 over the demo catalogue ({r["catalogue"]}
entities) built with the **fake encoder**: this measures the server, its locks and its stores
under concurrent reads and writes, not the embedding models (see "Recommendation latency" for
those). Each client is a thread with its own connection sending one request at a time, drawn
from this mix: {mix}.
Bulk writes are 1-3 new or changed companies; portfolios have 1-2 needs; shortlist and feedback
use the client's own portfolios and the entities it was shown; "bad_request" is an empty need
(422) or an unknown entity (404), which must come back as documented, in the error shape. All
clients share one editor key, with the rate limit raised (`MATCHER_ACCESS__RATE_PER_MINUTE`,
`MATCHER_ACCESS__BURST`) so that no request is limited. Latency is wall time in the client,
which shares the CPU with the server. An error is any other status, an exception or a timeout
(60 s). Afterwards every bulk row the server acknowledged is read back through
`GET /v1/entities/{{id}}` and compared with the last version sent.

Machine: {m["cpu"]}, {m["cores"]} cores, {m["ram_gib"]} GiB RAM, Python {m["python"]}, shared
with other work (1-minute load average {r["load_before"]:.1f} before the run,
{r["load_after"]:.1f} after).

{table(r)}

{summary(r)}

Bulk writes make the tail. Each one rebuilds the index of the whole catalogue (about 0.8 s on
an idle server here); writes go on during a rebuild and the next rebuild covers all of them,
but a client's bulk request waits until the index holds its rows. Clients waiting on those are the
seconds above; every other kind of request had a p99 of at most {rest / 1000:.1f} s.
"""


def main(argv: list[str] | None = None) -> int:
    """Run the load test, print the table; 1 when anything went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    with TemporaryDirectory(prefix="matcher-load-") as folder:
        results = run(args.clients, args.seconds, Path(folder) / "data")
    print(table(results))
    print(summary(results))
    for error in results["errors"][:20] + results["missing_rows"][:20]:
        print("  ", error)
    if not args.no_docs:
        replace_section(HEADING, section(results), DOCS)
        print(f"wrote the {HEADING!r} section of {DOCS.relative_to(ROOT)}")
    failed = results["errors"] or results["missing_rows"] or results["server_tracebacks"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
