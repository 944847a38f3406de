"""Analytics workloads: stats, radius, box and search, through GraphQL and as raw SQL.

    DATABASE_URL=postgresql://…/db .venv/bin/python bench/analytics.py [--runs 15]

The database must be generated (``sitrep demo generate``) and migrated to 0002. Each
workload runs in-process through the Strawberry schema (parse, validate, resolvers,
DataLoaders, asyncpg pool) and as the SQL statement(s) the API sends, run directly on
one asyncpg connection (the floor). It prints the p50 of each and their ratio, after
one warm-up run of each.
"""

from __future__ import annotations

import argparse
import asyncio
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
from db import geo, search, stats
from db.core import PoolDb, create_pool, init_connection
from db.filters import BoundingBox, IncidentFilter, LocationFilter
from db.listing import count as count_sql  # noqa: F401
from db.sql import Compiler
from db.viewer import Viewer
from schema import build_schema
from schema.context import Context


async def _p50(fn: Callable[[], Awaitable[Any]], runs: int) -> float:
    await fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    pool = await create_pool(url, min_size=2, max_size=10, statement_timeout_ms=120_000)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    schema = build_schema(settings)
    viewer = Viewer()

    n = await conn.fetchval("select count(*) from incident")
    lat, lon = await conn.fetchrow(
        "select l.latitude, l.longitude from incident i join location l on l.id = i.location_id "
        "where l.latitude is not null and l.kind in ('CITY', 'TOWN') "
        "group by l.id order by count(*) desc limit 1"
    )
    alias = await conn.fetchval(
        "select x.alias from actor_alias x join actor a on a.id = x.actor_id "
        "where a.status = 'PUBLISHED' and length(x.alias) > 8 order by x.actor_id limit 1"
    )
    typo = alias[:3] + alias[4:]
    word = await conn.fetchval(
        "select w from (select unnest(string_to_array(lower(summary), ' ')) w from incident "
        "limit 2000) x where length(w) > 6 group by w order by count(*) limit 1"
    )
    year = {"gte": "2023-01-01", "lte": "2023-12-31"}
    box = {"south": lat - 0.5, "west": lon - 0.5, "north": lat + 0.5, "east": lon + 0.5}
    near = {"latitude": lat, "longitude": lon, "radiusKm": 25.0}

    async def gql(query: str, variables: dict[str, Any]) -> None:
        ctx = Context(PoolDb(pool), settings, viewer)
        result = await schema.execute(query, variable_values=variables, context_value=ctx)
        assert result.errors is None, result.errors

    async def raw(build: Callable[[Compiler], str]) -> None:
        c = Compiler(viewer)
        await conn.fetch(build(c), *c.params.args)

    stats_q = """query($f: IncidentFilter, $g: [StatsDimension!], $i: TimeInterval,
      $fill: Boolean! = false, $roll: Boolean! = false) {
      incidentStats(filter: $f, groupBy: $g, interval: $i, fillEmpty: $fill,
        rollUpPerpetrators: $roll, first: 10000) {
        groups { period { label } eventType country { code } perpetrator { name }
          incidents projectiles killed { best } } } }"""
    list_q = """query($f: IncidentFilter) { incidents(filter: $f, first: 20) {
      totalCount edges { node { id occurredOn location { name } } } } }"""
    near_q = """query($near: NearInput!) { incidentsNear(near: $near, first: 20) {
      totalCount edges { distanceKm node { id occurredOn location { name } } } } }"""
    search_q = """query($t: String!) { search(text: $t, first: 20) {
      type score matchedField actor { name } location { name } source { title }
      incident { occurredOn } } }"""

    def stats_case(
        f: dict[str, Any] | None,
        g: list[str],
        i: str | None,
        fill: bool = False,
        roll: bool = False,
    ) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
        from schema.filters import IncidentFilter as Input  # noqa: F401

        db_filter = IncidentFilter(occurred_on=_range(f["occurredOn"])) if f is not None else None
        q = stats.StatsQuery(
            db_filter, tuple(g), i.lower() if i else None, fill, roll, limit=10_000
        )
        return (
            lambda: gql(stats_q, {"f": f, "g": g, "i": i, "fill": fill, "roll": roll}),
            lambda: raw(lambda c: stats.stats_sql(q, c)),
        )

    def _range(r: dict[str, str]) -> Any:
        import datetime as dt

        from db.filters import DateRange

        return DateRange(dt.date.fromisoformat(r["gte"]), dt.date.fromisoformat(r["lte"]))

    async def raw_list(f: IncidentFilter) -> None:
        from db import incidents
        from db.listing import _where
        from db.pagination import PageArgs, page_sql

        c = Compiler(viewer)
        order = incidents.TABLE.order("OCCURRED_ON", True)
        sql = page_sql(
            c,
            PageArgs(order, first=20),
            columns=incidents.TABLE.select(),
            source="incident i",
            t="i",
            where=_where(incidents.TABLE, c, f),
        )
        await conn.fetch(sql, *c.params.args)
        c2 = Compiler(viewer)
        await conn.fetchval(
            f"select count(*) from incident i where {_where(incidents.TABLE, c2, f)}",
            *c2.params.args,
        )

    async def raw_near() -> None:
        q = geo.NearQuery(lat, lon, 25.0)
        c = Compiler(viewer)
        source, where = geo._near_source(q, c)
        await conn.fetch(
            f"select i.id, d.distance_km from {source} where {where} "
            f"order by d.distance_km, i.id limit 21",
            *c.params.args,
        )
        c2 = Compiler(viewer)
        source, where = geo._near_source(q, c2)
        await conn.fetchval(f"select count(*) from {source} where {where}", *c2.params.args)

    def search_case(text: str) -> tuple[Callable[[], Awaitable[None]], ...]:
        return (
            lambda: gql(search_q, {"t": text}),
            lambda: raw(lambda c: search.search_sql(c, text, search.TYPES, 20)),
        )

    bbox_filter = IncidentFilter(location=LocationFilter(bbox=BoundingBox(**box)))
    from db.filters import Near

    near_filter = IncidentFilter(location=LocationFilter(near=Near(lat, lon, 25.0)))
    workloads: list[tuple[str, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]] = [
        ("stats: all, by month x event type", *stats_case(None, ["EVENT_TYPE"], "MONTH")),
        (
            "stats: 2023, ISO weeks filled x country",
            *stats_case({"occurredOn": year}, ["COUNTRY"], "WEEK", fill=True),
        ),
        (
            "stats: 2023, perpetrators rolled up",
            *stats_case({"occurredOn": year}, ["PERPETRATOR"], None, roll=True),
        ),
        (
            "radius 25 km filter: page + totalCount",
            lambda: gql(list_q, {"f": {"location": {"near": near}}}),
            lambda: raw_list(near_filter),
        ),
        ("incidentsNear 25 km: page + totalCount", lambda: gql(near_q, {"near": near}), raw_near),
        (
            "bbox 1°x1°: page + totalCount",
            lambda: gql(list_q, {"f": {"location": {"bbox": box}}}),
            lambda: raw_list(bbox_filter),
        ),
        (f"search alias {alias!r}", *search_case(alias)),
        (f"search typo {typo!r}", *search_case(typo)),
        (f"search word {word!r}", *search_case(word)),
    ]
    print(f"{n} incidents; point ({lat:.4f}, {lon:.4f}); {args.runs} runs each\n")
    print("| workload | GraphQL p50 ms | SQL p50 ms | ratio |\n|---|---:|---:|---:|")
    for name, api, floor in workloads:
        a = await _p50(api, args.runs)
        b = await _p50(floor, args.runs)
        print(f"| {name} | {a:.1f} | {b:.1f} | {a / b:.2f} |", flush=True)
    await conn.close()
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main())
