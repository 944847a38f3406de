"""The public changes feed names nothing the reader may not see (draft actors among a
published incident's participants, draft sources and locations, relations and statements
with a hidden end); records whose shown content changes because a record they refer to
is published, retracted or merged get their own entry, so a partner replaying the feed
ends with what the API shows; `history` is batched per request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from app.settings import Settings
from db import images
from db.core import ConnectionDb
from db.cursors import encode_change
from db.feed import last_id, shown, visible
from db.transaction import Tx, transaction
from db.viewer import Viewer
from db.writes import merge, records
from schema import build_schema
from schema.context import Context
from schema.ids import from_global_id, to_global_id

ADMIN = Viewer(can_see_drafts=True, role="admin", name="sync test")
DAY = dt.date(2024, 3, 1)

FEED = """query($since: String) { changes(since: $since, first: 1000) {
  changes { cursor typeName recordId operation action record reason } endCursor } }"""


async def _write(db: ConnectionDb, work: Callable[[Tx], Awaitable[Any]]) -> Any:
    async with transaction(db, ADMIN) as tx:
        return await work(tx)


async def _create(db: ConnectionDb, entity: str, values: dict[str, Any], **parts: Any) -> int:
    return int(
        await _write(db, lambda tx: records.create(tx, entity, values, records.Parts(**parts)))
    )


async def _feed(db: ConnectionDb, settings: Settings, since: str) -> tuple[list[Any], str]:
    ctx = Context(db, settings)  # anonymous
    result = await build_schema(settings).execute(
        FEED, variable_values={"since": since}, context_value=ctx
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    page = result.data["changes"]
    return page["changes"], page["endCursor"]


class Partner:
    """A copy of the published data set kept by replaying the public feed."""

    def __init__(self, cursor: str) -> None:
        self.cursor = cursor
        self.copy: dict[tuple[str, int], Any] = {}
        self.seen: list[Any] = []

    async def sync(self, db: ConnectionDb, settings: Settings) -> list[Any]:
        page, self.cursor = await _feed(db, settings, self.cursor)
        for c in page:
            key = (c["typeName"], from_global_id(c["recordId"])[1])
            if c["action"] == "UPSERT":
                self.copy[key] = c["record"]
            else:
                assert c["record"] is None
                self.copy.pop(key, None)
        self.seen += page
        return list(page)


async def _expected(db: ConnectionDb, scope: set[tuple[str, int]]) -> dict[tuple[str, int], Any]:
    """What the API shows an anonymous reader of each record in scope, now."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for entity in {e for e, _ in scope}:
        taken = await images.snapshots(db, entity, [pk for e, pk in scope if e == entity])
        found.update({(entity, pk): images.stored(image) for pk, image in taken.items()})
    refs = {r for (e, _), image in found.items() for r in images.references(e, image)}
    seen = await visible(db, Viewer(), refs | set(found))
    out = {}
    for (entity, pk), image in found.items():
        record = shown(entity, image, seen)
        if record is not None:
            out[(entity, pk)] = record
    return out


def _refs(feed: list[Any]) -> set[tuple[str, int]]:
    return {
        ref
        for c in feed
        if c["record"] is not None
        for ref in images.references(c["typeName"], c["record"])
    }


async def test_feed_hides_drafts_and_replays_knock_on_changes(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    db = ConnectionDb(conn)
    start = encode_change(await last_id(db))
    loc = await _create(db, "Location", {"name": "Sync Town", "kind": "TOWN"})
    base = await _create(
        db, "Location", {"name": "Sync Base", "kind": "MILITARY_BASE", "status": "DRAFT"}
    )
    a = await _create(db, "Actor", {"name": "Sync Open", "kind": "MILITIA"})
    b = await _create(db, "Actor", {"name": "Sync Secret", "kind": "MILITIA", "status": "DRAFT"})
    c = await _create(db, "Actor", {"name": "Sync Survivor", "kind": "MILITIA"})
    src = await _create(db, "Source", {"kind": "NEWS_ARTICLE", "publisher": "Sync Wire"})
    leak = await _create(
        db, "Source", {"kind": "NEWS_ARTICLE", "publisher": "Sync Leak", "status": "DRAFT"}
    )
    st = await _create(
        db, "Statement", {"source_id": src, "speaker_actor_id": b, "text": "Sync: we did it."}
    )
    incident = {
        "occurred_on": DAY,
        "event_type": "EXPLOSIONS_REMOTE_VIOLENCE",
        "sub_event_type": "AIR_DRONE_STRIKE",
        "summary": "Sync test incident.",
        "status": "PUBLISHED",
    }
    inc = await _create(
        db,
        "Incident",
        {**incident, "location_id": loc},
        participants=[
            {"actor_id": a, "role": "PERPETRATOR"},
            {"actor_id": b, "role": "TARGET", "source_id": leak, "attributed_by_actor_id": b},
        ],
        source_ids=[src, leak],
    )
    inc2 = await _create(
        db,
        "Incident",
        {**incident, "location_id": base},
        participants=[{"actor_id": a, "role": "PERPETRATOR", "statement_id": st}],
    )
    rel = await _create(
        db, "ActorRelation", {"subject_actor_id": a, "kind": "ALLIED_WITH", "object_actor_id": b}
    )
    hidden = {("Actor", b), ("Location", base), ("Source", leak), ("Statement", st)}
    scope = {
        ("Location", loc), ("Location", base), ("Actor", a), ("Actor", b), ("Actor", c),
        ("Source", src), ("Source", leak), ("Statement", st), ("Incident", inc),
        ("Incident", inc2), ("ActorRelation", rel),
    }  # fmt: skip

    # 1. drafts: no entry, and no reference to them in any published record
    early = Partner(start)
    feed = await early.sync(db, settings)
    names = {(x["typeName"], from_global_id(x["recordId"])[1]) for x in feed}
    assert not names & {("Actor", b), ("Location", base), ("Source", leak)}
    assert not _refs(feed) & hidden
    got = early.copy[("Incident", inc)]
    assert [p["actor_id"] for p in got["participants"]] == [a]
    assert [s["source_id"] for s in got["sources"]] == [src]
    assert early.copy[("Incident", inc2)]["location_id"] is None
    assert early.copy[("Incident", inc2)]["participants"][0]["statement_id"] is None
    # a relation or statement with a hidden end is not in the published data set
    assert ("ActorRelation", rel) not in early.copy
    assert ("Statement", st) not in early.copy
    assert early.copy == await _expected(db, scope)

    # 2. publishing the actor: every record showing it changes, and gets an entry
    await _write(db, lambda tx: records.change(tx, "Actor", b, 1, {"status": "PUBLISHED"}))
    page = await early.sync(db, settings)
    knock = {(x["typeName"], from_global_id(x["recordId"])[1]) for x in page}
    assert {("Incident", inc), ("ActorRelation", rel), ("Statement", st)} <= knock
    assert ("Incident", inc2) in knock  # cites the statement, now visible
    got = early.copy[("Incident", inc)]
    assert sorted(p["actor_id"] for p in got["participants"]) == sorted([a, b])
    assert early.copy[("Incident", inc2)]["participants"][0]["statement_id"] == st
    assert early.copy == await _expected(db, scope)

    # 3. retracting an actor, merging another, publishing a location
    await _write(db, lambda tx: records.retract(tx, "Actor", a, None, "duplicate entry"))
    await early.sync(db, settings)
    assert early.copy[("Incident", inc2)]["participants"] == []
    assert ("ActorRelation", rel) not in early.copy
    await _write(db, lambda tx: merge.merge(tx, "Actor", c, b, None, None))
    page = await early.sync(db, settings)
    merged = next(x for x in page if x["operation"] == "MERGE")
    assert merged["action"] == "TOMBSTONE"
    assert merged["reason"] == f"merged into {to_global_id('Actor', c)}"
    await _write(db, lambda tx: records.change(tx, "Location", base, 1, {"status": "PUBLISHED"}))
    await early.sync(db, settings)

    expected = await _expected(db, scope)
    assert [p["actor_id"] for p in expected[("Incident", inc)]["participants"]] == [c]
    assert expected[("Incident", inc2)]["location_id"] == base
    assert expected[("Statement", st)]["speaker_actor_id"] == c
    assert early.copy == expected
    late = Partner(start)  # a partner replaying everything now ends the same
    await late.sync(db, settings)
    assert late.copy == expected


async def test_merge_reason_does_not_name_a_draft_survivor(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    db = ConnectionDb(conn)
    start = encode_change(await last_id(db))
    gone = await _create(db, "Actor", {"name": "Sync Twin", "kind": "MILITIA"})
    draft = await _create(db, "Actor", {"name": "Sync Draft", "kind": "MILITIA", "status": "DRAFT"})
    await _write(db, lambda tx: merge.merge(tx, "Actor", draft, gone, None, None))
    feed, _ = await _feed(db, settings, start)
    merged = next(x for x in feed if x["operation"] == "MERGE")
    assert merged["reason"] == "merged"
    assert merged["record"] is None
    assert all(from_global_id(x["recordId"])[1] != draft for x in feed)


async def test_removing_a_cited_statement_updates_the_citing_incident(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    db = ConnectionDb(conn)
    loc = await _create(db, "Location", {"name": "Sync Cite", "kind": "TOWN"})
    a = await _create(db, "Actor", {"name": "Sync Citer", "kind": "MILITIA"})
    src = await _create(db, "Source", {"kind": "NEWS_ARTICLE", "publisher": "Sync Cite Wire"})
    st = await _create(db, "Statement", {"source_id": src, "text": "Sync: cited."})
    inc = await _create(
        db,
        "Incident",
        {
            "occurred_on": DAY,
            "location_id": loc,
            "event_type": "EXPLOSIONS_REMOTE_VIOLENCE",
            "sub_event_type": "AIR_DRONE_STRIKE",
            "summary": "Sync cited incident.",
        },
        participants=[{"actor_id": a, "role": "PERPETRATOR", "statement_id": st}],
    )
    start = encode_change(await last_id(db))
    await _write(db, lambda tx: records.delete_statement(tx, st, "wrong quote"))
    feed, _ = await _feed(db, settings, start)
    assert [(x["typeName"], x["action"]) for x in feed] == [
        ("Statement", "TOMBSTONE"),
        ("Incident", "UPSERT"),
    ]
    assert feed[1]["record"]["participants"][0]["statement_id"] is None
    assert feed[1]["record"]["id"] == inc


async def test_participant_image_has_every_column(conn: asyncpg.Connection) -> None:
    """The snapshot builds participants column by column: it must not miss a new one."""
    columns = {
        r[0]
        for r in await conn.fetch(
            "select column_name from information_schema.columns "
            "where table_name = 'incident_participant'"
        )
    }
    incident = await conn.fetchval("select incident_id from incident_participant limit 1")
    image = await images.snapshot(ConnectionDb(conn), "Incident", incident)
    assert image is not None
    keys = set(image["participants"][0])
    assert keys == columns - {"id", "incident_id", "created_at", "updated_at"}


HISTORY = """query($n: Int!) { incidents(first: $n, filter: {tags: {any: ["sync-history"]}}) {
  edges { node { summary history { operation author } } } } }"""


@pytest.mark.parametrize("small", [2])
async def test_history_is_batched(conn: asyncpg.Connection, settings: Settings, small: int) -> None:
    db = ConnectionDb(conn)
    loc = await _create(db, "Location", {"name": "Sync History", "kind": "TOWN"})
    for n in range(10):
        await _create(
            db,
            "Incident",
            {
                "occurred_on": DAY,
                "location_id": loc,
                "event_type": "EXPLOSIONS_REMOTE_VIOLENCE",
                "sub_event_type": "AIR_DRONE_STRIKE",
                "summary": f"Sync history {n}.",
                "tags": ["sync-history"],
                "status": "PUBLISHED",
            },
        )

    async def count(n: int) -> int:
        ctx = Context(ConnectionDb(conn), settings, ADMIN)
        result = await build_schema(settings).execute(
            HISTORY, variable_values={"n": n}, context_value=ctx
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        edges = result.data["incidents"]["edges"]
        assert len(edges) == n
        assert all(e["node"]["history"] == [{"operation": "CREATE", "author": "sync test"}]
                   for e in edges)  # fmt: skip
        return ctx.db.counter.count

    assert await count(small) == await count(10)
