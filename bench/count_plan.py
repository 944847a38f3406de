"""The ``count`` workload's plan and timing: EXPLAIN of the SQL Sitrep sends, and p50s.

    DATABASE_URL=postgresql://…/db .venv/bin/python bench/count_plan.py [--runs 30]

Runs ``queries/sitrep/count.graphql`` in-process through the Strawberry schema with a
handle that records every statement and its arguments, then prints (as Markdown) the
``EXPLAIN (ANALYZE, BUFFERS)`` of the ``count(*)`` statement with those arguments, the
p50 of that statement alone on one connection (custom plans, as the pool runs them), and
the p50 of the whole GraphQL request in-process. Used to record the effect of an index
(run before and after the migration on the same data).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from app.settings import Settings
from db.core import PoolDb, create_pool
from schema import build_schema
from schema.context import Context

QUERY = (Path(__file__).resolve().parent / "queries" / "sitrep" / "count.graphql").read_text()


class RecordingDb(PoolDb):
    """A pool handle that also keeps each statement's arguments."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.calls.append((sql, args))
        return await super().fetch(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.calls.append((sql, args))
        return await super().fetchval(sql, *args)


async def p50(fn: Callable[[], Awaitable[Any]], runs: int) -> float:
    for _ in range(3):
        await fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--from", dest="start", default="2018-01-01")
    ap.add_argument("--to", dest="end", default="2022-12-31")
    args = ap.parse_args()
    url = os.environ["DATABASE_URL"]
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    pool = await create_pool(url, min_size=1, max_size=2, statement_timeout_ms=120_000)
    schema = build_schema(settings)
    variables = {"from": args.start, "to": args.end}

    async def request() -> dict[str, Any]:
        db = RecordingDb(pool)
        result = await schema.execute(
            QUERY, variable_values=variables, context_value=Context(db, settings)
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        return {"data": result.data, "calls": db.calls}

    first = await request()
    sql, params = next((s, a) for s, a in first["calls"] if s.startswith("select count(*)"))
    async with pool.acquire() as conn:
        plan = [r[0] for r in await conn.fetch("explain (analyze, buffers) " + sql, *params)]
        sql_p50 = await p50(lambda: conn.fetchval(sql, *params), args.runs)
        indexes = await conn.fetch(
            "select indexrelname from pg_stat_user_indexes where relname = 'incident' "
            "order by indexrelname"
        )
        incidents = await conn.fetchval("select count(*) from incident")
    gql_p50 = await p50(request, args.runs)
    await pool.close()
    load = Path("/proc/loadavg").read_text().split()[:3]  # noqa: ASYNC240 - after the runs
    print(f"incidents: {incidents:,}; answer: {json.dumps(first['data'])}")
    print(f"incident indexes: {', '.join(r[0] for r in indexes)}")
    print(f"statements per request: {len(first['calls'])}")
    print(f"\ncount statement ({', '.join(map(str, params))}):\n\n```sql\n{sql}\n```\n")
    print("```text\n" + "\n".join(plan) + "\n```\n")
    print(f"- count statement alone, p50 of {args.runs}: {sql_p50:.2f} ms")
    print(f"- whole GraphQL request in-process, p50 of {args.runs}: {gql_p50:.2f} ms")
    print(f"- load average (1, 5, 15 min) after the runs: {' '.join(load)}")


if __name__ == "__main__":
    asyncio.run(main())
