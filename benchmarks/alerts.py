"""The alert pass at scale: saved needs against the entities an ingest added, on synthetic
catalogues of real text (benchmarks/synthetic.py).

    python -m benchmarks.alerts                       # 10k and 100k entities, 10,000 needs
    python -m benchmarks.alerts --sizes 2000 --needs 500 --new 50 100   # a quick look

For each catalogue size: build it with the hashing encoder at the hybrid's width (768; this
measures the pass, not the models), keep `--needs` saved needs (sentences of the fragment pool;
their vectors encoded once, as the first pass after they are saved does), set a strength model
that makes a need's own words count, then ingest batches of new entities and time the alert
pass alone after each ingest. Both axes come out: the pass against the number of new entities
at one catalogue size, and against the catalogue size for one number of new entities.
Results: benchmarks/results/alerts.json (the numbers in docs/benchmarks.md).
"""

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmarks.fragments import load_pool
from benchmarks.synthetic import Generator
from matcher.catalogue.reading import LoadedCatalogue
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import parse_entity
from matcher.search.strength import Strength, save
from matcher.settings import EncoderSettings, Settings
from matcher.watch.alert_store import ErasableWatchStore
from matcher.watch.alerts import alert_pass, need_vectors

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "alerts.json"
WIDTH = 768


def strength_model(models: Path) -> None:
    """Relevance from the lexical score and the standardised dense score (a hand-set model:
    the pass costs the same whatever the weights)."""
    weights = np.array([0.3, 20.0, 0.0, 0.0, 0.0])
    save(models, Strength(np.zeros(5), np.ones(5), weights, -4.0, 0.3, 0.7), {"data": "bench"})


def keep_needs(store: ErasableWatchStore, texts: list[str]) -> None:
    """Saved needs written in one transaction (setup only)."""
    store._db.execute("PRAGMA synchronous=OFF")
    for text in tqdm(texts, desc="saving needs", unit="need"):
        store.create({"need": text, "visibility": "private"}, key_id="bench")


def need_texts(texts: list[str], count: int) -> list[str]:
    """`count` distinct needs: pool sentences, then pairs of them where the pool runs out."""
    rng = random.Random(0)
    chosen = rng.sample(texts, min(count, len(texts)))
    seen = set(chosen)
    while len(chosen) < count:
        pair = f"{rng.choice(texts)} {rng.choice(texts)}"
        if pair not in seen:
            seen.add(pair)
            chosen.append(pair)
    return chosen


def run_size(size: int, needs: int, batches: list[int], pool: Any, folder: Path) -> dict:
    """Build one catalogue, save the needs, and time the pass after each batch of new ones."""
    generated = Generator(pool, seed=size).generate(size + sum(batches))
    records = [g.record for g in generated]
    data = folder / f"size-{size}"
    settings = Settings(
        data_dir=data, encoder=EncoderSettings(name="fake"), models_dir=folder / "models"
    )
    encoder = FakeEncoder(WIDTH)
    matcher = Matcher(settings, encoder=encoder)
    catalogue = data.parent / f"catalogue-{size}.jsonl"
    catalogue.write_text("\n".join(json.dumps(r) for r in records[:size]), encoding="utf-8")
    started = time.perf_counter()
    matcher.build(str(catalogue), progress=True)
    built = time.perf_counter() - started
    store = ErasableWatchStore(data / "watch.sqlite")
    keep_needs(store, need_texts(pool.texts, needs))
    model, encode = matcher.encoder.model_id, matcher.encoder.encode_queries
    started = time.perf_counter()
    need_vectors(store.alerts, model, encode, store.all())  # the first pass after saving
    encoded = time.perf_counter() - started
    rows = []
    offset = size
    for count in batches:
        batch = [parse_entity(r) for r in records[offset : offset + count]]
        offset += count
        report = matcher.ingest(LoadedCatalogue(entities=batch))
        t0 = time.perf_counter()
        new = alert_pass(matcher.served(), model, encode, store.alerts, report.changed)
        seconds = time.perf_counter() - t0
        rows.append({"new_entities": count, "alerts": len(new), "pass_s": round(seconds, 3)})
        print(f"  {size} entities, {count} new: pass {seconds:.2f} s, {len(new)} alerts")
    return {
        "entities": size,
        "saved_needs": needs,
        "build_s": round(built, 1),
        "encode_needs_s": round(encoded, 2),
        "passes": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--new", type=int, nargs="+", default=[100, 300, 1000])
    args = parser.parse_args(argv)
    pool = load_pool(SHARED, scale=max(1, args.needs // 2000))
    folder = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    strength_model(folder / "models")
    try:
        results = [run_size(size, args.needs, args.new, pool, folder) for size in args.sizes]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
