"""The demo loader is idempotent: a second run writes nothing and changes nothing."""

from __future__ import annotations

import asyncpg

from db.core import ConnectionDb
from db.demo import load_demo
from db.demo_data import demo_counts

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


async def test_second_load_records_no_change(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    before = await conn.fetchval("select count(*) from change_log")
    await load_demo(db)
    assert await conn.fetchval("select count(*) from change_log") == before


async def test_restoring_an_edited_record_is_one_update_in_the_change_log(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    edited = await conn.fetchval(
        "update incident set outcome = 'UNKNOWN' where outcome = 'STRUCK' returning id"
    )
    last = await conn.fetchval("select coalesce(max(id), 0) from change_log")
    await load_demo(db)
    rows = await conn.fetch(
        "select entity, entity_id, operation, author, before->>'outcome' as was, "
        "after->>'outcome' as now from change_log where id > $1",
        last,
    )
    assert [tuple(r) for r in rows] == [
        ("Incident", edited, "UPDATE", "sitrep demo load", "UNKNOWN", "STRUCK")
    ]
