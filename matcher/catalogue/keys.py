"""API keys with roles, kept in the entity store's database as SHA-256 hashes of their secrets.

A key reads `mk_<id>_<secret>`: the id finds the row, the secret is checked against its hash in
constant time. The secret is shown once, when the key is created, and never stored.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa

from matcher.catalogue.store import METADATA, Store

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[Role, ...] = ("reader", "editor", "admin")
KEY_PATTERN = re.compile(r"^mk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")

KEYS = sa.Table(
    "api_keys",
    METADATA,
    sa.Column("id", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("revoked_at", sa.String(32)),
)


class KeyRequestError(ValueError):
    """A key request that cannot be carried out (unknown id, bad role or name)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    id: str
    name: str
    role: Role
    created_at: str
    revoked_at: str | None = None

    def allows(self, role: Role) -> bool:
        """Whether this key's role is at least `role`."""
        return self.revoked_at is None and ROLES.index(self.role) >= ROLES.index(role)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyStore:
    """Create, list, revoke and check API keys."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine
        METADATA.create_all(self._engine, tables=[KEYS])

    def create(self, name: str, role: str) -> tuple[ApiKey, str]:
        """A new key and its full secret text (shown once)."""
        if role not in ROLES:
            raise KeyRequestError(f"role must be one of {', '.join(ROLES)}")
        name = " ".join(name.split())
        if not 1 <= len(name) <= 200:
            raise KeyRequestError("a key needs a name of 1-200 characters")
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        row = {"id": key_id, "name": name, "role": role, "created_at": _now()}
        with self._engine.begin() as connection:
            connection.execute(KEYS.insert(), {**row, "secret_hash": _digest(secret)})
        return ApiKey(key_id, name, role, row["created_at"]), f"mk_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        """Every key, oldest first."""
        query = sa.select(KEYS).order_by(KEYS.c.created_at, KEYS.c.id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            ApiKey(r["id"], r["name"], r["role"], r["created_at"], r["revoked_at"]) for r in rows
        ]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id; it stops working at once."""
        with self._engine.begin() as connection:
            done = connection.execute(
                KEYS.update()
                .where(KEYS.c.id == key_id, KEYS.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            ).rowcount
        found = [k for k in self.list() if k.id == key_id]
        if not found:
            raise KeyRequestError(f"no key with id '{key_id}'")
        if not done and found[0].revoked_at is None:
            raise KeyRequestError(f"key '{key_id}' could not be revoked")
        return found[0]

    def check(self, presented: str) -> ApiKey | None:
        """The live key a presented text stands for, or None."""
        match = KEY_PATTERN.match(presented.strip())
        if not match:
            return None
        key_id, secret = match.groups()
        query = sa.select(KEYS).where(KEYS.c.id == key_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(row["secret_hash"], _digest(secret)):
            return None
        return ApiKey(row["id"], row["name"], row["role"], row["created_at"])
