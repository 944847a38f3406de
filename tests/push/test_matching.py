"""In-process: the hub's SQL matching (one statement for every group), what it queues for
subscribers, the stored form of filters, and the webhook API's checks."""

from __future__ import annotations

import datetime as dt

import asyncpg

from db import filters as f
from db.core import ConnectionDb
from db.feed import last_id
from db.filter_json import dump, load
from db.push import matching
from schema.hub import DRAFTS, PUBLIC, Hub, IncidentEvent
from tests.client import Gql
from tests.factories import make_incident, make_location

DRONE = f.IncidentFilter(weapons=("DRONE",))
MISSILE = f.IncidentFilter(weapons=("MISSILE",))


async def test_matching_decides_every_group_in_one_statement(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    loc = await make_location(conn, "Match Town", country="IQ")
    day = dt.date(2024, 1, 2)
    drone = await make_incident(conn, loc, day, weapon="DRONE")
    missile = await make_incident(conn, loc, day, weapon="MISSILE")
    draft = await make_incident(conn, loc, day, weapon="DRONE", status="DRAFT")
    retracted = await make_incident(conn, loc, day, weapon="DRONE", status="RETRACTED")
    ids = [drone, missile, draft, retracted]
    groups = [(PUBLIC, DRONE), (PUBLIC, MISSILE), (DRAFTS, DRONE), (PUBLIC, None), (DRAFTS, None)]
    before = db.counter.count
    result = await matching(db, groups, ids)
    assert db.counter.count - before == 1
    assert result == [
        {drone},
        {missile},
        {drone, draft},
        {drone, missile},
        {drone, missile, draft},
    ]


async def test_the_hub_queues_matches_and_tombstones_per_group(
    db: ConnectionDb, editor: Gql, admin: Gql
) -> None:
    hub = Hub(db, queue_size=10)
    hub.position = await last_id(db)
    calls: list[str] = []
    drones = [hub.subscribe_incidents(PUBLIC, DRONE, lambda: calls.append("x")) for _ in range(2)]
    editor_drones = hub.subscribe_incidents(DRAFTS, DRONE, lambda: None)
    changes, position = hub.subscribe_changes(lambda: None)
    assert position == hub.position
    assert len(hub.groups) == 2  # the two reader subscriptions share one group

    loc = (await editor.data("{ locations(first: 1) { edges { node { id } } } }"))["locations"]
    location = loc["edges"][0]["node"]["id"]
    create = """mutation($i: IncidentInput!) { createIncident(input: $i) {
      ... on Incident { id version } } }"""
    base = {
        "occurredOn": "2024-01-02",
        "locationId": location,
        "eventType": "EXPLOSIONS_REMOTE_VIOLENCE",
        "subEventType": "AIR_DRONE_STRIKE",
        "summary": "Hub test.",
    }
    draft = (await editor.data(create, {"i": {**base, "weapon": "DRONE"}}))["createIncident"]
    published = (
        await editor.data(create, {"i": {**base, "weapon": "DRONE", "status": "PUBLISHED"}})
    )["createIncident"]
    statements = db.counter.count
    await hub.drain()
    # the change rows, then one matching statement for both groups
    assert db.counter.count - statements == 3
    assert changes.queue.qsize() == 1
    for sub in drones:
        ev: IncidentEvent = sub.queue.get_nowait()
        assert (ev.upsert, ev.operation) == (True, "CREATE")
        assert sub.queue.empty()
    assert [editor_drones.queue.get_nowait().upsert for _ in range(2)] == [True, True]
    # it stops matching: a tombstone for those who saw it
    update = """mutation($id: ID!, $v: Int!) { updateIncident(id: $id, version: $v,
      input: { weapon: MISSILE }) { ... on Incident { version } } }"""
    await editor.data(update, {"id": published["id"], "v": published["version"]})
    await hub.drain()
    for sub in drones:
        assert sub.queue.get_nowait().upsert is False
    assert editor_drones.queue.get_nowait().upsert is False
    del draft
    # hub.position moved past everything; nothing is queued twice
    await hub.drain()
    assert all(s.queue.empty() for s in [*drones, editor_drones])
    assert calls == []
    hub.unsubscribe(changes)
    for sub in [*drones, editor_drones]:
        hub.unsubscribe(sub)
    assert hub.groups == {}


def test_filters_are_stored_and_loaded_unchanged() -> None:
    nested = f.IncidentFilter(
        occurred_on=f.DateRange(gte=dt.date(2024, 1, 1), overlaps=True),
        weapons=("DRONE", "MISSILE"),
        participant=f.ParticipantFilter(actor=f.ActorFilter(name="KH", include_affiliates=True)),
        location=f.LocationFilter(near=f.Near(36.2, 43.9, 25.0), within=(3, 4)),
        updated_since=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        or_=(f.IncidentFilter(text="base"), f.IncidentFilter(killed=f.IntRange(gte=1))),
        not_=f.IncidentFilter(outcomes=("INTERCEPTED",)),
    )
    assert load(dump(nested)) == nested
    assert dump(DRONE) == {"weapons": ["DRONE"]}
    assert load(None) is None


CREATE_HOOK = """mutation($url: String!, $secret: String!, $f: IncidentFilter) {
  createWebhook(url: $url, secret: $secret, filter: $f) {
    __typename ... on Webhook { id url filter }
    ... on ValidationFailed { fields { path code message } } } }"""


async def test_webhook_registration_checks(admin: Gql, editor: Gql) -> None:
    secret = "s" * 16

    async def refused(url: str, secret: str = secret) -> list[tuple[str, str]]:
        got = (await admin.data(CREATE_HOOK, {"url": url, "secret": secret}))["createWebhook"]
        assert got["__typename"] == "ValidationFailed"
        return [(".".join(e["path"]), e["message"]) for e in got["fields"]]

    scheme = "Only http:// and https:// URLs with a host are accepted."
    assert await refused("ftp://93.184.216.34/x") == [("url", scheme)]
    assert await refused("file:///etc/passwd") == [("url", scheme)]
    private = "allow its network in SITREP_WEBHOOK_ALLOWED_NETWORKS to deliver there."
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/x"):
        [(path, message)] = await refused(url)
        assert path == "url"
        assert message.endswith(private)
    assert await refused("http://93.184.216.34/x", "short") == [
        ("secret", "The secret needs at least 16 characters.")
    ]
    made = (
        await admin.data(
            CREATE_HOOK,
            {
                "url": "https://93.184.216.34/hook",
                "secret": secret,
                "f": {"weapon": {"in": ["DRONE"]}},
            },
        )
    )["createWebhook"]
    assert made["filter"] == {"weapons": ["DRONE"]}
    listed = (await admin.data("{ webhooks { id url deliveries { id } } }"))["webhooks"]
    assert {"id": made["id"], "url": "https://93.184.216.34/hook", "deliveries": []} in listed
    assert await editor.codes("{ webhooks { id } }") == ["FORBIDDEN"]
    forbidden = await editor.codes(CREATE_HOOK, {"url": "https://93.184.216.34/", "secret": secret})
    assert forbidden == ["FORBIDDEN"]
    delete = "mutation($id: ID!) { deleteWebhook(id: $id) }"
    assert (await admin.data(delete, {"id": made["id"]}))["deleteWebhook"] is True
    assert (await admin.data(delete, {"id": made["id"]}))["deleteWebhook"] is False
    assert await admin.codes(delete, {"id": "nope"}) == ["INVALID_ID"]
