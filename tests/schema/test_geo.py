"""Radius, box and near-a-location filters, and incidentsNear, checked against distances
computed here with an independent haversine."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import asyncpg
import pytest

from db import demo_data as d
from tests.client import Gql
from tests.factories import demo_incident_ids, gid, make_incident, make_location

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, computed independently of the SQL."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


CENTRE = (10.0, 20.0)
# name → (latitude, longitude); the draft place is 1 km away and must never show.
PLACES = {
    "Geo zero": (10.0, 20.0),
    "Geo north": (10.045, 20.0),  # ~5 km
    "Geo east": (10.0, 20.27),  # ~29.6 km
    "Geo far": (10.9, 20.0),  # ~100 km
    "Geo south-west": (9.8, 19.85),  # ~27.5 km
}
INCIDENTS = """query($f: IncidentFilter) {
  incidents(filter: $f, first: 100) { totalCount edges { node { id location { name } } } } }"""
NEAR = """query($near: NearInput!, $f: IncidentFilter, $first: Int, $after: String) {
  incidentsNear(near: $near, filter: $f, first: $first, after: $after) {
    totalCount
    edges { cursor distanceKm node { id location { name } } }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def places(conn: asyncpg.Connection) -> dict[str, int]:
    ids = {}
    for name, (lat, lon) in PLACES.items():
        ids[name] = await make_location(
            conn, name, latitude=lat, longitude=lon, admin2_name="Geo District"
        )
        await make_incident(conn, ids[name], dt.date(2022, 2, 2), tags=["geo-test"])
    draft = await make_location(conn, "Geo draft", latitude=10.009, longitude=20.0, status="DRAFT")
    await make_incident(conn, draft, dt.date(2022, 2, 2), tags=["geo-test"])
    nowhere = await make_location(conn, "Geo nowhere", latitude=None, longitude=None)
    await make_incident(conn, nowhere, dt.date(2022, 2, 2), tags=["geo-test"])
    # A draft incident at the centre.
    await make_incident(
        conn, ids["Geo zero"], dt.date(2022, 2, 3), tags=["geo-test"], status="DRAFT"
    )
    return ids


def within(radius: float) -> set[str]:
    return {n for n, (lat, lon) in PLACES.items() if haversine_km(*CENTRE, lat, lon) <= radius}


async def names(gql: Gql, location: dict[str, Any]) -> list[str]:
    f = {"tags": {"any": ["geo-test"]}, "location": location}
    data = await gql.data(INCIDENTS, {"f": f})
    return sorted(e["node"]["location"]["name"] for e in data["incidents"]["edges"])


@pytest.mark.parametrize("radius", [0.5, 6.0, 28.0, 29.0, 30.0, 99.0, 101.0, 500.0])
async def test_radius_matches_haversine(gql: Gql, places: dict[str, int], radius: float) -> None:
    near = {"latitude": CENTRE[0], "longitude": CENTRE[1], "radiusKm": radius}
    assert await names(gql, {"near": near}) == sorted(within(radius))


async def test_radius_edge_is_inclusive(gql: Gql, places: dict[str, int]) -> None:
    exact = haversine_km(*CENTRE, *PLACES["Geo east"])
    near = {"latitude": CENTRE[0], "longitude": CENTRE[1], "radiusKm": exact + 1e-9}
    closer = ["Geo north", "Geo south-west", "Geo zero"]
    assert await names(gql, {"near": near}) == sorted(["Geo east", *closer])
    near["radiusKm"] = exact - 1e-6
    assert await names(gql, {"near": near}) == closer


async def test_incidents_near_orders_by_distance_and_pages(
    gql: Gql, places: dict[str, int]
) -> None:
    near = {"latitude": CENTRE[0], "longitude": CENTRE[1], "radiusKm": 200}
    f = {"tags": {"any": ["geo-test"]}}
    expected = sorted((haversine_km(*CENTRE, *p), n) for n, p in PLACES.items())
    seen: list[tuple[float, str]] = []
    after = None
    while True:
        data = (await gql.data(NEAR, {"near": near, "f": f, "first": 2, "after": after}))[
            "incidentsNear"
        ]
        assert data["totalCount"] == len(PLACES)
        seen += [(e["distanceKm"], e["node"]["location"]["name"]) for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert [n for _, n in seen] == [n for _, n in expected]
    for (got, _), (want, _) in zip(seen, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-6)


async def test_incidents_near_a_location_id(
    gql: Gql, conn: asyncpg.Connection, places: dict[str, int]
) -> None:
    near = {"location": gid("Location", places["Geo north"]), "radiusKm": 10}
    data = (await gql.data(NEAR, {"near": near, "f": {"tags": {"any": ["geo-test"]}}}))[
        "incidentsNear"
    ]
    got = [(e["node"]["location"]["name"], e["distanceKm"]) for e in data["edges"]]
    assert [n for n, _ in got] == ["Geo north", "Geo zero"]
    assert got[1][1] == pytest.approx(haversine_km(*PLACES["Geo north"], *CENTRE), abs=1e-6)


async def test_bounding_box_including_the_antimeridian(
    gql: Gql, conn: asyncpg.Connection, places: dict[str, int]
) -> None:
    box = {"south": 9.9, "west": 19.9, "north": 10.1, "east": 20.1}
    assert await names(gql, {"bbox": box}) == ["Geo north", "Geo zero"]
    edge = {"south": 10.0, "west": 20.0, "north": 10.0, "east": 20.27}  # edges included
    assert await names(gql, {"bbox": edge}) == ["Geo east", "Geo zero"]
    west = await make_location(conn, "Geo dateline west", latitude=-17.0, longitude=179.5)
    east = await make_location(conn, "Geo dateline east", latitude=-17.0, longitude=-179.5)
    for pk in (west, east):
        await make_incident(conn, pk, dt.date(2022, 2, 2), tags=["geo-test"])
    across = {"south": -18, "west": 179, "north": -16, "east": -179}
    assert await names(gql, {"bbox": across}) == ["Geo dateline east", "Geo dateline west"]
    # The same longitudes the other way round is the rest of the world.
    rest = {"south": -18, "west": -179, "north": -16, "east": 179}
    assert await names(gql, {"bbox": rest}) == []


async def test_within_25_km_of_erbil_airport(gql: Gql, conn: asyncpg.Connection) -> None:
    demo = await demo_incident_ids(conn)
    places = {loc.name: (loc.latitude, loc.longitude) for loc in d.LOCATIONS}
    airport = places[d.ERBIL_AIRPORT]
    base = haversine_km(*airport, *places[d.PESHMERGA_BASE])  # type: ignore[arg-type]
    assert 25 < base < 50

    async def ids(radius: float) -> set[str]:
        f = {
            "location": {
                "nearLocation": {"location": {"name": "Erbil Airport"}, "radiusKm": radius}
            }
        }
        data = await gql.data(INCIDENTS, {"f": f})
        return {e["node"]["id"] for e in data["incidents"]["edges"]}

    assert await ids(25) == {demo[d.ERBIL_AIRPORT_ID]}
    assert await ids(50) == {demo[d.ERBIL_AIRPORT_ID], demo[d.PESHMERGA_BASE_ID]}
    # Locations too: the airport, Erbil city (~6 km) but not the governorate (~41 km).
    data = await gql.data(
        """{ locations(filter: {nearLocation: {location: {name: "arbil airport"}, radiusKm: 25}})
             { edges { node { name } } } }"""
    )
    got = {e["node"]["name"] for e in data["locations"]["edges"]}
    expected = {
        n
        for n, p in places.items()
        if p[0] is not None and haversine_km(*airport, *p) <= 25  # type: ignore[arg-type]
    }
    assert got == expected == {d.ERBIL_AIRPORT, d.ERBIL}
    # And the anchor must be visible: a draft location is no anchor.
    lat, lon = airport
    await make_location(conn, "Geo secret anchor", latitude=lat, longitude=lon, status="DRAFT")
    f = {"location": {"nearLocation": {"location": {"name": "Geo secret anchor"}, "radiusKm": 25}}}
    assert (await gql.data(INCIDENTS, {"f": f}))["incidents"]["totalCount"] == 0


async def test_admin2_and_country(gql: Gql, conn: asyncpg.Connection) -> None:
    demo = await demo_incident_ids(conn)
    data = await gql.data(INCIDENTS, {"f": {"location": {"admin2": "hit", "country": "IQ"}}})
    assert {e["node"]["id"] for e in data["incidents"]["edges"]} == {demo[d.AIN_AL_ASAD_ID]}


@pytest.mark.parametrize(
    "location",
    [
        {"near": {"latitude": 91, "longitude": 0, "radiusKm": 1}},
        {"near": {"latitude": 0, "longitude": 181, "radiusKm": 1}},
        {"near": {"latitude": 0, "longitude": 0, "radiusKm": 0}},
        {"near": {"latitude": 0, "longitude": 0, "radiusKm": -5}},
        {"near": {"latitude": 0, "longitude": 0, "radiusKm": 30000}},
        {"bbox": {"south": 10, "west": 0, "north": 5, "east": 1}},
        {"nearLocation": {"location": {"name": "Erbil"}, "radiusKm": 0}},
    ],
)
async def test_bad_geography_is_bad_user_input(gql: Gql, location: dict[str, Any]) -> None:
    body = await gql(INCIDENTS, {"f": {"location": location}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_incidents_near_needs_one_centre(gql: Gql) -> None:
    for near in ({"radiusKm": 5}, {"latitude": 1, "radiusKm": 5}):
        body = await gql(NEAR, {"near": near})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql(NEAR, {"near": {"latitude": 1, "longitude": 1, "radiusKm": 5}, "after": "x"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
