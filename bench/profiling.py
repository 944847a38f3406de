"""Where Sitrep's time goes: py-spy on the server under 10 clients, summarised by layer.

The server runs alone on its core; PostgreSQL is pinned to the other core for the
profile (with wrk and py-spy). On a shared core py-spy counts the time the server waits
to run as work, and blames whatever it was waiting in (asyncpg's socket reads): with
PostgreSQL on the other core, the samples are the server's own work.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import procstat

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# (layer, path prefixes). A frame's path is relative: the project's own modules start
# with db/ or schema/ (and only there: strawberry/schema/… is Strawberry's); libraries
# with their package, the standard library with stdlib/.
GROUPS = [
    ("asyncpg (protocol, connection, pool)", ("asyncpg/",)),
    ("Sitrep db layer (SQL building, rows)", ("db/",)),
    ("Sitrep schema resolvers & loaders", ("schema/",)),
    ("GraphQL execution (graphql-core)", ("graphql/",)),
    ("Strawberry (schema glue, http view)", ("strawberry/",)),
    (
        "HTTP: uvicorn / starlette / fastapi",
        ("uvicorn/", "starlette/", "fastapi/", "httptools", "h11"),
    ),
    ("JSON (orjson / json)", ("orjson", "json/", "stdlib/json/")),
    ("asyncio event loop", ("asyncio/", "stdlib/asyncio/", "uvloop")),
]


async def _postmaster_pid(url: str) -> int:
    """The PostgreSQL server's main process: the parent of one of its backends (read
    while that backend lives)."""
    conn = await asyncpg.connect(url)
    try:
        backend = procstat.read_proc(int(await conn.fetchval("select pg_backend_pid()")))
        return backend.ppid if backend else 0
    finally:
        await conn.close()


def profile(
    pid: int,
    url: str,
    load: Callable[[float], Any],
    seconds: float,
    pg_core: int,
    out: Path,
) -> dict[str, Any]:
    """Sample ``pid`` at 200 Hz while ``load(seconds)`` runs, PostgreSQL on ``pg_core``.

    Writes the collapsed stacks (gzip) to ``out``; returns the summary for the report.
    """
    pyspy = BENCH / ".venv" / "bin" / "py-spy"
    raw = out.with_suffix("")  # py-spy writes plain text; compressed below
    with procstat.PinnedPostgres(asyncio.run(_postmaster_pid(url)), {pg_core}) as pin:
        spy = subprocess.Popen(
            [
                *("taskset", "-c", str(pg_core), str(pyspy), "record"),
                *("-p", str(pid), "-d", str(int(seconds)), "-r", "200"),
                *("-f", "raw", "-o", str(raw), "--nonblocking"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        load(seconds - 2)
        spy.wait(timeout=seconds + 30)
    stacks = [_clean(line) for line in raw.read_text().splitlines() if line.strip()]
    raw.unlink()
    with gzip.open(out, "wt") as gz:
        gz.write("\n".join(stacks) + "\n")
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    total = 0
    for line in stacks:
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        total += count
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]  # per function
        for f in set(frames):
            inclusive[f] += count
        self_time[frames[-1]] += count
        groups[_group(frames)] += count
    total = max(total, 1)
    return {
        "samples": total,
        "postgres_pinned": pin.pinned,
        "postgres_pin_error": pin.error,
        "groups": [(g, 100 * c / total) for g, c in groups.most_common()],
        "self": [(f, 100 * c / total) for f, c in self_time.most_common(15)],
        "inclusive": [
            (f, 100 * c / total) for f, c in inclusive.most_common() if not TRUNK.search(f)
        ][:25],
    }


# The frames every sample of the main thread passes through (process start, the CLI,
# the server's run loop): left out of the inclusive table, where they say nothing.
TRUNK = re.compile(
    r"\((<frozen runpy>|typer/|click/|app/cli\.py|uvicorn/main\.py|uvicorn/server\.py"
    r"|uvicorn/_compat\.py|asyncio/runners\.py|asyncio/base_events\.py)"
)


def _clean(line: str) -> str:
    """A collapsed stack with each frame's path relative (no machine paths kept)."""
    stack, _, n = line.rpartition(" ")
    return ";".join(_frame(f) for f in stack.split(";")) + " " + n


def _frame(f: str) -> str:
    m = re.match(r"(.*) \((.*?)(:\d+)?\)$", f)
    if not m:
        return f
    func, path, line = m.groups()
    path = re.sub(r".*/site-packages/", "", path)
    path = path.removeprefix(str(ROOT) + "/")
    path = re.sub(r"^/tmp/sitrep-bench-src-[^/]+/", "", path)
    path = re.sub(r".*/lib/python3\.\d+/", "stdlib/", path)
    return f"{func} ({path}{line or ''})"


def _group(frames: list[str]) -> str:
    """The leaf-most frame that belongs to a known layer."""
    for frame in reversed(frames):
        path = frame.rsplit(" (", 1)[-1]
        for name, needles in GROUPS:
            if path.startswith(needles):
                return name
    return "other (idle, interpreter)"
