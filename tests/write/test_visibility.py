"""Drafts are invisible to anonymous clients and reader keys on every read path, and
visible to editors: node/nodes, root lists, totalCount, nested fields, and filters that
could reveal a draft by elimination. Retracted records are invisible to everyone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from tests.factories import (
    gid,
    make_actor,
    make_deployment,
    make_incident,
    make_location,
    make_relation,
    make_source,
)
from tests.write_factories import KeyedGql, make_key

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


def _summaries(conn: dict[str, Any]) -> set[str]:
    return {e["node"]["summary"] for e in conn["edges"]}


# (path name, query, variables from ids, extract from data, seen by public, seen by editor)
Case = tuple[str, str, Callable[[dict[str, str]], dict[str, Any]], Callable[[Any], Any], Any, Any]

VIS = '{ any: ["vis"] }'
CASES: list[Case] = [
    (
        "node",
        "query($id: ID!) { node(id: $id) { id } }",
        lambda i: {"id": i["draft_inc"]},
        lambda d: d["node"] is not None,
        False,
        True,
    ),
    (
        "nodes",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        lambda i: {"ids": [i["draft_actor"], i["draft_loc"], i["draft_src"], i["pub_actor"]]},
        lambda d: sum(n is not None for n in d["nodes"]),
        1,
        4,
    ),
    (
        "incident(id)",
        "query($id: ID!) { incident(id: $id) { id } }",
        lambda i: {"id": i["draft_inc"]},
        lambda d: d["incident"] is not None,
        False,
        True,
    ),
    (
        "root incidents + totalCount",
        f"{{ incidents(filter: {{ tags: {VIS} }}) {{ totalCount "
        "edges { node { summary } } } }",
        lambda i: {},
        lambda d: (d["incidents"]["totalCount"], len(d["incidents"]["edges"])),
        (2, 2),
        (3, 3),
    ),
    (
        "root actors",
        '{ actors(filter: { nameContains: "Militia" }) { totalCount edges { node { name } } } }',
        lambda i: {},
        lambda d: (
            d["actors"]["totalCount"] >= 1
            and "Secret Militia" in _names([e["node"] for e in d["actors"]["edges"]])
        ),
        False,
        True,
    ),
    (
        "root locations",
        '{ locations(filter: { name: "Hidden Base" }) { totalCount } }',
        lambda i: {},
        lambda d: d["locations"]["totalCount"],
        0,
        1,
    ),
    (
        "root sources",
        '{ sources(filter: { publisher: "Secret Wire" }) { totalCount } }',
        lambda i: {},
        lambda d: d["sources"]["totalCount"],
        0,
        1,
    ),
    (
        "actor.incidents + totalCount",
        "query($id: ID!) { actor(id: $id) { incidents { totalCount "
        "edges { node { summary } } } } }",
        lambda i: {"id": i["pub_actor"]},
        lambda d: d["actor"]["incidents"]["totalCount"],
        1,
        2,
    ),
    (
        "location.incidents",
        f"query($id: ID!) {{ location(id: $id) {{ incidents(filter: {{ tags: {VIS} }}) "
        "{ totalCount } } }",
        lambda i: {"id": i["loc"]},
        lambda d: d["location"]["incidents"]["totalCount"],
        1,
        2,
    ),
    (
        "source.incidents",
        "query($id: ID!) { source(id: $id) { incidents { totalCount edges { node { id } } } } }",
        lambda i: {"id": i["src"]},
        lambda d: (d["source"]["incidents"]["totalCount"], len(d["source"]["incidents"]["edges"])),
        (1, 1),
        (2, 2),
    ),
    (
        "incident.participants",
        "query($id: ID!) { incident(id: $id) { participants { role actor { name } } } }",
        lambda i: {"id": i["inc"]},
        lambda d: sorted(p["role"] for p in d["incident"]["participants"]),
        ["PERPETRATOR"],
        ["PERPETRATOR", "TARGET"],
    ),
    (
        "incident.sources",
        "query($id: ID!) { incident(id: $id) { sources { publisher } } }",
        lambda i: {"id": i["inc"]},
        lambda d: _names(d["incident"]["sources"], "publisher"),
        {"Open Wire"},
        {"Open Wire", "Secret Wire"},
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
        "query($id: ID!) { actor(id: $id) { relations { kind } } }",
        lambda i: {"id": i["pub_actor"]},
        lambda d: sorted(r["kind"] for r in d["actor"]["relations"]),
        [],
        ["ALLIED_WITH", "FRONT_FOR"],
    ),
    (
        "location.deployments",
        "query($id: ID!) { location(id: $id) { deployments { actor { name } } } }",
        lambda i: {"id": i["loc"]},
        lambda d: len(d["location"]["deployments"]),
        0,
        2,
    ),
    (
        "source.statements",
        "query($id: ID!) { source(id: $id) { statements { text } } }",
        lambda i: {"id": i["src"]},
        lambda d: _names(d["source"]["statements"], "text"),
        {"Plain reporting."},
        {"Plain reporting.", "About the draft incident.", "Said by the secret militia."},
    ),
    (
        "filter: participant actor by draft name",
        f'{{ incidents(filter: {{ tags: {VIS}, participant: {{ actor: {{ name: "SMX" }} }} }}) '
        "{ totalCount } }",
        lambda i: {},
        lambda d: d["incidents"]["totalCount"],
        0,
        1,
    ),
    (
        "filter: not(participant draft actor) by elimination",
        f"{{ incidents(filter: {{ tags: {VIS}, not: {{ participant: {{ actor: "
        '{ name: "Secret Militia" } } } }) { totalCount } }',
        lambda i: {},
        lambda d: d["incidents"]["totalCount"],
        2,
        2,
    ),
    (
        "filter: location by draft name",
        f'{{ incidents(filter: {{ tags: {VIS}, location: {{ name: "Hidden Base" }} }}) '
        "{ totalCount } }",
        lambda i: {},
        lambda d: d["incidents"]["totalCount"],
        0,
        1,
    ),
    (
        "filter: source by draft publisher",
        f'{{ incidents(filter: {{ tags: {VIS}, source: {{ publisher: "Secret Wire" }} }}) '
        "{ totalCount } }",
        lambda i: {},
        lambda d: d["incidents"]["totalCount"],
        0,
        1,
    ),
    (
        "filter: hostsForcesOf a draft actor",
        f"{{ incidents(filter: {{ tags: {VIS}, location: {{ hostsForcesOf: "
        '{ name: "Secret Militia" } } }) { totalCount } }',
        lambda i: {},
        lambda d: d["incidents"]["totalCount"],
        0,
        2,  # the public incident and the draft one, both at Open Town
    ),
]


@pytest.mark.parametrize("viewer", ["anonymous", "reader", "editor", "admin"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_drafts_only_for_editors(
    conn: asyncpg.Connection, client: httpx.AsyncClient, case: Case, viewer: str
) -> None:
    world = await _world(conn)
    token = None if viewer == "anonymous" else await make_key(conn, viewer)
    _, query, variables, extract, public, editor = case
    data = await KeyedGql(client, token).data(query, variables(world.ids))
    expected = editor if viewer in {"editor", "admin"} else public
    assert extract(data) == expected


@pytest.mark.parametrize("viewer", ["anonymous", "reader", "editor", "admin"])
async def test_retracted_is_invisible_to_everyone(
    conn: asyncpg.Connection, client: httpx.AsyncClient, viewer: str
) -> None:
    world = await _world(conn)
    token = None if viewer == "anonymous" else await make_key(conn, viewer)
    gql = KeyedGql(client, token)
    data = await gql.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [world.ids["retracted_inc"], world.ids["retracted_actor"]]},
    )
    assert data["nodes"] == [None, None]
    data = await gql.data(
        "query($id: ID!) { incident(id: $id) { participants { role } } }", {"id": world.ids["inc"]}
    )
    assert "VICTIM" not in {p["role"] for p in data["incident"]["participants"]}
