"""The public changes feed names nothing the reader may not see (draft actors among a
published incident's participants, draft sources and locations, relations and statements
with a hidden end); records whose shown content changes because a record they refer to
is published, retracted or merged get their own entry, so a partner replaying the feed
ends with what the API shows; `history` is batched per request.

Everything goes through the API: writes are mutations, the feed is read over GraphQL.
What the partner must end with is worked out independently of the feed's code: each
record's row is read with plain SQL, and which of the records it refers to are shown is
read from the API, as an anonymous reader sees it (``_expected``).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from db.model import PARTICIPANT_COPIES
from schema.ids import from_global_id
from tests.client import Gql
from tests.factories import gid

_COPIES = "'{" + ",".join(PARTICIPANT_COPIES) + "}'"

DAY = "2024-03-01"

FEED = """query($since: String) { changes(since: $since, first: 1000) {
  changes { cursor typeName recordId operation action record reason } endCursor hasMore } }"""


async def _feed(gql: Gql, since: str | None) -> tuple[list[Any], str]:
    """The public feed after ``since`` (anonymous, one page)."""
    page = (await gql.data(FEED, {"since": since}))["changes"]
    assert page["hasMore"] is False
    return page["changes"], page["endCursor"]


async def _end(gql: Gql) -> str:
    """The cursor at the end of the public feed now."""
    since = None
    while True:
        page = (await gql.data(FEED, {"since": since}))["changes"]
        since = page["endCursor"]
        if not page["hasMore"]:
            return since


def _key(change: dict[str, Any]) -> tuple[str, int]:
    return change["typeName"], from_global_id(change["recordId"])[1]


class Partner:
    """A copy of the published data set kept by replaying the public feed."""

    def __init__(self, cursor: str) -> None:
        self.cursor = cursor
        self.copy: dict[tuple[str, int], Any] = {}

    async def sync(self, gql: Gql) -> list[Any]:
        page, self.cursor = await _feed(gql, self.cursor)
        for c in page:
            if c["action"] == "UPSERT":
                self.copy[_key(c)] = c["record"]
            else:
                assert c["record"] is None
                self.copy.pop(_key(c), None)
        return list(page)


# --- writes, through the API ------------------------------------------------------------

INPUT = {
    "createLocation": "LocationInput",
    "createActor": "ActorInput",
    "createSource": "SourceInput",
    "createIncident": "IncidentInput",
    "addStatement": "StatementInput",
    "addRelation": "ActorRelationInput",
}


async def _mutate(admin: Gql, query: str, variables: dict[str, Any]) -> Any:
    data = await admin.data(query, variables)
    (result,) = data.values()
    assert result["__typename"] not in {"ValidationFailed", "VersionConflict", "NotFound"}, result
    return result


async def _create(admin: Gql, mutation: str, **values: Any) -> int:
    query = (
        f"mutation($input: {INPUT[mutation]}!) {{ {mutation}(input: $input) "
        "{ __typename ... on Node { id } } }"
    )
    result = await _mutate(admin, query, {"input": values})
    return from_global_id(result["id"])[1]


async def _version(conn: asyncpg.Connection, table: str, pk: int) -> int:
    version: int = await conn.fetchval(f"select version from {table} where id = $1", pk)
    return version


async def _publish(admin: Gql, conn: asyncpg.Connection, entity: str, pk: int) -> None:
    query = (
        f"mutation($id: ID!, $v: Int!) {{ update{entity}(id: $id, version: $v, "
        "input: {status: PUBLISHED}) { __typename } }"
    )
    version = await _version(conn, entity.lower(), pk)
    await _mutate(admin, query, {"id": gid(entity, pk), "v": version})


async def _retract_actor(admin: Gql, conn: asyncpg.Connection, pk: int, reason: str) -> None:
    query = """mutation($id: ID!, $v: Int!, $r: String!) {
      retractActor(id: $id, version: $v, reason: $r) { __typename } }"""
    version = await _version(conn, "actor", pk)
    await _mutate(admin, query, {"id": gid("Actor", pk), "v": version, "r": reason})


async def _merge_actors(admin: Gql, survivor: int, merged: int) -> None:
    query = """mutation($s: ID!, $m: ID!) { mergeActors(survivorId: $s, mergedId: $m) {
      __typename } }"""
    await _mutate(admin, query, {"s": gid("Actor", survivor), "m": gid("Actor", merged)})


def _incident(location: int, summary: str, **values: Any) -> dict[str, Any]:
    return {
        "occurredOn": DAY,
        "locationId": gid("Location", location),
        "eventType": "EXPLOSIONS_REMOTE_VIOLENCE",
        "subEventType": "AIR_DRONE_STRIKE",
        "summary": summary,
        "status": "PUBLISHED",
        **values,
    }


# --- what the API shows, worked out without the feed's code ---------------------------

TABLES = {
    "Incident": "incident",
    "Actor": "actor",
    "Location": "location",
    "Source": "source",
    "ActorRelation": "actor_relation",
    "Statement": "statement",
}

# What an anonymous reader sees of each record's references.
SHOWN = {
    "Incident": """... on Incident { location { id } sources { id } sameEventAs { id }
      participants { role actor { id } attributedBy { id } source { id } statement { id } } }""",
    "Actor": "",
    "Location": "... on Location { parent { id } }",
    "Source": "",
    "ActorRelation": "... on ActorRelation { assertedBy { id } sources { id } }",
    "Statement": "",
}


def _pk(node: dict[str, Any] | None) -> int | None:
    return None if node is None else from_global_id(node["id"])[1]


async def _image(
    conn: asyncpg.Connection, entity: str, pk: int, shown: dict[str, Any]
) -> dict[str, Any]:
    """The record's row (plain SQL) with its parts, keeping only the references shown."""
    image: dict[str, Any] = await conn.fetchval(
        f"select to_jsonb(t) from {TABLES[entity]} t where id = $1", pk
    )
    if entity == "Incident":
        # not in images: whether a record is a later one of a linked event would show a
        # draft's link (db.images); nor the copy of the place's country
        del image["linked_duplicate"]
        del image["country_code"]
        image["location_id"] = _pk(shown["location"])
        image["external_ids"] = [
            dict(r)
            for r in await conn.fetch(
                "select system, external_id, source_version from incident_external_id "
                "where incident_id = $1 order by system, external_id",
                pk,
            )
        ]
        sources = [_pk(s) for s in shown["sources"]]
        image["sources"] = [
            dict(r)
            for r in await conn.fetch(
                "select source_id, note, position from incident_source where incident_id = $1 "
                "and source_id = any($2::bigint[]) order by source_id",
                pk,
                sources,
            )
        ]
        participants = {(_pk(p["actor"]), p["role"]): p for p in shown["participants"]}
        rows = await conn.fetch(
            # less the incident's own columns, copied for an index (migrations 0010, 0017)
            "select to_jsonb(p) - 'id' - 'incident_id' - 'created_at' - 'updated_at' "
            f"- {_COPIES}::text[] "
            "from incident_participant p where incident_id = $1 order by actor_id, role",
            pk,
        )
        image["participants"] = [
            {
                **row,
                "attributed_by_actor_id": _pk(p["attributedBy"]),
                "source_id": _pk(p["source"]),
                "statement_id": _pk(p["statement"]),
            }
            for (row,) in rows
            if (p := participants.get((row["actor_id"], row["role"]))) is not None
        ]
        # its linked event: the cluster's members in rank order, those shown (itself and
        # the records `sameEventAs` lists); linked to none shown, not linked
        same = {pk} | {_pk(s) for s in shown["sameEventAs"]}
        members = [
            r[0]
            for r in await conn.fetch(
                "select o.incident_id from event_cluster_member m join event_cluster_member o "
                "on o.cluster_id = m.cluster_id where m.incident_id = $1 order by o.rank",
                pk,
            )
            if r[0] in same
        ]
        image["event_members"] = members if len(members) > 1 else []
    elif entity in ("Actor", "Location"):
        table = TABLES[entity]
        image["aliases"] = [
            r[0]
            for r in await conn.fetch(
                f"select alias from {table}_alias where {table}_id = $1 order by alias", pk
            )
        ]
        if entity == "Location":
            image["parent_id"] = _pk(shown["parent"])
    elif entity == "Source":
        image["media"] = await conn.fetchval(
            "select coalesce(jsonb_agg(to_jsonb(m) - 'id' - 'source_id' - 'created_at' "
            "- 'updated_at' order by m.id), '[]'::jsonb) from source_media m "
            "where m.source_id = $1",
            pk,
        )
    elif entity == "ActorRelation":
        image["asserted_by_actor_id"] = _pk(shown["assertedBy"])
        image["source_ids"] = sorted(_pk(s) for s in shown["sources"])
    return image


async def _expected(
    gql: Gql, conn: asyncpg.Connection, scope: set[tuple[str, int]]
) -> dict[tuple[str, int], Any]:
    """What the published data set holds of each record in scope, now: the records an
    anonymous reader can fetch by ID (not merely redirected to their survivor)."""
    out = {}
    for entity, pk in scope:
        query = f"query($id: ID!) {{ node(id: $id) {{ id {SHOWN[entity]} }} }}"
        node = (await gql.data(query, {"id": gid(entity, pk)}))["node"]
        if node is not None and node["id"] == gid(entity, pk):
            out[(entity, pk)] = await _image(conn, entity, pk, node)
    return out


REFERENCE = {
    "location_id": "Location",
    "parent_id": "Location",
    "actor_id": "Actor",
    "attributed_by_actor_id": "Actor",
    "subject_actor_id": "Actor",
    "object_actor_id": "Actor",
    "asserted_by_actor_id": "Actor",
    "speaker_actor_id": "Actor",
    "source_id": "Source",
    "source_ids": "Source",
    "statement_id": "Statement",
    "incident_id": "Incident",
}


def _named(value: Any) -> set[tuple[str, int]]:
    """Every (type, id) a record image refers to."""
    out: set[tuple[str, int]] = set()
    if isinstance(value, list):
        for item in value:
            out |= _named(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in REFERENCE and v is not None:
                out |= {(REFERENCE[k], pk) for pk in (v if isinstance(v, list) else [v])}
            else:
                out |= _named(v)
    return out


# --- the tests --------------------------------------------------------------------------


async def test_feed_hides_drafts_and_replays_knock_on_changes(
    conn: asyncpg.Connection, gql: Gql
) -> None:
    admin = await gql.key("admin", "sync test")
    start = await _end(gql)
    published = {"status": "PUBLISHED"}
    loc = await _create(admin, "createLocation", name="Sync Town", kind="TOWN", **published)
    base = await _create(admin, "createLocation", name="Sync Base", kind="MILITARY_BASE")
    a = await _create(admin, "createActor", name="Sync Open", kind="MILITIA", **published)
    b = await _create(admin, "createActor", name="Sync Secret", kind="MILITIA")
    c = await _create(admin, "createActor", name="Sync Survivor", kind="MILITIA", **published)
    src = await _create(
        admin, "createSource", kind="NEWS_ARTICLE", publisher="Sync Wire", **published
    )
    leak = await _create(admin, "createSource", kind="NEWS_ARTICLE", publisher="Sync Leak")
    st = await _create(
        admin,
        "addStatement",
        sourceId=gid("Source", src),
        speakerId=gid("Actor", b),
        text="Sync: we did it.",
    )
    inc = await _create(
        admin,
        "createIncident",
        **_incident(
            loc,
            "Sync test incident.",
            participants=[
                {"actorId": gid("Actor", a), "role": "PERPETRATOR"},
                {
                    "actorId": gid("Actor", b),
                    "role": "TARGET",
                    "sourceId": gid("Source", leak),
                    "attributedById": gid("Actor", b),
                },
            ],
            sourceIds=[gid("Source", src), gid("Source", leak)],
        ),
    )
    inc2 = await _create(
        admin,
        "createIncident",
        **_incident(
            base,
            "Sync test incident 2.",
            participants=[
                {
                    "actorId": gid("Actor", a),
                    "role": "PERPETRATOR",
                    "statementId": gid("Statement", st),
                }
            ],
        ),
    )
    rel = await _create(
        admin,
        "addRelation",
        subjectId=gid("Actor", a),
        kind="ALLIED_WITH",
        objectId=gid("Actor", b),
        status="PUBLISHED",
    )
    hidden = {("Actor", b), ("Location", base), ("Source", leak), ("Statement", st)}
    scope = {
        ("Location", loc), ("Location", base), ("Actor", a), ("Actor", b), ("Actor", c),
        ("Source", src), ("Source", leak), ("Statement", st), ("Incident", inc),
        ("Incident", inc2), ("ActorRelation", rel),
    }  # fmt: skip

    # 1. drafts: no entry, and no reference to them in any published record
    early = Partner(start)
    feed = await early.sync(gql)
    # The draft actor, location and source have no entry; the statement (said by the
    # draft actor) and the relation (with it) are tombstones: not in the data set.
    upsert, tombstone = ("CREATE", "UPSERT"), ("CREATE", "TOMBSTONE")
    assert [(_key(x), (x["operation"], x["action"])) for x in feed] == [
        (("Location", loc), upsert),
        (("Actor", a), upsert),
        (("Actor", c), upsert),
        (("Source", src), upsert),
        (("Statement", st), tombstone),
        (("Incident", inc), upsert),
        (("Incident", inc2), upsert),
        (("ActorRelation", rel), tombstone),
    ]
    assert _named([x["record"] for x in feed]) & hidden == set()
    got = early.copy[("Incident", inc)]
    assert [p["actor_id"] for p in got["participants"]] == [a]
    assert [s["source_id"] for s in got["sources"]] == [src]
    assert early.copy[("Incident", inc2)]["location_id"] is None
    assert early.copy[("Incident", inc2)]["participants"][0]["statement_id"] is None
    # a relation or statement with a hidden end is not in the published data set
    assert ("ActorRelation", rel) not in early.copy
    assert ("Statement", st) not in early.copy
    assert early.copy == await _expected(gql, conn, scope)

    # 2. publishing the actor: every record showing it changes, and gets an entry
    await _publish(admin, conn, "Actor", b)
    page = await early.sync(gql)
    # inc2 cites the statement, which is now visible
    assert sorted(_key(x) for x in page) == sorted(
        [("Actor", b), ("Incident", inc), ("ActorRelation", rel), ("Statement", st),
         ("Incident", inc2)]
    )  # fmt: skip
    got = early.copy[("Incident", inc)]
    assert sorted(p["actor_id"] for p in got["participants"]) == sorted([a, b])
    assert early.copy[("Incident", inc2)]["participants"][0]["statement_id"] == st
    assert early.copy == await _expected(gql, conn, scope)

    # 3. retracting an actor, merging another, publishing a location
    await _retract_actor(admin, conn, a, "duplicate entry")
    await early.sync(gql)
    assert early.copy[("Incident", inc2)]["participants"] == []
    assert ("ActorRelation", rel) not in early.copy
    await _merge_actors(admin, c, b)
    page = await early.sync(gql)
    (merged,) = [x for x in page if x["operation"] == "MERGE"]
    assert _key(merged) == ("Actor", b)
    assert merged["action"] == "TOMBSTONE"
    assert merged["reason"] == f"merged into {gid('Actor', c)}"
    await _publish(admin, conn, "Location", base)
    await early.sync(gql)

    expected = await _expected(gql, conn, scope)
    assert sorted(expected) == sorted(
        [("Location", loc), ("Location", base), ("Actor", c), ("Source", src),
         ("Statement", st), ("Incident", inc), ("Incident", inc2)]
    )  # fmt: skip
    assert [p["actor_id"] for p in expected[("Incident", inc)]["participants"]] == [c]
    assert expected[("Incident", inc2)]["location_id"] == base
    assert expected[("Statement", st)]["speaker_actor_id"] == c
    assert early.copy == expected
    late = Partner(start)  # a partner replaying everything now ends the same
    await late.sync(gql)
    assert late.copy == expected


async def test_merge_reason_does_not_name_a_draft_survivor(gql: Gql) -> None:
    admin = await gql.key("admin", "sync test")
    start = await _end(gql)
    gone = await _create(admin, "createActor", name="Sync Twin", kind="MILITIA", status="PUBLISHED")
    draft = await _create(admin, "createActor", name="Sync Draft", kind="MILITIA")
    await _merge_actors(admin, draft, gone)
    feed, _ = await _feed(gql, start)
    # Records are shown as the reader may see them now: the merged-away actor's creation
    # too is a tombstone (the replay ends the same way).
    assert [(_key(x), x["operation"], x["action"], x["record"]) for x in feed] == [
        (("Actor", gone), "CREATE", "TOMBSTONE", None),
        (("Actor", gone), "MERGE", "TOMBSTONE", None),
    ]
    assert [x["reason"] for x in feed] == [None, "merged"]


async def test_removing_a_cited_statement_updates_the_citing_incident(gql: Gql) -> None:
    admin = await gql.key("admin", "sync test")
    published = {"status": "PUBLISHED"}
    loc = await _create(admin, "createLocation", name="Sync Cite", kind="TOWN", **published)
    a = await _create(admin, "createActor", name="Sync Citer", kind="MILITIA", **published)
    src = await _create(
        admin, "createSource", kind="NEWS_ARTICLE", publisher="Sync Cite Wire", **published
    )
    st = await _create(admin, "addStatement", sourceId=gid("Source", src), text="Sync: cited.")
    participant = {"actorId": gid("Actor", a), "role": "PERPETRATOR"}
    inc = await _create(
        admin,
        "createIncident",
        **_incident(
            loc,
            "Sync cited incident.",
            participants=[{**participant, "statementId": gid("Statement", st)}],
        ),
    )
    start = await _end(gql)
    await _mutate(
        admin,
        'mutation($id: ID!) { removeStatement(id: $id, reason: "wrong quote") { __typename } }',
        {"id": gid("Statement", st)},
    )
    feed, _ = await _feed(gql, start)
    assert [(_key(x), x["action"]) for x in feed] == [
        (("Statement", st), "TOMBSTONE"),
        (("Incident", inc), "UPSERT"),
    ]
    assert feed[1]["record"]["participants"] == [
        {
            "actor_id": a,
            "role": "PERPETRATOR",
            "basis": "REPORTED",
            "attributed_by_actor_id": None,
            "source_id": None,
            "statement_id": None,
            "note": None,
            "associated": False,
            "side": None,
            "reported_name": None,
        }
    ]


async def test_participant_image_has_every_column(conn: asyncpg.Connection, gql: Gql) -> None:
    """A participant in the feed has every column of incident_participant but the keys,
    timestamps and the copy of the incident's date: a column added must not be missed."""
    columns = {
        r[0]
        for r in await conn.fetch(
            "select column_name from information_schema.columns "
            "where table_name = 'incident_participant'"
        )
    }
    admin = await gql.key("admin", "sync test")
    published = {"status": "PUBLISHED"}
    loc = await _create(admin, "createLocation", name="Sync Cols", kind="TOWN", **published)
    a = await _create(admin, "createActor", name="Sync Cols", kind="MILITIA", **published)
    start = await _end(gql)
    participant = {"actorId": gid("Actor", a), "role": "PERPETRATOR"}
    inc = await _create(
        admin, "createIncident", **_incident(loc, "Sync columns.", participants=[participant])
    )
    feed, _ = await _feed(gql, start)
    (change,) = feed
    assert _key(change) == ("Incident", inc)
    (image,) = change["record"]["participants"]
    # less the incident's own columns, copied for an index (migrations 0010, 0017)
    assert set(image) == columns - {"id", "incident_id", "created_at", "updated_at"} - set(
        PARTICIPANT_COPIES
    )


HISTORY = """query($n: Int!) { incidents(first: $n, filter: {tags: {any: ["sync-history"]}}) {
  edges { node { summary history { operation author } } } } }"""


async def test_history_is_batched(conn: asyncpg.Connection, gql: Gql) -> None:
    admin = await gql.key("admin", "sync test")
    loc = await _create(admin, "createLocation", name="Sync History", kind="TOWN")
    for n in range(10):
        await _create(
            admin, "createIncident", **_incident(loc, f"Sync history {n}.", tags=["sync-history"])
        )

    async def count(n: int) -> list[bool]:
        """Which of the request's statements read the API key."""
        data, statements = await admin.counted(HISTORY, {"n": n})
        edges = data["incidents"]["edges"]
        assert len(edges) == n
        assert [e["node"]["history"] for e in edges] == [
            [{"operation": "CREATE", "author": "sync test"}]
        ] * n
        return ["from api_key" in s for s in statements]

    # The fast path's key lookup (it leaves history to the resolvers), then the
    # resolvers' own: the key, the page, and one statement for the whole page's history.
    assert await count(2) == [True, True, False, False]
    assert await count(10) == [True, True, False, False]


@pytest.mark.parametrize("viewer", ["anonymous", "reader"])
async def test_include_drafts_is_for_editors(gql: Gql, viewer: str) -> None:
    client = gql if viewer == "anonymous" else await gql.key(viewer)
    body = await client("{ changes(includeDrafts: true) { endCursor } }")
    assert [e["extensions"]["code"] for e in body["errors"]] == [
        "UNAUTHENTICATED" if viewer == "anonymous" else "FORBIDDEN"
    ]
