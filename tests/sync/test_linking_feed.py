"""Linking in the change log: an incident's image carries its linked event
(``event_members``: every record of its cluster, canonical first, [] when unlinked), and
each incident whose event changes gets an UPDATE, so a partner replaying the `changes`
feed (or receiving webhooks) sees linking and unlinking, and can count one record per
event as lists and stats do. A draft's link is not named to anonymous readers.

The data is the labelled set (tests/sync/events.py): ACLED and UCDP through their sync,
the analyst's records as drafts. What the partner must end with is read from the API's
lists (one record per event, ``duplicates: COLLAPSE``) and from the clusters in SQL, not
from the feed's code.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from db import linking
from db.core import ConnectionDb
from schema.ids import from_global_id
from tests.client import Gql
from tests.factories import gid
from tests.sync.conftest import ADMIN
from tests.sync.events import generate
from tests.sync.labelled import load
from tests.sync.replay import Replay
from tests.write.test_sync import Partner, _end, _mutate, _publish, _version

LISTED = """query($f: IncidentFilter) { incidents(filter: $f, first: 100) {
  pageInfo { hasNextPage } edges { node { id } } } }"""


async def _listed(gql: Gql, ids: set[int]) -> set[int]:
    """Which of these incidents the API lists, one record per event."""
    page = (await gql.data(LISTED, {"f": {"ids": [gid("Incident", pk) for pk in ids]}}))[
        "incidents"
    ]
    assert page["pageInfo"]["hasNextPage"] is False
    return {from_global_id(e["node"]["id"])[1] for e in page["edges"]}


def _canonical(partner: Partner) -> set[int]:
    """The incidents a partner counts: those linked to nothing, or first of their event."""
    return {
        pk
        for (kind, pk), record in partner.copy.items()
        if kind == "Incident" and record["event_members"][:1] in ([], [pk])
    }


def _incidents(partner: Partner) -> set[int]:
    return {pk for kind, pk in partner.copy if kind == "Incident"}


async def _clusters(conn: asyncpg.Connection) -> dict[int, list[int]]:
    """Each clustered incident → its cluster's members in rank order (SQL)."""
    out: dict[int, list[int]] = {}
    for r in await conn.fetch(
        "select m.incident_id, array_agg(o.incident_id order by o.rank) as members "
        "from event_cluster_member m join event_cluster_member o on o.cluster_id = m.cluster_id "
        "group by m.incident_id"
    ):
        out[r["incident_id"]] = list(r["members"])
    return out


def _named(changes: list[Any]) -> set[int]:
    """Every incident id named in the feed's records' events."""
    return {m for c in changes if c["record"] for m in c["record"].get("event_members", [])}


def _entries(changes: list[Any]) -> set[int]:
    """The incidents the feed's changes are about."""
    return {from_global_id(c["recordId"])[1] for c in changes if c["typeName"] == "Incident"}


EDITOR_FEED = """query($since: String) { changes(since: $since, first: 1000, includeDrafts: true) {
  changes { recordId typeName record } hasMore } }"""


async def test_a_partner_replaying_the_feed_sees_linking_and_unlinking(
    db: ConnectionDb,
    conn: asyncpg.Connection,
    gql: Gql,
    replay: Replay,
    client: httpx.AsyncClient,
    actors: dict[str, int],
) -> None:
    admin = await gql.key("admin", "link feed test")
    public = Partner(await _end(gql))
    drafts = Partner(public.cursor)  # an editor's copy, drafts included
    data = generate(seed=11, events=30)
    keys = await load(db, conn, replay, client, data, actors, hand_status="DRAFT")
    hand = {pk for pk, key in keys.items() if key.startswith("hand:")}
    imported = set(keys) - hand
    changes = await public.sync(gql)
    clusters = await _clusters(conn)
    rows = await conn.fetch("select id from incident where status = 'PUBLISHED'")
    published = {r["id"] for r in rows}
    assert not hand & published
    linked = {pk for pk in imported if pk in clusters}
    # the labelled set (seed 11): 17 events of several records; 10 of the imported
    # records are linked to an analyst's draft
    assert len({tuple(members) for members in clusters.values()}) == 17
    assert len(linked) == 30
    assert len({pk for pk in linked if set(clusters[pk]) & hand}) == 10

    # the public copy: every imported record, its event without the analyst's drafts
    assert _incidents(public) == imported
    for pk in imported:
        visible = [m for m in clusters.get(pk, []) if m in published]
        expected = visible if len(visible) > 1 else []
        assert public.copy[("Incident", pk)]["event_members"] == expected, pk
    assert not _named(changes) - published  # no draft is named, not even by id
    assert not _entries(changes) & hand
    # counting one record per event as the partner does gives what the API lists
    assert _canonical(public) == await _listed(gql, imported)

    # an editor's copy (includeDrafts) has every event whole
    editor = await gql.key("editor")
    page = (await editor.data(EDITOR_FEED, {"since": drafts.cursor}))["changes"]
    assert page["hasMore"] is False
    latest = {
        from_global_id(c["recordId"])[1]: c["record"]["event_members"]
        for c in page["changes"]
        if c["typeName"] == "Incident"
    }
    assert set(latest) == imported | {pk for pk in hand if pk in clusters}
    assert latest == {pk: clusters.get(pk, []) for pk in latest}

    # the analyst publishes a draft of an event: the event's other records get an entry
    # naming it (their event as shown changed), and so does the record itself
    draft = next(pk for pk in sorted(hand) if pk in clusters)
    others = set(clusters[draft]) - {draft}
    await _publish(admin, conn, "Incident", draft)
    changes = await public.sync(gql)
    assert _entries(changes) == others | {draft}
    for pk in others | {draft}:
        assert public.copy[("Incident", pk)]["event_members"] == clusters[draft]
    assert _canonical(public) == await _listed(gql, _incidents(public))

    # relinking ranks the published hand record first: every member's event changed
    report = await linking.link(db, ADMIN)
    assert (report.created, report.removed) == (1, 1)
    now = await _clusters(conn)
    assert now[draft][0] == draft
    changes = await public.sync(gql)
    moved = {pk for pk in set(clusters) | set(now) if clusters.get(pk) != now.get(pk)}
    assert moved == {draft} | others
    assert sorted((c["typeName"], from_global_id(c["recordId"])[1]) for c in changes) == [
        ("Incident", pk) for pk in sorted(moved)
    ]  # one entry each
    assert all(c["operation"] == "UPDATE" for c in changes)
    assert all(c["record"]["event_members"] == now[draft] for c in changes)
    assert _canonical(public) == await _listed(gql, _incidents(public))

    # ACLED's record of a two-record event is retracted, then relinked: the UCDP record
    # is linked to nothing any more, and says so (an event without hard negatives: no
    # other record of that day and town to fall back on)
    pair = next(
        members for pk, members in sorted(now.items())
        if len(members) == 2 and keys[members[0]].startswith("acled:IRQ7")
        and keys[members[1]].startswith("ucdp:")
        and int(keys[members[0]][-3:]) % 6 in (1, 3, 5)
    )  # fmt: skip
    acled, ucdp = pair
    await _mutate(
        admin,
        """mutation($id: ID!, $v: Int!, $r: String!) {
          retractIncident(id: $id, version: $v, reason: $r) { __typename } }""",
        {"id": gid("Incident", acled), "v": await _version(conn, "incident", acled),
         "r": "ACLED deleted the event"},
    )  # fmt: skip
    await linking.link(db, ADMIN)
    assert ucdp not in await _clusters(conn)
    changes = await public.sync(gql)
    # the retraction (a tombstone, and the UCDP record's entry: its event lost a visible
    # record), then the relink's entry of the UCDP record
    assert [(from_global_id(c["recordId"])[1], c["action"]) for c in changes] == [
        (acled, "TOMBSTONE"),
        (ucdp, "UPSERT"),
        (ucdp, "UPSERT"),
    ]
    assert [c["record"]["event_members"] for c in changes[1:]] == [[], []]
    assert ("Incident", acled) not in public.copy
    assert _canonical(public) == await _listed(gql, _incidents(public))
    # a relink that changes nothing records nothing
    end = public.cursor
    again = await linking.link(db, ADMIN)
    assert (again.created, again.removed) == (0, 0)
    assert await public.sync(gql) == []
    assert public.cursor == end
