"""One sync run per source and database: the lock (``db.sync.run.exclusive``) over two real
connections, as two `sitrep sync` processes hold it (tests/sync/test_cli.py runs the
processes). In the suite's pooled pass both connections go through PgBouncer in
transaction mode, where a session-level advisory lock would not hold."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from db.core import ConnectionDb, init_connection, pooler_options
from db.sync.run import SyncBusy, exclusive
from tests.pooler import POOLED


@pytest.fixture
async def two(fresh_database: Callable[..., str]) -> AsyncIterator[list[ConnectionDb]]:
    url = fresh_database("sitrep_sync_lock")
    conns = [await asyncpg.connect(url, **pooler_options(POOLED)) for _ in range(2)]
    try:
        for c in conns:
            await init_connection(c)
        yield [ConnectionDb(c) for c in conns]
    finally:
        for c in conns:
            await c.close()


async def test_a_source_runs_once_at_a_time(two: list[ConnectionDb]) -> None:
    first, second = two
    async with exclusive(first, "acled"):
        await asyncio.sleep(0.1)  # (the first run goes on with its pages meanwhile)
        with pytest.raises(SyncBusy) as busy:
            async with exclusive(second, "acled"):
                raise AssertionError("two acled syncs at once")
        message = str(busy.value)
        assert message.startswith("another `sitrep sync acled` is running on this database")
        assert "\n" not in message
        async with exclusive(second, "ucdp"):  # another source is not held up
            pass
    async with exclusive(second, "acled"):  # released when the run ends …
        pass


async def test_the_lock_is_released_when_the_run_fails(two: list[ConnectionDb]) -> None:
    first, second = two
    with pytest.raises(RuntimeError):
        async with exclusive(first, "ucdp"):
            raise RuntimeError("the API went away")
    async with exclusive(second, "ucdp"):
        pass
