"""The entity store: one SQLite file, each entity kept as validated JSON."""

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from matcher.schemas import Company, Lab, Researcher, parse_entity

AnyEntity = Company | Lab | Researcher

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS entities_kind ON entities (kind);
"""


class Store:
    """Entities by id; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def upsert(self, entities: Iterable[AnyEntity]) -> int:
        """Insert or replace entities by id; returns how many were written."""
        rows = [
            (e.id, e.kind, e.name, e.model_dump_json(), e.updated_at and e.updated_at.isoformat())
            for e in entities
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def replace_all(self, entities: Iterable[AnyEntity]) -> int:
        """Make the store hold exactly these entities, in one transaction."""
        rows = [
            (e.id, e.kind, e.name, e.model_dump_json(), e.updated_at and e.updated_at.isoformat())
            for e in entities
        ]
        with self._lock, self._db:
            self._db.execute("DELETE FROM entities")
            self._db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def get(self, entity_id: str) -> AnyEntity | None:
        """One entity, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM entities WHERE id = ?", (entity_id,)
            ).fetchone()
        return parse_entity(json.loads(row[0])) if row else None

    def delete(self, entity_id: str) -> bool:
        """Remove an entity; True if it existed."""
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM entities WHERE id = ?", (entity_id,))
        return cursor.rowcount > 0

    def all(self) -> Iterator[AnyEntity]:
        """Every entity, ordered by id."""
        with self._lock:
            rows = self._db.execute("SELECT data FROM entities ORDER BY id").fetchall()
        for (data,) in rows:
            yield parse_entity(json.loads(data))

    def count(self) -> dict[str, int]:
        """Entities per kind."""
        with self._lock:
            rows = self._db.execute("SELECT kind, COUNT(*) FROM entities GROUP BY kind").fetchall()
        return {kind: int(n) for kind, n in rows}

    def close(self) -> None:
        """Close the database."""
        self._db.close()
