"""Migrations go up and down cleanly on an empty database, and up again."""

from __future__ import annotations

import asyncio

import asyncpg

from app import database
from tests.conftest import create_database, drop_database


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "select tablename from pg_tables where schemaname = 'public' "
            "and tablename <> 'alembic_version'"
        )
        return {r[0] for r in rows}
    finally:
        await conn.close()


def _head(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(database.alembic_config(url)).get_current_head()  # type: ignore[arg-type]


def test_upgrade_downgrade_upgrade() -> None:
    server, url = create_database("sitrep_migrations")
    try:
        database.upgrade(url)
        assert database.current_revision(url) == _head(url)
        tables = asyncio.run(_tables(url))
        assert {"incident", "actor", "location", "source", "deployment", "statement"} <= tables
        database.downgrade(url, "base")
        assert database.current_revision(url) is None
        assert asyncio.run(_tables(url)) == set()
        database.upgrade(url)
        assert asyncio.run(_tables(url)) == tables
    finally:
        drop_database(server, url)
