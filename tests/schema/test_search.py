"""search: spelling variants find the right demo records, ranked; drafts never show;
the same matching drives the name filters; nested fields are batched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from db import demo_data as d
from tests.client import Gql
from tests.factories import (
    id_by_name,
    make_actor,
    make_deployment,
    make_incident,
    make_location,
    make_source,
)

SEARCH = """query($text: String!, $types: [SearchType!], $first: Int! = 20) {
  search(text: $text, types: $types, first: $first) {
    type score matchedField matchedText
    actor { name } location { name } source { title } incident { summary }
  } }"""


def name_of(hit: dict[str, Any]) -> str:
    node = hit["actor"] or hit["location"] or hit["source"] or hit["incident"]
    return str(node.get("name") or node.get("title") or node.get("summary"))


async def search(gql: Gql, text: str, **variables: Any) -> list[dict[str, Any]]:
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
    gql: Gql, text: str, type_: str, expected: str, field: str
) -> None:
    hits = await search(gql, text, types=[type_])
    assert hits, text
    top = hits[0]
    assert (top["type"], name_of(top), top["matchedField"]) == (type_, expected, field), hits
    assert hits == sorted(hits, key=lambda h: -h["score"])


async def test_all_types_together(gql: Gql) -> None:
    hits = await search(gql, "Kataib Hizballah")
    assert (hits[0]["type"], name_of(hits[0]), hits[0]["score"]) == ("ACTOR", d.KH, 1.0)
    arbil = await search(gql, "Arbil")
    # an alias of the governorate, 'Arbil Airport', and Erbil ~ Arbil
    assert [(h["type"], name_of(h), h["matchedField"]) for h in arbil] == [
        ("LOCATION", d.ERBIL_GOV, "ALIAS"),
        ("LOCATION", d.ERBIL_AIRPORT, "ALIAS"),
        ("LOCATION", d.ERBIL, "NAME"),
    ]


async def test_full_text_in_incidents_and_sources(gql: Gql) -> None:
    ain = next(i for i in d.INCIDENTS if i.external_id == d.AIN_AL_ASAD_ID)
    hits = await search(gql, "armed drone shot down", types=["INCIDENT"])
    assert [(name_of(h), h["matchedField"]) for h in hits] == [(ain.summary, "SUMMARY")]
    assert hits[0]["matchedText"] == (
        "defence systems shot down an armed drone over Ain al-Asad airbase in western Iraq, "
        "which hosts American, Iraqi and other international forces"
    )
    notes = await search(gql, "Gaza escalation", types=["INCIDENT"])
    assert [(name_of(h), h["matchedField"]) for h in notes] == [(ain.summary, "NOTES")]
    article = next(s.title for s in d.SOURCES if s.key == d.ARTICLE)
    sources = await search(gql, "militias keep up pressure", types=["SOURCE"])
    assert [(name_of(h), h["matchedField"]) for h in sources] == [(article, "TITLE")]
    subheading = await search(gql, "100 attacks launched", types=["SOURCE"])
    assert [(name_of(h), h["matchedField"]) for h in subheading] == [(article, "NOTE")]


async def test_no_nonsense_matches(gql: Gql) -> None:
    assert await search(gql, "qwxzjv") == []


async def test_drafts_never_found(gql: Gql, conn: asyncpg.Connection) -> None:
    await make_actor(conn, "Zzyzx Brigade", aliases=["Zzyzx Front"], status="DRAFT")
    await make_actor(conn, "Zzyzx Watchers", aliases=["Zzyzx Lookouts"])
    town = await make_location(conn, "Zzyzx Springs", status="DRAFT", aliases=["Zzyzx Spa"])
    await make_source(conn, title="Zzyzx report", status="DRAFT")
    await make_incident(conn, town, dt.date(2020, 1, 1), summary="Zzyzx attack")
    pub = await make_location(conn, "Quiet Town")
    await make_incident(conn, pub, dt.date(2020, 1, 1), summary="Zzyzx raid", status="DRAFT")
    hits = await search(gql, "Zzyzx")
    # The incident at the draft location is published and its summary matches; the draft
    # actor, location, source and incident are not found, by name or by alias.
    assert sorted((h["type"], name_of(h)) for h in hits) == [
        ("ACTOR", "Zzyzx Watchers"),
        ("INCIDENT", "Zzyzx attack"),
    ]
    # by their own alias or title the drafts are not found either; only the published
    # actor is similar enough to 'Zzyzx Spa'

    for text, found in (
        ("Zzyzx Front", []),
        ("Zzyzx Spa", [("ACTOR", "Zzyzx Watchers")]),
        ("Zzyzx report", []),
    ):
        assert [(h["type"], name_of(h)) for h in await search(gql, text)] == found, text


async def test_name_filters_use_the_same_normalisation(gql: Gql) -> None:
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
    assert [e["node"]["name"] for e in data["actors"]["edges"]] == [d.KH]
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
async def test_bad_input(gql: Gql, variables: dict[str, Any], code: str) -> None:
    body = await gql(SEARCH, variables)
    assert body["errors"][0]["extensions"]["code"] == code


DEEP = """query($first: Int!, $type: SearchType!) { search(text: "iraq", first: $first,
  types: [$type]) {
  type score
  actor { name aliases relations { kind object { name } } incidents(first: 3) { totalCount } }
  location { name parent { name } deployments { actor { name } } }
  source { title statements { text speaker { name } } }
  incident { summary location { name } participants { actor { name } } }
} }"""


@pytest.mark.parametrize(
    ("type_", "small", "hits", "statements"),
    [
        # search, actors, their relations, the relations' objects, incident pages, counts
        ("ACTOR", 1, 6, 6),
        # search, locations, deployments, the deployments' actors; the parents are all
        # Iraq, itself a hit, so they come from the loader's cache
        ("LOCATION", 1, 6, 4),
        # search, sources, statements, speakers
        ("SOURCE", 1, 2, 4),
        # search, incidents, their locations, participants, the participants' actors
        ("INCIDENT", 1, 2, 5),
    ],
)
async def test_nested_fields_of_hits_are_batched(
    gql: Gql, conn: asyncpg.Connection, type_: str, small: int, hits: int, statements: int
) -> None:
    """One search statement, then one batch per nesting level, however many hits (one
    type at a time: loads of the same table from different paths may or may not share
    a batch, depending on timing)."""
    iraq = await id_by_name(conn, "location", d.IRAQ)
    forces = await id_by_name(conn, "actor", d.US_FORCES)
    for n in range(4):
        base = await make_location(conn, f"Iraq test base {n}", "MILITARY_BASE", parent_id=iraq)
        await make_deployment(conn, base, forces)
    for first in (small, 40):
        data, sent = await gql.counted(DEEP, {"first": first, "type": type_})
        assert [h["type"] for h in data["search"]] == [type_] * min(first, hits)
        assert len(sent) == statements, (first, sent)
