"""The pool keeps connections between single statements (``db.core.Pool``): one after
another they run on the same connection without going through asyncpg's acquire and
release; at most half the pool is kept; a connection is kept only after a statement that
succeeded, and one the server closed is replaced."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from db.core import DatabaseUnavailable, PoolDb, closed, create_pool
from tests.pooler import POOLED


async def test_statements_one_after_another_run_on_one_kept_connection(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=4, pooled=POOLED)
    try:
        db = PoolDb(pool)
        seen = []
        for n in range(5):
            assert await db.fetchval("select $1::int", n) == n
            assert len(pool.kept) == 1
            seen.append(pool.kept[0])
        assert all(conn is seen[0] for conn in seen)
    finally:
        await pool.close()


async def test_half_the_pool_is_kept_and_the_other_half_stays_free(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=4, pooled=POOLED)
    try:
        db = PoolDb(pool)
        # four statements at once take all four connections; two come back kept
        await asyncio.gather(*(db.fetchval("select pg_sleep(0.05)") for _ in range(4)))
        assert pool.keep == 2
        assert len(pool.kept) == 2
        # the other two are the pool's: a transaction (or anything else) gets them
        first = await pool.acquire(timeout=2)
        second = await pool.acquire(timeout=2)
        with pytest.raises(TimeoutError):
            await pool.acquire(timeout=0.2)
        # and statements still run, on the kept ones
        assert await db.fetchval("select 7") == 7
        await pool.release(first)
        await pool.release(second)
    finally:
        await pool.close()


async def test_a_failed_statement_gives_its_connection_back_to_the_pool(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2, pooled=POOLED)
    try:
        db = PoolDb(pool)
        with pytest.raises(asyncpg.DivisionByZeroError):
            await db.fetchval("select 1 / 0")
        assert pool.kept == []
        db.deadline = time.monotonic() + 0.2
        with pytest.raises(TimeoutError):
            await db.fetchval("select pg_sleep(2)")
        assert pool.kept == []
        db.deadline = None
        assert await db.fetchval("select 'after'") == "after"
        assert len(pool.kept) == 1
    finally:
        await pool.close()


@pytest.mark.skipif(POOLED, reason="behind PgBouncer a backend is not the client's connection")
async def test_a_kept_connection_the_server_closed_is_replaced(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2, pooled=POOLED)
    other = await asyncpg.connect(database_url)
    try:
        db = PoolDb(pool)
        pid = await db.fetchval("select pg_backend_pid()")
        kept = pool.kept[0]
        assert await other.fetchval("select pg_terminate_backend($1)", pid) is True
        for _ in range(100):  # the close reaches the idle connection's socket
            if closed(kept):
                break
            await asyncio.sleep(0.02)
        assert closed(kept)
        again = await db.fetchval("select pg_backend_pid()")
        assert again != pid
        assert pool.kept[0] is not kept
    finally:
        await other.close()
        await pool.close()


async def test_closing_the_pool_gives_the_kept_connections_back(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=4, pooled=POOLED)
    db = PoolDb(pool)
    await asyncio.gather(*(db.fetchval("select pg_sleep(0.05)") for _ in range(4)))
    assert len(pool.kept) == 2
    # asyncpg's close waits for every lent connection: kept ones would hang it
    await asyncio.wait_for(pool.close(), 5)
    assert pool.kept == []
    with pytest.raises(DatabaseUnavailable):
        await db.fetchval("select 1")
