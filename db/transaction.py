"""A writing transaction: every writer (mutations, imports, the demo loader) writes inside
one, and the changes it records are written to the change log at its end, in commit
order (``db.changelog.flush``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from db.changelog import PendingChange, flush
from db.core import ConnectionDb, Db
from db.viewer import Viewer


@dataclass
class Tx:
    """A transaction: one connection, who writes, and the changes recorded so far."""

    db: ConnectionDb
    viewer: Viewer
    changes: list[PendingChange] = field(default_factory=list)


@asynccontextmanager
async def transaction(db: Db, viewer: Viewer) -> AsyncIterator[Tx]:
    """One transaction (a savepoint inside an open one); the recorded changes are
    flushed, commit-ordered, at its end."""
    async with db.transaction() as conn:
        tx = Tx(conn, viewer)
        yield tx
        await flush(tx)
