"""What an idle core costs a statement: one statement in a loop on one connection, with a
pause after each, spent idle (sleeping) or busy (spinning).

    .venv/bin/python bench/idle.py URL STATEMENTS [--pauses 0,0.0003,0.001] [-n 3000] [--pin]

STATEMENTS: a JSON list of ``{"sql", "args", "generic"}`` (bench/statement.py's output).
Prints, per pause and way of spending it: the statement's p50 and PostgreSQL's CPU per
statement. On a virtual machine a core that idles between statements (as under any
server answering one client, which waits for the next request) makes the next statement
slower and dearer than in a tight loop. With ``--pin`` the PostgreSQL backend runs on
this process's core, so a busy pause keeps the backend's core from idling, and the
statement stays as fast as in the tight loop. Run it pinned (``taskset -c 1``) on an
otherwise idle machine (``--pin`` needs the right to pin PostgreSQL's processes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import asyncpg
from floor import _ticks, param


async def measure(
    conn: asyncpg.Connection,
    calls: list[tuple[str, list[Any]]],
    n: int,
    pause: float,
    busy: bool,
    pin: bool,
) -> tuple[float, float]:
    pid = await conn.fetchval("select pg_backend_pid()")
    if pin:  # the backend on this process's cores: a busy pause keeps its core busy
        os.sched_setaffinity(pid, os.sched_getaffinity(0))
    for sql, args in calls:  # prepared, plan cached
        await conn.fetchval(sql, *args)
    ticks0 = _ticks(pid)
    latencies: list[float] = []
    for i in range(n):
        sql, args = calls[i % len(calls)]
        t0 = time.perf_counter()
        await conn.fetchval(sql, *args)
        latencies.append(time.perf_counter() - t0)
        if busy:
            end = time.perf_counter() + pause
            while time.perf_counter() < end:
                pass
        elif pause:
            time.sleep(pause)  # noqa: ASYNC251 (idle on purpose; one connection)
    ticks = _ticks(pid) - ticks0
    latencies.sort()
    return latencies[len(latencies) // 2] * 1000, ticks * 1000 / os.sysconf("SC_CLK_TCK") / n


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url")
    ap.add_argument("statements", type=Path)
    ap.add_argument("--pauses", default="0,0.0003,0.001")
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument(
        "--pin", action="store_true", help="pin the PostgreSQL backend to this process's cores"
    )
    a = ap.parse_args()
    spec = json.loads(a.statements.read_text())
    calls = [(s["sql"], [param(x) for x in s["args"]]) for s in spec]
    mode = "force_generic_plan" if spec[0]["generic"] else "force_custom_plan"
    conn = await asyncpg.connect(a.url, server_settings={"plan_cache_mode": mode})
    try:
        print("pause ms | spent | p50 ms | PostgreSQL CPU ms per statement")
        for pause in (float(p) for p in a.pauses.split(",")):
            for busy in (False, True) if pause else (False,):
                p50, cpu = await measure(conn, calls, a.n, pause, busy, a.pin)
                spent = "busy" if busy else "idle"
                print(f"{pause * 1000:8.1f} | {spent} | {p50:6.3f} | {cpu:.3f}")
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
