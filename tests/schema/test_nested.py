"""Nested traversal both ways, and `node` / `nodes` lookups."""

from __future__ import annotations

from db import demo_data as d
from tests.client import Gql

AIN = '{ incidents(filter: {location: {name: "Ain al-Asad Air Base"}}) { edges { node { id } } } }'


async def _ain_id(gql: Gql) -> str:
    return (await gql.data(AIN))["incidents"]["edges"][0]["node"]["id"]


async def test_incident_location_deployments_actor(gql: Gql) -> None:
    query = """query($id: ID!) { incident(id: $id) { location { name parent { name parent {
      name } } deployments { actor { name } location { name } sources { publisher } } } } }"""
    loc = (await gql.data(query, {"id": await _ain_id(gql)}))["incident"]["location"]
    assert loc["parent"]["name"] == "Al Anbar Governorate"
    assert loc["parent"]["parent"]["name"] == "Iraq"
    assert sorted(
        (dep["actor"]["name"], dep["location"]["name"], dep["sources"])
        for dep in loc["deployments"]
    ) == [
        (name, "Ain al-Asad Air Base", [{"publisher": "The National"}])
        for name in sorted(
            ["United States Armed Forces", "Iraqi Army", "Global Coalition to Defeat ISIS"]
        )
    ]


async def test_incident_participants_actor_relations(gql: Gql) -> None:
    query = """query($id: ID!) { incident(id: $id) { participants { role actor { name
      relations(kind: [FRONT_FOR]) { subject { name } object { name } } } } } }"""
    parts = (await gql.data(query, {"id": await _ain_id(gql)}))["incident"]["participants"]
    iri = next(p for p in parts if p["role"] == "PERPETRATOR")["actor"]
    assert iri["name"] == "Islamic Resistance in Iraq"
    assert {r["object"]["name"] for r in iri["relations"]} == {
        "Asaib Ahl al-Haq",
        "Harakat al-Nujaba",
        "Kataib Hezbollah",
    }


async def test_actor_incidents_with_role_and_filter(gql: Gql) -> None:
    query = """query($role: [ParticipantRole!]) { actors(filter: {name: "US forces"}) { edges {
      node { name incidents(role: $role) { totalCount edges { node { location { name } } } }
      filtered: incidents(filter: {occurredOn: {eq: "2024-01-01"}}) { totalCount } } } } }"""
    us = (await gql.data(query))["actors"]["edges"][0]["node"]
    assert us["incidents"]["totalCount"] == 2
    assert us["filtered"]["totalCount"] == 1
    only = (await gql.data(query, {"role": ["INTERCEPTOR"]}))["actors"]["edges"][0]["node"]
    assert [e["node"]["location"]["name"] for e in only["incidents"]["edges"]] == [
        "Ain al-Asad Air Base"
    ]


async def test_location_incidents_and_deployments_on_a_date(gql: Gql) -> None:
    query = """{ locations(filter: {name: "Erbil Airport"}) { totalCount edges { node { name
      incidents { totalCount edges { node { occurredOn } } }
      deployments(on: "2023-12-31") { actor { name } } } } } }"""
    data = (await gql.data(query))["locations"]
    assert data["totalCount"] == 1
    node = data["edges"][0]["node"]
    assert node["name"] == "Erbil International Airport"
    assert [e["node"]["occurredOn"] for e in node["incidents"]["edges"]] == ["2023-12-31"]
    hosted = sorted(dep.actor for dep in d.DEPLOYMENTS if dep.location == d.ERBIL_AIRPORT)
    assert sorted(x["actor"]["name"] for x in node["deployments"]) == hosted
    assert d.US_FORCES in hosted


async def test_source_incidents_and_statements_both_ways(gql: Gql) -> None:
    query = """{ sources(filter: {publisher: "the national", text: "drone attacks"}) { edges {
      node { title incidents(orderBy: {field: OCCURRED_ON, direction: ASC}) { totalCount
        edges { node { occurredOn sources { title } statements { speaker { name } } } } }
      statements { text speaker { name statements { text } } incident { occurredOn } } } } } }"""
    src = (await gql.data(query))["sources"]["edges"][0]["node"]
    dates = [e["node"]["occurredOn"] for e in src["incidents"]["edges"]]
    assert dates == ["2023-12-30", "2023-12-31", "2024-01-01"]
    assert src["incidents"]["totalCount"] == 3
    assert [e["node"]["sources"] for e in src["incidents"]["edges"]] == [
        [{"title": src["title"]}]
    ] * 3
    # Masrour Barzani's statements in this source, and all of his through the speaker
    said = sorted(s.text for s in d.STATEMENTS if s.speaker_actor == d.BARZANI)
    here = sorted(
        s.text for s in d.STATEMENTS if s.speaker_actor == d.BARZANI and s.source == d.ARTICLE
    )
    assert len(here) == 2
    barzani = [s for s in src["statements"] if (s["speaker"] or {}).get("name") == d.BARZANI]
    assert sorted(s["text"] for s in barzani) == here
    assert [sorted(x["text"] for x in s["speaker"]["statements"]) for s in barzani] == [said] * len(
        here
    )
    # the Peshmerga base incident and who is quoted about it
    peshmerga = src["incidents"]["edges"][0]["node"]
    assert sorted(
        (s["speaker"] or {}).get("name") or "" for s in peshmerga["statements"]
    ) == sorted(s.speaker_actor or "" for s in d.STATEMENTS if s.incident == d.PESHMERGA_BASE_ID)


async def test_participant_attribution_source_and_statement(gql: Gql) -> None:
    query = """{ incidents(filter: {claimStatus: {eq: UNCLAIMED}}) { edges { node {
      participants { role basis attributedBy { name } source { publisher }
        statement { text speaker { name } } actor { name kind } } } } } }"""
    edges = (await gql.data(query))["incidents"]["edges"]
    assert len(edges) == 1
    blamed = next(p for p in edges[0]["node"]["participants"] if p["role"] == "PERPETRATOR")
    assert blamed["actor"]["kind"] == "UNIDENTIFIED_ARMED_GROUP"
    assert blamed["attributedBy"]["name"] == "Kurdistan Regional Government"
    assert blamed["source"]["publisher"] == "The National"
    assert blamed["statement"]["speaker"]["name"] == "Kurdistan Regional Government"
    assert "outlaws" in blamed["statement"]["text"].lower()


async def test_node_and_nodes_resolve_every_type(gql: Gql) -> None:
    ids_query = """{ incidents(first: 1) { edges { node { id location { id deployments { id } }
      participants { actor { id relations { id } } } sources { id statements { id } } } } } }"""
    n = (await gql.data(ids_query))["incidents"]["edges"][0]["node"]
    ids = {
        "Incident": n["id"],
        "Location": n["location"]["id"],
        "Deployment": n["location"]["deployments"][0]["id"],
        "Actor": n["participants"][0]["actor"]["id"],
        "ActorRelation": n["participants"][0]["actor"]["relations"][0]["id"],
        "Source": n["sources"][0]["id"],
        "Statement": n["sources"][0]["statements"][0]["id"],
    }
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    got = (await gql.data(query, {"ids": list(ids.values())}))["nodes"]
    assert [(x["__typename"], x["id"]) for x in got] == list(ids.items())
    one = await gql.data(
        "query($id: ID!) { node(id: $id) { id ... on Incident { summary } } }",
        {"id": ids["Incident"]},
    )
    assert one["node"]["id"] == ids["Incident"]
    assert one["node"]["summary"]


async def test_node_of_missing_record_is_null(gql: Gql) -> None:
    import base64

    missing = base64.b64encode(b"Incident:999999999").decode()
    data = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": missing})
    assert data["node"] is None
    data = await gql.data("query($id: ID!) { incident(id: $id) { id } }", {"id": missing})
    assert data["incident"] is None


async def test_nodes_limit(gql: Gql) -> None:
    import base64

    ids = [base64.b64encode(f"Incident:{i}".encode()).decode() for i in range(1, 102)]
    body = await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
