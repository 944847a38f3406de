"""search: spelling variants find the right demo records, ranked; drafts never show;
the same matching drives the name filters; nested fields are batched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from app.settings import Settings
from db import demo_data as d
from db.core import ConnectionDb
from schema import build_schema
from schema.context import Context
from tests.conftest import GraphQLClient
from tests.factories import make_actor, make_incident, make_location, make_source

SEARCH = """query($text: String!, $types: [SearchType!], $first: Int! = 20) {
  search(text: $text, types: $types, first: $first) {
    type score matchedField matchedText
    actor { name } location { name } source { title } incident { summary }
  } }"""


def name_of(hit: dict[str, Any]) -> str:
    node = hit["actor"] or hit["location"] or hit["source"] or hit["incident"]
    return str(node.get("name") or node.get("title") or node.get("summary"))


async def search(gql: GraphQLClient, text: str, **variables: Any) -> list[dict[str, Any]]:
    data = await gql.data(SEARCH, {"text": text, **variables})
    return list(data["search"])


@pytest.mark.parametrize(
    ("text", "type_", "expected", "field"),
    [
        ("Kataib Hizballah", "ACTOR", d.KH, "ALIAS"),
        ("kata'ib hezbollah", "ACTOR", d.KH, "NAME"),
        ("KATA\u2019IB HIZBALLAH", "ACTOR", d.KH, "ALIAS"),  # a curly apostrophe
        ("KH", "ACTOR", d.KH, "ALIAS"),
        ("Kataib Hezbolah", "ACTOR", d.KH, "NAME"),  # a typo
        ("Ain al Asad", "LOCATION", d.AIN_AL_ASAD, "ALIAS"),
        ("Al-Asad air base", "LOCATION", d.AIN_AL_ASAD, "ALIAS"),
        ("ain al-assad airbase", "LOCATION", d.AIN_AL_ASAD, "ALIAS"),
        ("Arbil", "LOCATION", d.ERBIL_GOV, "ALIAS"),
        ("Hewler", "LOCATION", d.ERBIL_GOV, "ALIAS"),  # Hewlêr without its accent
        ("irbil", "LOCATION", d.ERBIL, "ALIAS"),
        ("Popular Mobilization Forces", "ACTOR", d.PMF, "ALIAS"),
        ("asaib ahl al haq", "ACTOR", d.AAH, "NAME"),
        ("Hashd al-Shaabi", "ACTOR", d.PMF, "ALIAS"),
        ("U.S. forces", "ACTOR", d.US_FORCES, "ALIAS"),
        ("Peshmerga", "ACTOR", d.PESHMERGA, "NAME"),
    ],
)
async def test_spelling_variants_rank_the_right_record_first(
    gql: GraphQLClient, text: str, type_: str, expected: str, field: str
) -> None:
    hits = await search(gql, text, types=[type_])
    assert hits, text
    top = hits[0]
    assert (top["type"], name_of(top), top["matchedField"]) == (type_, expected, field), hits
    assert hits == sorted(hits, key=lambda h: -h["score"])


async def test_all_types_together(gql: GraphQLClient) -> None:
    hits = await search(gql, "Kataib Hizballah")
    assert (hits[0]["type"], name_of(hits[0]), hits[0]["score"]) == ("ACTOR", d.KH, 1.0)
    arbil = await search(gql, "Arbil")
    located = [name_of(h) for h in arbil if h["type"] == "LOCATION"]
    assert located[0] == d.ERBIL_GOV
    assert {d.ERBIL_AIRPORT, d.ERBIL} <= set(located)  # 'Arbil Airport', Erbil ~ Arbil


async def test_full_text_in_incidents_and_sources(gql: GraphQLClient) -> None:
    hits = await search(gql, "armed drone shot down", types=["INCIDENT"])
    assert hits[0]["incident"]["summary"].startswith("US defence systems shot down")
    assert hits[0]["matchedField"] == "SUMMARY"
    assert "shot down" in hits[0]["matchedText"]
    notes = await search(gql, "Gaza escalation", types=["INCIDENT"])
    assert notes
    assert all(h["matchedField"] in {"SUMMARY", "NOTES"} for h in notes)
    sources = await search(gql, "militias keep up pressure", types=["SOURCE"])
    assert sources[0]["source"]["title"].startswith("Iran-backed militias in Iraq keep up")
    assert sources[0]["matchedField"] == "TITLE"
    subheading = await search(gql, "100 attacks launched", types=["SOURCE"])
    assert subheading[0]["matchedField"] == "NOTE"


async def test_no_nonsense_matches(gql: GraphQLClient) -> None:
    assert await search(gql, "qwxzjv") == []


async def test_drafts_never_found(gql: GraphQLClient, conn: asyncpg.Connection) -> None:
    hidden = await make_actor(conn, "Zzyzx Brigade", aliases=["Zzyzx Front"], status="DRAFT")
    await make_actor(conn, "Zzyzx Watchers", aliases=["Zzyzx Lookouts"])
    town = await make_location(conn, "Zzyzx Springs", status="DRAFT", aliases=["Zzyzx Spa"])
    await make_source(conn, title="Zzyzx report", status="DRAFT")
    await make_incident(conn, town, dt.date(2020, 1, 1), summary="Zzyzx attack")
    pub = await make_location(conn, "Quiet Town")
    await make_incident(conn, pub, dt.date(2020, 1, 1), summary="Zzyzx raid", status="DRAFT")
    assert hidden
    hits = await search(gql, "Zzyzx")
    # The incident at the draft location is published and its summary matches; the draft
    # actor, location, source and incident are not found, by name or by alias.
    assert sorted((h["type"], name_of(h)) for h in hits) == [
        ("ACTOR", "Zzyzx Watchers"),
        ("INCIDENT", "Zzyzx attack"),
    ]
    for text in ("Zzyzx Front", "Zzyzx Spa", "Zzyzx report"):
        found = {name_of(h) for h in await search(gql, text)}
        assert not found & {"Zzyzx Brigade", "Zzyzx Springs", "Zzyzx report"}, text


async def test_name_filters_use_the_same_normalisation(gql: GraphQLClient) -> None:
    q = "query($f: ActorFilter) { actors(filter: $f) { edges { node { name } } } }"
    for name in ("kata'ib hezbollah", "Kataib-Hizballah", "KATA\u2019IB HIZBALLAH"):
        data = await gql.data(q, {"f": {"name": name}})
        assert [e["node"]["name"] for e in data["actors"]["edges"]] == [d.KH], name
    # Exact by default: a typo or a part of the name matches nothing ...
    for name in ("Kataib Hezbolah", "Kataib"):
        data = await gql.data(q, {"f": {"name": name}})
        assert data["actors"]["edges"] == [], name
    # ... and nameSimilarTo is the fuzzy match search uses.
    data = await gql.data(q, {"f": {"nameSimilarTo": "Kataib Hezbolah"}})
    assert d.KH in [e["node"]["name"] for e in data["actors"]["edges"]]
    incidents = """query($f: IncidentFilter) { incidents(filter: $f) {
        edges { node { location { name } } } } }"""
    for name in ("Al-Asad air base", "ain al asad"):
        data = await gql.data(incidents, {"f": {"location": {"name": name}}})
        assert [e["node"]["location"]["name"] for e in data["incidents"]["edges"]] == [
            d.AIN_AL_ASAD
        ], name
    data = await gql.data(incidents, {"f": {"location": {"nameSimilarTo": "Erbil Airprt"}}})
    assert {e["node"]["location"]["name"] for e in data["incidents"]["edges"]} == {d.ERBIL_AIRPORT}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"text": "   "}, "BAD_USER_INPUT"),
        ({"text": "x" * 201}, "BAD_USER_INPUT"),
        ({"text": "KH", "first": 0}, "PAGE_SIZE_EXCEEDED"),
        ({"text": "KH", "first": 101}, "PAGE_SIZE_EXCEEDED"),
        ({"text": "KH", "types": ["PLANET"]}, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_bad_input(gql: GraphQLClient, variables: dict[str, Any], code: str) -> None:
    body = await gql(SEARCH, variables)
    assert body["errors"][0]["extensions"]["code"] == code


DEEP = """query($first: Int!) { search(text: "iraq", first: $first) {
  type score
  actor { name aliases relations { kind object { name } } incidents(first: 3) { totalCount } }
  location { name parent { name } deployments { actor { name } } }
  source { title statements { text speaker { name } } }
  incident { summary location { name } participants { actor { name } } }
} }"""


async def _count(conn: asyncpg.Connection, settings: Settings, first: int) -> tuple[int, int]:
    ctx = Context(ConnectionDb(conn), settings)
    result = await build_schema(settings).execute(
        DEEP, variable_values={"first": first}, context_value=ctx
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return len(result.data["search"]), ctx.db.counter.count


async def test_nested_fields_of_hits_are_batched(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    few_hits, few = await _count(conn, settings, 2)
    many_hits, many = await _count(conn, settings, 40)
    assert few_hits == 2
    assert many_hits > 5
    # One search statement plus one batch per type and nesting level, whatever the size.
    assert many <= 16
    assert few <= many
