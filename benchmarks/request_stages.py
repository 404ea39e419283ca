"""Where the time of a recommendation goes, through the API, per number of clauses in the need.

Run by hand on a built data directory, e.g. the 100k catalogue that benchmarks/api_latency.py
leaves behind:

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.request_stages \\
        benchmarks/.cache/synthetic-100000

Starts `matcher serve` with timers around the engine's stages (benchmarks/stage_timers.py),
sends the latency benchmark's needs one at a time, and prints, for the needs of each clause
count, the client's p50 and the median milliseconds of each stage per request (stages nest and
run on several threads, so they do not add up), plus the server's CPU time per request against
its wall time (its model processes included; 2.0 would mean both cores busy throughout).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.latency_needs import needs
from benchmarks.server import FRESH_NEEDS, UNLIMITED, Server, descendants
from matcher.needs.aspects import segments

PER_REQUEST = ["request in the engine", "answer", "rank", "aspects", "wait for clauses"]
SUMMED = ["encode", "prepare queries", "search", "partner pool", "cover", "explain one result"]


def cpu_ms(pid: int) -> float:
    """User + system CPU time so far of a process and its model processes."""
    total = 0.0
    for one in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    return total


def measure(data_dir: Path, bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Client latencies, server stage times and CPU use for the bodies, one at a time."""
    times = Path(tempfile.mkstemp(suffix=".json")[1])
    env = dict(os.environ) | {"HF_HUB_OFFLINE": "1", "STAGE_TIMES": str(times)}
    env |= UNLIMITED | FRESH_NEEDS
    program = [sys.executable, "-m", "benchmarks.stage_timers"]
    server = Server(data_dir, env, ready_s=1800, program=program)
    latencies = []
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            for body in needs(8, seed=1, offset=420):  # warm-up
                client.post("/v1/recommendations", json=body).raise_for_status()
            cpu_before, wall_before = cpu_ms(server.proc.pid), time.perf_counter()
            for body in bodies:
                started = time.perf_counter()
                client.post("/v1/recommendations", json=body).raise_for_status()
                latencies.append(1000 * (time.perf_counter() - started))
            cpu = (cpu_ms(server.proc.pid) - cpu_before) / len(bodies)
            wall = 1000 * (time.perf_counter() - wall_before) / len(bodies)
    finally:
        server.proc.terminate()
        server.proc.wait(60)
    stages = json.loads(times.read_text())
    times.unlink()
    return {"latencies": latencies, "stages": stages, "cpu": cpu, "wall": wall}


def per_request(stages: dict[str, list[float]], label: str, count: int) -> np.ndarray | None:
    """The last `count` calls of a stage called once per request (None when it was not)."""
    calls = stages.get(label, [])
    return np.array(calls[-count:]) if len(calls) >= count else None


def report(bodies: list[dict[str, Any]], result: dict[str, Any]) -> None:
    """Print the table per clause count and the CPU use."""
    latencies = np.array(result["latencies"])
    stages = result["stages"]
    clauses = np.array([len(segments(body["need"])) for body in bodies])
    print(f"{len(bodies)} needs: client p50 {np.percentile(latencies, 50):.1f} ms, "
          f"p99 {np.percentile(latencies, 99):.1f} ms")  # fmt: skip
    print(f"server CPU per request {result['cpu']:.1f} ms against {result['wall']:.1f} ms wall "
          f"({result['cpu'] / result['wall']:.2f} cores busy on average)")  # fmt: skip
    columns = ["clauses", "needs", "client p50", *PER_REQUEST]
    print(" | ".join(columns))
    for count in sorted(set(clauses.tolist())):
        picked = clauses == count
        row = [str(count), str(int(picked.sum())), f"{np.median(latencies[picked]):.1f}"]
        for label in PER_REQUEST:
            values = per_request(stages, label, len(bodies))
            row.append("-" if values is None else f"{np.median(values[picked]):.1f}")
        print(" | ".join(row))
    totals: defaultdict[str, float] = defaultdict(float)
    for label in SUMMED:
        totals[label] = sum(stages.get(label, [])) / (len(bodies) + 8)  # with the warm-up
    print("mean ms per request, all calls: "
          + ", ".join(f"{label} {value:.1f}" for label, value in totals.items()))  # fmt: skip


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    bodies = needs(args.requests, seed=0)
    report(bodies, measure(args.data_dir.resolve(), bodies))


if __name__ == "__main__":
    main()
