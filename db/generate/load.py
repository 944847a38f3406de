"""Loading generated rows with COPY: ids, secondary indexes, sequences, statistics.

Ids are assigned by the generator (COPY writes identity columns as given), so the load
starts from the highest ids already present and moves the identity sequences past the
new ones at the end. On an empty database the secondary indexes (those backing no
constraint) are dropped before the load and rebuilt after it, which is much faster than
maintaining them row by row (the trigram indexes above all).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from db.generate.tables import COLUMNS, DATA_TABLES, ID_TABLES, Ids


async def max_ids(conn: asyncpg.Connection) -> Ids:
    """The highest id of each identity table: the generator continues from there."""
    ids = Ids()
    for table in ID_TABLES:
        setattr(ids, table, int(await conn.fetchval(f"select coalesce(max(id), 0) from {table}")))
    return ids


async def is_empty(conn: asyncpg.Connection) -> bool:
    """No actors, locations or sources yet (so the indexes may be dropped for the load)."""
    return not await conn.fetchval(
        "select exists (select 1 from actor) or exists (select 1 from location) "
        "or exists (select 1 from source)"
    )


async def secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the data tables' indexes that back no constraint."""
    rows = await conn.fetch(
        """
        select i.relname as name, pg_get_indexdef(x.indexrelid) as def
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = current_schema() and t.relname = any($1::text[])
          and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
        order by i.relname
        """,
        list(DATA_TABLES),
    )
    return [(r["name"], r["def"]) for r in rows]


async def drop_indexes(conn: asyncpg.Connection, indexes: list[tuple[str, str]]) -> None:
    for name, _ in indexes:
        await conn.execute(f'drop index "{name}"')


async def copy(
    conn: asyncpg.Connection, table: str, rows: list[tuple[Any, ...]], counts: dict[str, int]
) -> None:
    """COPY ``rows`` (tuples in COLUMNS[table] order) into ``table``; count them."""
    if rows:
        await conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))
        counts[table] = counts.get(table, 0) + len(rows)


async def move_sequences(conn: asyncpg.Connection) -> None:
    """Identity sequences past the highest id of each table."""
    for table in ID_TABLES:
        await conn.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(select greatest(coalesce(max(id), 0), 1) from {table}), "
            f"(select count(*) > 0 from {table}))"
        )


async def vacuum_analyze(conn: asyncpg.Connection) -> None:
    """Statistics for the planner and a visibility map for index-only scans; and for the
    linked-event tables the generator leaves empty, which a truncate leaves without any
    (PostgreSQL then guesses ~1,500 members, and the exclusion of hidden members that
    every incident list carries looks costly enough to change plans)."""
    for table in DATA_TABLES:
        await conn.execute(f"vacuum (analyze) {table}")
    await conn.execute("analyze event_cluster, event_cluster_member")
