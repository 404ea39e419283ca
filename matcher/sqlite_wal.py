"""Making SQLite forget: a WAL checkpoint that empties the WAL file after an erasure."""

import sqlite3
import time


def checkpoint(db: sqlite3.Connection, tries: int = 20) -> bool:
    """`wal_checkpoint(TRUNCATE)`, retried while readers hold the WAL; True when it is empty.

    With `secure_delete` on, deleted rows are zeroed in the pages the WAL carries; the
    checkpoint writes those pages into the database file and truncates the WAL, so the old
    page images (which still hold the rows) are gone from it too.
    """
    for attempt in range(tries):
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy or not busy[0]:
            return True
        time.sleep(0.05 * (attempt + 1))
    return False
