"""``incident.country_code``: its place's country, kept by triggers (migration 0015), and no
edit of the record when only the place's country changes."""

from __future__ import annotations

import datetime as dt

import asyncpg

from tests.factories import make_incident, make_location

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


async def _row(conn: asyncpg.Connection, pk: int) -> tuple[str | None, dt.datetime]:
    r = await conn.fetchrow("select country_code, updated_at from incident where id = $1", pk)
    return r["country_code"], r["updated_at"]


async def test_an_incident_takes_its_places_country_and_follows_it(
    conn: asyncpg.Connection,
) -> None:
    iraq = await make_location(conn, "Erbil", country="IQ")
    syria = await make_location(conn, "Tanf", country="SY")
    nowhere = await make_location(conn, "At sea")
    day = dt.date(2024, 1, 1)
    moved = await make_incident(conn, iraq, day, updated_at=OLD)
    stays = await make_incident(conn, syria, day, updated_at=OLD)
    at_sea = await make_incident(conn, nowhere, day, updated_at=OLD)
    assert await _row(conn, moved) == ("IQ", OLD)
    assert await _row(conn, at_sea) == (None, OLD)
    # the incident's place is edited: its country follows, and that is an edit
    await conn.execute("update incident set location_id = $1 where id = $2", syria, moved)
    country, stamp = await _row(conn, moved)
    assert country == "SY"
    assert stamp > OLD
    # the place's country is corrected: its incidents follow, and none of them is edited
    await conn.execute("update location set country_code = 'JO' where id = $1", syria)
    assert await _row(conn, stays) == ("JO", OLD)
    assert (await _row(conn, moved))[0] == "JO"
    await conn.execute("update location set country_code = null where id = $1", syria)
    assert await _row(conn, stays) == (None, OLD)
    # an edit of anything else leaves the country as it is
    await conn.execute("update incident set summary = 'revised' where id = $1", at_sea)
    country, stamp = await _row(conn, at_sea)
    assert (country, stamp > OLD) == (None, True)
