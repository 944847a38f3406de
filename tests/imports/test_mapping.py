"""Roles, places, weapons and outcomes as the datasets mean them (realistic files)."""

from __future__ import annotations

import asyncpg

from db import demo_data as d
from db.core import ConnectionDb
from tests.imports.helpers import incident, participants, run

US = "Military Forces of the United States (2021-)"


async def test_acled_roles_by_event_type(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    await run(db, "acled", "acled_iraq_syria.csv")

    async def roles(ext: str) -> list[tuple[object, ...]]:
        return [(p[0], p[2], p[3], p[4]) for p in await participants(conn, "acled", ext)]

    # explosions: perpetrator and target; associated actors marked as such
    assert await roles("IRQ33220") == [
        (d.US_FORCES, "PERPETRATOR", 1, False),
        (d.HAN, "TARGET", 2, False),
        (d.PMF, "TARGET", 2, True),
    ]
    # a peaceful protest: protesters take part, nobody perpetrates
    assert await roles("IRQ33250") == [("Protesters (Iraq)", "PARTICIPANT", 1, False)]
    # a protest with intervention: the police respond
    assert await roles("IRQ33251") == [
        ("Protesters (Iraq)", "PARTICIPANT", 1, False),
        ("Teachers (Iraq)", "PARTICIPANT", 1, True),
        ("Police Forces of Iraq (2022-) Kurdistan Regional Government", "RESPONDER", 2, False),
    ]
    # mob violence: rioters take part, the civilians are targets
    assert await roles("IRQ33260") == [
        ("Rioters (Iraq)", "PARTICIPANT", 1, False),
        ("Civilians (Iraq)", "TARGET", 2, False),
    ]
    # violence against civilians: civilians are targets
    assert await roles("IRQ33270") == [
        ("Islamic State", "PERPETRATOR", 1, False),
        ("Civilians (Iraq)", "TARGET", 2, False),
    ]
    # battles are not directional
    assert await roles("IRQ33280") == [
        ("Military Forces of Iraq", "SIDE_A", 1, False),
        (d.PMF, "SIDE_A", 1, True),
        ("Islamic State", "SIDE_B", 2, False),
    ]
    # an interception: the interceptor and the one whose drone was stopped
    assert await roles("IRQ33210") == [
        (d.US_FORCES, "INTERCEPTOR", 1, False),
        (d.IRI, "PERPETRATOR", 2, False),
    ]
    no_perpetrators = await conn.fetchval(
        "select count(*) from incident_participant p join incident i on i.id = p.incident_id "
        "where i.event_type in ('PROTESTS', 'RIOTS') and p.role = 'PERPETRATOR'"
    )
    assert no_perpetrators == 0


async def test_ucdp_sides_are_sides(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    await run(db, "ucdp", "ged_24_1.csv")
    # the US strike record: the US is side A, not "the perpetrator" inverted or otherwise
    assert [(p[0], p[2], p[3]) for p in await participants(conn, "ucdp", "512303")] == [
        (d.US_FORCES, "SIDE_A", 1),
        (d.KH, "SIDE_B", 2),
    ]
    # one-sided violence is directional: the group perpetrates, civilians are targets
    assert [(p[0], p[1], p[2]) for p in await participants(conn, "ucdp", "512302")] == [
        ("Islamic State", "REBEL_GROUP", "PERPETRATOR"),
        ("Civilians", "CIVILIANS", "TARGET"),
    ]


async def test_row_place_belongs_to_the_incident(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    demo = {
        r["name"]: dict(r)
        for r in await conn.fetch(
            "select id, name, latitude, longitude, geo_precision, admin2_name, version "
            "from location where name = any($1::text[])",
            [d.AIN_AL_ASAD, d.ERBIL_AIRPORT],
        )
    }
    locations_before = await conn.fetchval("select count(*) from location")
    await run(db, "acled", "acled_iraq_syria.csv")
    await run(db, "ucdp", "ged_24_1.csv")
    # the same base in the demo, ACLED (alias spelling) and UCDP: one location
    for system, ext, name in (
        ("acled", "IRQ33205", d.AIN_AL_ASAD),
        ("acled", "IRQ33290", d.AIN_AL_ASAD),
        ("ucdp", "512304", d.AIN_AL_ASAD),
        ("acled", "IRQ33201", d.ERBIL_AIRPORT),
        ("acled", "IRQ33210", d.ERBIL_AIRPORT),
    ):
        assert (await incident(conn, system, ext))["location_id"] == demo[name]["id"], ext
    # the demo's locations are not changed by the rows
    after = {
        r["name"]: dict(r)
        for r in await conn.fetch(
            "select id, name, latitude, longitude, geo_precision, admin2_name, version "
            "from location where name = any($1::text[])",
            [d.AIN_AL_ASAD, d.ERBIL_AIRPORT],
        )
    }
    assert after == demo
    # the row's point, precision and divisions are the incident's
    row = await incident(conn, "acled", "IRQ33205")
    assert (
        row["latitude"], row["longitude"], row["geo_precision"], row["admin1_code"],
        row["admin1_name"], row["admin2_name"], row["admin3_name"], row["place_name"],
    ) == (33.7856, 42.4411, "EXACT", "IQ-AN", "Al Anbar", "Hit", "Al Baghdadi",
          "Ain Al Asad Airbase")  # fmt: skip
    amedi = await incident(conn, "acled", "IRQ33240")
    assert (amedi["geo_precision"], amedi["admin1_code"], amedi["admin3_name"]) == (
        "NEAR",
        "IQ-DA",
        "Kani Masi",
    )
    # "Hit" in Anbar and "Hit" in Ninewa (250 km apart): two places, each with its own data
    hit_anbar = await incident(conn, "acled", "IRQ33280")
    hit_ninewa = await incident(conn, "acled", "IRQ33281")
    assert hit_anbar["location_id"] != hit_ninewa["location_id"]
    ninewa = await conn.fetchrow(
        "select l.*, p.name as parent from location l left join location p on p.id = l.parent_id "
        "where l.id = $1",
        hit_ninewa["location_id"],
    )
    assert (
        ninewa["name"], ninewa["kind"], ninewa["latitude"], ninewa["longitude"],
        ninewa["geo_precision"], ninewa["country_code"], ninewa["admin1_code"],
        ninewa["admin1_name"], ninewa["admin2_name"], ninewa["parent"],
    ) == ("Hit", "TOWN", 36.271, 43.376, "NEAR", "IQ", "IQ-NI", "Ninewa", "Al-Hamdaniya",
          d.IRAQ)  # fmt: skip
    anbar = await conn.fetchrow(
        "select l.admin1_code, p.name as parent from location l left join location p "
        "on p.id = l.parent_id where l.id = $1",
        hit_anbar["location_id"],
    )
    assert tuple(anbar) == ("IQ-AN", d.ANBAR)  # the demo's governorate is its parent
    # new places get a kind from their name
    conoco = await conn.fetchrow(
        "select l.kind, l.country_code, l.admin1_code from location l join incident i "
        "on i.location_id = l.id join incident_external_id e on e.incident_id = i.id "
        "where e.external_id = 'SYR22100'"
    )
    assert tuple(conoco) == ("TOWN", "SY", "SY-DY")
    bia = await conn.fetchval(
        "select l.kind from location l join incident i on i.location_id = l.id "
        "join incident_external_id e on e.incident_id = i.id where e.external_id = 'IRQ33295'"
    )
    assert bia == "AIRPORT"
    # Baghdad rows reuse the demo's Baghdad (same name, 0.5 km)
    baghdad = await conn.fetchval("select id from location where name = $1", d.BAGHDAD)
    assert (await incident(conn, "acled", "IRQ33220"))["location_id"] == baghdad
    # 11 new places in the ACLED file, 4 in the UCDP file
    assert await conn.fetchval("select count(*) from location") - locations_before == 15


async def test_weapons_and_outcomes(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    report = await run(db, "acled", "acled_iraq_syria.csv")
    assert report.rejected == []

    async def wo(system: str, ext: str) -> tuple[str, str]:
        row = await incident(conn, system, ext)
        return row["weapon"], row["outcome"]

    assert await wo("acled", "IRQ33201") == ("DRONE", "UNKNOWN")  # explosive-laden UAV
    assert await wo("acled", "IRQ33205") == ("ROCKET", "UNKNOWN")  # several rockets
    assert await wo("acled", "IRQ33231") == ("MISSILE", "UNKNOWN")  # ballistic missiles
    assert await wo("acled", "IRQ33210") == ("DRONE", "INTERCEPTED")  # disrupted weapons use
    assert await wo("acled", "IRQ33220") == ("DRONE", "UNKNOWN")  # US drone strike
    assert await wo("acled", "SYR22110") == ("AIRSTRIKE", "UNKNOWN")  # Israeli warplanes
    assert await wo("acled", "IRQ33295") == ("ROCKET", "UNKNOWN")  # Katyusha rockets
    assert await wo("acled", "IRQ33280") == ("SMALL_ARMS", "UNKNOWN")  # armed clash
    assert await wo("acled", "IRQ33250") == ("UNKNOWN", "UNKNOWN")  # a protest
    ucdp = await run(db, "ucdp", "ged_24_1.csv")
    assert await wo("ucdp", "512303") == ("AIRSTRIKE", "UNKNOWN")  # "US airstrikes"
    assert await wo("ucdp", "512304") == ("DRONE", "UNKNOWN")  # "Drone attack on …"
    assert await wo("ucdp", "512301") == ("UNKNOWN", "UNKNOWN")  # nothing named
    assert [(r.line, r.reason) for r in ucdp.rejected] == [
        (7, "unknown type_of_violence '4' (expected 1, 2 or 3)")
    ]
