"""Real concurrency, on a separate fresh database with real commits: two updates of the
same version (one wins, one gets CONFLICT), and the changes feed under concurrent
writers committing out of order (no change skipped or repeated; replaying the feed
gives exactly the published data set)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from db import feed
from db.core import PoolDb, create_pool
from db.transaction import transaction
from db.viewer import Viewer
from db.writes import records
from db.writes.core import Conflict
from tests.pooler import POOLED

ADMIN = Viewer(can_see_drafts=True, role="admin", name="writer")


@pytest.fixture(scope="module")
def fresh_url(fresh_database: Callable[..., str]) -> str:
    return fresh_database("sitrep_concurrency")


@pytest.fixture
async def pool(fresh_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(fresh_url, min_size=2, max_size=12, pooled=POOLED)
    try:
        yield p
    finally:
        await p.close()


async def test_concurrent_updates_one_wins_one_conflicts(pool: asyncpg.Pool) -> None:
    db = PoolDb(pool)
    async with transaction(db, ADMIN) as tx:
        pk = await records.create(tx, "Actor", {"name": "Race Actor", "kind": "MILITIA"})
    first_locked = asyncio.Event()

    async def writer(name: str, hold: bool) -> str:
        try:
            async with transaction(db, ADMIN) as tx:
                await records.change(tx, "Actor", pk, 1, {"description": name})
                if hold:
                    first_locked.set()
                    await asyncio.sleep(0.2)  # the other writer waits on the row lock
            return "ok"
        except Conflict as exc:
            return f"conflict {exc.expected}->{exc.current}"

    async def second() -> str:
        await first_locked.wait()
        return await writer("second", hold=False)

    results = await asyncio.gather(writer("first", hold=True), second())
    assert results == ["ok", "conflict 1->2"]
    row = await pool.fetchrow("select version, description from actor where id = $1", pk)
    assert (row["version"], row["description"]) == (2, "first")


@dataclass(frozen=True)
class Round:
    status: str  # the actor is created as this
    hold: float  # seconds the transaction stays open before it commits
    publish: bool  # and is then updated to PUBLISHED in the same transaction
    retract: bool  # and then retracted in a transaction of its own


def _plan(n: int, rounds: int) -> list[Round]:
    """Writer ``n``'s rounds, random but fixed by ``n``."""
    rng = random.Random(n)
    return [
        Round(rng.choice(["DRAFT", "PUBLISHED"]), rng.random() * 0.02, rng.random() < 0.5,
              rng.random() < 0.3)
        for _ in range(rounds)
    ]  # fmt: skip


def _changes(plan: list[Round]) -> int:
    """Change-log rows the plan writes: a create, then an update, then a retraction."""
    return sum(1 + r.publish + r.retract for r in plan)


async def _writer(db: PoolDb, n: int, plan: list[Round]) -> None:
    for r, step in enumerate(plan):
        async with transaction(db, ADMIN) as tx:
            pk = await records.create(
                tx, "Actor", {"name": f"w{n}-{r}", "kind": "MILITIA", "status": step.status}
            )
            # Hold the transaction open a random while: commits happen out of start order.
            await asyncio.sleep(step.hold)
            if step.publish:
                await records.change(tx, "Actor", pk, None, {"status": "PUBLISHED"})
        if step.retract:
            async with transaction(db, ADMIN) as tx:
                await records.retract(tx, "Actor", pk, None, "test")


async def test_feed_under_concurrent_writers(pool: asyncpg.Pool) -> None:
    db = PoolDb(pool)
    start = await feed.last_id(db)
    seen: list[int] = []
    cursor = start
    plans = {n: _plan(n, 12) for n in range(8)}
    writers = asyncio.gather(*(_writer(db, n, plan) for n, plan in plans.items()))

    async def drain() -> None:
        nonlocal cursor
        while True:
            rows = await feed.feed(db, cursor, 7, all_changes=True)
            if not rows:
                return
            seen.extend(r.id for r in rows)
            cursor = rows[-1].id

    while not writers.done():
        await drain()
        await asyncio.sleep(0.003)
    await writers
    await drain()
    committed = [
        r[0] for r in await pool.fetch("select id from change_log where id > $1 order by id", start)
    ]
    assert len(committed) == sum(_changes(plan) for plan in plans.values())
    assert seen == committed  # nothing skipped, nothing repeated, in commit order


def _apply(copy: dict[tuple[str, int], Any], rows: list[feed.ChangeRow]) -> None:
    for r in rows:
        if r.published_after:
            copy[(r.entity, r.entity_id)] = r.after
        else:
            copy.pop((r.entity, r.entity_id), None)


async def test_replaying_the_public_feed_gives_the_published_data(pool: asyncpg.Pool) -> None:
    db = PoolDb(pool)
    await asyncio.gather(*(_writer(db, 100 + n, _plan(100 + n, 5)) for n in range(4)))
    copy: dict[tuple[str, int], Any] = {}
    cursor = 0
    while rows := await feed.feed(db, cursor, 50, all_changes=False):
        assert all(r.published_before or r.published_after for r in rows)
        _apply(copy, rows)
        cursor = rows[-1].id
    # The published actors as they are now, read with plain SQL (they have no aliases).
    published = await pool.fetch(
        "select id, to_jsonb(a) || jsonb_build_object('aliases', '[]'::jsonb) as image "
        "from actor a where status = 'PUBLISHED'"
    )
    assert copy == {("Actor", r["id"]): r["image"] for r in published}
