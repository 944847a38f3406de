"""An actor's incidents by date: the planner reads them from the participations' copy of
the incident's date (migration 0010), which triggers keep equal to the incident's own.
Every request here also runs on the resolvers (the oracle in ``tests/client.py``), which
order by the incident's date itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from schema.ids import from_global_id, to_global_id
from tests.client import Gql
from tests.schema.test_query_count import _seed as seed

PAGE = """
query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $dir: Direction!,
       $roles: [ParticipantRole!]) {
  actor(id: $id) {
    incidents(first: $first, after: $after, last: $last, before: $before, role: $roles,
              orderBy: {field: OCCURRED_ON, direction: $dir}) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id occurredOn } }
    }
  }
}
"""


async def _busiest(conn: asyncpg.Connection) -> int:
    """The demo's busiest actor, made busier: it takes part in 14 new incidents (in
    turn as target and as perpetrator, in some as both), three of them on one day."""
    pk = int(
        await conn.fetchval(
            "select actor_id from incident_participant group by actor_id "
            "order by count(distinct incident_id) desc, actor_id limit 1"
        )
    )
    await seed(conn, 14)
    ids = [
        r[0]
        for r in await conn.fetch(
            "select id from incident where tags @> array['count-test'] order by id"
        )
    ]
    assert len(ids) == 14
    await conn.execute(
        "update incident set occurred_on = '2021-06-01', date_earliest = '2021-06-01', "
        "date_latest = '2021-06-01' where id = any($1::bigint[])",
        ids[:3],
    )
    await conn.execute(
        "insert into incident_participant (incident_id, actor_id, role) "
        "select id, $1, case when n % 2 = 0 then 'TARGET' else 'PERPETRATOR' end "
        "from unnest($2::bigint[]) with ordinality u(id, n)",
        pk,
        ids,
    )
    await conn.execute(
        "insert into incident_participant (incident_id, actor_id, role) "
        "select id, $1, 'PERPETRATOR' from unnest($2::bigint[]) u(id)",
        pk,
        ids[1:6:2],
    )
    return pk


async def _pages(
    gql: Gql, query: str, variables: dict[str, Any], pick: Any, *, backward: bool
) -> list[str]:
    """Every incident a connection lists, two a page, following the cursors (``pick``
    finds the connection in the answer)."""
    seen: list[str] = []
    cursor = None
    while True:
        args = {"last": 2, "before": cursor} if backward else {"first": 2, "after": cursor}
        conn = pick(await gql.data(query, {**variables, **args}))
        ids = [e["node"]["id"] for e in conn["edges"]]
        seen = ids + seen if backward else seen + ids
        info = conn["pageInfo"]
        if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
            return seen
        cursor = info["startCursor"] if backward else info["endCursor"]


async def _walk(gql: Gql, actor: str, direction: str, roles: Any, *, backward: bool) -> list[str]:
    """Every incident of the actor (``Actor.incidents``), two a page."""
    variables = {"id": actor, "dir": direction, "roles": roles}
    return await _pages(gql, PAGE, variables, lambda d: d["actor"]["incidents"], backward=backward)


async def test_pages_of_an_actors_incidents_follow_the_incidents_dates(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    pk = await _busiest(conn)
    actor = str(to_global_id("Actor", pk))
    for direction in ("DESC", "ASC"):
        for roles in (None, ["TARGET"]):
            whole = await gql.data(
                PAGE, {"id": actor, "first": 100, "dir": direction, "roles": roles}
            )
            edges = whole["actor"]["incidents"]["edges"]
            ids = [e["node"]["id"] for e in edges]
            keys = [(e["node"]["occurredOn"], e["node"]["id"]) for e in edges]
            assert len(ids) == len(set(ids)) == whole["actor"]["incidents"]["totalCount"] >= 3
            assert await _walk(gql, actor, direction, roles, backward=False) == ids
            assert await _walk(gql, actor, direction, roles, backward=True) == ids
            dates = [k[0] for k in keys]
            assert dates == sorted(dates, reverse=direction == "DESC")


async def test_an_incidents_new_date_moves_it_in_its_actors_pages(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    pk = await _busiest(conn)
    actor = str(to_global_id("Actor", pk))
    first = {"id": actor, "first": 1, "dir": "DESC", "roles": None}
    newest = (await gql.data(PAGE, first))["actor"]["incidents"]["edges"][0]["node"]
    oldest_id = int(
        await conn.fetchval(
            "select p.incident_id from incident_participant p join incident i "
            "on i.id = p.incident_id where p.actor_id = $1 and i.status = 'PUBLISHED' "
            "order by i.occurred_on, i.id limit 1",
            pk,
        )
    )
    later = dt.date.fromisoformat(newest["occurredOn"]) + dt.timedelta(days=30)
    await conn.execute(
        "update incident set occurred_on = $2, date_earliest = $2, date_latest = $2 where id = $1",
        oldest_id,
        later,
    )
    copies = await conn.fetch(
        "select distinct occurred_on from incident_participant where incident_id = $1",
        oldest_id,
    )
    assert [r[0] for r in copies] == [later]
    moved = (await gql.data(PAGE, first))["actor"]["incidents"]["edges"][0]["node"]
    assert moved == {"id": str(to_global_id("Incident", oldest_id)), "occurredOn": str(later)}


COPIES = "occurred_on, incident_status, incident_linked_duplicate"


async def _incident_copies(conn: asyncpg.Connection, incident: int) -> tuple[Any, ...]:
    row = await conn.fetchrow(
        "select occurred_on, status, linked_duplicate from incident where id = $1", incident
    )
    return tuple(row)


async def test_a_new_participation_takes_its_incidents_copies(conn: asyncpg.Connection) -> None:
    """Its date, status and linked-record flag (migrations 0010, 0017)."""
    incident, actor = await conn.fetchrow(
        "select i.id, (select min(id) from actor a where not exists (select 1 from "
        "incident_participant p where p.incident_id = i.id and p.actor_id = a.id)) "
        "from incident i order by i.id limit 1"
    )
    await conn.execute("update incident set status = 'DRAFT' where id = $1", incident)
    on, status, flag = await _incident_copies(conn, incident)
    assert status == "DRAFT"
    copied = await conn.fetchrow(
        "insert into incident_participant (incident_id, actor_id, role) "
        f"values ($1, $2, 'TARGET') returning {COPIES}",
        incident,
        actor,
    )
    assert tuple(copied) == (on, "DRAFT", flag)
    # Copies set by hand are put back; a participation moved takes its new incident's.
    kept = await conn.fetchrow(
        "update incident_participant set occurred_on = '1900-01-01', incident_status = "
        "'RETRACTED', incident_linked_duplicate = not incident_linked_duplicate "
        f"where incident_id = $1 and actor_id = $2 returning {COPIES}",
        incident,
        actor,
    )
    assert tuple(kept) == (on, "DRAFT", flag)
    other = await conn.fetchval(
        "select id from incident where occurred_on <> $1 and status = 'PUBLISHED' "
        "order by id limit 1",
        on,
    )
    moved = await conn.fetchrow(
        "update incident_participant set incident_id = $1 "
        f"where incident_id = $2 and actor_id = $3 returning {COPIES}",
        other,
        incident,
        actor,
    )
    assert tuple(moved) == await _incident_copies(conn, other)


async def test_an_incidents_status_and_link_reach_its_participations(
    conn: asyncpg.Connection,
) -> None:
    """Published, drafted, retracted, linked as a later record and unlinked: the
    participations' copies follow, and their own ``updated_at`` does not move (the copies
    are no change of theirs); a real change of a participation still moves it."""
    first, second = [
        r[0]
        for r in await conn.fetch(
            "select incident_id from incident_participant group by incident_id "
            "order by count(*) desc, incident_id limit 2"
        )
    ]
    stamps = "select id, updated_at from incident_participant where incident_id = $1 order by id"
    before = await conn.fetch(stamps, second)
    assert len(before) >= 2

    async def copies() -> set[tuple[Any, ...]]:
        rows = await conn.fetch(
            f"select {COPIES} from incident_participant where incident_id = $1", second
        )
        return {tuple(r) for r in rows}

    for status in ("DRAFT", "RETRACTED", "PUBLISHED"):
        await conn.execute("update incident set status = $2 where id = $1", second, status)
        assert await copies() == {await _incident_copies(conn, second)}
        assert (await _incident_copies(conn, second))[1] == status
    cluster = await conn.fetchval("insert into event_cluster default values returning id")
    await conn.execute(
        "insert into event_cluster_member (incident_id, cluster_id, rank) "
        "values ($1, $3, 0), ($2, $3, 1)",
        first,
        second,
        cluster,
    )
    assert await copies() == {(*(await _incident_copies(conn, second))[:2], True)}
    await conn.execute("delete from event_cluster_member where cluster_id = $1", cluster)
    assert await copies() == {(*(await _incident_copies(conn, second))[:2], False)}
    # the transaction's now(): a stamp set by this test's writes would equal it
    assert await conn.fetch(stamps, second) == before
    now = await conn.fetchval("select now()")
    assert all(r["updated_at"] < now for r in before)
    edited = await conn.fetchval(
        "update incident_participant set note = 'edited' where id = $1 returning updated_at",
        before[0]["id"],
    )
    assert edited == now


LIST = """
query ($id: ID!, $dup: Duplicates! = COLLAPSE, $n: Int) {
  actor(id: $id) {
    incidents(first: $n, filter: {duplicates: $dup}) {
      totalCount
      edges { node { id } }
    }
  }
}
"""


async def test_an_actors_incidents_count_a_linked_event_once(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    """Two of the actor's incidents linked as one event: the page (and its count) shows
    the first, unless it asks for every dataset's record."""
    pk = await _busiest(conn)
    actor = str(to_global_id("Actor", pk))
    every = await gql.data(LIST, {"id": actor, "dup": "INCLUDE", "n": 100})
    ids = [e["node"]["id"] for e in every["actor"]["incidents"]["edges"]]
    first, second = ids[1], ids[3]
    cluster = await conn.fetchval("insert into event_cluster default values returning id")
    await conn.execute(
        "insert into event_cluster_member (incident_id, cluster_id, rank) "
        "values ($1, $3, 0), ($2, $3, 1)",
        from_global_id(first)[1],
        from_global_id(second)[1],
        cluster,
    )
    for n in (100, 3):
        collapsed = await gql.data(LIST, {"id": actor, "n": n})
        got = [e["node"]["id"] for e in collapsed["actor"]["incidents"]["edges"]]
        assert got == [i for i in ids if i != second][:n]
        assert collapsed["actor"]["incidents"]["totalCount"] == len(ids) - 1
    again = await gql.data(LIST, {"id": actor, "dup": "INCLUDE", "n": 100})
    assert again == every


COUNTS = """
query ($id: ID!, $roles: [ParticipantRole!], $f: IncidentFilter, $w: IncidentFilter) {
  actor(id: $id) {
    all: incidents(first: 100) { totalCount edges { node { id } } }
    role: incidents(role: $roles) { totalCount }
    window: incidents(filter: $w) { totalCount }
  }
  incidents(filter: $f) { totalCount }
}
"""


async def test_an_actors_incident_counts_are_what_the_viewer_sees(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    """Counted from the participations' copies of status and link (migration 0017), the
    counts of an actor's incidents (all, in a role, in a date window, and by filter with
    that window) are
    those of the incidents themselves: a draft counts for an editor only, a retracted
    incident for nobody, a later record of a linked event for nobody."""
    pk = await _busiest(conn)
    actor = str(to_global_id("Actor", pk))
    ids = [
        r[0]
        for r in await conn.fetch(
            "select distinct incident_id from incident_participant where actor_id = $1 order by 1",
            pk,
        )
    ]
    draft, retracted, canonical, later = ids[0], ids[2], ids[4], ids[5]
    await conn.execute("update incident set status = 'DRAFT' where id = $1", draft)
    await conn.execute("update incident set status = 'RETRACTED' where id = $1", retracted)
    cluster = await conn.fetchval("insert into event_cluster default values returning id")
    await conn.execute(
        "insert into event_cluster_member (incident_id, cluster_id, rank) "
        "values ($1, $3, 0), ($2, $3, 1)",
        canonical,
        later,
        cluster,
    )
    dates = sorted(
        r[0] for r in await conn.fetch("select occurred_on from incident where id = any($1)", ids)
    )
    lo, hi = dates[len(dates) // 4], dates[-1]
    dates_in = {"occurredOn": {"gte": str(lo), "lte": str(hi)}}
    window = {"participant": {"actor": {"id": actor}}, **dates_in}
    truth = (
        "select count(distinct i.id) from incident i join incident_participant p "
        "on p.incident_id = i.id where p.actor_id = $1 and i.status = any($2::text[]) "
        "and i.id <> $3 and p.role = any($4::text[]) and i.occurred_on between $5 and $6"
    )
    every_role = [
        "PERPETRATOR",
        "TARGET",
        "INTERCEPTOR",
        "CLAIMANT",
        "VICTIM",
        "RESPONDER",
        "OTHER",
    ]
    far = (dt.date(1, 1, 1), dt.date(9999, 12, 31))
    editor = await gql.key("editor")
    for client, statuses in ((gql, ["PUBLISHED"]), (editor, ["PUBLISHED", "DRAFT"])):
        variables = {"id": actor, "roles": ["TARGET"], "f": window, "w": dates_in}
        got = await client.data(COUNTS, variables)
        listed = [from_global_id(e["node"]["id"])[1] for e in got["actor"]["all"]["edges"]]
        assert (draft in listed) is (client is editor)
        assert retracted not in listed
        assert later not in listed
        assert canonical in listed
        expected = await conn.fetchval(truth, pk, statuses, later, every_role, *far)
        assert got["actor"]["all"]["totalCount"] == len(listed) == expected
        in_role = await conn.fetchval(truth, pk, statuses, later, ["TARGET"], *far)
        assert got["actor"]["role"]["totalCount"] == in_role
        assert 0 < in_role < expected
        in_window = await conn.fetchval(truth, pk, statuses, later, every_role, lo, hi)
        assert got["incidents"]["totalCount"] == got["actor"]["window"]["totalCount"] == in_window
        assert 0 < in_window < expected


ROOT = """
query ($f: IncidentFilter, $first: Int, $after: String, $last: Int, $before: String,
       $dir: Direction!) {
  incidents(filter: $f, first: $first, after: $after, last: $last, before: $before,
            orderBy: {field: OCCURRED_ON, direction: $dir}) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id occurredOn } }
  }
}
"""


async def _walk_root(gql: Gql, f: dict[str, Any], direction: str, *, backward: bool) -> list[str]:
    """Every incident ``incidents(filter: f)`` lists, two a page."""
    variables = {"f": f, "dir": direction}
    return await _pages(gql, ROOT, variables, lambda d: d["incidents"], backward=backward)


async def test_incidents_filtered_by_an_actor_page_as_the_actors_own_incidents(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    """``incidents(filter: {participant: …})`` naming actors by id or name is read from
    the participations by date (db.filters.participants_by_date): its pages, whichever
    way they are walked, are the actor's own incidents (``Actor.incidents``), each once
    (the busiest actor takes part in three incidents twice)."""
    pk = await _busiest(conn)
    actor = str(to_global_id("Actor", pk))
    name = await conn.fetchval("select name from actor where id = $1", pk)
    other = int(
        await conn.fetchval(
            "select actor_id from incident_participant where actor_id <> $1 "
            "group by actor_id order by count(*) desc, actor_id limit 1",
            pk,
        )
    )
    for direction in ("DESC", "ASC"):
        for roles in (None, ["TARGET"]):
            own = await gql.data(
                PAGE, {"id": actor, "first": 100, "dir": direction, "roles": roles}
            )
            expected = [e["node"]["id"] for e in own["actor"]["incidents"]["edges"]]
            role = {"role": {"in": roles}} if roles else {}
            for who in ({"id": actor}, {"name": name}, {"ids": [actor]}):
                f = {"participant": {"actor": who, **role}}
                for backward in (False, True):
                    assert await _walk_root(gql, f, direction, backward=backward) == expected
                inside_and = {"and": [f]}
                assert await _walk_root(gql, inside_and, direction, backward=False) == expected
        # Two actors: the incidents of either, each once, in date order.
        both = {"participant": {"actor": {"ids": [actor, str(to_global_id("Actor", other))]}}}
        whole = (await gql.data(ROOT, {"f": both, "first": 100, "dir": direction}))["incidents"]
        union = await conn.fetch(
            "select distinct i.id, i.occurred_on from incident i join incident_participant p "
            "on p.incident_id = i.id where p.actor_id = any($1::bigint[]) "
            "and i.status = 'PUBLISHED' order by 2, 1",
            [pk, other],
        )
        listed = [from_global_id(e["node"]["id"])[1] for e in whole["edges"]]
        expected_ids = [r["id"] for r in union]
        assert listed == (expected_ids[::-1] if direction == "DESC" else expected_ids)[:100]
        assert whole["totalCount"] == len(expected_ids)
        assert await _walk_root(gql, both, direction, backward=True) == [
            e["node"]["id"] for e in whole["edges"]
        ]


async def test_incidents_of_several_actors_page_as_their_merged_incidents(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    """Several actors (ids or a name two of them share) are read each in its own date
    order, up to a page each, then merged: the pages, walked both ways in both orders,
    are the incidents of any of them that meet the rest of the filter (a weapon, a role),
    each once, also those where two of them take part."""
    pk = await _busiest(conn)
    other = int(
        await conn.fetchval(
            "select b.actor_id from incident_participant a join incident_participant b "
            "on b.incident_id = a.incident_id and b.actor_id <> a.actor_id "
            "where a.actor_id = $1 group by b.actor_id order by count(*) desc, 1 limit 1",
            pk,
        )
    )
    await conn.execute(
        "update actor set name = 'Twin Brigade' where id = any($1::bigint[])", [pk, other]
    )
    weapons = [
        r[0]
        for r in await conn.fetch(
            "select i.weapon from incident i join incident_participant p on p.incident_id = i.id "
            "where p.actor_id = any($1::bigint[]) and i.weapon is not null "
            "group by 1 order by count(*) desc, 1 limit 2",
            [pk, other],
        )
    ]
    ids = [str(to_global_id("Actor", a)) for a in (pk, other)]
    for roles in (None, ["TARGET"]):
        truth = await conn.fetch(
            "select i.id, i.occurred_on, count(distinct p.actor_id) as actors from incident i "
            "join incident_participant p on p.incident_id = i.id "
            "where p.actor_id = any($1::bigint[]) and ($2::text[] is null or p.role = any($2)) "
            "and i.status = 'PUBLISHED' and i.weapon = any($3::text[]) "
            "group by i.id order by 2, 1",
            [pk, other],
            roles,
            weapons,
        )
        assert len(truth) > 2
        if roles is None:
            assert any(r["actors"] == 2 for r in truth)  # merged once
        ascending = [str(to_global_id("Incident", r["id"])) for r in truth]
        role = {"role": {"in": roles}} if roles else {}
        for who in ({"ids": ids}, {"name": "twin brigade"}):
            f = {"participant": {"actor": who, **role}, "weapon": {"in": weapons}}
            for direction in ("DESC", "ASC"):
                expected = ascending[::-1] if direction == "DESC" else ascending
                for backward in (False, True):
                    assert await _walk_root(gql, f, direction, backward=backward) == expected
                whole = await gql.data(ROOT, {"f": f, "first": 100, "dir": direction})
                assert whole["incidents"]["totalCount"] == len(expected)


async def test_incidents_filtered_by_an_actor_keep_the_filters_other_conditions(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    """The actor's rows bound the page; the rest of the filter (a window, a weapon) still
    decides which of them match, and an actor nobody may see has no incidents."""
    pk = await _busiest(conn)
    actor = str(to_global_id("Actor", pk))
    rows = await conn.fetch(
        "select distinct i.id, i.occurred_on, i.weapon from incident i "
        "join incident_participant p on p.incident_id = i.id "
        "where p.actor_id = $1 and i.status = 'PUBLISHED' order by 2 desc, 1 desc",
        pk,
    )
    dates = sorted({r["occurred_on"] for r in rows})
    lo, hi = dates[len(dates) // 4], dates[3 * len(dates) // 4]
    weapon = rows[0]["weapon"]
    f = {
        "participant": {"actor": {"id": actor}},
        "occurredOn": {"gte": str(lo), "lte": str(hi)},
        "weapon": {"eq": weapon},
    }
    page = (await gql.data(ROOT, {"f": f, "first": 100, "dir": "DESC"}))["incidents"]
    expected = [r["id"] for r in rows if lo <= r["occurred_on"] <= hi and r["weapon"] == weapon]
    assert [from_global_id(e["node"]["id"])[1] for e in page["edges"]] == expected
    assert page["totalCount"] == len(expected) > 0
    await conn.execute("update actor set status = 'DRAFT' where id = $1", pk)
    hidden = (await gql.data(ROOT, {"f": f, "first": 100, "dir": "DESC"}))["incidents"]
    assert hidden == {
        "totalCount": 0,
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
        "edges": [],
    }
