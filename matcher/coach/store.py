"""Coach data in one SQLite file: portfolios, their needs, shortlists, shown rankings, feedback.

Every write is one transaction with synchronous=FULL, so an acknowledged write survives a crash,
the operating system's included. The one exception is the ranking a recommendation was shown,
written on every request: it waits for the disk only at the next full write (synchronous=NORMAL;
WAL keeps it through a crash of the server itself), which spares each request a disk wait. A
power loss may forget the last few shown rankings; feedback on such a need then asks for its
recommendations again. Feedback is unique per (need, entity, label): sending the same feedback
twice stores it once. Each need's latest shown ranking is kept, so feedback can be learned from
later with the features the ranking was made from.
"""

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from matcher.files import checkpoint_sqlite, durable_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS portfolios (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS portfolio_needs (
    portfolio_id TEXT NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
    need_id TEXT NOT NULL, position INTEGER NOT NULL, title TEXT NOT NULL,
    text TEXT NOT NULL, entity_id TEXT, municipality TEXT,
    PRIMARY KEY (portfolio_id, need_id)
);
CREATE TABLE IF NOT EXISTS shortlist (
    portfolio_id TEXT NOT NULL, need_id TEXT NOT NULL, entity_id TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', added REAL NOT NULL,
    PRIMARY KEY (portfolio_id, need_id, entity_id),
    FOREIGN KEY (portfolio_id, need_id) REFERENCES portfolio_needs(portfolio_id, need_id)
        ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS marks (
    portfolio_id TEXT NOT NULL, need_id TEXT NOT NULL, entity_id TEXT NOT NULL,
    mark TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (portfolio_id, need_id, entity_id),
    FOREIGN KEY (portfolio_id, need_id) REFERENCES portfolio_needs(portfolio_id, need_id)
        ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS shown (
    need_id TEXT PRIMARY KEY, text TEXT NOT NULL, municipality TEXT,
    ranking TEXT NOT NULL, shown_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    need_id TEXT NOT NULL, entity_id TEXT NOT NULL, label TEXT NOT NULL,
    ranking TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (need_id, entity_id, label)
);
"""
# How a shortlisted entity matched its need when it was put on the list (coach/assess.py).
SHORTLIST_ASSESSMENT = {"band": "TEXT", "relevance": "REAL", "reason": "TEXT"}
MARK_LABELS = {"good": "relevant", "bad": "not_relevant"}


class CoachStore:
    """Portfolios, shortlists, shown rankings and feedback."""

    def __init__(self, path: Path) -> None:
        self._db = durable_sqlite(path, SCHEMA, foreign_keys=True)
        self._add_columns("shortlist", SHORTLIST_ASSESSMENT)
        self._lock = threading.Lock()

    def _add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Columns a store written by an earlier version lacks (empty on its old rows)."""
        have = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def _write(self, sql: str, rows: list[tuple[Any, ...]], durable: bool = True) -> int:
        """One transaction; `durable`: committed only once it is on the disk."""
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._db:
                    return self._db.executemany(sql, rows).rowcount
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def create_portfolio(self, name: str, needs: list[dict[str, Any]]) -> str:
        """A new portfolio with its needs ({need_id, title, text, entity_id?, municipality?})."""
        portfolio_id = "portfolio:" + uuid.uuid4().hex[:12]
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO portfolios VALUES (?, ?, ?)", (portfolio_id, name, time.time())
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO portfolio_needs VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        portfolio_id,
                        n["need_id"],
                        i,
                        n["title"],
                        n["text"],
                        n.get("entity_id"),
                        n.get("municipality"),
                    )
                    for i, n in enumerate(needs)
                ],
            )
        return portfolio_id

    def portfolio(self, portfolio_id: str) -> dict[str, Any] | None:
        """A portfolio with its needs in order, each with its shortlist."""
        found = self._read("SELECT * FROM portfolios WHERE id = ?", (portfolio_id,))
        if not found:
            return None
        needs = self._read(
            "SELECT * FROM portfolio_needs WHERE portfolio_id = ? ORDER BY position",
            (portfolio_id,),
        )
        listed = self._read(
            "SELECT * FROM shortlist WHERE portfolio_id = ? ORDER BY added", (portfolio_id,)
        )
        marks = self._read(
            "SELECT need_id, entity_id, mark FROM marks WHERE portfolio_id = ? ORDER BY created",
            (portfolio_id,),
        )
        return {
            "id": portfolio_id,
            "name": found[0]["name"],
            "needs": [
                {
                    "need_id": n["need_id"],
                    "title": n["title"],
                    "text": n["text"],
                    "entity_id": n["entity_id"],
                    "municipality": n["municipality"],
                    "shortlist": [
                        {
                            "entity_id": s["entity_id"],
                            "note": s["note"],
                            **{name: s[name] for name in SHORTLIST_ASSESSMENT},
                        }
                        for s in listed
                        if s["need_id"] == n["need_id"]
                    ],
                    "marks": {
                        m["entity_id"]: m["mark"] for m in marks if m["need_id"] == n["need_id"]
                    },
                }
                for n in needs
            ],
        }

    def portfolios(self) -> list[dict[str, Any]]:
        """Every portfolio's id, name and number of needs."""
        rows = self._read(
            "SELECT p.id, p.name, COUNT(n.need_id) AS needs FROM portfolios p "
            "LEFT JOIN portfolio_needs n ON n.portfolio_id = p.id GROUP BY p.id ORDER BY p.created"
        )
        return [{"id": r["id"], "name": r["name"], "needs": r["needs"]} for r in rows]

    def shortlist_add(
        self,
        portfolio_id: str,
        need_id: str,
        entity_id: str,
        note: str,
        assessment: dict[str, Any] | None = None,
    ) -> None:
        """Add (or re-note) an entity on a need's shortlist, with how it matched the need
        (`band`, `relevance`, `reason`) where known."""
        found = assessment or {}
        values = [found.get(name) for name in SHORTLIST_ASSESSMENT]
        self._write(
            "INSERT INTO shortlist (portfolio_id, need_id, entity_id, note, added, band, "
            "relevance, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (portfolio_id, "
            "need_id, entity_id) DO UPDATE SET note = excluded.note, band = excluded.band, "
            "relevance = excluded.relevance, reason = excluded.reason",
            [(portfolio_id, need_id, entity_id, note, time.time(), *values)],
        )

    def mark(self, portfolio_id: str, need_id: str, entity_id: str, mark: str | None) -> None:
        """A coach's mark (good or bad) on a suggestion for one need of one portfolio; None
        clears it."""
        if mark is None:
            self._write(
                "DELETE FROM marks WHERE portfolio_id = ? AND need_id = ? AND entity_id = ?",
                [(portfolio_id, need_id, entity_id)],
            )
            return
        self._write(
            "INSERT INTO marks VALUES (?, ?, ?, ?, ?) ON CONFLICT (portfolio_id, need_id, "
            "entity_id) DO UPDATE SET mark = excluded.mark, created = excluded.created",
            [(portfolio_id, need_id, entity_id, mark, time.time())],
        )

    def shortlist_remove(self, portfolio_id: str, need_id: str, entity_id: str) -> bool:
        """Remove an entity from a need's shortlist; False when it was not there."""
        removed = self._write(
            "DELETE FROM shortlist WHERE portfolio_id = ? AND need_id = ? AND entity_id = ?",
            [(portfolio_id, need_id, entity_id)],
        )
        return removed > 0

    def record_shown(
        self, need_id: str, text: str, municipality: str | None, ranking: list[dict[str, Any]]
    ) -> None:
        """Keep the ranking a need was last shown (entity ids with their features)."""
        self._write(
            "INSERT OR REPLACE INTO shown VALUES (?, ?, ?, ?, ?)",
            [(need_id, text, municipality, json.dumps(ranking), time.time())],
            durable=False,
        )

    def shown(self, need_id: str) -> dict[str, Any] | None:
        """The ranking a need was last shown."""
        rows = self._read("SELECT * FROM shown WHERE need_id = ?", (need_id,))
        if not rows:
            return None
        row = rows[0]
        return {
            "need_id": need_id,
            "text": row["text"],
            "municipality": row["municipality"],
            "ranking": json.loads(row["ranking"]),
        }

    def add_feedback(self, need_id: str, entity_id: str, label: str, ranking: str) -> bool:
        """Store feedback once; False when the same feedback was already stored."""
        return (
            self._write(
                "INSERT OR IGNORE INTO feedback VALUES (?, ?, ?, ?, ?)",
                [(need_id, entity_id, label, ranking, time.time())],
            )
            > 0
        )

    def feedback(self) -> list[dict[str, Any]]:
        """All feedback with the need text and the ranking shown with it."""
        rows = self._read(
            "SELECT f.need_id, f.entity_id, f.label, f.ranking, s.text, s.municipality "
            "FROM feedback f LEFT JOIN shown s ON s.need_id = f.need_id ORDER BY f.created"
        )
        return [
            {
                "need_id": r["need_id"],
                "entity_id": r["entity_id"],
                "label": r["label"],
                "ranking": json.loads(r["ranking"]),
                "text": r["text"],
                "municipality": r["municipality"],
            }
            for r in rows
        ]

    def needs_from(self, entity_ids: list[str]) -> list[tuple[str, str]]:
        """(need_id, text) of the portfolio needs built from these catalogue entities."""
        found: list[tuple[str, str]] = []
        for chunk in _chunks(entity_ids):
            rows = self._read(
                f"SELECT need_id, text FROM portfolio_needs WHERE entity_id IN ({_marks(chunk)})",
                tuple(chunk),
            )
            found += [(r["need_id"], r["text"]) for r in rows]
        return found

    def erase(self, entity_ids: list[str]) -> dict[str, int]:
        """Remove every row that names these entities, in one transaction: the needs built
        from them (with their shortlists, shown rankings and feedback), their shortlist and
        feedback rows, and their entries in other needs' stored rankings. Counts per table."""
        needs = sorted({n for n, _ in self.needs_from(entity_ids)})
        counts = dict.fromkeys(("portfolio_needs", "shortlist", "marks", "shown", "feedback"), 0)
        with self._lock, self._db:
            for chunk in _chunks(entity_ids):
                counts["shortlist"] += self._delete("shortlist", "entity_id", chunk)
                counts["marks"] += self._delete("marks", "entity_id", chunk)
                counts["feedback"] += self._delete("feedback", "entity_id", chunk)
            for chunk in _chunks(needs):
                counts["shortlist"] += self._delete("shortlist", "need_id", chunk)
                counts["marks"] += self._delete("marks", "need_id", chunk)
                counts["feedback"] += self._delete("feedback", "need_id", chunk)
                counts["shown"] += self._delete("shown", "need_id", chunk)
            for chunk in _chunks(entity_ids):
                counts["portfolio_needs"] += self._delete("portfolio_needs", "entity_id", chunk)
            counts["shown"] += self._strip_rankings("shown", "need_id", set(entity_ids))
            counts["feedback"] += self._strip_rankings("feedback", "rowid", set(entity_ids))
        return counts

    def _delete(self, table: str, column: str, values: list[str]) -> int:
        sql = f"DELETE FROM {table} WHERE {column} IN ({_marks(values)})"
        return self._db.execute(sql, values).rowcount

    def _strip_rankings(self, table: str, key: str, entity_ids: set[str]) -> int:
        """Rewrite the stored rankings that mention these entities without their entries."""
        changed = 0
        for entity_id in sorted(entity_ids):
            rows = self._db.execute(
                f"SELECT {key} AS k, ranking FROM {table} WHERE instr(ranking, ?) > 0",
                (json.dumps(entity_id),),
            ).fetchall()
            for row in rows:
                entries = json.loads(row["ranking"])
                ranking = [e for e in entries if e["entity_id"] not in entity_ids]
                self._db.execute(
                    f"UPDATE {table} SET ranking = ? WHERE {key} = ?",
                    (json.dumps(ranking), row["k"]),
                )
                changed += 1
        return changed

    def checkpoint(self) -> bool:
        """Empty the WAL into the database file, so erased rows linger in no file."""
        with self._lock:
            return checkpoint_sqlite(self._db)


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))
