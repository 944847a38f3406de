"""API keys: a random token shown once, stored as its sha256; a role; revocable.

A token looks like ``sitrep_<43 url-safe characters>`` (256 random bits), so a plain
sha256 is enough (no salt or slow hash needed for high-entropy secrets). The first
characters are kept as ``prefix`` so that a key can be recognised in listings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from db.core import Db, to_rows
from db.viewer import ROLES

TOKEN_PREFIX = "sitrep_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    role: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


COLUMNS = "id, name, role, prefix, created_at, revoked_at"


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def create_key(db: Db, name: str, role: str) -> tuple[KeyRow, str]:
    """Create a key; returns the row and the token (the only time it is available)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("name must not be empty")
    token = new_token()
    record = await db.fetchrow(
        f"insert into api_key (name, role, prefix, key_hash) values ($1, $2, $3, $4) "
        f"returning {COLUMNS}",
        name.strip(),
        role,
        token[: len(TOKEN_PREFIX) + 6],
        hash_token(token),
    )
    assert record is not None
    return to_rows(KeyRow, [record])[0], token


async def list_keys(db: Db) -> list[KeyRow]:
    return to_rows(KeyRow, await db.fetch(f"select {COLUMNS} from api_key order by id"))


async def revoke_key(db: Db, key_id: int) -> KeyRow | None:
    """Revoke a key (idempotent); None if there is no such key."""
    record = await db.fetchrow(
        f"update api_key set revoked_at = coalesce(revoked_at, now()) where id = $1 "
        f"returning {COLUMNS}",
        key_id,
    )
    return to_rows(KeyRow, [record])[0] if record else None


async def find_active(db: Db, token: str) -> KeyRow | None:
    """The active (not revoked) key for a token, if any."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    record = await db.fetchrow(
        f"select {COLUMNS} from api_key where key_hash = $1 and revoked_at is null",
        hash_token(token),
    )
    return to_rows(KeyRow, [record])[0] if record else None
