"""Alerts and their delivery outbox, beside the saved needs in `watch.sqlite`.

`seen` holds, per saved need, the entities already shown or alerted (never alerted again);
`alerts` one row per new match; `outbox` one row per alert and delivery channel (webhook,
email) with its state, so a restarted server carries on where it stopped. The saved needs'
vectors are kept per model (`need_vectors`), so an alert pass encodes only new needs.
"""

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from matcher.files import checkpoint_sqlite
from matcher.watch.introductions import Introductions
from matcher.watch.store import WatchStore, stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS need_vectors (
    need_id TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (need_id, model)
);
CREATE TABLE IF NOT EXISTS seen (
    need_id TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (need_id, entity_id)
);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, need_id TEXT NOT NULL, entity_id TEXT NOT NULL,
    name TEXT NOT NULL, kind TEXT NOT NULL, band TEXT NOT NULL, relevance REAL NOT NULL,
    created REAL NOT NULL, UNIQUE (need_id, entity_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    alert_id INTEGER NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, last_error TEXT,
    sent_at REAL, PRIMARY KEY (alert_id, channel)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_at);
"""


class AlertStore:
    """Alerts, what each saved need has seen, the outbox; on the saved needs' database."""

    def __init__(self, needs: WatchStore) -> None:
        self.needs = needs
        self._db, self._lock = needs._db, needs._lock
        with self._lock:
            self._db.executescript(SCHEMA)

    def vectors(self, model: str, need_ids: list[str]) -> dict[str, np.ndarray]:
        """The kept vectors of these needs for this model."""
        with self._lock:
            rows = self._db.execute(
                "SELECT need_id, vector FROM need_vectors WHERE model = ?", (model,)
            ).fetchall()
        wanted = set(need_ids)
        return {
            r["need_id"]: np.frombuffer(r["vector"], dtype=np.float32)
            for r in rows
            if r["need_id"] in wanted
        }

    def keep_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO need_vectors VALUES (?, ?, ?)",
                [(n, model, np.asarray(v, np.float32).tobytes()) for n, v in vectors.items()],
            )

    def mark_seen(self, need_id: str, entity_ids: list[str]) -> None:
        """Entities this need was shown (they never become alerts)."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO seen VALUES (?, ?)", [(need_id, e) for e in entity_ids]
            )

    def add(self, found: list[dict[str, Any]], channels: dict[str, list[str]]) -> list[int]:
        """New alerts ({need_id, entity_id, name, kind, band, relevance}) for matches not seen
        before, each with an outbox row per channel of its need; the new alerts' ids."""
        now = time.time()
        new: list[int] = []
        with self._lock, self._db:
            for match in found:
                fresh = self._db.execute(
                    "INSERT OR IGNORE INTO seen VALUES (?, ?)",
                    (match["need_id"], match["entity_id"]),
                ).rowcount
                if not fresh:
                    continue
                cursor = self._db.execute(
                    "INSERT INTO alerts (need_id, entity_id, name, kind, band, relevance, "
                    "created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        match["need_id"],
                        match["entity_id"],
                        match["name"],
                        match["kind"],
                        match["band"],
                        match["relevance"],
                        now,
                    ),
                )
                alert_id = int(cursor.lastrowid or 0)
                new.append(alert_id)
                self._db.executemany(
                    "INSERT INTO outbox (alert_id, channel, status, next_at) "
                    "VALUES (?, ?, 'pending', ?)",
                    [(alert_id, c, now) for c in channels.get(match["need_id"], [])],
                )
        return new

    def of_need(self, need_id: str) -> list[dict[str, Any]]:
        """A need's alerts, newest first, each with its delivery state per channel."""
        with self._lock:
            alerts = self._db.execute(
                "SELECT * FROM alerts WHERE need_id = ? ORDER BY id DESC", (need_id,)
            ).fetchall()
            outbox = self._db.execute(
                "SELECT o.* FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.need_id = ?",
                (need_id,),
            ).fetchall()
        deliveries: dict[int, dict[str, Any]] = {}
        for row in outbox:
            deliveries.setdefault(row["alert_id"], {})[row["channel"]] = {
                "status": row["status"],
                "attempts": row["attempts"],
                "last_error": row["last_error"],
            }
        return [
            {
                "id": a["id"],
                "entity_id": a["entity_id"],
                "name": a["name"],
                "kind": a["kind"],
                "band": a["band"],
                "relevance": a["relevance"],
                "created": stamp(a["created"]),
                "deliveries": deliveries.get(a["id"], {}),
            }
            for a in alerts
        ]

    def due(self, now: float, limit: int = 50) -> list[dict[str, Any]]:
        """Outbox rows to try now: pending ones whose time has come, and ones a stopped server
        left half-sent."""
        with self._lock:
            rows = self._db.execute(
                "SELECT o.alert_id, o.channel, o.attempts, a.need_id, a.entity_id, a.name, "
                "a.kind, a.band, a.relevance, a.created FROM outbox o JOIN alerts a "
                "ON a.id = o.alert_id WHERE o.status IN ('pending', 'sending') AND o.next_at <= ? "
                "ORDER BY o.next_at LIMIT ?",
                (now, limit),
            ).fetchall()
        return [dict(r) for r in rows]

    def mark(
        self, alert_id: int, channel: str, status: str, next_at: float, error: str | None = None
    ) -> None:
        """Record a delivery attempt's outcome (`sending` before it, then `sent`, `pending`
        for a retry at `next_at`, or `failed`)."""
        attempts = 0 if status == "sending" else 1
        with self._lock, self._db:
            self._db.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + ?, next_at = ?, "
                "last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE alert_id = ? AND channel = ?",
                (status, attempts, next_at, error, status, time.time(), alert_id, channel),
            )

    def forget_need(self, need_id: str) -> None:
        """Everything kept for a deleted or rewritten need."""
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM outbox WHERE alert_id IN (SELECT id FROM alerts WHERE need_id = ?)",
                (need_id,),
            )
            for table in ("alerts", "seen", "need_vectors"):
                self._db.execute(f"DELETE FROM {table} WHERE need_id = ?", (need_id,))

    def erase(self, entity_ids: list[str]) -> int:
        """Remove the alerts (with their outbox rows) and seen rows naming these entities."""
        removed = 0
        with self._lock, self._db:
            for entity_id in entity_ids:
                self._db.execute(
                    "DELETE FROM outbox WHERE alert_id IN "
                    "(SELECT id FROM alerts WHERE entity_id = ?)",
                    (entity_id,),
                )
                removed += self._db.execute(
                    "DELETE FROM alerts WHERE entity_id = ?", (entity_id,)
                ).rowcount
                self._db.execute("DELETE FROM seen WHERE entity_id = ?", (entity_id,))
        return removed


class ErasableWatchStore(WatchStore):
    """The store as the erasure protocol sees it: an erased entity leaves every saved need's
    exclusions and every alert (a need's own text is the asker's, not the entity's)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.alerts = AlertStore(self)
        self.introductions = Introductions(self)

    def needs_from(self, entity_ids: list[str]) -> list[tuple[str, str]]:
        """Saved needs are never built from an entity's text."""
        return []

    def erase(self, entity_ids: list[str]) -> dict[str, int]:
        """Drop these ids from the exclusions of every saved need; how many needs changed."""
        gone = set(entity_ids)
        changed = 0
        with self._lock, self._db:
            for row in self._db.execute("SELECT id, body FROM saved_needs").fetchall():
                body = json.loads(row["body"])
                kept = [e for e in body.get("exclude", []) if e not in gone]
                if len(kept) != len(body.get("exclude", [])):
                    body["exclude"] = kept
                    self._db.execute(
                        "UPDATE saved_needs SET body = ? WHERE id = ?",
                        (json.dumps(body, ensure_ascii=False), row["id"]),
                    )
                    changed += 1
        return {
            "saved_needs": changed,
            "alerts": self.alerts.erase(entity_ids),
            "introductions": self.introductions.erase(entity_ids),
        }

    def checkpoint(self) -> bool:
        """Empty the WAL into the database file, so erased ids linger in no file."""
        with self._lock:
            return checkpoint_sqlite(self._db)
