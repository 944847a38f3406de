"""Actor.affiliates and includeAffiliates on a cyclic relation graph with validity dates.

The graph (arrows are relations subject → object; dates are validity periods):

    Front1 --FRONT_FOR--> Core --PART_OF--> Umbrella --MEMBER_OF--> Core   (a cycle)
    Cell   --MEMBER_OF--> Front1            [2020-01-01 .. 2020-12-31]
    Old    --MEMBER_OF--> Core              [.. 2019-12-31]
    Ally   --ALLIED_WITH--> Core            (not an affiliation kind)
    Ghost (DRAFT) --MEMBER_OF--> Core;  Hidden --MEMBER_OF--> Core (DRAFT relation)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from db import demo_data as d
from tests.client import Gql
from tests.factories import (
    gid,
    id_by_name,
    make_actor,
    make_incident,
    make_location,
    make_relation,
)

D = dt.date
AFFILIATES = """query($id: ID!, $rel: [RelationKind!], $depth: Int! = 3,
                      $dir: AffiliateDirection! = MEMBERS, $on: Date) {
  actor(id: $id) { name affiliates(relation: $rel, depth: $depth, direction: $dir, on: $on) {
    depth actor { name } via { name } path { kind subject { name } object { name } } } } }"""


@pytest.fixture
async def graph(conn: asyncpg.Connection) -> dict[str, int]:
    names = ["Core", "Front1", "Umbrella", "Cell", "Old", "Ally", "Hidden"]
    ids = {n: await make_actor(conn, f"Aff {n}") for n in names}
    ids["Ghost"] = await make_actor(conn, "Aff Ghost", status="DRAFT")
    rel = make_relation
    await rel(conn, ids["Front1"], "FRONT_FOR", ids["Core"])
    await rel(conn, ids["Core"], "PART_OF", ids["Umbrella"])
    await rel(conn, ids["Umbrella"], "MEMBER_OF", ids["Core"])
    await rel(
        conn,
        ids["Cell"],
        "MEMBER_OF",
        ids["Front1"],
        valid_from=D(2020, 1, 1),
        valid_to=D(2020, 12, 31),
    )
    await rel(conn, ids["Old"], "MEMBER_OF", ids["Core"], valid_to=D(2019, 12, 31))
    await rel(conn, ids["Ally"], "ALLIED_WITH", ids["Core"])
    await rel(conn, ids["Ghost"], "MEMBER_OF", ids["Core"])
    await rel(conn, ids["Hidden"], "MEMBER_OF", ids["Core"], status="DRAFT")
    return ids


async def affiliates(gql: Gql, pk: int, **variables: Any) -> list[tuple[str, int, str]]:
    data = await gql.data(AFFILIATES, {"id": gid("Actor", pk), **variables})
    return [
        (a["actor"]["name"].removeprefix("Aff "), a["depth"], a["via"]["name"].removeprefix("Aff "))
        for a in data["actor"]["affiliates"]
    ]


async def test_members_transitively_with_depth_and_cycles(gql: Gql, graph: dict[str, int]) -> None:
    # Into Core: Front1, Old, Umbrella (depth 1), Cell via Front1 (depth 2). The cycle
    # Core → Umbrella → Core ends; drafts (actor or relation) and ALLIED_WITH are not followed.
    got = await affiliates(gql, graph["Core"])
    assert sorted(got) == sorted(
        [("Front1", 1, "Core"), ("Old", 1, "Core"), ("Umbrella", 1, "Core"), ("Cell", 2, "Front1")]
    )
    assert [x[1] for x in got] == sorted(x[1] for x in got)  # shallowest first
    assert await affiliates(gql, graph["Core"], depth=1) == sorted(
        [("Front1", 1, "Core"), ("Old", 1, "Core"), ("Umbrella", 1, "Core")],
        key=lambda x: graph[x[0]],
    )


async def test_validity_on_a_date(gql: Gql, graph: dict[str, int]) -> None:
    on_2020 = {n for n, _, _ in await affiliates(gql, graph["Core"], on="2020-06-01")}
    assert on_2020 == {"Front1", "Umbrella", "Cell"}  # Old left at the end of 2019
    on_2021 = {n for n, _, _ in await affiliates(gql, graph["Core"], on="2021-06-01")}
    assert on_2021 == {"Front1", "Umbrella"}
    on_2019 = {n for n, _, _ in await affiliates(gql, graph["Core"], on="2019-06-01")}
    assert on_2019 == {"Front1", "Umbrella", "Old"}


async def test_directions_kinds_and_path(gql: Gql, graph: dict[str, int]) -> None:
    up = await affiliates(gql, graph["Cell"], dir="PARENTS")
    assert up == [("Front1", 1, "Cell"), ("Core", 2, "Front1"), ("Umbrella", 3, "Core")]
    both = {n for n, _, _ in await affiliates(gql, graph["Front1"], dir="BOTH", depth=2)}
    assert both == {"Cell", "Core", "Old", "Umbrella"}
    allied = await affiliates(gql, graph["Core"], rel=["ALLIED_WITH"])
    assert allied == [("Ally", 1, "Core")]
    data = await gql.data(AFFILIATES, {"id": gid("Actor", graph["Cell"]), "dir": "PARENTS"})
    deepest = data["actor"]["affiliates"][-1]
    assert [(p["subject"]["name"], p["kind"], p["object"]["name"]) for p in deepest["path"]] == [
        ("Aff Cell", "MEMBER_OF", "Aff Front1"),
        ("Aff Front1", "FRONT_FOR", "Aff Core"),
        ("Aff Core", "PART_OF", "Aff Umbrella"),
    ]


async def test_demo_chain_kataib_hezbollah(gql: Gql, conn: asyncpg.Connection) -> None:
    kh = await id_by_name(conn, "actor", d.KH)
    # The Islamic Resistance in Iraq is a front for KH; KH is part of the PMF.
    assert await affiliates(gql, kh) == [(d.IRI, 1, d.KH)]
    assert await affiliates(gql, kh, dir="PARENTS") == [(d.PMF, 1, d.KH)]


async def test_include_affiliates_in_filters_respects_dates_and_cycles(
    gql: Gql, conn: asyncpg.Connection, graph: dict[str, int]
) -> None:
    town = await make_location(conn, "Aff town")
    by = {}
    for name in ("Cell", "Old", "Front1", "Ghost"):
        by[name] = gid(
            "Incident",
            await make_incident(
                conn, town, D(2020, 6, 1), participants=[(graph[name], "PERPETRATOR", "CLAIMED")]
            ),
        )
    q = "query($f: IncidentFilter) { incidents(filter: $f) { edges { node { id } } } }"

    async def found(actor: dict[str, Any]) -> set[str]:
        data = await gql.data(q, {"f": {"participant": {"actor": actor}}})
        return {e["node"]["id"] for e in data["incidents"]["edges"]}

    core = {"name": "Aff Core", "includeAffiliates": True}
    assert await found(core) == {by["Cell"], by["Old"], by["Front1"]}
    assert await found({**core, "affiliatesOn": "2021-01-01"}) == {by["Front1"]}
    assert await found({**core, "affiliatesOn": "2020-06-01"}) == {by["Cell"], by["Front1"]}


async def test_bad_arguments(gql: Gql, graph: dict[str, int]) -> None:
    for variables in ({"depth": 0}, {"depth": 9}, {"rel": []}):
        body = await gql(AFFILIATES, {"id": gid("Actor", graph["Core"]), **variables})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


async def test_draft_actor_has_no_affiliates_and_batches(gql: Gql, graph: dict[str, int]) -> None:
    query = """{ actors(filter: {nameContains: "Aff "}, first: 50) { edges { node { name
        affiliates(direction: BOTH) { depth actor { name } path { kind } } } } } }"""
    data, statements = await gql.counted(query)
    names = {e["node"]["name"] for e in data["actors"]["edges"]}
    assert names == {
        f"Aff {n}" for n in ("Core", "Front1", "Umbrella", "Cell", "Old", "Ally", "Hidden")
    }
    # The list, one walk for all actors, one batch of actors, one of relations.
    assert len(statements) == 4
