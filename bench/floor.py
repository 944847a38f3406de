"""The SQL floor's load generator: the workload's SQL through asyncpg in a tight loop.

Reads a JSON spec on stdin (url, sql, params — a list of parameter lists used in turn,
conns, seconds; or ``statements``, a list of [sql, params] used in turn, with
``plan_cache_mode``); prints JSON: requests, rps, p50/p90/p99 in ms. bench.py runs it
pinned to the load generator's core. With ``statements`` it runs the planner's own
statements (bench/statement.py), planned as Sitrep's pools plan them.

With ``pause`` (seconds, one connection only) the client sleeps that long after each
statement, so that the cores idle between statements as they do while an HTTP server
waits for its client's next request. On a virtual machine an idle core costs the next
statement a slow wake-up and cold caches: at 1 client, the tight loop measures a
statement faster than any server answering one request at a time can run it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time

import asyncpg


def param(p: object) -> object:
    """A statement parameter as read from JSON: ISO dates back to dates."""
    if isinstance(p, str) and len(p) == 10 and p[4] == "-" and p[7] == "-":
        try:
            return dt.date.fromisoformat(p)
        except ValueError:
            pass
    return p


def _params(raw: list[list[object]]) -> list[list[object]]:
    return [[param(p) for p in ps] for ps in raw]


def _ticks(pid: int) -> int:
    """utime + stime of a PostgreSQL backend (same machine), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def main() -> None:
    spec = json.loads(sys.stdin.read())
    if "statements" in spec:
        calls = [(sql, _params([ps])[0]) for sql, ps in spec["statements"]]
    else:
        calls = [(spec["sql"], ps) for ps in _params(spec["params"])]
    # Custom plans for every execution: a generic plan (which PostgreSQL may pick for a
    # prepared statement after five runs) is not the floor.
    settings = {"plan_cache_mode": spec.get("plan_cache_mode", "force_custom_plan")}
    conns = [
        await asyncpg.connect(spec["url"], server_settings=settings) for _ in range(spec["conns"])
    ]
    pause = float(spec.get("pause", 0))
    if pause and len(conns) != 1:
        raise SystemExit("pause needs one connection")
    latencies: list[float] = []
    for c in conns:  # prepare once, as a pooled server would
        for sql, ps in calls:
            await c.fetchval(sql, *ps)
    pids = [await c.fetchval("select pg_backend_pid()") for c in conns]
    ticks0 = sum(_ticks(p) for p in pids)
    end = time.perf_counter() + spec["seconds"]

    async def worker(c: asyncpg.Connection, k: int) -> None:
        i = k
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                return
            sql, ps = calls[i % len(calls)]
            await c.fetchval(sql, *ps)
            latencies.append(time.perf_counter() - t0)
            i += 1
            if pause:
                # Blocking, on purpose: epoll (asyncio.sleep) rounds up to whole ms.
                time.sleep(pause)  # noqa: ASYNC251 (one connection)

    start = time.perf_counter()
    await asyncio.gather(*(worker(c, k) for k, c in enumerate(conns)))
    elapsed = time.perf_counter() - start - pause * len(latencies)
    pg_ticks = sum(_ticks(p) for p in pids) - ticks0
    for c in conns:
        await c.close()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "rps": len(latencies) / elapsed,
                "p50": pct(50),
                "p90": pct(90),
                "p99": pct(99),
                "errors": 0,
                "pg_ticks": pg_ticks,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
