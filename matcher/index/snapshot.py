"""An index snapshot: per-language vector shards and the items they stand for, swapped as one."""

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.files import write_npy, write_text
from matcher.index import VectorBackend, create_backend, load_backend
from matcher.index.items import Item
from matcher.index.lexical import LexicalIndex
from matcher.settings import IndexSettings

CURRENT = "CURRENT"
FORMAT = 3  # raised whenever the files of a snapshot change
SAMPLE = 1000
ITEMS = "items.json"


class SnapshotError(ValueError):
    """A snapshot that cannot be read: written by another version, or damaged."""


@dataclass
class Shard:
    """The vectors of one language, their mean vector and a fixed sample of them.

    Mean and sample give the mean and spread of a need's similarities to the shard
    (see calibration.py); the spread is also the unit in which lexical evidence is added.
    """

    backend: VectorBackend
    mean: np.ndarray
    sample: np.ndarray


@dataclass
class Snapshot:
    """A loaded index: vector id = position in `items`."""

    shards: dict[str, Shard]
    items: list[Item]
    lexical: LexicalIndex
    model_id: str
    path: Path


def build_shards(
    items: list[Item], vectors: np.ndarray, settings: IndexSettings
) -> dict[str, Shard]:
    """One backend per item language, each with its mean vector and sample."""
    languages = np.array([i.language for i in items])
    shards: dict[str, Shard] = {}
    for language in sorted(set(languages.tolist())):
        positions = np.flatnonzero(languages == language).astype(np.int64)
        backend = create_backend(settings, vectors.shape[1], expected=len(positions))
        backend.add(positions, vectors[positions])
        rng = np.random.default_rng(0)
        picked = rng.choice(positions, size=min(SAMPLE, len(positions)), replace=False)
        mean = vectors[positions].mean(axis=0, dtype=np.float64).astype(np.float32)
        shards[language] = Shard(backend, mean, vectors[np.sort(picked)])
    return shards


def save_snapshot(
    root: Path,
    shards: dict[str, Shard],
    items: list[Item],
    lexical: LexicalIndex,
    model_id: str,
    catalogue: str = "",
) -> Path:
    """Write a new snapshot folder, then point CURRENT at it; older snapshots are removed.

    `catalogue` is the digest of the store content the snapshot was built from.
    """
    root.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder = root / name
    rows = [[i.entity_id, i.field, i.text, i.year, i.language] for i in items]
    text = json.dumps(rows, ensure_ascii=False)
    write_text(folder / ITEMS, text)
    for language, shard in shards.items():
        where = folder / "shards" / language
        extra = {"model": model_id, "language": language, "items": len(items)}
        shard.backend.save(where, extra=extra)
        write_npy(where / "mean.npy", shard.mean)
        write_npy(where / "sample.npy", shard.sample)
    lexical.save(folder / "lexical")
    info = json.dumps(
        {"format": FORMAT, "model": model_id, "items": len(items), "catalogue": catalogue}
    )
    write_text(folder / "snapshot.json", info)
    write_text(root / CURRENT, name)
    _remove_old(root, keep=name)
    return folder


def _remove_old(root: Path, keep: str) -> None:
    for child in root.iterdir():
        if child.is_dir() and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def current_path(root: Path) -> Path | None:
    """The folder CURRENT points at, if there is a complete snapshot."""
    pointer = root / CURRENT
    if not pointer.exists():
        return None
    folder = root / pointer.read_text(encoding="utf-8").strip()
    return folder if (folder / ITEMS).exists() else None


def load_snapshot(root: Path) -> Snapshot | None:
    """Load the current snapshot, or None when none was built yet."""
    folder = current_path(root)
    if folder is None:
        return None
    try:
        return _read(folder)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise SnapshotError(
            f"the index in {folder} cannot be read ({exc}); run `matcher build` again"
        ) from exc


def _read(folder: Path) -> Snapshot:
    info = json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))
    if info.get("format") != FORMAT:
        raise ValueError(f"index format {info.get('format')}, this version reads {FORMAT}")
    rows = json.loads((folder / ITEMS).read_text(encoding="utf-8"))
    items = [Item(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    shards: dict[str, Shard] = {}
    parts = folder / "shards"  # absent when the catalogue lists nothing
    for where in sorted(parts.iterdir()) if parts.exists() or items else []:
        backend = load_backend(where)
        mean, sample = np.load(where / "mean.npy"), np.load(where / "sample.npy")
        shards[where.name] = Shard(backend, mean, sample)
    held = sum(len(s.backend) for s in shards.values())
    if held != len(items):
        raise ValueError(f"index in {folder} holds {held} vectors for {len(items)} items")
    return Snapshot(
        shards, items, LexicalIndex.load(folder / "lexical"), str(info.get("model", "")), folder
    )


def snapshot_info(root: Path) -> dict[str, Any]:
    """The current snapshot's snapshot.json ({} when there is none or it cannot be read)."""
    folder = current_path(root)
    try:
        info = json.loads((folder / "snapshot.json").read_text(encoding="utf-8")) if folder else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def current_name(root: Path) -> str:
    """The snapshot CURRENT points at ('' if none), to notice rebuilds by another process."""
    try:
        return (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
