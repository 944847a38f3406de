"""The question Sitrep exists to answer, exactly as the issue asks it."""

from __future__ import annotations

from db import demo_data as d
from tests.client import Gql

HEADLINE = """
{
  incidents(
    filter: {
      occurredOn: { gte: "2023-12-30", lte: "2024-01-05" }
      weapon: { in: [DRONE] }
      location: { hostsForcesOf: { name: "US forces" } }
    }
    first: 20
  ) {
    totalCount
    edges { node { id occurredOn weapon outcome
      location { name kind }
      participants { role basis actor { name } }
      sources { title publisher url } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_headline_returns_ain_al_asad_and_erbil_airport_only(gql: Gql) -> None:
    data = (await gql.data(HEADLINE))["incidents"]
    nodes = [e["node"] for e in data["edges"]]
    assert data["totalCount"] == 2
    assert [(n["occurredOn"], n["location"]["name"], n["location"]["kind"]) for n in nodes] == [
        ("2024-01-01", "Ain al-Asad Air Base", "AIRBASE"),
        ("2023-12-31", "Erbil International Airport", "AIRPORT"),
    ]
    assert {n["weapon"] for n in nodes} == {"DRONE"}
    assert {n["outcome"] for n in nodes} == {"INTERCEPTED"}
    assert data["pageInfo"]["hasNextPage"] is False
    article = next(s for s in d.SOURCES if s.key == d.ARTICLE)
    for node in nodes:
        assert node["sources"] == [
            {"title": article.title, "publisher": "The National", "url": article.url}
        ]
    assert article.url == (
        "https://www.thenationalnews.com/mena/iraq/2024/01/01/"
        "iran-backed-militias-in-iraq-keep-up-pressure-on-us-forces-with-new-drone-attacks/"
    )
    roles = [
        sorted((p["role"], p["basis"], p["actor"]["name"]) for p in n["participants"])
        for n in nodes
    ]
    iri = ("PERPETRATOR", "ALLEGED", d.IRI)
    targeted = ("TARGET", "REPORTED", d.US_FORCES)
    assert roles == [
        [("INTERCEPTOR", "REPORTED", d.US_FORCES), iri, targeted],  # Ain al-Asad
        [iri, targeted],  # Erbil airport
    ]


async def test_peshmerga_base_is_a_drone_attack_in_the_week_but_hosts_no_us_forces(
    gql: Gql,
) -> None:
    query = """{ incidents(filter: {occurredOn: {gte: "2023-12-30", lte: "2024-01-05"},
                 weapon: {in: [DRONE]}}) { edges { node { location { name } } } } }"""
    names = {e["node"]["location"]["name"] for e in (await gql.data(query))["incidents"]["edges"]}
    assert names == {d.AIN_AL_ASAD, d.ERBIL_AIRPORT, d.PESHMERGA_BASE}


async def test_alias_american_forces_matches_like_us_forces(gql: Gql) -> None:
    for name in ("American forces", "us FORCES", "United States Armed Forces"):
        query = """query($n: String!) { incidents(filter: {location: {hostsForcesOf: {name: $n}}})
                   { totalCount } }"""
        assert (await gql.data(query, {"n": name}))["incidents"]["totalCount"] == 2, name
