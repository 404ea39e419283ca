"""An index snapshot: the vectors and the items they stand for, written and swapped as one."""

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from matcher.index import VectorBackend, load_backend
from matcher.index.base import atomic_write
from matcher.items import Item

CURRENT = "CURRENT"
ITEMS = "items.json"


@dataclass
class Snapshot:
    """A loaded index with its item table (vector id = position in `items`)."""

    backend: VectorBackend
    items: list[Item]
    model_id: str
    path: Path


def save_snapshot(root: Path, backend: VectorBackend, items: list[Item], model_id: str) -> Path:
    """Write a new snapshot folder, then point CURRENT at it; older snapshots are removed."""
    root.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder = root / name
    folder.mkdir()
    rows = [[i.entity_id, i.field, i.text, i.year] for i in items]
    atomic_write(folder / ITEMS, lambda p: Path(p).write_text(json.dumps(rows), encoding="utf-8"))
    backend.save(folder, extra={"model": model_id, "items": len(items)})
    atomic_write(root / CURRENT, lambda p: Path(p).write_text(name, encoding="utf-8"))
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
    backend = load_backend(folder)
    rows = json.loads((folder / ITEMS).read_text(encoding="utf-8"))
    items = [Item(entity_id=r[0], field=r[1], text=r[2], year=r[3]) for r in rows]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if len(backend) != len(items):
        raise ValueError(f"index in {folder} holds {len(backend)} vectors for {len(items)} items")
    return Snapshot(backend, items, str(manifest.get("model", "")), folder)


def snapshot_mtime(root: Path) -> float:
    """When CURRENT last changed (0 if never), to notice rebuilds by another process."""
    try:
        return os.stat(root / CURRENT).st_mtime
    except FileNotFoundError:
        return 0.0
