"""Jobs: a large bulk upload is answered 202 at once and written on a heavy thread; its status
and report are kept in jobs.sqlite in the data directory, to be polled at /v1/jobs/{id}. A job
still queued or running when the server stops is marked interrupted at the next start."""

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    finished TEXT,
    result TEXT,
    error TEXT
)
"""
INTERRUPTED = "the server stopped before the job finished; send the upload again"
ERASED = "the report named an entity that has since been erased"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JobStore:
    """Jobs by id: queued, running, done (with a result) or failed (with an error)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA secure_delete=ON")  # erased report text leaves the file
            self._db.execute("PRAGMA journal_mode=DELETE")
            self._db.execute(SCHEMA)
            self._db.execute(
                "UPDATE jobs SET status = 'failed', error = ?, finished = ? "
                "WHERE status IN ('queued', 'running')",
                (INTERRUPTED, _now()),
            )

    def create(self, kind: str) -> str:
        """A new queued job; its id."""
        job_id = f"job:{uuid.uuid4().hex[:16]}"
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, kind, status, created) VALUES (?, ?, 'queued', ?)",
                (job_id, kind, _now()),
            )
        return job_id

    def _set(self, job_id: str, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._lock:
            self._db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*fields.values(), job_id))

    def fail(self, job_id: str, message: str) -> None:
        """Mark a job failed before it ran."""
        self._set(job_id, status="failed", error=message, finished=_now())

    def run(self, job_id: str, work: Callable[[], dict[str, Any]]) -> None:
        """Run a job's work and keep its outcome (called on a heavy thread)."""
        self._set(job_id, status="running")
        try:
            result = work()
        except Exception as exc:  # noqa: BLE001 - the outcome is kept for the client to read
            message = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
            self._set(job_id, status="failed", error=message, finished=_now())
            return
        self._set(job_id, status="done", result=json.dumps(result), finished=_now())

    def needs_from(self, entity_ids: list[str]) -> list[tuple[str, str]]:
        """Jobs hold no need texts (the erasure protocol asks every store)."""
        return []

    def erase(self, entity_ids: list[str]) -> dict[str, int]:
        """Drop the reports of jobs that name an erased entity (their rejected rows carry ids)."""
        quoted = [json.dumps(e) for e in entity_ids]
        with self._lock:
            rows = self._db.execute("SELECT id, result FROM jobs WHERE result IS NOT NULL")
            hit = [job for job, result in rows.fetchall() if any(q in result for q in quoted)]
            self._db.executemany(
                "UPDATE jobs SET result = NULL, error = ? WHERE id = ?",
                [(ERASED, job) for job in hit],
            )
        return {"job_reports": len(hit)}

    def checkpoint(self) -> bool:
        """Nothing to empty: the jobs file keeps no write-ahead log."""
        return True

    def get(self, job_id: str) -> dict[str, Any] | None:
        """A job's status, and its result or error once finished."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, kind, status, created, finished, result, error FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        keys = ("id", "kind", "status", "created", "finished", "result", "error")
        job = dict(zip(keys, row, strict=True))
        job["result"] = json.loads(job["result"]) if job["result"] else None
        return job
