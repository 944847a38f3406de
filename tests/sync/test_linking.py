"""Cross-dataset linking: one attack recorded by hand, by ACLED and by UCDP becomes one
event (a cluster with a canonical record); lists, totalCount and incidentStats count it
once unless the filter says `duplicates: INCLUDE`; `sameEventAs` lists the other records;
each reader sees an event by the first of its records they may see. Every read goes to
both the planner and the resolvers (the differential oracle of tests/client.py)."""

from __future__ import annotations

import datetime as dt

import asyncpg

from db import link_score, linking
from db.core import ConnectionDb
from tests.client import Gql
from tests.factories import gid, make_incident, make_location
from tests.sync.conftest import ADMIN

DAY = dt.date(2024, 2, 20)
TAG = "link-test"

LIST = """query($f: IncidentFilter) { incidents(filter: $f, first: 10) { totalCount
  edges { node { id externalIds { system id } sameEventAs { id externalIds { system } } } } } }"""
STATS = """query($f: IncidentFilter) { incidentStats(filter: $f) { groups { incidents
  killed { best } } } }"""


async def _event(conn: asyncpg.Connection, actors: dict[str, int], hand_status: str) -> dict:
    """The same drone strike three times, and a protest in the same town that day."""
    near = await make_location(conn, "Al-Shaddadi", latitude=36.0556, longitude=40.7306)
    off = await make_location(conn, "Al-Shaddadi (north)", latitude=36.0700, longitude=40.7400)
    who = [(actors["iri"], "PERPETRATOR", "CLAIMED"), (actors["us"], "TARGET", "REPORTED")]
    common = {"tags": [TAG], "participants": who}
    ids = {
        "hand": await make_incident(conn, near, DAY, killed=0, status=hand_status, **common),
        "acled": await make_incident(
            conn, off, DAY, killed=0, external_ids=[("acled", "SYR90001")], **common
        ),
        "ucdp": await make_incident(
            conn,
            off,
            DAY - dt.timedelta(days=1),
            event_type="BATTLES",
            sub_event_type="ARMED_CLASH",
            killed=1,
            external_ids=[("ucdp", "555001")],
            **common,
        ),
        "protest": await make_incident(
            conn,
            near,
            DAY,
            event_type="PROTESTS",
            sub_event_type="PEACEFUL_PROTEST",
            weapon="UNKNOWN",
            tags=[TAG],
            external_ids=[("acled", "SYR90002")],
            participants=[
                (actors["protest"], "OTHER", "REPORTED"),
                (actors["us"], "TARGET", "REPORTED"),
            ],
        ),
    }
    return ids


async def test_one_event_in_three_datasets_is_one_cluster_counted_once(
    db: ConnectionDb, conn: asyncpg.Connection, gql: Gql, actors: dict[str, int]
) -> None:
    ids = await _event(conn, actors, "PUBLISHED")
    report = await linking.link(db, ADMIN)
    assert report.created >= 1
    members = await conn.fetch(
        "select m.incident_id, m.rank from event_cluster_member m where m.cluster_id = "
        "(select cluster_id from event_cluster_member where incident_id = $1) order by rank",
        ids["hand"],
    )
    assert [r["incident_id"] for r in members] == [ids["hand"], ids["acled"], ids["ucdp"]]
    assert (
        await conn.fetchval(
            "select count(*) from event_cluster_member where incident_id = $1", ids["protest"]
        )
        == 0
    )

    f = {"tags": {"any": [TAG]}}
    page = (await gql.data(LIST, {"f": f}))["incidents"]
    assert page["totalCount"] == 2  # the event once (its hand record), and the protest
    shown = {e["node"]["id"]: e["node"] for e in page["edges"]}
    assert set(shown) == {gid("Incident", ids["hand"]), gid("Incident", ids["protest"])}
    assert shown[gid("Incident", ids["hand"])]["sameEventAs"] == [
        {"id": gid("Incident", ids["acled"]), "externalIds": [{"system": "acled"}]},
        {"id": gid("Incident", ids["ucdp"]), "externalIds": [{"system": "ucdp"}]},
    ]
    assert shown[gid("Incident", ids["protest"])]["sameEventAs"] == []
    every = (await gql.data(LIST, {"f": {**f, "duplicates": "INCLUDE"}}))["incidents"]
    assert every["totalCount"] == 4
    ((collapsed,),) = [(await gql.data(STATS, {"f": f}))["incidentStats"]["groups"]]
    ((included,),) = [
        (await gql.data(STATS, {"f": {**f, "duplicates": "INCLUDE"}}))["incidentStats"]["groups"]
    ]
    assert (collapsed["incidents"], collapsed["killed"]["best"]) == (2, 0)
    assert (included["incidents"], included["killed"]["best"]) == (4, 1)
    # nested lists count the same way: ACLED's and UCDP's records of the event are at the
    # other point, and are counted there only with duplicates: INCLUDE
    nested = """query($id: ID!, $f: IncidentFilter) { location(id: $id) {
      incidents(filter: $f) { totalCount } all: incidents { totalCount } } }"""
    off = await conn.fetchval("select location_id from incident where id = $1", ids["acled"])
    where = await gql.data(nested, {"id": gid("Location", off), "f": {"duplicates": "INCLUDE"}})
    assert (where["location"]["incidents"]["totalCount"], where["location"]["all"]) == (
        2,
        {"totalCount": 0},
    )
    # a record reached directly still lists its event's other records, canonical first
    node = await gql.data(
        "query($id: ID!) { incident(id: $id) { sameEventAs { id } } }",
        {"id": gid("Incident", ids["ucdp"])},
    )
    assert node["incident"]["sameEventAs"] == [
        {"id": gid("Incident", ids["hand"])},
        {"id": gid("Incident", ids["acled"])},
    ]


async def test_each_reader_sees_the_first_record_they_may_see(
    db: ConnectionDb, conn: asyncpg.Connection, gql: Gql, actors: dict[str, int]
) -> None:
    ids = await _event(conn, actors, "DRAFT")  # the analyst's record is not published yet
    await linking.link(db, ADMIN)
    rank = await conn.fetchval(
        "select rank from event_cluster_member where incident_id = $1", ids["acled"]
    )
    assert rank == 0  # published records rank before drafts
    f = {"tags": {"any": [TAG]}, "eventType": {"in": ["EXPLOSIONS_REMOTE_VIOLENCE", "BATTLES"]}}
    anonymous = (await gql.data(LIST, {"f": f}))["incidents"]
    assert [e["node"]["id"] for e in anonymous["edges"]] == [gid("Incident", ids["acled"])]
    assert anonymous["edges"][0]["node"]["sameEventAs"] == [
        {"id": gid("Incident", ids["ucdp"]), "externalIds": [{"system": "ucdp"}]}
    ]  # the draft is not named to an anonymous reader
    editor = await gql.key("editor")
    seen = (await editor.data(LIST, {"f": f}))["incidents"]
    assert [e["node"]["id"] for e in seen["edges"]] == [gid("Incident", ids["acled"])]
    # ACLED deletes its record: the event now shows as UCDP's, then the relink drops it
    await conn.execute("update incident set status = 'RETRACTED' where id = $1", ids["acled"])
    after = (await gql.data(LIST, {"f": f}))["incidents"]
    assert [e["node"]["id"] for e in after["edges"]] == [gid("Incident", ids["ucdp"])]
    await linking.link(db, ADMIN)
    left = await conn.fetch(
        "select incident_id from event_cluster_member where cluster_id = (select cluster_id "
        "from event_cluster_member where incident_id = $1) order by rank",
        ids["ucdp"],
    )
    assert [r["incident_id"] for r in left] == [ids["ucdp"], ids["hand"]]


async def _flags(conn: asyncpg.Connection, ids: dict) -> dict[str, bool]:
    rows = await conn.fetch(
        "select id, linked_duplicate from incident where id = any($1::bigint[])",
        list(ids.values()),
    )
    flag = {r["id"]: r["linked_duplicate"] for r in rows}
    return {name: flag[pk] for name, pk in ids.items()}


async def test_later_records_of_an_event_are_flagged_without_being_edited(
    db: ConnectionDb, conn: asyncpg.Connection, actors: dict[str, int]
) -> None:
    """``incident.linked_duplicate`` (what lists test before the hidden-ids hash) follows
    the clusters through linking, relinking and deletion, and is no edit of the record."""
    ids = await _event(conn, actors, "PUBLISHED")
    stamps = "select id, updated_at from incident where id = any($1::bigint[]) order by id"
    before = await conn.fetch(stamps, list(ids.values()))
    await linking.link(db, ADMIN)
    assert await _flags(conn, ids) == {
        "hand": False,
        "acled": True,
        "ucdp": True,
        "protest": False,
    }
    assert await conn.fetch(stamps, list(ids.values())) == before
    # ACLED's record is retracted: relinked without it, UCDP's record comes second
    await conn.execute("update incident set status = 'RETRACTED' where id = $1", ids["acled"])
    await linking.link(db, ADMIN)
    ranks = await conn.fetch(
        "select incident_id, rank from event_cluster_member where incident_id = any($1) "
        "order by rank",
        list(ids.values()),
    )
    assert [(r["incident_id"], r["rank"]) for r in ranks] == [(ids["hand"], 0), (ids["ucdp"], 1)]
    assert await _flags(conn, ids) == {
        "hand": False,
        "acled": False,
        "ucdp": True,
        "protest": False,
    }
    # members reordered by hand, then the cluster deleted: every flag follows
    await conn.execute(
        "update event_cluster_member set rank = 2 where incident_id = $1", ids["hand"]
    )
    await conn.execute(
        "update event_cluster_member set rank = 0 where incident_id = $1", ids["ucdp"]
    )
    assert ((await _flags(conn, ids))["hand"], (await _flags(conn, ids))["ucdp"]) == (True, False)
    await conn.execute(
        "delete from event_cluster where id = (select cluster_id from event_cluster_member "
        "where incident_id = $1)",
        ids["hand"],
    )
    assert set((await _flags(conn, ids)).values()) == {False}


async def test_relinking_keeps_unchanged_clusters(
    db: ConnectionDb, conn: asyncpg.Connection, actors: dict[str, int]
) -> None:
    ids = await _event(conn, actors, "PUBLISHED")
    await linking.link(db, ADMIN)
    before = await conn.fetch("select * from event_cluster_member order by incident_id")
    again = await linking.link(db, ADMIN)
    assert (again.created, again.removed) == (0, 0)
    assert await conn.fetch("select * from event_cluster_member order by incident_id") == before
    # touching one record relinks only its neighbourhood, with the same result
    await conn.execute("update incident set notes = 'revised' where id = $1", ids["ucdp"])
    since = await conn.fetchval("select now()")
    touched = await linking.link(db, ADMIN, touched_since=since)
    assert (touched.created, touched.removed) == (0, 0)
    assert touched.considered >= 3


def _record(ident: int, origin: str, **kw: object) -> link_score.Record:
    base: dict = {
        "published": True,
        "occurred_on": DAY,
        "date_earliest": DAY,
        "date_latest": DAY,
        "event_type": "EXPLOSIONS_REMOTE_VIOLENCE",
        "killed": 2,
        "actors": frozenset({"#1", "#2"}),
        "affiliated": frozenset(),
    }
    return link_score.Record(ident, origin, **{**base, **kw})  # type: ignore[arg-type]


def test_what_makes_two_records_one_event() -> None:
    acled = _record(1, "acled")
    same = _record(2, "ucdp", event_type="BATTLES", killed=3)
    assert link_score.score(acled, same, 3.0, 10.0) > link_score.THRESHOLD
    # same dataset, too far, too late, nobody in common, a protest: never
    assert link_score.score(acled, _record(3, "acled"), 0.0, 10.0) == 0
    assert link_score.score(acled, same, 10.5, 10.0) == 0
    later = DAY + dt.timedelta(days=2)
    late = _record(4, "ucdp", occurred_on=later, date_earliest=later, date_latest=later)
    assert link_score.score(acled, late, 0.0, 10.0) == 0
    assert link_score.score(acled, _record(5, "ucdp", actors=frozenset({"#9"})), 0.0, 10.0) == 0
    assert link_score.score(acled, _record(6, "hand", event_type="PROTESTS"), 0.0, 10.0) == 0
    # a front group of the other's actor counts, less than the actor itself
    front = _record(7, "ucdp", actors=frozenset({"#9"}), affiliated=frozenset({"#1"}))
    assert 0 < link_score.score(acled, front, 0.0, 10.0) < link_score.score(acled, same, 0.0, 10.0)


def test_clusters_take_the_best_pairs_and_one_record_per_dataset() -> None:
    a, b, c = _record(1, "acled"), _record(2, "acled"), _record(3, "ucdp")
    h = _record(4, "hand")
    found = link_score.clusters(
        {r.id: r for r in (a, b, c, h)}, [(1, 3, 0.8), (2, 3, 0.9), (1, 4, 0.7), (2, 4, 0.65)]
    )
    # UCDP's record goes with the better ACLED one (2); the hand record's best is the other
    # ACLED one (1), and joining them would put two ACLED records in one event
    assert [[r.id for r in x.ranked()] for x in found] == [[4, 1], [2, 3]]
    assert [x.scores for x in found] == [{1: 0.7, 4: 0.7}, {2: 0.9, 3: 0.9}]


async def test_an_acled_file_import_links_its_rows_to_records_already_there(
    db: ConnectionDb, conn: asyncpg.Connection, gql: Gql, actors: dict[str, int]
) -> None:
    import csv
    import io

    from db.imports.acled import COLUMNS
    from db.imports.run import import_lines
    from tests.sync.events import PLACES, acled_record

    place = next(p for p in PLACES if p[0] == "Al-Tanf")
    loc = await make_location(conn, "At-Tanf garrison", latitude=33.4978, longitude=38.6647)
    who = [(actors["iri"], "PERPETRATOR", "CLAIMED"), (actors["us"], "TARGET", "REPORTED")]
    hand = await make_incident(conn, loc, DAY, killed=0, tags=[TAG], participants=who)
    rows = [
        acled_record("SYR90010", DAY, place, (33.5012, 38.6590), "iri", "us",
                     "Explosions/Remote violence", "Air/drone strike", 0),
        acled_record("SYR90011", DAY, place, (33.4990, 38.6700), "protest", "us",
                     "Protests", "Peaceful protest", 0),
    ]  # fmt: skip
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    text.seek(0)
    report = await import_lines(db, "acled", text, ADMIN)
    assert report.created == 2
    imported = await conn.fetchval(
        "select incident_id from incident_external_id where external_id = 'SYR90010'"
    )
    data = await gql.data(
        "query($id: ID!) { incident(id: $id) { sameEventAs { id } } }",
        {"id": gid("Incident", imported)},
    )
    assert data["incident"]["sameEventAs"] == [{"id": gid("Incident", hand)}]
