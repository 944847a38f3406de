"""Test database: a fresh PostgreSQL database built by `alembic upgrade head`, with the
demo data loaded once; every test runs inside a transaction that is rolled back.

Server: TEST_DATABASE_URL, else DATABASE_URL, else the embedded PostgreSQL kept in
.sitrep/test-server. The test database is created with a random name and dropped at
the end, so the suite never touches existing data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app import database
from app.main import create_app
from app.settings import Settings
from db.core import ConnectionDb, init_connection
from db.demo import load_demo

ROOT = Path(__file__).resolve().parent.parent


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return database.embedded_server_url(ROOT / ".sitrep" / "test-server")


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _load_demo(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        async with conn.transaction():
            await load_demo(ConnectionDb(conn))
    finally:
        await conn.close()


def create_database(prefix: str = "sitrep_test") -> tuple[str, str]:
    """Create an empty database on the test server; return (server_url, db_url)."""
    server = _server_url()
    name = f"{prefix}_{secrets.token_hex(4)}"
    asyncio.run(_admin(server, f'create database "{name}"'))
    return server, database.with_database(server, name)


def drop_database(server: str, url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    asyncio.run(_admin(server, f'drop database if exists "{name}" with (force)'))


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server, url = create_database()
    try:
        database.upgrade(url)
        asyncio.run(_load_demo(url))
        yield url
    finally:
        drop_database(server, url)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(environment="test", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    tx = connection.transaction()
    await tx.start()
    try:
        yield connection
    finally:
        await tx.rollback()
        await connection.close()


@pytest.fixture
def db(conn: asyncpg.Connection) -> ConnectionDb:
    return ConnectionDb(conn)


@pytest.fixture
async def client(db: ConnectionDb, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        yield c


@pytest.fixture
async def resolvers_client(
    db: ConnectionDb, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with the planner off: every read answered by the resolvers."""
    app = create_app(settings.model_copy(update={"planner": False}), db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        yield c


ORACLE: dict[str, int] = {"documents": 0, "planned": 0}
_SEEN: set[str] = set()


def planned_count() -> float:
    from app.fastpath import PATHS

    return PATHS.labels("planned")._value.get()  # type: ignore[no-any-return]


class GraphQLClient:
    """Posts GraphQL over HTTP to the app and returns the decoded response.

    The differential oracle: every request is also sent to the resolvers-only app, and
    the two responses must be identical (``data`` and ``errors``), whichever path the
    first one took.
    """

    def __init__(self, http: httpx.AsyncClient, resolvers: httpx.AsyncClient) -> None:
        self.http = http
        self.resolvers = resolvers

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = {"query": query, "variables": variables or {}}
        before = planned_count()
        response = await self.http.post("/graphql", json=body)
        assert response.status_code in (200, 400), response.text
        planned = planned_count() > before
        if not query.lstrip().startswith("mutation"):
            other = await self.resolvers.post("/graphql", json=body)
            assert response.json() == other.json(), (query, variables)
            key = query + repr(sorted((variables or {}).items()))
            if key not in _SEEN:
                _SEEN.add(key)
                ORACLE["documents"] += 1
                ORACLE["planned"] += planned
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(client: httpx.AsyncClient, resolvers_client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, resolvers_client)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ORACLE["documents"]:
        terminalreporter.write_line(
            f"differential oracle: {ORACLE['documents']} distinct requests compared on both "
            f"paths, {ORACLE['planned']} of them answered by the planner"
        )
