"""The demo loader is idempotent: a second run writes nothing and changes nothing."""

from __future__ import annotations

import asyncpg

from app.demo_data import demo_counts
from db.core import ConnectionDb
from db.demo import load_demo

TABLES = list(demo_counts())


async def _snapshot(conn: asyncpg.Connection) -> dict[str, tuple[int, object]]:
    out = {}
    for table in TABLES:
        has_updated = await conn.fetchval(
            "select exists (select 1 from information_schema.columns "
            "where table_name = $1 and column_name = 'updated_at')",
            table,
        )
        updated = "max(updated_at)" if has_updated else "null"
        row = await conn.fetchrow(f"select count(*), {updated} from {table}")
        out[table] = (row[0], row[1])
    return out


async def test_demo_is_loaded_with_the_expected_size(conn: asyncpg.Connection) -> None:
    snapshot = await _snapshot(conn)
    assert {t: n for t, (n, _) in snapshot.items()} == demo_counts()


async def test_second_load_changes_nothing(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    before = await _snapshot(conn)
    written = await load_demo(db)
    assert written == dict.fromkeys(demo_counts(), 0)
    assert await _snapshot(conn) == before


async def test_load_restores_an_edited_record(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    await conn.execute("update incident set outcome = 'UNKNOWN' where outcome = 'STRUCK'")
    written = await load_demo(db)
    assert written == {**dict.fromkeys(demo_counts(), 0), "incident": 1}
    assert await conn.fetchval("select count(*) from incident where outcome = 'STRUCK'") == 1
