"""Test databases, the app and the GraphQL client.

* ``fresh_database``: creates databases with random names on the test server (migrated
  with ``alembic upgrade head``, or empty) and drops them at the end of the session. The
  suite never touches existing data. Server: TEST_DATABASE_URL, else DATABASE_URL, else
  the embedded PostgreSQL kept in .sitrep/test-server.
* ``database_url``: the session's main database, migrated, with the demo data loaded.
* ``conn``: one connection to it for the whole session; every test runs inside a
  transaction on it that is rolled back afterwards.
* ``app``: one FastAPI app for the whole session. Its database handle is a ``ConnectionDb``
  on that connection, so every request of a test runs inside the test's transaction.
* ``gql``: GraphQL over HTTP to that app (``tests/client.py``), anonymously; ``gql.key``
  makes a client with a new API key of a role. Every read it makes is also sent to
  ``resolvers_app`` (the same app with the planner off, on the same connection) and the
  two responses must be identical: the differential oracle, whose count the suite prints
  at the end. ``strict_gql``: the same on a deployment that requires a key for reads.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app import database
from app.main import create_app
from app.settings import Settings
from db.core import ConnectionDb, init_connection, pooler_options
from db.demo import load_demo
from tests.client import ORACLE, Gql
from tests.pooler import POOLED, start_test_pooler, throwaway_server

ROOT = Path(__file__).resolve().parent.parent


def _via_pooler(url: str) -> str:
    """``url`` through a PgBouncer (transaction mode) started for this session."""
    return database.with_server(url, start_test_pooler(_server_url()))


def direct_url(url: str) -> str:
    """The same database on the server itself (not through the pooler of the pooled pass):
    for LISTEN, which transaction pooling breaks."""
    return database.with_server(url, _server_url()) if POOLED else url


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    if POOLED:
        return throwaway_server()
    return database.embedded_server_url(ROOT / ".sitrep" / "test-server")


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _load_demo(url: str) -> None:
    conn = await _connect(url)
    try:
        async with conn.transaction():
            await load_demo(ConnectionDb(conn))
    finally:
        await conn.close()


def create_database(prefix: str = "sitrep_test") -> tuple[str, str]:
    """Create an empty database on the test server; return (server_url, db_url). Also
    used by bench/import_bench.py."""
    server = _server_url()
    name = f"{prefix}_{secrets.token_hex(4)}"
    asyncio.run(_admin(server, f'create database "{name}"'))
    return server, database.with_database(server, name)


def drop_database(server: str, url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    asyncio.run(_admin(server, f'drop database if exists "{name}" with (force)'))


FreshDatabase = Callable[..., str]


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[FreshDatabase]:
    """``fresh_database(prefix, migrate=True)`` → the URL of a new database: empty, or
    built by ``alembic upgrade head``. Every database made is dropped at the end."""
    made: list[tuple[str, str]] = []

    def create(prefix: str, migrate: bool) -> str:
        server, url = create_database(prefix)
        made.append((server, url))
        if migrate:
            database.upgrade(url)
        return _via_pooler(url) if POOLED else url

    def make(prefix: str = "sitrep_test", *, migrate: bool = True) -> str:
        # In a thread of its own, so that async tests can call it too (asyncio.run).
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(create, prefix, migrate).result()

    try:
        yield make
    finally:
        for server, url in made:
            drop_database(server, url)


@pytest.fixture(scope="session")
def database_url(fresh_database: FreshDatabase) -> str:
    url = fresh_database()
    asyncio.run(_load_demo(url))
    return url


# The session's clients all come from one address, so the session app's rate limits are
# set out of reach; tests/abuse/test_rate_limits.py tests them on apps of its own.
UNLIMITED = {f"rate_limit_{role}": 10**12 for role in ("anonymous", "reader", "editor", "admin")}


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(environment="test", _env_file=None, **UNLIMITED)  # type: ignore[call-arg]


class AppDb(ConnectionDb):
    """The session app's database handle: the session connection. It keeps the handles
    it gives out per request, so a test can count the statements a request sent."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__(conn)
        self.requests: list[ConnectionDb] = []

    def for_request(self) -> ConnectionDb:
        handle = super().for_request()
        self.requests.append(handle)
        return handle


async def _connect(url: str) -> asyncpg.Connection:
    connection = await asyncpg.connect(url, **pooler_options(POOLED))
    await init_connection(connection)
    return connection


@pytest.fixture(scope="session")
async def app_db(database_url: str) -> AsyncIterator[AppDb]:
    handle = AppDb(await _connect(database_url))
    try:
        yield handle
    finally:
        await handle.conn.close()


@pytest.fixture
async def conn(app_db: AppDb, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """The session connection, inside a transaction that is rolled back after the test."""
    app_db.requests.clear()
    tx = app_db.conn.transaction()
    await tx.start()
    try:
        yield app_db.conn
    finally:
        try:
            await tx.rollback()
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            # The test broke the connection: the next test gets a new one.
            app_db.conn.terminate()
            app_db.conn = await _connect(database_url)


@pytest.fixture
def db(conn: asyncpg.Connection, app_db: AppDb) -> ConnectionDb:
    """A handle on the test's connection that shares the app's lock and has its own
    statement counter (not listed among the app's requests)."""
    return ConnectionDb.for_request(app_db)


@pytest.fixture(scope="session")
def app(settings: Settings, app_db: AppDb) -> FastAPI:
    return create_app(settings, db=app_db)


@asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        yield c


@pytest.fixture(scope="session")
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as c:
        yield c


@pytest.fixture(scope="session")
def resolvers_app(settings: Settings, app_db: AppDb) -> FastAPI:
    """The same app with the planner off: every read answered by the resolvers (the
    oracle's second opinion, on the same connection and transaction)."""
    return create_app(settings.model_copy(update={"planner": False}), db=app_db)


@pytest.fixture(scope="session")
async def resolvers_http(resolvers_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(resolvers_app) as c:
        yield c


@pytest.fixture
def gql(
    conn: asyncpg.Connection,
    http: httpx.AsyncClient,
    resolvers_http: httpx.AsyncClient,
    app_db: AppDb,
) -> Gql:
    """An anonymous client; ``await gql.key("editor")`` gives one with an editor's key.
    Every read is checked against the resolvers-only app (tests/client.py)."""
    return Gql(http, app_db, resolvers_http)


def _strict(settings: Settings) -> Settings:
    return settings.model_copy(update={"require_key_for_reads": True})


@pytest.fixture(scope="session")
def strict_app(settings: Settings, app_db: AppDb) -> FastAPI:
    """The same app on a deployment that requires an API key for reads."""
    return create_app(_strict(settings), db=app_db)


@pytest.fixture(scope="session")
def strict_resolvers_app(settings: Settings, app_db: AppDb) -> FastAPI:
    return create_app(_strict(settings).model_copy(update={"planner": False}), db=app_db)


@pytest.fixture(scope="session")
async def strict_http(strict_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(strict_app) as c:
        yield c


@pytest.fixture(scope="session")
async def strict_resolvers_http(
    strict_resolvers_app: FastAPI,
) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(strict_resolvers_app) as c:
        yield c


@pytest.fixture
def strict_gql(
    conn: asyncpg.Connection,
    strict_http: httpx.AsyncClient,
    strict_resolvers_http: httpx.AsyncClient,
    app_db: AppDb,
) -> Gql:
    return Gql(strict_http, app_db, strict_resolvers_http, app="strict")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ORACLE["documents"]:
        terminalreporter.write_line(
            f"differential oracle: {ORACLE['documents']} distinct requests compared on both "
            f"paths, {ORACLE['planned']} of them answered by the planner"
        )
