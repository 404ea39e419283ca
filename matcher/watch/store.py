"""Saved needs in one SQLite file (`watch.sqlite` in the data directory).

A need saved without an API key gets an unguessable token (its owner's link); only the token's
SHA-256 is stored, so the file alone opens no need. A need saved with a key belongs to that key.
Every write is one transaction that waits for the disk.
"""

import hashlib
import json
import secrets
import sqlite3
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from matcher.files import durable_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_needs (
    id TEXT PRIMARY KEY, token_hash TEXT, key_id TEXT, body TEXT NOT NULL,
    visibility TEXT NOT NULL, deadline TEXT, created REAL NOT NULL, updated REAL NOT NULL,
    webhook_secret TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_needs_open ON saved_needs (visibility, deadline);
"""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """An unguessable owner token (192 random bits)."""
    return secrets.token_urlsafe(24)


def stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


class WatchStore:
    """Saved needs and their owners."""

    def __init__(self, path: Path) -> None:
        self._db = durable_sqlite(path, SCHEMA)
        self._lock = threading.Lock()

    def _run(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._lock, self._db:
            return self._db.execute(sql, args).rowcount

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def create(self, body: dict[str, Any], key_id: str | None) -> tuple[str, str | None]:
        """Store a need; its id and, for a need saved without a key, its owner token."""
        need_id = "need:" + uuid.uuid4().hex[:16]
        token = None if key_id else new_token()
        now = time.time()
        self._run(
            "INSERT INTO saved_needs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                need_id,
                token_hash(token) if token else None,
                key_id,
                json.dumps(body, ensure_ascii=False),
                body.get("visibility", "private"),
                body.get("deadline"),
                now,
                now,
                new_token(),
            ),
        )
        return need_id, token

    def get(self, need_id: str) -> dict[str, Any] | None:
        """A stored need with its owner fields, or None."""
        rows = self._rows("SELECT * FROM saved_needs WHERE id = ?", (need_id,))
        return _record(rows[0]) if rows else None

    def owns(self, record: dict[str, Any], token: str | None, key_id: str | None) -> bool:
        """Whether the token or the key is this need's owner."""
        if record["token_hash"] and token:
            return secrets.compare_digest(record["token_hash"], token_hash(token))
        return bool(record["key_id"]) and record["key_id"] == key_id

    def update(self, need_id: str, body: dict[str, Any]) -> bool:
        """Replace a need's body; False when it does not exist."""
        return (
            self._run(
                "UPDATE saved_needs SET body = ?, visibility = ?, deadline = ?, updated = ? "
                "WHERE id = ?",
                (
                    json.dumps(body, ensure_ascii=False),
                    body.get("visibility", "private"),
                    body.get("deadline"),
                    time.time(),
                    need_id,
                ),
            )
            > 0
        )

    def delete(self, need_id: str) -> bool:
        return self._run("DELETE FROM saved_needs WHERE id = ?", (need_id,)) > 0

    def all(self) -> list[dict[str, Any]]:
        """Every saved need, oldest first."""
        return [_record(r) for r in self._rows("SELECT * FROM saved_needs ORDER BY created, id")]

    def open_challenges(self, today: date) -> list[dict[str, Any]]:
        """Public needs whose deadline is today or later, soonest deadline first."""
        rows = self._rows(
            "SELECT * FROM saved_needs WHERE visibility = 'public' AND deadline >= ? "
            "ORDER BY deadline, id",
            (today.isoformat(),),
        )
        return [_record(r) for r in rows]


def _record(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "token_hash": row["token_hash"],
        "key_id": row["key_id"],
        "body": json.loads(row["body"]),
        "created": stamp(row["created"]),
        "updated": stamp(row["updated"]),
        "webhook_secret": row["webhook_secret"],
    }
