"""Issue 10, findings 4 and 8: a query that runs out of its time budget (or into the
statement timeout) is cancelled on the server, answered with ``TIMEOUT``, and its pooled
connection goes back to the pool, on both paths. Served by an app with its own pool on
the session database, while another connection holds a lock the query waits for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.client import Gql

BUDGET_MS = 300
PLANNED = "{ incidents { totalCount } }"  # the planner answers it
RESOLVED = "{ incidentStats { groups { incidents } } }"  # only the resolvers answer it


@asynccontextmanager
async def pooled(settings: Settings, url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database_url=url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
            yield c


async def _busy(conn: asyncpg.Connection) -> list[str]:
    """The queries the app's pool is running (not idle) right now."""
    rows = await conn.fetch(
        "select query from pg_stat_activity where application_name = 'sitrep' "
        "and datname = current_database() "
        "and state <> 'idle' and pid <> pg_backend_pid()"
    )
    return [r["query"] for r in rows]


@pytest.mark.parametrize(("query", "cost"), [(PLANNED, 1 + 250), (RESOLVED, 1 + 1 + 1000 * 1)])
async def test_the_time_budget_cancels_the_statement(
    settings: Settings, database_url: str, query: str, cost: int
) -> None:
    budget = settings.model_copy(update={"operation_timeout_ms": BUDGET_MS, "pool_min_size": 1})
    locker = await asyncpg.connect(database_url)
    try:
        async with pooled(budget, database_url) as client:
            async with locker.transaction():
                await locker.execute("lock table incident in access exclusive mode")
                response = await client.post("/graphql", json={"query": query})
                # The lock is still held: the statement is no longer waiting for it.
                assert await _busy(locker) == []
            assert response.status_code == 200
            assert response.json() == {
                "data": None,
                "errors": [
                    {
                        "message": f"The operation took longer than its time budget "
                        f"({BUDGET_MS} ms) and was cancelled. Ask for less (smaller pages, "
                        "narrower filters).",
                        "extensions": {"code": "TIMEOUT", "budgetMs": BUDGET_MS},
                    }
                ],
                "extensions": {"cost": {"requested": cost, "limit": 50_000}},
            }
            # The pool's connection came back and works.
            again = await client.post("/graphql", json={"query": query})
            assert "errors" not in again.json()
    finally:
        await locker.close()


async def test_the_statement_timeout_is_coded_timeout(
    gql: Gql, conn: asyncpg.Connection, database_url: str
) -> None:
    """It was INTERNAL_SERVER_ERROR."""
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute("lock table incident in access exclusive mode")
            await conn.execute("set local statement_timeout = '100ms'")
            # Once, to the resolvers: the timeout aborts the test's transaction.
            body = await gql.resolvers_only()(PLANNED)
    finally:
        await other.close()
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "A statement ran into the database's statement timeout and was "
                "cancelled.",
                "extensions": {"code": "TIMEOUT"},
            }
        ],
        "extensions": {"cost": {"requested": 1 + 250, "limit": 50_000}},
    }


def test_the_budget_must_be_shorter_than_the_statement_timeout() -> None:
    with pytest.raises(ValueError, match="operation_timeout_ms must be below"):
        Settings(environment="test", _env_file=None, operation_timeout_ms=15_000)
