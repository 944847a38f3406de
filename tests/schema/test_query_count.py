"""No N+1: a page with every nested list costs the same number of SQL statements
whatever its size: the resolvers batch nested lists per level with DataLoaders, and the
planner answers with one statement."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.client import Gql

DEEP = """
query($n: Int!) {
  incidents(first: $n, filter: {tags: {any: ["count-test"]}}) {
    totalCount
    edges { cursor node {
      id summary occurredOn weapon killed { best } externalIds { system id }
      location { name parent { name } deployments { strength actor { name aliases }
        sources { title } } }
      participants { role basis note
        actor { name relations { kind subject { name } object { name } sources { title } } }
        attributedBy { name } source { title } statement { text } }
      sources { title media { credit } statements { text speaker { name } incident { id } } }
      statements { text }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _seed(conn: asyncpg.Connection, n: int) -> None:
    """n incidents, each at its own location with its own actors, relations, sources."""
    await conn.execute(
        """
        with loc as (
          insert into location (name, kind, latitude, longitude, country_code)
          select 'Count base ' || g, 'MILITARY_BASE', 33 + g / 100.0, 44, 'IQ'
          from generate_series(1, $1) g returning id, name
        ), act as (
          insert into actor (name, kind) select 'Count actor ' || g, 'MILITIA'
          from generate_series(1, 2 * $1) g returning id, name
        ), src as (
          insert into source (kind, publisher, title, url)
          select 'NEWS_ARTICLE', 'Count Publisher', 'Count report ' || g,
                 'https://example.test/count/' || g
          from generate_series(1, $1) g returning id, title
        )
        select 1
        """,
        n,
    )
    await conn.execute(
        """
        insert into incident (occurred_on, date_earliest, date_latest, location_id, event_type,
          sub_event_type, weapon, summary, tags, killed_best)
        select date '2022-01-01' + g, date '2022-01-01' + g, date '2022-01-01' + g, l.id,
          'EXPLOSIONS_REMOTE_VIOLENCE', 'AIR_DRONE_STRIKE', 'DRONE', 'Count incident ' || g,
          array['count-test'], g % 3
        from generate_series(1, $1) g join location l on l.name = 'Count base ' || g;

        insert into incident_participant (incident_id, actor_id, role, basis, source_id)
        select i.id, a.id, case when a.name like '%odd' then 'TARGET' else 'PERPETRATOR' end,
               'ALLEGED', s.id
        from incident i
        join lateral (select g from generate_series(1, 2) g) k on true
        join actor a
          on a.name = 'Count actor ' || (2 * (split_part(i.summary, ' ', 3)::int) - k.g + 1)
        join source s on s.title = 'Count report ' || split_part(i.summary, ' ', 3)
        where i.summary like 'Count incident %';

        insert into incident_source (incident_id, source_id)
        select i.id, s.id from incident i
        join source s on s.title = 'Count report ' || split_part(i.summary, ' ', 3)
        where i.summary like 'Count incident %';

        insert into deployment (location_id, actor_id, strength)
        select i.location_id, p.actor_id, 100 from incident i
        join incident_participant p on p.incident_id = i.id
        where i.summary like 'Count incident %';

        insert into actor_relation (subject_actor_id, kind, object_actor_id)
        select p1.actor_id, 'ALLIED_WITH', p2.actor_id
        from incident_participant p1 join incident_participant p2
          on p1.incident_id = p2.incident_id and p1.actor_id < p2.actor_id
        join incident i on i.id = p1.incident_id where i.summary like 'Count incident %';

        insert into statement (source_id, text, incident_id)
        select s.id, 'Count statement ' || s.title, i.id from incident i
        join source s on s.title = 'Count report ' || split_part(i.summary, ' ', 3)
        where i.summary like 'Count incident %';
        """.replace("$1", str(n))
    )


def check_page(data: dict[str, Any], n: int) -> None:
    """The page of ``n`` of DEEP over ``_seed``'s data: every nested level as made."""
    edges = data["incidents"]["edges"]
    assert len(edges) == n
    for edge in edges:  # every nested level really was loaded, as _seed made it
        node = edge["node"]
        g = int(node["summary"].removeprefix("Count incident "))
        pair = (f"Count actor {2 * g - 1}", f"Count actor {2 * g}")  # ids ascending
        actors = sorted(pair)
        assert node["location"]["name"] == f"Count base {g}"
        assert sorted(x["actor"]["name"] for x in node["location"]["deployments"]) == actors
        assert sorted(p["actor"]["name"] for p in node["participants"]) == actors
        assert [
            [
                (r["kind"], r["subject"]["name"], r["object"]["name"])
                for r in p["actor"]["relations"]
            ]
            for p in node["participants"]
        ] == [[("ALLIED_WITH", *pair)]] * 2
        assert [s["title"] for s in node["sources"]] == [f"Count report {g}"]
        assert [st["text"] for st in node["sources"][0]["statements"]] == [
            f"Count statement Count report {g}"
        ]


async def _count_statements(gql: Gql, n: int) -> int:
    data, statements = await gql.counted(DEEP, {"n": n})
    check_page(data, n)
    return len(statements)


@pytest.mark.parametrize("small", [1, 5])
async def test_statement_count_does_not_grow_with_page_size(
    gql: Gql, conn: asyncpg.Connection, small: int
) -> None:
    await _seed(conn, 20)
    # The resolvers: one statement per nesting level, not per row: the page, its count,
    # and one batch for each nested list or object (README: 12 for a 20-incident page).
    resolvers = gql.resolvers_only()
    assert await _count_statements(resolvers, small) == 12
    assert await _count_statements(resolvers, 20) == 12
    # The planner: one statement (and the same answer: the oracle compares the two).
    assert await _count_statements(gql, small) == 1
    assert await _count_statements(gql, 20) == 1
