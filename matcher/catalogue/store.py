"""The entity store: one SQL table of validated entities, on SQLite or PostgreSQL.

The same SQLAlchemy Core code runs on both; only the URL differs. Each entity is kept as its
validated JSON with a hash of that JSON, so an upsert can tell new, changed and unchanged rows
apart and write only what changed.
"""

import hashlib
import json
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from matcher.files import checkpoint
from matcher.schemas import AnyEntity, parse_entity
from matcher.settings import Settings

METADATA = sa.MetaData()
ENTITIES = sa.Table(
    "entities",
    METADATA,
    sa.Column("id", sa.String(120), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(10)),
)
# Erasures a committed write owes (the plan as JSON), written in the write's own transaction and
# removed once carried out, so a crash between the two is made good at the next start.
PENDING_ERASURES = sa.Table(
    "pending_erasures",
    METADATA,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("plan", sa.Text, nullable=False),
)
# What is_listed says, on the stored JSON: pydantic's compact dump, where these can only be the
# fields themselves (a quote inside a string value is escaped).
LISTED = ~ENTITIES.c.data.contains('"opted_out":true', autoescape=True) & sa.or_(
    ENTITIES.c.kind != "researcher",
    ENTITIES.c.data.contains('"consent":true', autoescape=True),
    ENTITIES.c.data.contains('"basis":"public-register"', autoescape=True),
)
CHUNK = 1000
STORE_FILE = "catalogue.sqlite"
LEGACY_STORE_FILE = "catalog.sqlite"


@dataclass
class UpsertCounts:
    """How an upsert changed the store."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def written(self) -> int:
        """Rows inserted or updated."""
        return self.inserted + self.updated


def folded(text: str) -> str:
    """Text for matching: case folded, accents dropped (Å, å and a match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sqlite_url(path: Path) -> str:
    """The store URL of a SQLite file."""
    return f"sqlite:///{path}"


def row_hash(entity: AnyEntity) -> str:
    """The digest of an entity's validated content, as the store keeps it."""
    return hashlib.sha256(entity.model_dump_json().encode("utf-8")).hexdigest()


def _row(entity: AnyEntity) -> dict[str, Any]:
    data = entity.model_dump_json()
    return {
        "id": entity.id,
        "kind": entity.kind,
        "name": entity.name,
        "data": data,
        "content_hash": hashlib.sha256(data.encode("utf-8")).hexdigest(),
        "updated_at": entity.updated_at and entity.updated_at.isoformat(),
    }


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True)


def _upgrade(engine: sa.Engine) -> None:
    """Add the columns a store written by an earlier version lacks; a missing content hash is
    computed from the stored JSON, as a write computes it."""
    columns = {c["name"] for c in sa.inspect(engine).get_columns("entities")}
    with engine.begin() as connection:
        if "updated_at" not in columns:
            connection.execute(sa.text("ALTER TABLE entities ADD COLUMN updated_at VARCHAR(10)"))
        if "content_hash" in columns:
            return
        connection.execute(
            sa.text("ALTER TABLE entities ADD COLUMN content_hash VARCHAR(64) NOT NULL DEFAULT ''")
        )
        rows = connection.execute(sa.select(ENTITIES.c.id, ENTITIES.c.data)).all()
        hashes = [
            {"key": key, "digest": hashlib.sha256(data.encode("utf-8")).hexdigest()}
            for key, data in rows
        ]
        if hashes:
            connection.execute(
                ENTITIES.update()
                .where(ENTITIES.c.id == sa.bindparam("key"))
                .values(content_hash=sa.bindparam("digest")),
                hashes,
            )


def store_location(settings: Settings) -> str | Path:
    """Where the settings put the entity store: their URL, or catalogue.sqlite in the data dir.

    A data directory written before the file had its present name is renamed in place.
    """
    if settings.store_url:
        return settings.store_url
    path = Path(settings.data_dir) / STORE_FILE
    legacy = path.with_name(LEGACY_STORE_FILE)
    if legacy.exists() and not path.exists():
        for suffix in ("-wal", "-shm", ""):  # the database file last: it marks the move done
            old = legacy.with_name(legacy.name + suffix)
            if old.exists():
                old.rename(path.with_name(path.name + suffix))
    return path


class StoreError(RuntimeError):
    """The store cannot be opened or reached."""


class Store:
    """Entities by id; every write is one transaction."""

    def __init__(self, url: str | Path) -> None:
        self.url = sqlite_url(url) if isinstance(url, Path) else url
        shown = sa.engine.make_url(self.url).render_as_string(hide_password=True)
        try:
            self._engine = _engine(self.url)
            METADATA.create_all(self._engine)
            _upgrade(self._engine)
        except (sa.exc.SQLAlchemyError, OSError, ImportError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(f"cannot open the store at {shown}: {reason}") from exc
        self._lock = threading.Lock()

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (other tables may live in the same database)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self._engine.dialect.name

    def _insert(self, table: sa.Table) -> Any:
        module = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(table)

    def hashes(self, ids: Iterable[str] | None = None) -> dict[str, str]:
        """Content hash per stored id (all ids, or the given ones)."""
        with self._engine.connect() as connection:
            if ids is None:
                query = sa.select(ENTITIES.c.id, ENTITIES.c.content_hash)
                return {str(i): str(h) for i, h in connection.execute(query)}
            return self._hashes_in(connection, list(dict.fromkeys(ids)))

    def upsert(self, entities: Iterable[AnyEntity]) -> UpsertCounts:
        """Insert new entities and replace changed ones by id, in one transaction."""
        return self.write(entities, [])[0]

    def write(
        self,
        entities: Iterable[AnyEntity],
        gone: Iterable[str],
        erasure: tuple[str, str] | None = None,
    ) -> tuple[UpsertCounts, int]:
        """Upsert these entities, delete the `gone` ids and note the erasure they cause (its
        key and plan), all in one transaction; the upsert counts and how many ids existed."""
        with self._lock, self._engine.begin() as connection:
            counts = self._upsert(connection, entities)
            removed = self._delete(connection, list(dict.fromkeys(gone)))
            if erasure is not None:
                key, plan = erasure
                statement = self._insert(PENDING_ERASURES).on_conflict_do_nothing()
                connection.execute(statement, [{"key": key, "plan": plan}])
        return counts, removed

    def pending_erasures(self) -> list[tuple[str, str]]:
        """(key, plan) of the erasures committed writes still owe."""
        query = sa.select(PENDING_ERASURES.c.key, PENDING_ERASURES.c.plan)
        with self._engine.connect() as connection:
            return [(str(k), str(p)) for k, p in connection.execute(query)]

    def erasure_done(self, key: str) -> None:
        """Forget an erasure once carried out."""
        with self._lock, self._engine.begin() as connection:
            connection.execute(PENDING_ERASURES.delete().where(PENDING_ERASURES.c.key == key))

    def _upsert(self, connection: sa.Connection, entities: Iterable[AnyEntity]) -> UpsertCounts:
        rows = list({row["id"]: row for row in map(_row, entities)}.values())
        counts = UpsertCounts()
        if rows:
            stored = self._hashes_in(connection, [r["id"] for r in rows])
            changed = [r for r in rows if stored.get(r["id"]) != r["content_hash"]]
            counts.unchanged = len(rows) - len(changed)
            counts.updated = sum(r["id"] in stored for r in changed)
            counts.inserted = len(changed) - counts.updated
            statement = self._insert(ENTITIES)
            statement = statement.on_conflict_do_update(
                index_elements=[ENTITIES.c.id],
                set_={c: statement.excluded[c] for c in ("kind", "name", "data", "content_hash")}
                | {"updated_at": statement.excluded.updated_at},
            )
            for start in range(0, len(changed), CHUNK):
                connection.execute(statement, changed[start : start + CHUNK])
        return counts

    def _hashes_in(self, connection: sa.Connection, ids: list[str]) -> dict[str, str]:
        query = sa.select(ENTITIES.c.id, ENTITIES.c.content_hash)
        found: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            rows = connection.execute(query.where(ENTITIES.c.id.in_(ids[start : start + CHUNK])))
            found.update({str(i): str(h) for i, h in rows})
        return found

    def get(self, entity_id: str) -> AnyEntity | None:
        """One entity, or None."""
        query = sa.select(ENTITIES.c.data).where(ENTITIES.c.id == entity_id)
        with self._engine.connect() as connection:
            data = connection.execute(query).scalar()
        return parse_entity(json.loads(data)) if data is not None else None

    def delete(self, entity_id: str) -> bool:
        """Remove an entity; True if it existed."""
        return self.delete_many([entity_id]) > 0

    def delete_many(self, ids: Iterable[str]) -> int:
        """Remove entities by id in one transaction; returns how many existed."""
        return self.write([], ids)[1]

    @staticmethod
    def _delete(connection: sa.Connection, wanted: list[str]) -> int:
        removed = 0
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            removed += connection.execute(
                ENTITIES.delete().where(ENTITIES.c.id.in_(chunk))
            ).rowcount
        return removed

    def all(self) -> Iterator[AnyEntity]:
        """Every entity, ordered by id (in code order, the same on every database)."""
        query = sa.select(ENTITIES.c.id, ENTITIES.c.data)
        with self._engine.connect() as connection:
            rows = sorted(connection.execute(query).all())
        for _, data in rows:
            yield parse_entity(json.loads(data))

    def browse(
        self, kinds: Iterable[str], words: list[str], limit: int, offset: int
    ) -> tuple[int, list[AnyEntity]]:
        """Listed entities of these kinds whose name or id holds every word (case and accents
        ignored), ordered by name: how many match, and the page asked for."""
        query = sa.select(ENTITIES.c.id, ENTITIES.c.name).where(
            ENTITIES.c.kind.in_(list(kinds)),
            LISTED,
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        wanted = [folded(w) for w in words]
        found = sorted(
            (folded(name), key)
            for key, name in rows
            if all(w in folded(f"{name} {key}") for w in wanted)
        )
        page = [key for _, key in found[offset : offset + limit]]
        with self._engine.connect() as connection:
            data = (
                dict(
                    connection.execute(
                        sa.select(ENTITIES.c.id, ENTITIES.c.data).where(ENTITIES.c.id.in_(page))
                    ).all()
                )
                if page
                else {}
            )
        return len(found), [parse_entity(json.loads(data[key])) for key in page if key in data]

    def opted_out(self, ids: Iterable[str]) -> set[str]:
        """The ids among these stored as opted out."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        objected = ENTITIES.c.data.contains('"opted_out":true', autoescape=True)
        with self._engine.connect() as connection:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                query = sa.select(ENTITIES.c.id).where(ENTITIES.c.id.in_(chunk), objected)
                found.update(str(i) for i in connection.execute(query).scalars())
        return found

    def count(self, listed: bool = False) -> dict[str, int]:
        """Entities per kind (with `listed`, only those shown: not researchers without
        consent)."""
        query = sa.select(ENTITIES.c.kind, sa.func.count()).group_by(ENTITIES.c.kind)
        if listed:
            query = query.where(LISTED)
        with self._engine.connect() as connection:
            return {kind: int(n) for kind, n in connection.execute(query)}

    def digest(self) -> str:
        """A digest of the whole content: equal digests mean equal catalogues."""
        query = sa.select(ENTITIES.c.id, ENTITIES.c.content_hash)
        total = hashlib.sha256()
        with self._engine.connect() as connection:
            for entity_id, digest in sorted(connection.execute(query).all()):
                total.update(f"{entity_id}\t{digest}\n".encode())
        return total.hexdigest()

    def checkpoint(self) -> bool:
        """On SQLite, empty the WAL into the database file (deleted pages are already zeroed
        by secure_delete), so erased rows linger in no file; True when done or not SQLite."""
        if self.dialect != "sqlite":
            return True
        with self._lock, self._engine.connect() as connection:
            return checkpoint(lambda statement: connection.exec_driver_sql(statement).first())

    def close(self) -> None:
        """Release the connections."""
        self._engine.dispose()
