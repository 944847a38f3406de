"""Test rows for analytics, geography, search and affiliates (on top of ``factories``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import asyncpg

from tests.factories import make_incident

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, computed independently of the SQL."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


async def make_place(
    conn: asyncpg.Connection,
    name: str,
    latitude: float | None,
    longitude: float | None,
    *,
    kind: str = "TOWN",
    country: str | None = None,
    admin1_code: str | None = None,
    admin1_name: str | None = None,
    admin2_name: str | None = None,
    aliases: Sequence[str] = (),
    status: str = "PUBLISHED",
) -> int:
    """A location with coordinates (``factories.make_location`` has none)."""
    pk: int = await conn.fetchval(
        "insert into location (name, kind, latitude, longitude, country_code, admin1_code, "
        "admin1_name, admin2_name, status) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "returning id",
        name,
        kind,
        latitude,
        longitude,
        country,
        admin1_code,
        admin1_name,
        admin2_name,
        status,
    )
    for alias in aliases:
        await conn.execute(
            "insert into location_alias (location_id, alias) values ($1, $2)", pk, alias
        )
    return pk


async def make_counted_incident(
    conn: asyncpg.Connection,
    location_id: int,
    occurred_on: dt.date,
    *,
    projectiles: int | None = None,
    killed: tuple[int, int, int] | None = None,
    injured: tuple[int, int, int] | None = None,
    tags: Sequence[str] = (),
    **kwargs: object,
) -> int:
    """An incident with a projectile count and distinct low/best/high estimates."""
    pk = await make_incident(conn, location_id, occurred_on, tags=tags, **kwargs)  # type: ignore[arg-type]
    await conn.execute(
        "update incident set projectile_count = $2, killed_low = $3, killed_best = $4, "
        "killed_high = $5, injured_low = $6, injured_best = $7, injured_high = $8 where id = $1",
        pk,
        projectiles,
        *(killed or (None, None, None)),
        *(injured or (None, None, None)),
    )
    return pk


async def make_dated_relation(
    conn: asyncpg.Connection,
    subject_id: int,
    kind: str,
    object_id: int,
    *,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    status: str = "PUBLISHED",
) -> int:
    pk: int = await conn.fetchval(
        "insert into actor_relation (subject_actor_id, kind, object_actor_id, valid_from, "
        "valid_to, status) values ($1, $2, $3, $4, $5, $6) returning id",
        subject_id,
        kind,
        object_id,
        valid_from,
        valid_to,
        status,
    )
    return pk
