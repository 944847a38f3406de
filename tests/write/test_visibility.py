"""Drafts are invisible to anonymous clients and reader keys on every read path, and
visible to editors: node/nodes, root lists, totalCount, nested fields, and filters that
could reveal a draft by elimination. Retracted records are invisible to everyone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from tests.client import Gql
from tests.factories import (
    gid,
    make_actor,
    make_deployment,
    make_incident,
    make_location,
    make_relation,
    make_source,
)

DAY = dt.date(2024, 2, 1)


@dataclass
class World:
    ids: dict[str, str]


async def _world(conn: asyncpg.Connection) -> World:
    pub_actor = await make_actor(conn, "Open Brigade")
    other = await make_actor(conn, "Open Partner")
    draft_actor = await make_actor(conn, "Secret Militia", aliases=["SMX"], status="DRAFT")
    retracted_actor = await make_actor(conn, "Gone Militia", status="RETRACTED")
    loc = await make_location(conn, "Open Town", country="IQ")
    draft_loc = await make_location(conn, "Hidden Base", "MILITARY_BASE", status="DRAFT")
    child = await make_location(conn, "Hidden Annex", parent_id=draft_loc)
    src = await make_source(conn, "Open Wire", url="https://vis.test/a")
    draft_src = await make_source(conn, "Secret Wire", url="https://vis.test/b", status="DRAFT")
    inc = await make_incident(
        conn,
        loc,
        DAY,
        summary="vis public incident",
        tags=["vis"],
        participants=[
            (pub_actor, "PERPETRATOR", "CLAIMED"),
            (draft_actor, "TARGET", "REPORTED"),
            (retracted_actor, "VICTIM", "REPORTED"),
        ],
        source_ids=[src, draft_src],
    )
    draft_inc = await make_incident(
        conn,
        loc,
        DAY,
        summary="vis draft incident",
        tags=["vis"],
        participants=[(pub_actor, "PERPETRATOR", "ALLEGED")],
        source_ids=[src],
        status="DRAFT",
    )
    at_draft_loc = await make_incident(
        conn, draft_loc, DAY, summary="vis at hidden base", tags=["vis"]
    )
    retracted_inc = await make_incident(
        conn, loc, DAY, summary="vis retracted", tags=["vis"], status="RETRACTED"
    )
    await make_relation(conn, pub_actor, "FRONT_FOR", draft_actor)
    await make_relation(conn, pub_actor, "ALLIED_WITH", other, status="DRAFT")
    await make_deployment(conn, loc, draft_actor, dt.date(2023, 1, 1))
    await make_deployment(conn, loc, other, dt.date(2023, 1, 1), status="DRAFT")
    for text, speaker, incident in (
        ("About the draft incident.", None, draft_inc),
        ("Said by the secret militia.", draft_actor, None),
        ("Plain reporting.", None, inc),
    ):
        await conn.execute(
            "insert into statement (source_id, speaker_actor_id, text, incident_id) "
            "values ($1, $2, $3, $4)",
            src,
            speaker,
            text,
            incident,
        )
    return World(
        {
            "pub_actor": gid("Actor", pub_actor),
            "draft_actor": gid("Actor", draft_actor),
            "retracted_actor": gid("Actor", retracted_actor),
            "loc": gid("Location", loc),
            "draft_loc": gid("Location", draft_loc),
            "child": gid("Location", child),
            "src": gid("Source", src),
            "draft_src": gid("Source", draft_src),
            "inc": gid("Incident", inc),
            "draft_inc": gid("Incident", draft_inc),
            "at_draft_loc": gid("Incident", at_draft_loc),
            "retracted_inc": gid("Incident", retracted_inc),
        }
    )


def _names(items: list[dict[str, Any]], key: str = "name") -> set[str]:
    return {i[key] for i in items if i is not None}


def _listed(connection: dict[str, Any], key: str = "summary") -> tuple[int, set[str]]:
    """A connection's totalCount and its nodes' ``key`` (which must agree)."""
    values = [e["node"][key] for e in connection["edges"]]
    assert connection["totalCount"] == len(values)
    return connection["totalCount"], set(values)


def _incidents(data: dict[str, Any]) -> set[str]:
    """The summaries of the incidents listed (their totalCount checked)."""
    return _listed(data["incidents"])[1]


PUBLIC, DRAFT, AT_HIDDEN = "vis public incident", "vis draft incident", "vis at hidden base"

# (path name, query, variables from ids, extract from data, seen by public, seen by editor)
Case = tuple[str, str, Callable[[dict[str, str]], dict[str, Any]], Callable[[Any], Any], Any, Any]

VIS = '{ any: ["vis"] }'
LISTED = "{ totalCount edges { node { summary } } }"
NAMED = """__typename ... on Actor { name } ... on Location { name }
  ... on Source { publisher }"""
CASES: list[Case] = [
    (
        "node",
        "query($id: ID!) { node(id: $id) { ... on Incident { summary } } }",
        lambda i: {"id": i["draft_inc"]},
        lambda d: d["node"],
        None,
        {"summary": DRAFT},
    ),
    (
        "nodes",
        f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {NAMED} }} }}",
        lambda i: {"ids": [i["draft_actor"], i["draft_loc"], i["draft_src"], i["pub_actor"]]},
        lambda d: d["nodes"],
        [None, None, None, {"__typename": "Actor", "name": "Open Brigade"}],
        [
            {"__typename": "Actor", "name": "Secret Militia"},
            {"__typename": "Location", "name": "Hidden Base"},
            {"__typename": "Source", "publisher": "Secret Wire"},
            {"__typename": "Actor", "name": "Open Brigade"},
        ],
    ),
    (
        "incident(id)",
        "query($id: ID!) { incident(id: $id) { summary } }",
        lambda i: {"id": i["draft_inc"]},
        lambda d: d["incident"],
        None,
        {"summary": DRAFT},
    ),
    (
        "root incidents + totalCount",
        f"{{ incidents(filter: {{ tags: {VIS} }}) {LISTED} }}",
        lambda i: {},
        lambda d: _listed(d["incidents"]),
        (2, {PUBLIC, AT_HIDDEN}),
        (3, {PUBLIC, AT_HIDDEN, DRAFT}),
    ),
    (
        "root actors",
        '{ actors(filter: { or: [{ nameContains: "Open Brigade" }, '
        '{ nameContains: "Secret Militia" }, { nameContains: "Gone Militia" }] }) '
        "{ totalCount edges { node { name } } } }",
        lambda i: {},
        lambda d: _listed(d["actors"], "name"),
        (1, {"Open Brigade"}),
        (2, {"Open Brigade", "Secret Militia"}),
    ),
    (
        "root locations",
        '{ locations(filter: { name: "Hidden Base" }) { totalCount edges { node { name } } } }',
        lambda i: {},
        lambda d: _listed(d["locations"], "name"),
        (0, set()),
        (1, {"Hidden Base"}),
    ),
    (
        "root sources",
        '{ sources(filter: { publisher: "Secret Wire" }) '
        "{ totalCount edges { node { publisher } } } }",
        lambda i: {},
        lambda d: _listed(d["sources"], "publisher"),
        (0, set()),
        (1, {"Secret Wire"}),
    ),
    (
        "actor.incidents + totalCount",
        f"query($id: ID!) {{ actor(id: $id) {{ incidents {LISTED} }} }}",
        lambda i: {"id": i["pub_actor"]},
        lambda d: _listed(d["actor"]["incidents"]),
        (1, {PUBLIC}),
        (2, {PUBLIC, DRAFT}),
    ),
    (
        "location.incidents",
        f"query($id: ID!) {{ location(id: $id) {{ incidents(filter: {{ tags: {VIS} }}) "
        f"{LISTED} }} }}",
        lambda i: {"id": i["loc"]},
        lambda d: _listed(d["location"]["incidents"]),
        (1, {PUBLIC}),
        (2, {PUBLIC, DRAFT}),
    ),
    (
        "source.incidents",
        f"query($id: ID!) {{ source(id: $id) {{ incidents {LISTED} }} }}",
        lambda i: {"id": i["src"]},
        lambda d: _listed(d["source"]["incidents"]),
        (1, {PUBLIC}),
        (2, {PUBLIC, DRAFT}),
    ),
    (
        "incident.participants",
        "query($id: ID!) { incident(id: $id) { participants { role actor { name } } } }",
        lambda i: {"id": i["inc"]},
        lambda d: sorted((p["role"], p["actor"]["name"]) for p in d["incident"]["participants"]),
        [("PERPETRATOR", "Open Brigade")],
        [("PERPETRATOR", "Open Brigade"), ("TARGET", "Secret Militia")],
    ),
    (
        "incident.sources",
        "query($id: ID!) { incident(id: $id) { sources { publisher } } }",
        lambda i: {"id": i["inc"]},
        lambda d: sorted(s["publisher"] for s in d["incident"]["sources"]),
        ["Open Wire"],
        ["Open Wire", "Secret Wire"],
    ),
    (
        "incident.location",
        "query($id: ID!) { incident(id: $id) { location { name } } }",
        lambda i: {"id": i["at_draft_loc"]},
        lambda d: d["incident"]["location"],
        None,
        {"name": "Hidden Base"},
    ),
    (
        "location.parent",
        "query($id: ID!) { location(id: $id) { parent { name } } }",
        lambda i: {"id": i["child"]},
        lambda d: d["location"]["parent"],
        None,
        {"name": "Hidden Base"},
    ),
    (
        "actor.relations",
        "query($id: ID!) { actor(id: $id) { relations { kind object { name } } } }",
        lambda i: {"id": i["pub_actor"]},
        lambda d: sorted((r["kind"], r["object"]["name"]) for r in d["actor"]["relations"]),
        [],
        [("ALLIED_WITH", "Open Partner"), ("FRONT_FOR", "Secret Militia")],
    ),
    (
        "location.deployments",
        "query($id: ID!) { location(id: $id) { deployments { actor { name } } } }",
        lambda i: {"id": i["loc"]},
        lambda d: sorted(x["actor"]["name"] for x in d["location"]["deployments"]),
        [],
        ["Open Partner", "Secret Militia"],
    ),
    (
        "source.statements",
        "query($id: ID!) { source(id: $id) { statements { text } } }",
        lambda i: {"id": i["src"]},
        lambda d: sorted(s["text"] for s in d["source"]["statements"]),
        ["Plain reporting."],
        ["About the draft incident.", "Plain reporting.", "Said by the secret militia."],
    ),
    (
        "filter: participant actor by draft name",
        f'{{ incidents(filter: {{ tags: {VIS}, participant: {{ actor: {{ name: "SMX" }} }} }}) '
        f"{LISTED} }}",
        lambda i: {},
        _incidents,
        set(),
        {PUBLIC},
    ),
    (
        # Publicly the secret militia takes part in nothing, so no incident is excluded;
        # an editor sees it in the public incident, which is excluded, and sees the draft.
        "filter: not(participant draft actor) by elimination",
        f"{{ incidents(filter: {{ tags: {VIS}, not: {{ participant: {{ actor: "
        f'{{ name: "Secret Militia" }} }} }} }}) {LISTED} }}',
        lambda i: {},
        _incidents,
        {PUBLIC, AT_HIDDEN},
        {DRAFT, AT_HIDDEN},
    ),
    (
        "filter: location by draft name",
        f'{{ incidents(filter: {{ tags: {VIS}, location: {{ name: "Hidden Base" }} }}) {LISTED} }}',
        lambda i: {},
        _incidents,
        set(),
        {AT_HIDDEN},
    ),
    (
        "filter: source by draft publisher",
        f'{{ incidents(filter: {{ tags: {VIS}, source: {{ publisher: "Secret Wire" }} }}) '
        f"{LISTED} }}",
        lambda i: {},
        _incidents,
        set(),
        {PUBLIC},
    ),
    (
        "filter: hostsForcesOf a draft actor",
        f"{{ incidents(filter: {{ tags: {VIS}, location: {{ hostsForcesOf: "
        f'{{ name: "Secret Militia" }} }} }}) {LISTED} }}',
        lambda i: {},
        _incidents,
        set(),
        {PUBLIC, DRAFT},  # both at Open Town
    ),
]


@pytest.mark.parametrize("viewer", ["anonymous", "reader", "editor", "admin"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_drafts_only_for_editors(
    conn: asyncpg.Connection, gql: Gql, case: Case, viewer: str
) -> None:
    world = await _world(conn)
    client = gql if viewer == "anonymous" else await gql.key(viewer)
    _, query, variables, extract, public, editor = case
    data = await client.data(query, variables(world.ids))
    expected = editor if viewer in {"editor", "admin"} else public
    assert extract(data) == expected


@pytest.mark.parametrize("viewer", ["anonymous", "reader", "editor", "admin"])
async def test_retracted_is_invisible_to_everyone(
    conn: asyncpg.Connection, gql: Gql, viewer: str
) -> None:
    world = await _world(conn)
    client = gql if viewer == "anonymous" else await gql.key(viewer)
    data = await client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [world.ids["retracted_inc"], world.ids["retracted_actor"]]},
    )
    assert data["nodes"] == [None, None]
    data = await client.data(
        "query($id: ID!) { incident(id: $id) { participants { role } } }", {"id": world.ids["inc"]}
    )
    roles = [p["role"] for p in data["incident"]["participants"]]  # never the VICTIM
    assert sorted(roles) == (
        ["PERPETRATOR", "TARGET"] if viewer in {"editor", "admin"} else ["PERPETRATOR"]
    )
    data = await client.data(f"{{ incidents(filter: {{ tags: {VIS} }}) {LISTED} }}")
    drafts = {DRAFT} if viewer in {"editor", "admin"} else set()
    assert _incidents(data) == {PUBLIC, AT_HIDDEN} | drafts  # never "vis retracted"
