"""Vector search at 100k and 1M vectors: the FAISS index chosen for the size against exact NumPy.

Run by hand: `.venv/bin/python -m benchmarks.vector_search --n 1000000` (also runs 100k).

Vectors. Encoding a million texts on CPU is out of reach, so the collection is derived from
real embeddings. A pool of real texts is encoded once with the default English model
(all-MiniLM-L6-v2) and cached in benchmarks/.cache/: the goldstandard reviewer-paper
papers (title + abstract, and the title alone) and the CORDIS H2020 dashboard projects
(title + call topic). About 10% of the papers are held out of the pool. Each of the n
catalogue vectors is a normalised random mixture of 2-3 pool vectors (Dirichlet weights)
plus Gaussian noise (sigma 0.01 per dimension, about 0.2 in norm before normalising).
Queries: half are the held-out papers' real embeddings, half fresh mixtures.

Measured in one process on the same vectors: build time (train + add + recall check),
index memory (serialised size), single-query latency p50/p99 (one query per call, the
service path) of the FAISS backend and of exact NumPy (matrix product + argpartition over
all n), the speed-up, and recall@10 against exact. Writes a table to docs/benchmarks.md.
"""

import argparse
import csv
import glob
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.docs_page import replace_section

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
DATA = ROOT.parent / "shared" / "data"
HELD_OUT_EVERY = 10
NOISE = 0.01
K = 10
HEADING = "## Vector search"
ALSO = "also build these FAISS types at every size, for comparison"
# Parameters left out of the table (the same for every row or shown in another column).
DROP = {"expected", "min_recall", "recall_queries"}

if TYPE_CHECKING:
    from matcher.encoders.minilm import MiniLMEncoder
    from matcher.index import VectorBackend


def paper_texts() -> list[tuple[str, str]]:
    """(title + abstract, title) of every goldstandard paper, in file-name order."""
    papers = []
    for path in sorted(glob.glob(str(DATA / "goldstandard-reviewer-paper/data/papers/*.json"))):
        paper = json.loads(Path(path).read_text(encoding="utf-8"))
        title = (paper.get("title") or "").strip()
        abstract = (paper.get("abstract") or "").strip()
        if title:
            papers.append((f"{title}. {abstract}".strip(), title))
    return papers


def cordis_texts() -> list[str]:
    """Distinct H2020 dashboard projects as title + call topic."""
    path = DATA / "cordis-h2020-dashboard-2021" / "dashboard-export-2021.csv"
    with open(path, encoding="utf-8") as handle:
        rows = {
            r["project_id"]: f"{r['project_title']}. {r['topic_descr']}"
            for r in csv.DictReader(handle)
        }
    return [rows[k] for k in sorted(rows)]


def real_embeddings() -> tuple[np.ndarray, np.ndarray]:
    """(pool, held-out queries) of real MiniLM embeddings, encoded once and cached."""
    cached = CACHE / "minilm-pool.npz"
    if cached.exists():
        data = np.load(cached)
        return data["pool"], data["held_out"]
    from matcher.encoders.minilm import MiniLMEncoder

    papers = paper_texts()
    held = [p for i, p in enumerate(papers) if i % HELD_OUT_EVERY == 0]
    kept = [p for i, p in enumerate(papers) if i % HELD_OUT_EVERY != 0]
    texts = [full for full, _ in kept] + [title for _, title in kept] + cordis_texts()
    encoder = MiniLMEncoder()
    pool = encode(encoder, texts, "pool")
    held_out = encode(encoder, [full for full, _ in held], "held-out")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cached, pool=pool, held_out=held_out)
    return pool, held_out


def encode(encoder: "MiniLMEncoder", texts: list[str], what: str) -> np.ndarray:
    """Encode in chunks of 64 with a progress bar."""
    from tqdm import tqdm

    chunks = [texts[i : i + 64] for i in range(0, len(texts), 64)]
    parts = [encoder.encode_documents(c) for c in tqdm(chunks, desc=f"encode {what}")]
    return np.concatenate(parts).astype(np.float32)


def mixtures(pool: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n normalised mixtures of 2-3 pool vectors (Dirichlet weights) plus Gaussian noise."""
    from tqdm import tqdm

    from matcher.encoders.base import normalise

    rng = np.random.default_rng(seed)
    out = np.empty((n, pool.shape[1]), dtype=np.float32)
    for start in tqdm(range(0, n, 50_000), desc=f"mix {n:,} vectors", disable=n < 100_000):
        size = min(50_000, n - start)
        weights = rng.dirichlet(np.ones(3), size=size).astype(np.float32)
        weights[rng.random(size) < 0.5, 2] = 0.0  # half of them mix two vectors only
        picked = pool[rng.integers(len(pool), size=(size, 3))]
        mixed = np.einsum("nk,nkd->nd", weights / weights.sum(axis=1, keepdims=True), picked)
        mixed += rng.normal(scale=NOISE, size=mixed.shape).astype(np.float32)
        out[start : start + size] = normalise(mixed)
    return out


def latencies(
    search: Callable[[np.ndarray], object], queries: np.ndarray, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Wall and process-CPU milliseconds per single-query call, after three warm-up calls.

    CPU time (all threads of this process) shows the cost apart from waiting for a core
    when other work shares the machine."""
    from tqdm import tqdm

    for query in queries[:3]:
        search(query[None, :])
    wall, cpu = np.empty(len(queries)), np.empty(len(queries))
    for i, query in enumerate(tqdm(queries, desc=f"single queries, {what}", leave=False)):
        started, started_cpu = time.perf_counter(), time.process_time()
        search(query[None, :])
        wall[i] = (time.perf_counter() - started) * 1000
        cpu[i] = (time.process_time() - started_cpu) * 1000
    return wall, cpu


def index_bytes(backend: "VectorBackend") -> int:
    """Size of the saved index files (the vectors plus the index structure)."""
    with tempfile.TemporaryDirectory() as folder:
        backend.save(Path(folder))
        return sum(f.stat().st_size for f in Path(folder).iterdir())


def run_size(
    n: int, pool: np.ndarray, queries: np.ndarray, real: int, kinds: list[str]
) -> list[dict[str, str]]:
    """Exact NumPy and the FAISS index for each kind ('choice' = what the settings pick).

    The first `real` queries are held-out real embeddings, the rest mixtures."""
    from matcher.index import create_backend
    from matcher.index.exact import ExactBackend
    from matcher.index.tuning import exact_scores_of, recall_at_k
    from matcher.settings import IndexSettings

    vectors, ids = mixtures(pool, n, seed=n), np.arange(n, dtype=np.int64)
    exact = ExactBackend(pool.shape[1])
    exact.add(ids, vectors)
    true_scores, _ = exact.search(queries, K)
    exact_ms = latencies(lambda q: exact.search(q, K), queries, f"exact NumPy at {n:,}")
    rows = [
        row(
            n,
            "exact NumPy",
            {},
            0.0,
            vectors.nbytes + ids.nbytes,
            exact_ms,
            (1.0, 1.0, 1.0),
            exact_ms,
        )
    ]
    settings = IndexSettings()
    forced = {"hnsw": {"ivf_threshold": n + 1, "exact_threshold": 1}, "ivf": {"ivf_threshold": 1}}
    for kind in kinds:
        chosen = settings.model_copy(update=forced.get(kind, {}))
        backend = create_backend(chosen, pool.shape[1], expected=n)
        started = time.perf_counter()
        backend.add(ids, vectors)
        build = time.perf_counter() - started
        found = exact_scores_of(backend.search(queries, K)[1], queries, backend.vectors)
        recall = (
            recall_at_k(found, true_scores),
            recall_at_k(found[:real], true_scores[:real]),
            recall_at_k(found[real:], true_scores[real:]),
        )
        ms = latencies(partial(backend.search, k=K), queries, f"FAISS {kind} at {n:,}")
        params = {k: v for k, v in backend.parameters().items() if k not in DROP}
        label = f"FAISS {params.pop('index_type')}" + (" (choice)" if kind == "choice" else "")
        size = index_bytes(backend)
        rows.append(row(n, label, params, build, size, ms, recall, exact_ms))
        del backend
    return rows


def row(
    n: int,
    label: str,
    params: dict[str, object],
    build: float,
    size: int,
    ms: tuple[np.ndarray, np.ndarray],
    recall: tuple[float, float, float],
    exact_ms: tuple[np.ndarray, np.ndarray],
) -> dict[str, str]:
    """One table row."""
    p50, p99 = np.percentile(ms[0], [50, 99])
    return {
        "n": f"{n:,}",
        "index": label,
        "build s": f"{build:.1f}",
        "index MB": f"{size / 2**20:,.0f}",
        "p50 ms": f"{p50:.2f}",
        "p99 ms": f"{p99:.2f}",
        "CPU ms p50": f"{np.percentile(ms[1], 50):.2f}",
        "speed-up (p50)": f"{np.percentile(exact_ms[0], 50) / p50:.0f}x",
        "recall@10": f"{recall[0]:.3f}",
        "real / mixed": f"{recall[1]:.3f} / {recall[2]:.3f}",
        "parameters": ", ".join(f"{k}={v}" for k, v in params.items()),
    }


def table(rows: list[dict[str, str]]) -> str:
    """Markdown table."""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows])


def machine() -> str:
    """Cores, memory, CPU model and library versions."""
    import faiss
    import psutil

    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, FAISS {faiss.__version__}; "
        f"load average at the start {load}"
    )


def report(rows: list[dict[str, str]], about: str, pool: int, queries: int) -> str:
    """The docs section."""
    return f"""{HEADING}

`python -m benchmarks.vector_search --n 1000000 --also hnsw`. Machine: {about}.

Collection: n vectors, each a normalised mixture of 2-3 real all-MiniLM-L6-v2 embeddings
(Dirichlet weights) plus Gaussian noise (sigma {NOISE} per dimension), drawn from a pool of
{pool:,} real embeddings (goldstandard reviewer-paper titles + abstracts and titles, CORDIS
H2020 project titles + call topics). Queries: {queries} = held-out papers' real embeddings and
fresh mixtures, half each. Latency: one query per call (the service path, FAISS on one
thread), after warm-up; exact NumPy = matrix product + argpartition over all n in the same
process. Recall@10 against exact search (ties with the 10th score count; what an index
found is scored exactly, since float16 lists' own scores differ in the 5th decimal). Build = train +
add + the build-time recall check; index MB = saved file size; "real / mixed": recall@10 of
the two query kinds; recall_at_10 in the parameters: the build-time check (200 stored vectors
as queries), which is optimistic for new queries, hence the nprobe floor of 16.

{table(rows)}

{verdict(rows)}
"""


def verdict(rows: list[dict[str, str]]) -> str:
    """Whether the FAISS choice at the largest size meets p50 < 10 ms and recall@10 >= 0.95."""
    last = [r for r in rows if r["index"].endswith("(choice)")][-1]
    met = float(last["p50 ms"]) < 10 and float(last["recall@10"]) >= 0.95
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Target at {last['n']} (p50 < 10 ms, recall@10 >= 0.95): {'met' if met else 'NOT met'} "
        f"(p50 {last['p50 ms']} ms wall, {last['CPU ms p50']} ms CPU; recall@10 "
        f"{last['recall@10']}). Load average at the end: {load}."
    )


def main() -> None:
    """Run 100k and --n, print the table, write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sizes", type=int, nargs="*", help="sizes to run (default 100k and --n)")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--also", nargs="*", default=[], choices=["hnsw", "ivf"], help=ALSO)
    parser.add_argument("--also-up-to", type=int, default=200_000, help="largest size for --also")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    about = machine()
    print(about)
    pool, held_out = real_embeddings()
    half = args.queries // 2
    rng = np.random.default_rng(1)
    real = held_out[rng.choice(len(held_out), min(half, len(held_out)), replace=False)]
    queries = np.concatenate([real, mixtures(pool, args.queries - len(real), seed=-1 % 2**32)])
    rows: list[dict[str, str]] = []
    for n in args.sizes or sorted({100_000, args.n}):
        also = args.also if n <= args.also_up_to else []
        rows += run_size(n, pool, queries, len(real), ["choice", *also])
        print(table(rows), flush=True)
    if not args.no_write:
        replace_section(HEADING, report(rows, about, len(pool), len(queries)))


if __name__ == "__main__":
    main()
