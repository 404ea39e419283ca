"""File helpers: writes that never leave a half-written file, and emptying an SQLite WAL."""

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

CHECKPOINT_TRIES = 20


def atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Write a file through a temporary sibling and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_npy(path: Path, array: np.ndarray) -> None:
    """Write an array as a .npy file, atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            np.save(handle, array)

    atomic_write(path, write)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text, atomically."""
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_json(path: Path, content: Any, indent: int = 2, sort_keys: bool = False) -> None:
    """Write a JSON document, atomically."""
    write_text(path, json.dumps(content, indent=indent, sort_keys=sort_keys))


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write a model artefact's manifest.json, stamped with when it was created."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(folder / "manifest.json", {**manifest, "created": created}, sort_keys=True)


def checkpoint(execute: Callable[[str], Any], tries: int = CHECKPOINT_TRIES) -> bool:
    """`wal_checkpoint(TRUNCATE)` through `execute` (a statement in, its first row out),
    retried while readers hold the WAL; True when the WAL is empty.

    With `secure_delete` on, deleted rows are zeroed in the pages the WAL carries; the
    checkpoint writes those pages into the database file and truncates the WAL, so the old
    page images (which still hold the rows) are gone from it too.
    """
    for attempt in range(tries):
        busy = execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if not busy or not busy[0]:
            return True
        time.sleep(0.05 * (attempt + 1))
    return False


def durable_sqlite(path: Path, schema: str, foreign_keys: bool = False) -> sqlite3.Connection:
    """A SQLite file for rows that must outlive a crash: WAL, every commit waiting for the
    disk, erased rows overwritten (secure_delete), rows by column name, the schema applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    if foreign_keys:
        db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA secure_delete=ON")
    db.executescript(schema)
    return db


def checkpoint_sqlite(db: sqlite3.Connection) -> bool:
    """`checkpoint` on a sqlite3 connection."""
    return checkpoint(lambda statement: db.execute(statement).fetchone())
