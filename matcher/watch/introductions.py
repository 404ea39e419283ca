"""Introductions: a requester asks to be introduced to a result.

A lab with a public e-mail contact gets the request by e-mail (from the delivery thread, with
retries, like alerts); everyone else (researchers above all: their contact details are never
shown to anyone) goes to a queue that an operator or coach with an editor key forwards by hand.
The requester follows the status (`requested`, `forwarded`, `accepted`, `declined`) with the
token the request answered with. Messages are plain text (markup is dropped) and bounded;
each requester may send a few per hour.
"""

import html
import re
import time
import uuid
from typing import Any

from matcher.schemas import AnyEntity, Lab
from matcher.watch.schemas import EMAIL
from matcher.watch.store import WatchStore, new_token, stamp, token_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS introductions (
    id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, entity_id TEXT NOT NULL,
    requester TEXT NOT NULL, contact TEXT NOT NULL, message TEXT NOT NULL,
    route TEXT NOT NULL, send_to TEXT, status TEXT NOT NULL, delivery TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL, last_error TEXT, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS introductions_contact ON introductions (contact, created);
"""
TAG = re.compile(r"<[^>]*>")
STATUSES = ("requested", "forwarded", "accepted", "declined")
PER_HOUR = 5


def plain(text: str) -> str:
    """Text without markup: tags dropped, entities unescaped, whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", text)).split())


def public_email(entity: AnyEntity) -> str | None:
    """The entity's public e-mail contact, where it has one (labs only; never a researcher)."""
    if isinstance(entity, Lab) and entity.contact and re.fullmatch(EMAIL, entity.contact):
        return entity.contact
    return None


class Introductions:
    """Introduction requests, on the saved needs' database."""

    def __init__(self, needs: WatchStore) -> None:
        self._db, self._lock = needs._db, needs._lock
        with self._lock:
            self._db.executescript(SCHEMA)

    def recent(self, contact: str, seconds: float = 3600.0) -> int:
        """Requests from this contact in the last `seconds`."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM introductions WHERE contact = ? AND created > ?",
                (contact.casefold(), time.time() - seconds),
            ).fetchone()
        return int(row[0])

    def create(self, entity: AnyEntity, requester: str, contact: str, message: str) -> dict:
        """Store a request (e-mailed to the entity's public contact, else queued for an
        operator); its record with the requester's token, shown once."""
        intro_id = "intro:" + uuid.uuid4().hex[:16]
        token = new_token()
        email = public_email(entity)
        route, delivery = ("email", "pending") if email else ("operator", None)
        now = time.time()
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO introductions (id, token_hash, entity_id, requester, contact, "
                "message, route, send_to, status, delivery, next_at, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?)",
                (
                    intro_id,
                    token_hash(token),
                    entity.id,
                    plain(requester),
                    contact.casefold(),
                    plain(message),
                    route,
                    email,
                    delivery,
                    now,
                    now,
                    now,
                ),
            )
        found = self.get(intro_id)
        assert found is not None
        return {**found, "token": token}

    def get(self, intro_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM introductions WHERE id = ?", (intro_id,))
            found = row.fetchone()
        return _record(found) if found else None

    def owns(self, intro_id: str, token: str | None) -> dict[str, Any] | None:
        """The request when the token is its requester's."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM introductions WHERE id = ? AND token_hash = ?",
                (intro_id, token_hash(token or "")),
            ).fetchone()
        return _record(row) if row else None

    def queue(self, status: str | None = None) -> list[dict[str, Any]]:
        """Requests for the operator, oldest first (optionally of one status)."""
        sql = "SELECT * FROM introductions"
        args: tuple[str, ...] = ()
        if status:
            sql, args = sql + " WHERE status = ?", (status,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY created", args).fetchall()
        return [_record(r) for r in rows]

    def set_status(self, intro_id: str, status: str) -> bool:
        with self._lock, self._db:
            return (
                self._db.execute(
                    "UPDATE introductions SET status = ?, updated = ? WHERE id = ?",
                    (status, time.time(), intro_id),
                ).rowcount
                > 0
            )

    def due(self, now: float) -> list[dict[str, Any]]:
        """E-mailed requests to send now (pending, or left half-sent by a stopped server)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM introductions WHERE delivery IN ('pending', 'sending') "
                "AND next_at <= ? ORDER BY next_at LIMIT 50",
                (now,),
            ).fetchall()
        return [_record(r) for r in rows]

    def mark(self, intro_id: str, delivery: str, next_at: float, error: str | None = None) -> None:
        """A delivery attempt's outcome; a sent request counts as forwarded."""
        tried = 0 if delivery == "sending" else 1
        with self._lock, self._db:
            self._db.execute(
                "UPDATE introductions SET delivery = ?, attempts = attempts + ?, next_at = ?, "
                "last_error = ?, updated = ?, status = CASE WHEN ? = 'sent' AND "
                "status = 'requested' THEN 'forwarded' ELSE status END WHERE id = ?",
                (delivery, tried, next_at, error, time.time(), delivery, intro_id),
            )

    def erase(self, entity_ids: list[str]) -> int:
        """Remove the requests to these entities."""
        with self._lock, self._db:
            return sum(
                self._db.execute("DELETE FROM introductions WHERE entity_id = ?", (e,)).rowcount
                for e in entity_ids
            )


def _record(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "entity_id": row["entity_id"],
        "requester": row["requester"],
        "contact": row["contact"],
        "message": row["message"],
        "route": row["route"],
        "send_to": row["send_to"],
        "status": row["status"],
        "delivery": row["delivery"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "created": stamp(row["created"]),
        "updated": stamp(row["updated"]),
    }
