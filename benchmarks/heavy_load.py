"""Recommendation latency while team solves and bulk rebuilds run, against latency when quiet.

Run by hand: `.venv/bin/python -m benchmarks.heavy_load --data DIR [--program-root ROOT]`.
DIR is a data directory with the demo built by the real models (it is copied, never changed).
`--program-root` runs `matcher serve` from another checkout (a baseline of earlier code) with
this interpreter; by default this checkout's.

One reader sends recommendations one after another; a phase of `--quiet` seconds alone, then a
phase of `--heavy` seconds in which `--solvers` clients (each with a reader key) ask for OpenLab
teams over and over (a pool of 60 catalogue researchers, 4 challenges, the exact solver) and one
editor uploads 1,000 changed rows every few seconds. Reported: the reader's p50 / p95 / p99 and
slowest answer per phase, and what the heavy requests were answered (200, 202, 503 ...).
"""

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import numpy as np

from benchmarks.latency_needs import needs
from benchmarks.server import FRESH_NEEDS, UNLIMITED, Server

ROOT = Path(__file__).resolve().parent.parent
CHALLENGES = [
    {"id": "heat", "text": "Keep frail older people safe at home during heat waves."},
    {"id": "battery", "text": "A second life for electric-bus batteries as building storage."},
    {"id": "triage", "text": "An AI assistant that helps primary-care nurses triage patients."},
    {"id": "textile", "text": "Sorting textile waste for recycling with computer vision."},
]


def program(root: Path | None) -> list[str]:
    """The `matcher` command to run: this checkout's, or another's with this interpreter."""
    if root is None:
        return [str(Path(sys.executable).parent / "matcher")]
    start = f"import sys; sys.path.insert(0, {str(root)!r}); from matcher.cli.main import main; "
    return [sys.executable, "-c", start + "sys.exit(main())"]


def environment(data: Path, root: Path | None) -> dict[str, str]:
    env = os.environ | {"HF_HUB_OFFLINE": "1", "MATCHER_DATA_DIR": str(data)}
    env |= UNLIMITED | FRESH_NEEDS
    if root is not None:
        env["PYTHONPATH"] = str(root)
    return env


def key(command: list[str], env: dict[str, str], role: str) -> str:
    args = [*command, "keys", "create", "--name", role, "--role", role, "--json"]
    done = subprocess.run(args, env=env, check=True, capture_output=True)
    return str(json.loads(done.stdout)["key"])


def researchers(base: str, count: int) -> list[str]:
    page = httpx.get(f"{base}/v1/entities", params={"kind": "researcher", "limit": count})
    return [item["id"] for item in page.json()["items"]]


def rows(round_: int) -> list[dict[str, Any]]:
    """1,000 companies whose text changes every round (so each upload rewrites them)."""
    return [
        {
            "id": f"company:load-{n}",
            "kind": "company",
            "name": f"Load {n}",
            "description": f"Wind turbine blade inspection, round {round_}, site {n}.",
        }
        for n in range(1000)
    ]


class Heavy(threading.Thread):
    """A client that sends one kind of heavy request until told to stop; counts the answers."""

    def __init__(self, base: str, secret: str, kind: str, pool: list[str]) -> None:
        super().__init__(daemon=True)
        self.base, self.secret, self.kind, self.pool = base, secret, kind, pool
        self.stop = threading.Event()
        self.answers: Counter[int | str] = Counter()

    def run(self) -> None:
        headers = {"authorization": f"Bearer {self.secret}"}
        round_ = 0
        with httpx.Client(base_url=self.base, headers=headers, timeout=600) as client:
            while not self.stop.is_set():
                try:
                    if self.kind == "team":
                        body = {"challenges": CHALLENGES, "pool": {"ids": self.pool},
                                "solver": "exact", "time_limit_s": 20}  # fmt: skip
                        status = client.post("/v1/teams", json=body).status_code
                    else:
                        round_ += 1
                        status = client.post("/v1/entities:bulk", json=rows(round_)).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                self.answers[status] += 1
                if status in (503, 202) or self.kind == "bulk":
                    self.stop.wait(3)


def read_for(base: str, seconds: float, seed: int) -> list[float]:
    """Recommendation times (ms) of one reader for `seconds`, needs in a shuffled cycle (the
    server keeps no need vectors, so each is encoded)."""
    times, bodies = [], needs(432, seed=seed)
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=600) as client:
        for body in itertools.cycle(bodies):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            client.post("/v1/recommendations", json=body).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return times


def figures(ms: list[float]) -> dict[str, float]:
    values = np.array(ms)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"n": len(ms), "p50": p50, "p95": p95, "p99": p99, "max": values.max()}


def run(data: Path, root: Path | None, quiet: float, heavy: float, solvers: int) -> dict:
    with TemporaryDirectory(prefix="matcher-heavy-") as folder:
        copy = Path(folder) / "data"
        shutil.copytree(data, copy)
        env, command = environment(copy, root), program(root)
        reader, editor = (key(command, env, role) for role in ("reader", "editor"))
        server = Server(copy, env, program=command, ready_s=600)
        try:
            read_for(server.url, 10, seed=9)  # warm up
            alone = read_for(server.url, quiet, seed=1)
            pool = researchers(server.url, 60)
            clients = [Heavy(server.url, reader, "team", pool) for _ in range(solvers)]
            clients.append(Heavy(server.url, editor, "bulk", pool))
            for client in clients:
                client.start()
            time.sleep(2)
            busy = read_for(server.url, heavy, seed=2)
            for client in clients:
                client.stop.set()
        finally:
            server.stop()
        teams = sum((c.answers for c in clients if c.kind == "team"), Counter())
        return {
            "quiet": figures(alone),
            "heavy": figures(busy),
            "team answers": dict(teams),
            "bulk answers": dict(clients[-1].answers),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a built data directory")
    parser.add_argument("--program-root", type=Path, help="run matcher from this checkout")
    parser.add_argument("--quiet", type=float, default=40)
    parser.add_argument("--heavy", type=float, default=60)
    parser.add_argument("--solvers", type=int, default=40)
    args = parser.parse_args(argv)
    result = run(args.data, args.program_root, args.quiet, args.heavy, args.solvers)
    print(json.dumps(result, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
