"""Geographic reads: incidents near a point ordered by distance, and the GeoJSON export.

The radius, box and near-a-location filters themselves are part of the filter language
(``db.filters.LocationFilter``, built with ``db.geo_sql``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from db import geo_sql
from db.core import Db, to_rows
from db.filters import IncidentFilter, incident_where
from db.incidents import TABLE, IncidentRow
from db.sql import Compiler
from db.viewer import Viewer


@dataclass(frozen=True)
class NearQuery:
    latitude: float
    longitude: float
    radius_km: float
    filter: IncidentFilter | None = None


@dataclass(frozen=True)
class NearRow:
    incident: IncidentRow
    distance_km: float


def _near_source(q: NearQuery, c: Compiler) -> tuple[str, str]:
    """``from … where …`` for incidents within the radius, with ``d.distance_km``."""
    lat, lon, r = c(q.latitude), c(q.longitude), c(q.radius_km)
    lat, lon, r = f"{lat}::float8", f"{lon}::float8", f"{r}::float8"
    dist = geo_sql.distance_km(lat, lon, "l.latitude", "l.longitude")
    within = geo_sql.within("l", lat, lon, r)
    near = (
        f"(select l.id, {dist} as distance_km from location l "
        f"where {c.visible('l')} and {within}) d"
    )
    where = c.visible("i") + " and " + incident_where(q.filter or IncidentFilter(), c, "i")
    return f"incident i join {near} on d.id = i.location_id", where


async def incidents_near(
    db: Db, viewer: Viewer, q: NearQuery, limit: int, after: tuple[float, int] | None
) -> tuple[list[NearRow], bool]:
    """One page ordered by distance, then id; keyset ``after`` = (distance, id)."""
    c = Compiler(viewer)
    source, where = _near_source(q, c)
    if after is not None:
        where += f" and (d.distance_km, i.id) > ({c(after[0])}::float8, {c(after[1])}::bigint)"
    sql = (
        f"select {TABLE.select('i')}, d.distance_km from {source} where {where} "
        f"order by d.distance_km, i.id limit {c(limit + 1)}"
    )
    records = await db.fetch(sql, *c.params.args)
    incidents = to_rows(IncidentRow, records)
    rows = [NearRow(row, r["distance_km"]) for row, r in zip(incidents, records, strict=True)]
    return rows[:limit], len(rows) > limit


async def count_near(db: Db, viewer: Viewer, q: NearQuery) -> int:
    c = Compiler(viewer)
    source, where = _near_source(q, c)
    return int(await db.fetchval(f"select count(*) from {source} where {where}", *c.params.args))


async def location_point(db: Db, viewer: Viewer, location_id: int) -> tuple[float, float] | None:
    """The coordinates of a visible location, or None."""
    c = Compiler(viewer)
    row = await db.fetchrow(
        f"select latitude, longitude from location l where id = {c(location_id)} "
        f"and {c.visible('l')} and latitude is not null",
        *c.params.args,
    )
    return None if row is None else (row["latitude"], row["longitude"])


# --- GeoJSON export ---------------------------------------------------------------


@dataclass(frozen=True)
class FeatureRow:
    id: int
    occurred_on: dt.date
    date_earliest: dt.date
    date_latest: dt.date
    event_type: str
    sub_event_type: str
    weapon: str
    outcome: str
    claim_status: str
    projectile_count: int | None
    killed_best: int | None
    injured_best: int | None
    summary: str
    location_id: int | None
    location_name: str | None
    latitude: float | None
    longitude: float | None
    country_code: str | None
    admin1_code: str | None


def features_sql(
    c: Compiler, f: IncidentFilter | None, after: tuple[dt.date, int] | None, limit: int
) -> str:
    """One page of visible incidents matching ``f``, newest first (keyset ``after`` =
    the last row's ``(occurred_on, id)``), with their visible location."""
    # Also without a filter: its defaults count a linked event once.
    where = c.visible("i") + " and " + incident_where(f or IncidentFilter(), c, "i")
    if after is not None:
        where += f" and (i.occurred_on, i.id) < ({c(after[0])}::date, {c(after[1])}::bigint)"
    return (
        "select i.id, i.occurred_on, i.date_earliest, i.date_latest, i.event_type, "
        "i.sub_event_type, i.weapon, i.outcome, i.claim_status, i.projectile_count, "
        "i.killed_best, i.injured_best, i.summary, l.id as location_id, "
        "l.name as location_name, l.latitude, l.longitude, l.country_code, l.admin1_code "
        f"from incident i left join location l on l.id = i.location_id and {c.visible('l')} "
        f"where {where} order by i.occurred_on desc, i.id desc limit {c(limit)}"
    )


# Rows converted (or written) between two turns of the event loop: a page of 1,000 takes
# tens of milliseconds of CPU, which would hold up every other request at once.
SLICE = 100


# Rows of an export's first page; the pages after it double up to the page size.
FIRST_PAGE = 100


async def feature_pages(
    db: Db,
    viewer: Viewer,
    f: IncidentFilter | None,
    page_size: int,
    first_page: int = FIRST_PAGE,
    gate: asyncio.Semaphore | None = None,
) -> AsyncGenerator[list[FeatureRow]]:
    """The export in keyset pages, one statement each (``limit size + 1`` says whether
    another follows). The first page has ``first_page`` rows and each next one twice as
    many, up to ``page_size``: an export whose client stops reading after its first bytes
    (issue 10: twenty of them at once) has cost one small page. Each statement takes a
    pooled connection and gives it back before its page is handed on, so a consumer that
    waits on a slow client holds none. Pages are not one snapshot: a row changed between
    two pages shows as it is when its page is read, and no row is read twice. A page is
    converted in slices of ``SLICE`` rows, the event loop serving other requests between
    them. ``gate`` bounds how many page statements (of all exports) run at once, so that
    exports starting together do not take every pooled connection from other requests."""
    after: tuple[dt.date, int] | None = None
    size = max(1, min(first_page, page_size))
    while True:
        c = Compiler(viewer)
        sql = features_sql(c, f, after, size + 1)
        async with gate or contextlib.nullcontext():
            records = await db.fetch(sql, *c.params.args)
        rows: list[FeatureRow] = []
        for start in range(0, min(len(records), size), SLICE):
            if start:
                await asyncio.sleep(0)
            rows += to_rows(FeatureRow, records[start : min(start + SLICE, size)])
        yield rows
        if len(records) <= size:
            return
        after = (rows[-1].occurred_on, rows[-1].id)
        size = min(size * 2, page_size)
