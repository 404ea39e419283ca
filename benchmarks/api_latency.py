"""Recommendation latency through the HTTP API at 10k and 100k entities, against the demo.

Run by hand from the repository root (after `python -m benchmarks.pool_vectors`, which this
script also does when needed):

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.api_latency --sizes 10000 100000

For each size: a synthetic catalogue of real text (benchmarks/synthetic.py) is generated, its
document vectors composed from real pool vectors are put into the embedding cache of a fresh data
directory, and `matcher build` runs the real build path (it reports encoded=0). Then `matcher
serve` starts in a subprocess with the default (hybrid) encoder and no need vectors kept between
requests (every need and clause is encoded); after a warm-up, the same distinct needs are
POSTed to /v1/recommendations one at a time and the wall time per request is measured in the
client. The baseline is the demo catalogue (~400 entities, real vectors) served
and measured the same way in the same run; ratios are size / demo. Peak RSS is the sum of the
VmHWM of the server and of its model processes. Results go to benchmarks/.cache/api_latency.json
and docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from tqdm import tqdm

from benchmarks.docs_page import replace_section
from benchmarks.fragments import load_pool
from benchmarks.latency_needs import needs
from benchmarks.latency_report import HEADING, machine, print_table, section
from benchmarks.pool_vectors import CACHE, SHARED, real_pool_vectors
from benchmarks.server import FRESH_NEEDS, MATCHER, UNLIMITED, Server
from benchmarks.synthetic import Generator, cache_targets, prefill, write_catalogue
from matcher.encoders.cache import EmbeddingCache
from matcher.encoders.factory import cached_encoder
from matcher.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MATCHER_CACHE_FILE"}
    return env | {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "MATCHER_DATA_DIR": str(data_dir),
        **UNLIMITED,
        **FRESH_NEEDS,
    }


def build(catalogue: str, data_dir: Path) -> dict[str, Any]:
    """`matcher build` in a subprocess: its JSON summary, wall time and peak RSS."""
    started = time.perf_counter()
    args = [MATCHER, "build", "--catalogue", catalogue, "--data-dir", str(data_dir), "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=_env(data_dir))
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"matcher build failed ({proc.returncode}): {out[-2000:]!r}")
    summary = json.loads(out)
    return {
        "summary": summary,
        "wall_s": time.perf_counter() - started,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def synthetic_dir(size: int, pool: Any, vectors: Any, seed: int) -> tuple[Path, dict[str, Any]]:
    """A fresh data directory with a synthetic catalogue whose vectors are all in the cache."""
    data_dir = CACHE / f"synthetic-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    entities = Generator(pool, seed=seed).generate(size)
    catalogue = write_catalogue(entities, data_dir / "catalogue.jsonl")
    generated = time.perf_counter()
    cache = EmbeddingCache(data_dir / "embeddings.sqlite")
    encoder = cached_encoder(Settings(data_dir=data_dir).encoder, cache)
    report = prefill(cache, entities, pool, cache_targets(encoder, vectors))
    cache.close()
    info = {
        "generate_s": generated - started,
        "prefill_s": time.perf_counter() - generated,
        "item_texts": report.items,
        "uncovered": report.uncovered,
    }
    print(f"  {size}: generated in {generated - started:.0f} s, prefilled {report.items} texts")
    return catalogue, info


def demo_dir() -> Path:
    """The demo's data directory; its embedding cache is kept between runs (real vectors)."""
    data_dir = CACHE / "demo"
    data_dir.mkdir(parents=True, exist_ok=True)
    for path in data_dir.iterdir():  # a fresh build each run; only the cache is kept
        if not path.name.startswith("embeddings.sqlite"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    seed = ROOT / "data" / "embeddings.sqlite"
    if not (data_dir / "embeddings.sqlite").exists() and seed.exists():
        shutil.copy(seed, data_dir / "embeddings.sqlite")  # vectors the real encoder made
    return data_dir


def measure(data_dir: Path, port: int, bodies: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """Serve a data directory, warm it up, then time each request; percentiles in ms."""
    server = Server(data_dir, _env(data_dir), port, ready_s=1800)
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            for body in needs(8, seed=1, offset=420):
                client.post("/v1/recommendations", json=body).raise_for_status()
            times, load = [], os.getloadavg()[0]
            for body in tqdm(bodies, desc=f"requests {label}", unit="req"):
                started = time.perf_counter()
                client.post("/v1/recommendations", json=body).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
        rss = server.peak_rss_mb()
    finally:
        server.stop()
    ms = np.array(times)
    return {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "server_start_s": server.start_s,
        "server_peak_rss_mb": rss,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "ms": times,
    }


def baseline(demo: dict[str, Any]) -> dict[str, Any]:
    """What a size keeps of the demo run it is compared with."""
    return {key: demo[key] for key in ("p50", "p95", "p99", "load_before")}


def main(argv: list[str] | None = None) -> None:
    """Build, serve and measure the demo and each size; print and record the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--merge", action="store_true", help="keep earlier sizes from api_latency.json"
    )
    args = parser.parse_args(argv)
    bodies = needs(args.requests, seed=args.seed)
    pool = load_pool(SHARED)
    vectors = real_pool_vectors(pool)
    results: dict[str, Any] = {"machine": machine(), "requests": len(bodies), "runs": {}}
    earlier = CACHE / "api_latency.json"
    if args.merge and earlier.exists():
        results["runs"] = json.loads(earlier.read_text())["runs"]
        for name, run in results["runs"].items():  # each keeps the demo of its own invocation
            if name != "demo":
                run.setdefault("baseline", baseline(results["runs"]["demo"]))
    data_dir = demo_dir()
    print("demo: building")
    results["runs"]["demo"] = {"build": build("demo", data_dir)}
    results["runs"]["demo"] |= measure(data_dir, args.port, bodies, "demo")
    for size in args.sizes:
        catalogue, info = synthetic_dir(size, pool, vectors, args.seed)
        print(f"{size}: building")
        run = info | {"build": build(str(catalogue), catalogue.parent)}
        run |= measure(catalogue.parent, args.port, bodies, str(size))
        run["baseline"] = baseline(results["runs"]["demo"])
        results["runs"][str(size)] = run
        (CACHE / "api_latency.json").write_text(json.dumps(results, indent=1))
    (CACHE / "api_latency.json").write_text(json.dumps(results, indent=1))
    print_table(results)
    if not args.no_docs:
        replace_section(HEADING, section(results))


if __name__ == "__main__":
    main()
