"""Mutations through GraphQL: results, validation errors, versions, one transaction,
history, participants, relations, deployments, statements and merges."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import ANY

import asyncpg
import pytest

from tests.client import Gql
from tests.factories import gid, make_actor, make_incident, make_location, make_source

CREATE = """mutation($input: IncidentInput!) { createIncident(input: $input) {
  __typename
  ... on Incident { id status version occurredOn summary killed { low best high }
    externalIds { system id } participants { role actor { name } } sources { publisher } }
  ... on ValidationFailed { code fields { path code message } }
} }"""

UPDATE = """mutation($id: ID!, $version: Int!, $input: IncidentInput!) {
  updateIncident(id: $id, version: $version, input: $input) {
    __typename
    ... on Incident { version summary status }
    ... on VersionConflict { code expectedVersion currentVersion }
    ... on ValidationFailed { code fields { path code } }
    ... on NotFound { code }
} }"""


@pytest.fixture
async def editor(gql: Gql) -> Gql:
    return await gql.key("editor", "Ed Itor")


@pytest.fixture
async def admin(gql: Gql) -> Gql:
    return await gql.key("admin", "Ad Min")


@pytest.fixture
async def refs(conn: asyncpg.Connection) -> dict[str, int]:
    return {
        "loc": await make_location(conn, "Mut Town", country="IQ"),
        "actor": await make_actor(conn, "Mut Brigade"),
        "actor2": await make_actor(conn, "Mut Guard"),
        "src": await make_source(conn, "Mut Wire", url="https://mut.test/1"),
    }


def _incident(refs: dict[str, int], **extra: Any) -> dict[str, Any]:
    base = {
        "occurredOn": "2024-01-02",
        "locationId": gid("Location", refs["loc"]),
        "eventType": "EXPLOSIONS_REMOTE_VIOLENCE",
        "subEventType": "AIR_DRONE_STRIKE",
        "summary": "A drone struck Mut Town.",
        "killed": {"low": 1, "best": 2, "high": 3},
        "externalIds": [{"system": "acled", "id": "MUT1"}],
        "sourceIds": [gid("Source", refs["src"])],
        "participants": [
            {"actorId": gid("Actor", refs["actor"]), "role": "PERPETRATOR", "basis": "CLAIMED"}
        ],
    }
    return {**base, **extra}


async def test_create_update_conflict_and_history(
    gql: Gql, editor: Gql, refs: dict[str, int]
) -> None:
    created = (await editor.data(CREATE, {"input": _incident(refs)}))["createIncident"]
    assert created["__typename"] == "Incident"
    assert created["status"] == "DRAFT"
    assert created["version"] == 1
    assert created["killed"] == {"low": 1, "best": 2, "high": 3}
    assert created["participants"] == [{"role": "PERPETRATOR", "actor": {"name": "Mut Brigade"}}]
    assert created["externalIds"] == [{"system": "acled", "id": "MUT1"}]
    # a draft: invisible anonymously
    anon = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": created["id"]})
    assert anon["node"] is None

    upd = {
        "id": created["id"],
        "version": 1,
        "input": {"summary": "Two drones.", "status": "PUBLISHED"},
    }
    result = (await editor.data(UPDATE, upd))["updateIncident"]
    assert result == {
        "__typename": "Incident",
        "version": 2,
        "summary": "Two drones.",
        "status": "PUBLISHED",
    }
    stale = (await editor.data(UPDATE, {**upd, "input": {"summary": "Stale."}}))["updateIncident"]
    assert stale == {
        "__typename": "VersionConflict",
        "code": "CONFLICT",
        "expectedVersion": 1,
        "currentVersion": 2,
    }
    history = await editor.data(
        "query($id: ID!) { incident(id: $id) { history { operation author changedFields "
        "before after } } }",
        {"id": created["id"]},
    )
    entries = history["incident"]["history"]
    assert [e["operation"] for e in entries] == ["CREATE", "UPDATE"]
    assert entries[0]["author"] == "Ed Itor"
    assert entries[0]["before"] is None
    assert entries[1]["changedFields"] == ["status", "summary"]
    assert entries[1]["before"]["summary"] == "A drone struck Mut Town."
    assert entries[1]["after"]["summary"] == "Two drones."
    # readers may not read history
    reader = await gql.key("reader")
    body = await reader(
        "query($id: ID!) { incident(id: $id) { history { at } } }", {"id": created["id"]}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


DATES = ("input.occurredOn", "input.dateEarliest", "input.dateLatest")


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        # the range defaults to the day itself, so all three dates are out of range
        ({"occurredOn": FUTURE}, [(d, "OUT_OF_RANGE") for d in DATES]),
        ({"occurredOn": "1850-05-01"}, [(d, "OUT_OF_RANGE") for d in DATES]),
        # before both occurredOn and dateEarliest (which defaults to it): two errors
        ({"dateLatest": "2023-12-01"}, [("input.dateLatest", "INVALID_RANGE")] * 2),
        # required, and blank: two errors
        ({"summary": "  "}, [("input.summary", "REQUIRED")] * 2),
        ({"summary": None}, [("input.summary", "REQUIRED")]),
        ({"killed": {"low": 5, "best": 2}}, [("input.killed", "INVALID_RANGE")]),
        ({"projectileCount": -1}, [("input.projectileCount", "OUT_OF_RANGE")]),
        ({"subEventType": "ARMED_CLASH"}, [("input.subEventType", "INVALID_VALUE")]),
        ({"locationId": gid("Location", 99_999_999)}, [("input.locationId", "NOT_FOUND")]),
        ({"locationId": gid("Actor", 1)}, [("input.locationId", "INVALID_ID")]),
        (
            {"participants": [{"actorId": gid("Actor", 99_999_999), "role": "TARGET"}]},
            [("input.participants.0.actorId", "NOT_FOUND")],
        ),
        ({"sourceIds": [gid("Source", 99_999_999)]}, [("input.sourceIds.0", "NOT_FOUND")]),
        (
            {"externalIds": [{"system": "ACLED!", "id": "x"}]},
            [("input.externalIds.0.system", "INVALID_VALUE")],
        ),
    ],
)
async def test_incident_validation(
    conn: asyncpg.Connection,
    editor: Gql,
    refs: dict[str, int],
    change: dict[str, Any],
    fields: list[tuple[str, str]],
) -> None:
    before = await conn.fetchval("select count(*) from incident")
    result = (await editor.data(CREATE, {"input": _incident(refs, **change)}))["createIncident"]
    assert result["__typename"] == "ValidationFailed"
    assert result["code"] == "VALIDATION_FAILED"
    assert [(".".join(f["path"]), f["code"]) for f in result["fields"]] == fields
    assert await conn.fetchval("select count(*) from incident") == before


async def test_unknown_enum_value_is_a_validation_error(editor: Gql, refs: dict[str, int]) -> None:
    body = await editor(CREATE, {"input": _incident(refs, weapon="CATAPULT")})
    assert body["errors"] == [
        {
            "message": "Variable '$input' has invalid value at .weapon: Value 'CATAPULT' does "
            "not exist in 'Weapon' enum.",
            "locations": [{"line": 1, "column": 10}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]


async def test_duplicate_external_id(
    conn: asyncpg.Connection, editor: Gql, refs: dict[str, int]
) -> None:
    await make_incident(conn, refs["loc"], dt.date(2024, 1, 1), external_ids=[("acled", "DUP1")])
    result = (
        await editor.data(
            CREATE, {"input": _incident(refs, externalIds=[{"system": "acled", "id": "DUP1"}])}
        )
    )["createIncident"]
    assert [(f["path"], f["code"]) for f in result["fields"]] == [
        (["input", "externalIds", "0", "id"], "DUPLICATE")
    ]


async def test_failed_mutation_leaves_nothing_behind(
    conn: asyncpg.Connection, editor: Gql, refs: dict[str, int]
) -> None:
    """The same actor twice in the same role fails in the database after the incident row
    was inserted: the whole transaction is rolled back."""
    counts = (
        "select (select count(*) from incident), (select count(*) from change_log), "
        "(select count(*) from incident_external_id)"
    )
    before = await conn.fetchrow(counts)
    p = {"actorId": gid("Actor", refs["actor"]), "role": "TARGET"}
    result = (await editor.data(CREATE, {"input": _incident(refs, participants=[p, p])}))[
        "createIncident"
    ]
    assert result["__typename"] == "ValidationFailed"
    assert result["fields"] == [
        {
            "path": ["input", "participants", "1", "actorId"],
            "code": "DUPLICATE",
            "message": "The actor already has this role.",
        }
    ]
    assert await conn.fetchrow(counts) == before


async def test_other_validation_errors(editor: Gql, refs: dict[str, int]) -> None:
    loc = await editor.data(
        """mutation { createLocation(input: {name: "Far", kind: TOWN, latitude: 91,
        longitude: 200, countryCode: "XX"}) {
        ... on ValidationFailed { fields { path code } } } }"""
    )
    assert {(tuple(f["path"]), f["code"]) for f in loc["createLocation"]["fields"]} == {
        (("input", "latitude"), "OUT_OF_RANGE"),
        (("input", "longitude"), "OUT_OF_RANGE"),
        (("input", "countryCode"), "INVALID_VALUE"),
    }
    rel = await editor.data(
        """mutation($s: ID!, $o: ID!) { addRelation(input: {subjectId: $s, kind: FUNDED_BY,
        objectId: $o, validFrom: "2023-05-01", validTo: "2023-01-01"}) {
        ... on ValidationFailed { fields { path code } } } }""",
        {"s": gid("Actor", refs["actor"]), "o": gid("Actor", refs["actor2"])},
    )
    assert rel["addRelation"]["fields"] == [{"path": ["input", "validTo"], "code": "INVALID_RANGE"}]
    src = await editor.data(
        """mutation { createSource(input: {kind: NEWS_ARTICLE, publisher: "X",
        url: "https://mut.test/1", language: "English"}) {
        ... on ValidationFailed { fields { path code } } } }"""
    )
    assert src["createSource"]["fields"] == [
        {"path": ["input", "language"], "code": "INVALID_VALUE"}
    ]
    dup = await editor.data(
        """mutation { createSource(input: {kind: NEWS_ARTICLE, publisher: "X",
        url: "https://mut.test/1"}) { ... on ValidationFailed { fields { path code } } } }"""
    )
    assert dup["createSource"]["fields"] == [{"path": ["input", "url"], "code": "DUPLICATE"}]


async def test_parts_relations_deployments_statements(
    conn: asyncpg.Connection, editor: Gql, admin: Gql, refs: dict[str, int]
) -> None:
    created = (await editor.data(CREATE, {"input": _incident(refs)}))["createIncident"]
    a2 = gid("Actor", refs["actor2"])
    add = await editor.data(
        """mutation($id: ID!, $a: ID!) { addParticipant(incidentId: $id, version: 1,
        input: {actorId: $a, role: INTERCEPTOR}) { ... on Incident { version
        participants { role } } } }""",
        {"id": created["id"], "a": a2},
    )
    assert add["addParticipant"]["version"] == 2
    assert sorted(p["role"] for p in add["addParticipant"]["participants"]) == [
        "INTERCEPTOR",
        "PERPETRATOR",
    ]
    rm = await editor.data(
        """mutation($id: ID!, $a: ID!) { removeParticipant(incidentId: $id, actorId: $a,
        role: INTERCEPTOR) { ... on Incident { version participants { role } } } }""",
        {"id": created["id"], "a": a2},
    )
    assert rm["removeParticipant"] == {"version": 3, "participants": [{"role": "PERPETRATOR"}]}

    rel = (
        await editor.data(
            """mutation($s: ID!, $o: ID!, $src: ID!) { addRelation(input: {subjectId: $s,
            kind: FUNDED_BY, objectId: $o, sourceIds: [$src], status: PUBLISHED}) {
            ... on ActorRelation { id kind subject { name } sources { publisher } } } }""",
            {"s": gid("Actor", refs["actor"]), "o": a2, "src": gid("Source", refs["src"])},
        )
    )["addRelation"]
    assert rel["kind"] == "FUNDED_BY"
    assert rel["sources"] == [{"publisher": "Mut Wire"}]
    removed = await editor.data(
        'mutation($id: ID!) { removeRelation(id: $id, reason: "wrong") { __typename } }',
        {"id": rel["id"]},
    )
    assert removed["removeRelation"]["__typename"] == "Removed"

    dep = (
        await editor.data(
            """mutation($l: ID!, $a: ID!) { addDeployment(input: {locationId: $l, actorId: $a,
        validFrom: "2023-01-01", strength: 2500, status: PUBLISHED}) {
        ... on Deployment { id strength actor { name } } } }""",
            {"l": gid("Location", refs["loc"]), "a": a2},
        )
    )["addDeployment"]
    assert dep["strength"] == 2500
    assert dep["actor"] == {"name": "Mut Guard"}

    st = (
        await editor.data(
            """mutation($s: ID!, $a: ID!) { addStatement(input: {sourceId: $s, speakerId: $a,
        text: "We did it.", isQuote: true}) { ... on Statement { id text speaker { name } } } }""",
            {"s": gid("Source", refs["src"]), "a": gid("Actor", refs["actor"])},
        )
    )["addStatement"]
    assert st["speaker"] == {"name": "Mut Brigade"}
    gone = await editor.data(
        'mutation($id: ID!) { removeStatement(id: $id, reason: "dup") { __typename } }',
        {"id": st["id"]},
    )
    assert gone["removeStatement"]["__typename"] == "Removed"
    assert await conn.fetchval("select count(*) from statement where text = 'We did it.'") == 0

    retract = await admin.data(
        'mutation($id: ID!) { retractIncident(id: $id, version: 3, reason: "hoax") '
        "{ __typename } }",
        {"id": created["id"]},
    )
    assert retract["retractIncident"]["__typename"] == "Removed"
    again = await editor.data(UPDATE, {"id": created["id"], "version": 4, "input": {"notes": "x"}})
    assert again["updateIncident"] == {"__typename": "NotFound", "code": "NOT_FOUND"}


async def test_merge_actors(
    conn: asyncpg.Connection, gql: Gql, admin: Gql, refs: dict[str, int]
) -> None:
    survivor = await make_actor(conn, "Kataib Hezbollah Test", aliases=["KHT"])
    dup = await make_actor(conn, "Kata'ib Hizballah Test", aliases=["KH-T"])
    inc = await make_incident(
        conn,
        refs["loc"],
        dt.date(2024, 1, 3),
        participants=[(dup, "PERPETRATOR", "CLAIMED"), (survivor, "PERPETRATOR", "ALLEGED")],
    )
    inc2 = await make_incident(
        conn, refs["loc"], dt.date(2024, 1, 4), participants=[(dup, "CLAIMANT", "CLAIMED")]
    )
    last = await conn.fetchval("select coalesce(max(id), 0) from change_log")
    merged = await admin.data(
        """mutation($s: ID!, $m: ID!) { mergeActors(survivorId: $s, mergedId: $m) {
        ... on Actor { id name aliases } } }""",
        {"s": gid("Actor", survivor), "m": gid("Actor", dup)},
    )
    assert merged["mergeActors"]["aliases"] == ["KH-T", "KHT", "Kata'ib Hizballah Test"]
    anon = gql
    node = await anon.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid("Actor", dup)})
    assert node["node"]["id"] == gid("Actor", survivor)
    roles = await conn.fetch(
        "select incident_id, actor_id, role from incident_participant where incident_id = any($1) "
        "order by incident_id, role",
        [inc, inc2],
    )
    assert [(r["incident_id"], r["actor_id"], r["role"]) for r in roles] == [
        (inc, survivor, "PERPETRATOR"),
        (inc2, survivor, "CLAIMANT"),
    ]
    found = await anon.data('{ actors(filter: {name: "KH-T"}) { edges { node { name } } } }')
    assert found["actors"]["edges"] == [{"node": {"name": "Kataib Hezbollah Test"}}]
    feed = await conn.fetch(
        "select entity, entity_id, operation from change_log where id > $1 order by id", last
    )
    # The merged actor, the survivor (its aliases), and both incidents that named the
    # merged actor.
    assert sorted(tuple(r) for r in feed) == sorted(
        [
            ("Actor", dup, "MERGE"),
            ("Actor", survivor, "UPDATE"),
            ("Incident", inc, "UPDATE"),
            ("Incident", inc2, "UPDATE"),
        ]
    )


async def test_merge_locations(conn: asyncpg.Connection, admin: Gql, refs: dict[str, int]) -> None:
    dup = await make_location(conn, "Mut-Town", country="IQ")
    child = await make_location(conn, "Mut Airport", "AIRPORT", parent_id=dup)
    inc = await make_incident(conn, dup, dt.date(2024, 1, 3))
    result = await admin.data(
        """mutation($s: ID!, $m: ID!) { mergeLocations(survivorId: $s, mergedId: $m) {
        ... on Location { name aliases incidents { totalCount } } } }""",
        {"s": gid("Location", refs["loc"]), "m": gid("Location", dup)},
    )
    assert result["mergeLocations"]["aliases"] == ["Mut-Town"]
    assert await conn.fetchval("select location_id from incident where id = $1", inc) == refs["loc"]
    assert await conn.fetchval("select parent_id from location where id = $1", child) == refs["loc"]


ADD_PARTICIPANT = """mutation($id: ID!, $input: ParticipantInput!) {
  addParticipant(incidentId: $id, input: $input) {
    __typename ... on ValidationFailed { fields { path code } } } }"""


async def test_add_participant_error_paths_match_the_input(
    editor: Gql, refs: dict[str, int]
) -> None:
    """addParticipant's argument is the participant itself: paths are input.actorId, not
    input.participants.0.actorId."""
    created = (await editor.data(CREATE, {"input": _incident(refs)}))["createIncident"]

    async def fields(participant: dict[str, Any]) -> list[dict[str, Any]]:
        got = await editor.data(ADD_PARTICIPANT, {"id": created["id"], "input": participant})
        assert got["addParticipant"]["__typename"] == "ValidationFailed"
        return list(got["addParticipant"]["fields"])

    missing = {
        "actorId": gid("Actor", 987_654),
        "role": "TARGET",
        "attributedById": gid("Actor", 987_655),
        "sourceId": gid("Source", 987_654),
        "statementId": gid("Statement", 987_654),
    }
    assert await fields(missing) == [
        {"path": ["input", name], "code": "NOT_FOUND"}
        for name in ("actorId", "attributedById", "sourceId", "statementId")
    ]
    assert await fields({"actorId": "bad", "role": "TARGET"}) == [
        {"path": ["input", "actorId"], "code": "INVALID_ID"}
    ]
    again = {"actorId": gid("Actor", refs["actor"]), "role": "PERPETRATOR"}
    assert await fields(again) == [{"path": ["input", "actorId"], "code": "DUPLICATE"}]
    # in a list, the path names the item
    twice = _incident(
        refs,
        externalIds=[],
        participants=[{"actorId": gid("Actor", refs["actor2"]), "role": "TARGET"}] * 2,
    )
    got = (await editor.data(CREATE, {"input": twice}))["createIncident"]
    assert got["fields"] == [
        {"path": ["input", "participants", "1", "actorId"], "code": "DUPLICATE", "message": ANY}
    ]
    # columns named after the actor they hold: the path is the input field's name
    rel = await editor.data(
        """mutation($s: ID!, $o: ID!) { addRelation(input: {subjectId: $s, kind: FUNDED_BY,
        objectId: $o, assertedById: $o}) { ... on ValidationFailed { fields { path code } } } }""",
        {"s": gid("Actor", refs["actor"]), "o": gid("Actor", 987_654)},
    )
    assert rel["addRelation"]["fields"] == [
        {"path": ["input", "objectId"], "code": "NOT_FOUND"},
        {"path": ["input", "assertedById"], "code": "NOT_FOUND"},
    ]
