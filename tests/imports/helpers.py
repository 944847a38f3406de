"""Shared by the import tests: the sample files and a report of one import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from db.core import ConnectionDb
from db.imports.rows import Report
from db.imports.run import import_file
from db.viewer import Viewer

DATA = Path(__file__).parent / "data"
ADMIN = Viewer(can_see_drafts=True, role="admin", name="test import")


async def run(db: ConnectionDb, fmt: str, name: str, batch: int = 4) -> Report:
    with (DATA / name).open("rb") as f:
        return await import_file(db, fmt, f, ADMIN, batch_size=batch)


async def incident(conn: asyncpg.Connection, system: str, ext: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        "select i.* from incident i join incident_external_id e on e.incident_id = i.id "
        "where e.system = $1 and e.external_id = $2",
        system,
        ext,
    )
    assert row is not None, ext
    return row


async def participants(conn: asyncpg.Connection, system: str, ext: str) -> list[tuple[Any, ...]]:
    """(actor name, kind, role, side, associated, reported name), by side then id."""
    rows = await conn.fetch(
        "select a.name, a.kind, p.role, p.side, p.associated, p.reported_name "
        "from incident_participant p join actor a on a.id = p.actor_id "
        "join incident_external_id e on e.incident_id = p.incident_id "
        "where e.system = $1 and e.external_id = $2 order by p.side, p.id",
        system,
        ext,
    )
    return [tuple(r) for r in rows]
