"""/export/incidents.geojson: RFC 7946 structure, the filter language, drafts hidden,
errors with the API's codes, and streaming in keyset pages."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import asyncpg
import httpx
import pytest

from db import demo_data as d
from db import geo
from db.core import ConnectionDb
from db.filters import IncidentFilter
from db.viewer import Viewer
from tests.client import Gql
from tests.factories import demo_incident_ids, gid, make_incident, make_key, make_location

URL = "/export/incidents.geojson"


async def export(http: httpx.AsyncClient, f: dict[str, Any] | None = None) -> dict[str, Any]:
    params = {"filter": json.dumps(f)} if f is not None else {}
    response = await http.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = json.loads(response.content)
    return body


def assert_rfc7946(body: dict[str, Any]) -> None:
    assert body["type"] == "FeatureCollection"
    assert isinstance(body["features"], list)
    for feature in body["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) == {"type", "id", "geometry", "properties"}
        assert isinstance(feature["id"], str)
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        if geometry is not None:
            assert geometry["type"] == "Point"
            lon, lat = geometry["coordinates"]
            assert -180 <= lon <= 180
            assert -90 <= lat <= 90


async def test_demo_export_is_a_feature_collection_in_lon_lat_order(
    http: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    demo = await demo_incident_ids(conn)
    body = await export(http)
    assert_rfc7946(body)
    by_id = {f["id"]: f for f in body["features"]}
    published = await conn.fetch("select id from incident where status = 'PUBLISHED'")
    assert set(by_id) == {gid("Incident", r["id"]) for r in published} == set(demo.values())
    ain = by_id[demo[d.AIN_AL_ASAD_ID]]
    base = next(loc for loc in d.LOCATIONS if loc.name == d.AIN_AL_ASAD)
    assert ain["geometry"] == {"type": "Point", "coordinates": [base.longitude, base.latitude]}
    props = ain["properties"]
    assert props["occurredOn"] == "2024-01-01"
    assert props["weapon"] == "DRONE"
    assert props["outcome"] == "INTERCEPTED"
    assert props["location"]["name"] == d.AIN_AL_ASAD
    assert props["location"]["country"] == "IQ"


async def test_filter_is_the_graphql_filter(
    http: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    demo = await demo_incident_ids(conn)
    headline = {
        "occurredOn": {"gte": "2023-12-30", "lte": "2024-01-05"},
        "weapon": {"in": ["DRONE"]},
        "location": {"hostsForcesOf": {"name": "US forces"}},
    }
    body = await export(http, headline)
    assert {f["id"] for f in body["features"]} == {
        demo[d.AIN_AL_ASAD_ID],
        demo[d.ERBIL_AIRPORT_ID],
    }
    near = {"location": {"nearLocation": {"location": {"name": "EBL"}, "radiusKm": 5}}}
    body = await export(http, near)
    assert [f["id"] for f in body["features"]] == [demo[d.ERBIL_AIRPORT_ID]]
    assert (await export(http, {"tags": {"any": ["nothing-has-this"]}})) == {
        "type": "FeatureCollection",
        "features": [],
    }


async def test_drafts_and_unlocated(http: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    shown = await make_location(conn, "Json town", latitude=12.5, longitude=45.25)
    hidden = await make_location(conn, "Json secret", latitude=12.0, longitude=45.0, status="DRAFT")
    nowhere = await make_location(conn, "Json nowhere", latitude=None, longitude=None)
    day = dt.date(2019, 5, 5)
    await make_incident(conn, shown, day, tags=["json"], summary="shown")
    await make_incident(conn, shown, day, tags=["json"], summary="draft", status="DRAFT")
    await make_incident(conn, hidden, day, tags=["json"], summary="at a draft place")
    await make_incident(conn, nowhere, day, tags=["json"], summary="nowhere")
    body = await export(http, {"tags": {"any": ["json"]}})
    assert_rfc7946(body)
    got = {f["properties"]["summary"]: f for f in body["features"]}
    assert set(got) == {"shown", "at a draft place", "nowhere"}
    assert got["shown"]["geometry"]["coordinates"] == [45.25, 12.5]
    # A draft location is neither placed nor named.
    assert got["at a draft place"]["geometry"] is None
    assert got["at a draft place"]["properties"]["location"] is None
    assert got["nowhere"]["geometry"] is None
    assert got["nowhere"]["properties"]["location"]["name"] == "Json nowhere"


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (
            "{not json",
            "BAD_USER_INPUT",
            "`filter` is not valid JSON: unexpected character, expected a string key: line 1 "
            "column 2 (char 1)",
        ),
        (
            json.dumps({"weapon": {"in": ["TREBUCHET"]}}),
            "BAD_USER_INPUT",
            "Invalid filter: Value 'TREBUCHET' does not exist in 'Weapon' enum.",
        ),
        (
            json.dumps({"noSuchField": 1}),
            "BAD_USER_INPUT",
            "Invalid filter: Expected value of type 'IncidentFilter' not to include unknown "
            "field 'noSuchField', found: {'noSuchField': 1}.",
        ),
        (
            json.dumps({"occurredOn": {"gte": "2024-02-01", "lte": "2024-01-01"}}),
            "BAD_USER_INPUT",
            "The date range ends before it starts.",
        ),
        (
            json.dumps({"occurredOn": {"gte": "yesterday"}}),
            "BAD_USER_INPUT",
            'Invalid filter: Value cannot represent a Date: "yesterday". Invalid isoformat '
            "string: 'yesterday'",
        ),
        (json.dumps({"ids": ["not-an-id"]}), "INVALID_ID", "'not-an-id' is not a valid ID."),
        (
            json.dumps({"location": {"near": {"latitude": 0, "longitude": 0, "radiusKm": -1}}}),
            "BAD_USER_INPUT",
            "radiusKm must be more than 0 and at most 20016.",
        ),
    ],
)
async def test_bad_filter_is_400_with_a_code(
    http: httpx.AsyncClient, raw: str, code: str, message: str
) -> None:
    response = await http.get(URL, params={"filter": raw})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": code}}]}


async def daily_incidents(conn: asyncpg.Connection, tag: str, start: dt.date, days: int) -> None:
    """One published drone strike a day for ``days`` days after ``start``, tagged ``tag``."""
    town = await make_location(conn, f"{tag} town", latitude=1.0, longitude=2.0)
    await conn.execute(
        "insert into incident (occurred_on, date_earliest, date_latest, location_id, event_type, "
        "sub_event_type, summary, tags) select d, d, d, $1, 'EXPLOSIONS_REMOTE_VIOLENCE', "
        "'AIR_DRONE_STRIKE', $2, array[$2] from (select $3::date + g as d "
        "from generate_series(1, $4) g) x",
        town,
        tag,
        start,
        days,
    )


async def test_streams_in_keyset_pages(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    await daily_incidents(conn, "batch", dt.date(2010, 1, 1), 25)
    f = IncidentFilter(tags_any=("batch",))
    pages = [rows async for rows in geo.feature_pages(db, Viewer(), f, 10)]
    assert [len(rows) for rows in pages] == [10, 10, 5]
    assert db.counter.count == 3  # one statement per page (limit 11 says whether more follow)
    days = [row.occurred_on for rows in pages for row in rows]
    assert days == sorted(days, reverse=True)
    assert len(set(days)) == 25

    # A small first page, then pages twice as large up to the page size: a client that
    # stops reading early has cost one small statement.
    db.counter.count = 0
    pages = [rows async for rows in geo.feature_pages(db, Viewer(), f, 8, first_page=2)]
    assert [len(rows) for rows in pages] == [2, 4, 8, 8, 3]
    assert db.counter.count == 5
    assert [row.occurred_on for rows in pages for row in rows] == days


class _Watched:
    """A database handle counting the statements in flight (each held a moment, so that
    concurrent exports overlap)."""

    def __init__(self, db: ConnectionDb) -> None:
        self.db, self.now, self.most = db, 0, 0

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(0.02)
            return await self.db.fetch(sql, *args)
        finally:
            self.now -= 1


@pytest.mark.parametrize(("gate", "most"), [(None, 3), (1, 1), (2, 2)])
async def test_exports_starting_together_share_a_bounded_number_of_reads(
    conn: asyncpg.Connection, db: ConnectionDb, gate: int | None, most: int
) -> None:
    """Exports read their pages through a shared gate (``SITREP_EXPORT_CONCURRENT_READS``):
    twenty exports starting at once must not take every pooled connection."""
    await daily_incidents(conn, "gate", dt.date(2011, 1, 1), 6)
    f = IncidentFilter(tags_any=("gate",))
    watched = _Watched(db)
    shared = asyncio.Semaphore(gate) if gate is not None else None

    async def export() -> int:
        pages = geo.feature_pages(watched, Viewer(), f, 4, first_page=2, gate=shared)  # type: ignore[arg-type]
        return sum([len(rows) async for rows in pages])

    assert await asyncio.gather(*(export() for _ in range(3))) == [6, 6, 6]
    assert watched.most == most


async def test_geojson_uses_the_callers_key(
    conn: asyncpg.Connection, http: httpx.AsyncClient, strict_gql: Gql
) -> None:
    """Editors see drafts in the export as in GraphQL; a required key is enforced."""
    draft = await make_location(conn, "Draft export base", latitude=10.0, longitude=20.0)
    pk = await make_incident(conn, draft, dt.date(2020, 5, 5), status="DRAFT", tags=["geojson-key"])
    only = {"tags": {"any": ["geojson-key"]}}
    assert (await export(http, only))["features"] == []
    token = await make_key(conn, "editor")
    response = await http.get(
        URL, params={"filter": json.dumps(only)}, headers={"Authorization": f"Bearer {token}"}
    )
    assert [f["id"] for f in json.loads(response.content)["features"]] == [gid("Incident", pk)]
    bad = await http.get(URL, headers={"Authorization": "Bearer sitrep_nope"})
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["extensions"]["code"] == "INVALID_API_KEY"

    strict = strict_gql.http
    missing = await strict.get(URL)
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    ok = await strict.get(
        URL, params={"filter": json.dumps(only)}, headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200
    assert [f["id"] for f in json.loads(ok.content)["features"]] == [gid("Incident", pk)]
