"""A synthetic dataset of realistic shape, for benchmarks: ``sitrep demo generate``.

``world`` builds the countries, places and deployments, ``actors`` the actors and their
relations; ``incidents`` draws the incidents in batches with their participants, sources and
statements; ``load`` puts the rows in with COPY. ``vocabulary`` holds the fixed word
lists and weights, ``tables`` the columns written, ``draw`` the one random generator.

The distributions are skewed (Zipf-like): a few countries, places and actors account
for most incidents, as in ACLED. About 1% of every kind of record is a DRAFT, so that
visibility filtering has something to hide. Everything comes from one
``random.Random(seed)``: the same seed gives the same data.

The names and ids the benchmark's workloads need are found in the data by the benchmark
itself (``bench/fixture.py``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from db.generate import load
from db.generate.draw import Draw
from db.generate.incidents import BATCH_TABLES, incident_batches
from db.generate.tables import DATA_TABLES
from db.generate.world import build_world, reference_sources

__all__ = ["RefuseError", "Report", "format_report", "generate", "run"]


@dataclass
class Report:
    counts: dict[str, int]  # rows loaded per table
    seconds: dict[str, float]  # world, incidents, indexes, analyze, total
    summary: dict[str, Any]  # seed, incidents asked for, the load summary lines

    @property
    def fixture(self) -> dict[str, Any]:
        """The summary, under the name ``sitrep demo generate`` prints it by."""
        return self.summary


class RefuseError(RuntimeError):
    """The database already holds incidents and neither append nor truncate was asked."""


async def generate(
    url: str,
    incidents: int,
    seed: int,
    *,
    append: bool = False,
    truncate: bool = False,
    batch: int = 50_000,
    log: Callable[[str], None] = print,
) -> Report:
    """Generate and load the world and ``incidents`` incidents into the database at ``url``."""
    conn = await asyncpg.connect(url)
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    try:
        has = await conn.fetchval("select exists (select 1 from incident)")
        if has and not (append or truncate):
            raise RefuseError(
                "the database already has incidents: pass --append to add to them or "
                "--truncate to replace them"
            )
        if truncate:
            await conn.execute(f"truncate {', '.join(DATA_TABLES)} restart identity cascade")
        empty = await load.is_empty(conn)
        draw = Draw(seed, await load.max_ids(conn))
        world = build_world(draw)
        seconds["world"] = time.perf_counter() - t0

        dropped: list[tuple[str, str]] = []
        async with conn.transaction():
            await conn.execute("set local synchronous_commit = off")
            if empty:
                dropped = await load.secondary_indexes(conn)
                await load.drop_indexes(conn, dropped)
            for table in ("actor", "actor_alias", "location", "location_alias"):
                await load.copy(conn, table, world.rows[table], counts)
            src, rel_src, dep_src = reference_sources(draw, world)
            await load.copy(conn, "source", src, counts)
            await load.copy(conn, "actor_relation", world.rows["actor_relation"], counts)
            await load.copy(conn, "actor_relation_source", rel_src, counts)
            await load.copy(conn, "deployment", world.rows["deployment"], counts)
            await load.copy(conn, "deployment_source", dep_src, counts)
            seconds["world"] = time.perf_counter() - t0

            # Incidents: make batch k+1 in a thread while PostgreSQL takes batch k.
            loop = asyncio.get_running_loop()
            batches = incident_batches(draw, world, incidents, batch)
            done = object()

            def next_batch() -> Any:
                return next(batches, done)

            t1 = time.perf_counter()
            pending = loop.run_in_executor(None, next_batch)
            loaded = 0
            while True:
                out = await pending
                if out is done:
                    break
                pending = loop.run_in_executor(None, next_batch)
                for table in BATCH_TABLES:
                    await load.copy(conn, table, out[table], counts)
                loaded += len(out["incident"])
                rate = loaded / (time.perf_counter() - t1)
                log(f"  {loaded:>9} incidents ({rate:,.0f}/s)")
            seconds["incidents"] = time.perf_counter() - t1

            t2 = time.perf_counter()
            if dropped:
                await conn.execute("set local maintenance_work_mem = '512MB'")
                for name, definition in dropped:
                    log(f"  index {name}")
                    await conn.execute(definition)
            seconds["indexes"] = time.perf_counter() - t2
            await load.move_sequences(conn)
        t3 = time.perf_counter()
        await load.vacuum_analyze(conn)
        seconds["analyze"] = time.perf_counter() - t3
        seconds["total"] = time.perf_counter() - t0
        return Report(counts, seconds, {"seed": seed, "incidents_generated": incidents})
    finally:
        await conn.close()


def format_report(report: Report) -> str:
    lines = [f"{t:24} {n:>10}" for t, n in report.counts.items()]
    s = report.seconds
    lines.append(
        f"loaded {sum(report.counts.values()):,} rows in {s['total']:.1f} s "
        f"(world {s['world']:.1f} s, incidents {s.get('incidents', 0):.1f} s, "
        f"indexes {s.get('indexes', 0):.1f} s, vacuum/analyze {s['analyze']:.1f} s)"
    )
    return "\n".join(lines)


def run(
    url: str,
    incidents: int,
    seed: int,
    *,
    append: bool = False,
    truncate: bool = False,
    batch: int = 50_000,
    fixture: str | None = None,
    echo: Callable[[str], None] = print,
) -> Report:
    """Generate, print the report and write the summary as JSON to ``fixture`` if given
    (what ``sitrep demo generate`` does)."""
    report = asyncio.run(
        generate(url, incidents, seed, append=append, truncate=truncate, batch=batch, log=echo)
    )
    echo(format_report(report))
    report.summary["load_summary"] = format_report(report).splitlines()
    if fixture:
        out = Path(fixture)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report.summary, indent=2, default=str) + "\n")
        echo(f"summary written to {out}")
    return report
