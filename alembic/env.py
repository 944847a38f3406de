"""Alembic environment: hand-written SQL migrations run over SQLAlchemy's asyncpg driver.

The URL is taken from ``-x url=...``, else from the ``sqlalchemy.url`` set by the caller
(``app.migrations``), else from Sitrep's settings.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context

config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        from app.database import resolve_database_url
        from app.settings import get_settings

        url = resolve_database_url(get_settings())
    from app.database import sqlalchemy_url

    return sqlalchemy_url(url)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) mode is not supported; run against a database.")
asyncio.run(_run_async())
