"""A throwaway PostgreSQL primary and streaming replica (never the system server), and a
real `sitrep serve` reading from the replica. Skipped, with the reason, where the
PostgreSQL 15 server binaries or pgbouncer are missing and cannot be installed
(``scripts/cluster-deps`` installs them as root)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from app import cluster, database
from app.database import connected
from db.demo import load_demo
from db.keys import create_key


@dataclass
class Pair:
    primary: cluster.Postgres
    replica: cluster.Postgres
    database: str = "sitrep"

    async def sql(self, server: cluster.Postgres, statement: str, *args: object) -> object:
        conn = await asyncpg.connect(server.url(self.database))
        try:
            return await conn.fetchval(statement, *args)
        finally:
            await conn.close()

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written."""

        async def wait() -> None:
            target = await self.sql(self.primary, "select pg_current_wal_lsn()")
            deadline = time.monotonic() + timeout
            while not await self.sql(self.replica, "select pg_last_wal_replay_lsn() >= $1", target):
                assert time.monotonic() < deadline, "the replica did not catch up"
                await asyncio.sleep(0.05)

        asyncio.run(wait())


@pytest.fixture(scope="session")
def pair() -> Iterator[Pair]:
    reason = cluster.install_binaries()
    if reason is not None:
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="sitrep-pair-"))
    os.chmod(home, 0o755)
    os.environ.setdefault("SITREP_CLUSTER_FSYNC", "off")
    primary = cluster.Postgres(home / "primary", cluster.free_port())
    replica = cluster.Postgres(home / "replica", cluster.free_port())
    made = Pair(primary, replica)
    try:
        primary.init_primary()
        primary.start()
        asyncio.run(_create(primary.url(), made.database))
        url = primary.url(made.database)
        database.upgrade(url)
        asyncio.run(_load(url))
        replica.init_replica(primary)
        replica.start()
        made.caught_up()
        yield made
    finally:
        replica.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)


async def _create(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()


async def _load(url: str) -> None:
    async with connected(url) as db, db.transaction() as tx:
        await load_demo(tx)


@dataclass
class Api:
    base: str
    editor: str  # an editor's API key

    def gql(
        self, query: str, variables: dict[str, object] | None = None, **headers: str
    ) -> httpx.Response:
        return httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )

    def health(self) -> dict[str, object]:
        body: dict[str, object] = httpx.get(f"{self.base}/healthz", timeout=10).json()
        return body


async def _key(url: str) -> str:
    async with connected(url) as db:
        _, token = await create_key(db, "scale editor", "editor")
        return token


def _serve(pair: Pair, editor: str, workers: int, pooler: int | None = None) -> Iterator[Api]:
    port = cluster.free_port()
    home = pair.primary.data.parent
    env = {
        "DATABASE_URL": pair.primary.url(pair.database),
        "SITREP_READ_DATABASE_URLS": pair.replica.url(pair.database),
        "SITREP_REPLICA_CHECK_INTERVAL_SECONDS": "0.2",
        "SITREP_READ_MAX_LAG_SECONDS": "3",
        "SITREP_READ_YOUR_WRITES_WAIT_MS": "300",
        "SITREP_LOG_LEVEL": "WARNING",
        # These tests drive the servers from one address with loops as fast as the machine
        # allows (on a fast one, past the anonymous budget of 5,000 points an hour); rate
        # limits have their own tests (tests/abuse).
        "SITREP_RATE_LIMIT": "false",
    }
    if pooler is not None:
        via = f"postgresql://postgres@127.0.0.1:{pooler}/{pair.database}"
        env |= {
            "DATABASE_URL": via,
            "SITREP_READ_DATABASE_URLS": f"{via}_replica",
            "SITREP_POOLER": "true",
        }
    proc = cluster.start_api(port, env, home / f"api-{port}.log", workers=workers)
    base = f"http://127.0.0.1:{port}"
    try:
        cluster.wait_http(base)
        yield Api(base, editor)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(scope="session")
def editor(pair: Pair) -> str:
    return asyncio.run(_key(pair.primary.url(pair.database)))


@pytest.fixture(scope="session")
def bouncer(pair: Pair) -> Iterator[int]:
    """PgBouncer in transaction mode: `sitrep` → the primary, `sitrep_replica` → the
    replica; its port."""
    pgbouncer = cluster.PgBouncer(pair.primary.data.parent / "pgbouncer", cluster.free_port())
    pgbouncer.configure(pair.primary.port, replica_port=pair.replica.port, database=pair.database)
    pgbouncer.start()
    try:
        yield pgbouncer.port
    finally:
        pgbouncer.stop()


@pytest.fixture(scope="session", params=["direct", "pgbouncer"])
def api(request: pytest.FixtureRequest, pair: Pair, editor: str) -> Iterator[Api]:
    """`sitrep serve` with the primary as DATABASE_URL and the replica for reads: directly,
    and through PgBouncer in transaction mode (both databases)."""
    pooler = request.getfixturevalue("bouncer") if request.param == "pgbouncer" else None
    yield from _serve(pair, editor, workers=1, pooler=pooler)


@pytest.fixture(scope="session")
def other_api(pair: Pair, editor: str) -> Iterator[Api]:
    """A second instance, `sitrep serve --workers 2`, on the same databases."""
    yield from _serve(pair, editor, workers=2)
