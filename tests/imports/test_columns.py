"""Every ACLED and UCDP column is kept, readable through GraphQL (both paths, by the
differential oracle) and filterable where analysts filter."""

from __future__ import annotations

from typing import Any

import asyncpg

from db.core import ConnectionDb
from tests.client import Gql
from tests.imports.helpers import run

FIELDS = """
  externalIds { system id version }
  place { name latitude longitude geoPrecision countryName region admin1 admin1Code admin2
          admin3 description }
  acled { disorderType inter1 inter2 interaction civilianTargeting sourceScale }
  ucdp { deathsA deathsB deathsCivilians deathsUnknown datePrecision wherePrecision
         eventClarity conflictId dyadId sideAId sideBId relid numberOfSources }
  participants { role side associated reportedName actor { name } }
  sources { publisher title publishedAt note }
"""


async def _one(gql: Gql, system: str, ext: str) -> dict[str, Any]:
    data = await gql.data(
        "query($s: String!, $x: String!) { incidents(filter: {externalId: {system: $s, id: $x}})"
        f" {{ edges {{ node {{ {FIELDS} }} }} }} }}",
        {"s": system, "x": ext},
    )
    [edge] = data["incidents"]["edges"]
    node: dict[str, Any] = edge["node"]
    return node


async def _ids(gql: Gql, f: dict[str, Any]) -> list[str]:
    """The ACLED and UCDP ids of the incidents matching ``f``, each dataset's record (an
    event both datasets describe is linked and would otherwise be counted once)."""
    f = {**f, "duplicates": "INCLUDE"}
    data = await gql.data(
        "query($f: IncidentFilter) { incidents(filter: $f, first: 100, orderBy: "
        "{field: OCCURRED_ON, direction: ASC}) { edges { node { externalIds { system id } } } } }",
        {"f": f},
    )
    return sorted(
        x["id"]
        for e in data["incidents"]["edges"]
        for x in e["node"]["externalIds"]
        if x["system"] in ("acled", "ucdp")
    )


async def test_acled_columns_read_back(db: ConnectionDb, gql: Gql) -> None:
    await run(db, "acled", "acled_iraq_syria.csv")
    node = await _one(gql, "acled", "IRQ33231")
    assert node["externalIds"] == [{"system": "acled", "id": "IRQ33231", "version": "1705363200"}]
    assert node["place"] == {
        "name": "Erbil", "latitude": 36.1901, "longitude": 44.0091, "geoPrecision": "EXACT",
        "countryName": "Iraq", "region": "Middle East", "admin1": "Erbil",
        "admin1Code": "IQ-AR", "admin2": "Erbil", "admin3": "Erbil", "description": None,
    }  # fmt: skip
    assert node["acled"] == {
        "disorderType": "Political violence",
        "inter1": "External/Other forces",
        "inter2": "Civilians",
        "interaction": "External/Other forces-Civilians",
        "civilianTargeting": True,
        "sourceScale": "International-National",
    }
    assert node["ucdp"] is None
    assert node["participants"] == [
        {
            "role": "PERPETRATOR",
            "side": 1,
            "associated": False,
            "reportedName": "Military Forces of Iran (1989-)",
            "actor": {"name": "Military Forces of Iran"},
        },
        {
            "role": "TARGET",
            "side": 2,
            "associated": False,
            "reportedName": "Civilians (Iraq)",
            "actor": {"name": "Civilians (Iraq)"},
        },
    ]
    # (by publication date, then as recorded: Rudaw was recorded by an earlier row)
    assert [s["publisher"] for s in node["sources"]] == ["Rudaw", "AFP"]


async def test_ucdp_columns_read_back(conn: asyncpg.Connection, db: ConnectionDb, gql: Gql) -> None:
    await run(db, "ucdp", "ged_24_1.csv")
    node = await _one(gql, "ucdp", "512303")
    assert node["ucdp"] == {
        "deathsA": 0, "deathsB": 2, "deathsCivilians": 0, "deathsUnknown": 0,
        "datePrecision": 1, "wherePrecision": 1, "eventClarity": 1, "conflictId": 14233,
        "dyadId": 15001, "sideAId": 2, "sideBId": 7001, "relid": "IRQ-2024-1-14233-1",
        "numberOfSources": 2,
    }  # fmt: skip
    assert node["place"] == {
        "name": "Jurf al-Sakhar", "latitude": 32.89, "longitude": 44.12,
        "geoPrecision": "EXACT", "countryName": "Iraq", "region": "Middle East",
        "admin1": "Babil", "admin1Code": "IQ-BB", "admin2": "Al Musayab district",
        "admin3": None, "description": "Jurf al-Sakhar",
    }  # fmt: skip
    assert node["acled"] is None
    # two `;`-separated sources are two sources, each with its title and date
    assert node["sources"] == [
        {
            "publisher": "Reuters",
            "title": "US airstrikes hit Kataib Hezbollah sites in Jurf al-Sakhar",
            "publishedAt": "2024-01-24T00:00:00+00:00",
            "note": '"US airstrikes hit Kataib Hezbollah sites in Jurf al-Sakhar",Reuters,'
            "2024-01-24",
        },
        {
            "publisher": "Al Sumaria",
            "title": "Jurf al-Sakhar hit by US airstrikes",
            "publishedAt": "2024-01-24T00:00:00+00:00",
            "note": '"Jurf al-Sakhar hit by US airstrikes",Al Sumaria,2024-01-24',
        },
    ]
    version = await conn.fetchval(
        "select source_version::text from incident_external_id where external_id = '512303'"
    )
    assert node["externalIds"] == [{"system": "ucdp", "id": "512303", "version": version}]


async def test_filters_on_imported_columns(db: ConnectionDb, gql: Gql) -> None:
    await run(db, "acled", "acled_iraq_syria.csv")
    await run(db, "ucdp", "ged_24_1.csv")
    assert await _ids(gql, {"civilianTargeting": True}) == ["IRQ33231", "IRQ33260", "IRQ33270"]
    assert await _ids(gql, {"disorderType": ["demonstrations"]}) == [
        "IRQ33250", "IRQ33251", "IRQ33260", "TUR9001",
    ]  # fmt: skip
    assert await _ids(gql, {"interaction": ["State forces-Rebel group"]}) == [
        "IRQ33280",
        "SYR22120",
    ]
    assert await _ids(gql, {"geoPrecision": {"eq": "NEAR"}}) == [
        "512302",
        "512305",
        "IRQ33240",
        "IRQ33281",
    ]
    assert await _ids(gql, {"deaths": {"sideB": {"gte": 2}}}) == ["512301", "512303", "512305"]
    assert await _ids(gql, {"deaths": {"civilians": {"gte": 1}}}) == ["512302"]
    assert await _ids(gql, {"wherePrecision": {"gte": 2}}) == ["512302", "512305"]
    assert await _ids(gql, {"datePrecision": {"gte": 2}}) == ["512305"]
    # false: every other imported incident (UCDP rows have no such column)
    others = await _ids(gql, {"civilianTargeting": False})
    assert len(others) == 18 + 5 - 3
    assert {"IRQ33231", "IRQ33260", "IRQ33270"} & set(others) == set()


async def test_headline_question_on_imported_data(db: ConnectionDb, gql: Gql) -> None:
    """Drone attacks on bases hosting US forces: the imported ACLED and UCDP events at the
    demo's bases count (one location per base, one actor for the US)."""
    await run(db, "acled", "acled_iraq_syria.csv")
    await run(db, "ucdp", "ged_24_1.csv")
    found = await _ids(
        gql,
        {
            "occurredOn": {"gte": "2023-12-20", "lte": "2024-01-31"},
            "weapon": {"in": ["DRONE"]},
            "location": {"hostsForcesOf": {"name": "US forces"}},
        },
    )
    assert found == ["512304", "IRQ33201", "IRQ33210", "IRQ33290"]
    targeted = await _ids(
        gql,
        {
            "participant": {
                "actor": {"name": "Military Forces of the United States (2021-)"},
                "role": {"in": ["TARGET"]},
            }
        },
    )
    assert targeted == ["IRQ33201", "IRQ33205", "IRQ33290", "IRQ33295", "SYR22100"]
