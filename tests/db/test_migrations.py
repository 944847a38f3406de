"""Migrations go up and down cleanly on an empty database, and up again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg

from app import database


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


def test_upgrade_downgrade_upgrade(fresh_database: Callable[..., str]) -> None:
    url = fresh_database("sitrep_migrations", migrate=False)
    database.upgrade(url)
    assert database.current_revision(url) == _head(url)
    tables = asyncio.run(_tables(url))
    assert tables == {
        "actor", "actor_alias", "actor_relation", "actor_relation_source", "api_key",
        "change_log", "country_name", "deployment", "deployment_source", "event_taxonomy",
        "event_cluster", "event_cluster_member", "incident",
        "incident_external_id", "incident_participant", "incident_source", "location",
        "location_alias", "source", "source_media", "statement", "sync_state",
        "webhook", "webhook_attempt", "webhook_cursor", "webhook_delivery",
    }  # fmt: skip
    database.downgrade(url, "base")
    assert database.current_revision(url) is None
    assert asyncio.run(_tables(url)) == set()
    database.upgrade(url)
    assert asyncio.run(_tables(url)) == tables
