"""The names and ids the benchmark's workloads need, found in the generated data.

Deterministic for a given dataset: the actor hosting forces at the most bases abroad and
a typical week of drone attacks on them (headline), the busiest country-year (page), the
busiest armed group (deep), a fully populated incident (node), and the fixed parameters
of filter-heavy and count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg


async def compute_fixture(conn: asyncpg.Connection) -> dict[str, Any]:
    """Names and ids the benchmark workloads need, found in the data (deterministic)."""
    fx: dict[str, Any] = {}
    # The actor hosting forces at the most bases (visible deployments and actor).
    host = await conn.fetchrow(
        """
        select a.id, a.name, count(distinct d.location_id) as bases
        from deployment d join actor a on a.id = d.actor_id
        join location l on l.id = d.location_id
        where d.status = 'PUBLISHED' and a.status = 'PUBLISHED' and l.country_code <> a.country_code
        group by a.id, a.name order by bases desc, a.id limit 1
        """
    )
    if host is None:
        return fx
    fx["host_actor"] = {"id": host["id"], "name": host["name"], "bases": host["bases"]}
    alias = await conn.fetchval(
        "select alias from actor_alias where actor_id = $1 order by alias limit 1", host["id"]
    )
    fx["host_actor"]["alias"] = alias
    # The week (Monday..Sunday) with the most drone incidents at its bases.
    weeks = await conn.fetch(
        """
        select date_trunc('week', i.occurred_on)::date as monday, count(*) as n
        from incident i
        join deployment d on d.location_id = i.location_id and d.actor_id = $1
          and d.status = 'PUBLISHED'
          and (d.valid_from is null or d.valid_from <= i.occurred_on)
          and (d.valid_to is null or d.valid_to >= i.occurred_on)
        join location l on l.id = i.location_id and l.status = 'PUBLISHED'
        where i.weapon = 'DRONE' and i.status = 'PUBLISHED' and i.time_precision = 'DAY'
        group by 1
        """,
        host["id"],
    )
    # A typical week, not the busiest: the median of the weeks that have any.
    weeks = sorted(weeks, key=lambda w: (w["n"], w["monday"]))
    week = weeks[len(weeks) // 2] if weeks else None
    if week is not None:
        fx["headline"] = {
            "actor": host["name"],
            "from": week["monday"].isoformat(),
            "to": (week["monday"] + dt.timedelta(days=6)).isoformat(),
            "incidents": week["n"],
        }
    # The busiest actor (most participations).
    busy = await conn.fetchrow(
        """
        select a.id, a.name, count(*) as n from incident_participant p
        join actor a on a.id = p.actor_id where a.status = 'PUBLISHED'
        group by a.id, a.name order by n desc, a.id limit 1
        """
    )
    if busy is None:
        return fx
    fx["busy_actor"] = {"id": busy["id"], "name": busy["name"], "participations": busy["n"]}
    # The country and year with most incidents.
    cy = await conn.fetchrow(
        """
        select l.country_code, extract(year from i.occurred_on)::int as year, count(*) as n
        from incident i join location l on l.id = i.location_id
        where i.status = 'PUBLISHED' and l.status = 'PUBLISHED'
        group by 1, 2 order by 3 desc, 1, 2 limit 1
        """
    )
    if cy is None:
        return fx
    fx["page"] = {"country": cy["country_code"], "year": cy["year"], "incidents": cy["n"]}
    # A fully populated incident for node(id:): 4 participants, 3 sources, a statement.
    node = await conn.fetchval(
        """
        select i.id from incident i
        where i.status = 'PUBLISHED'
          and (select count(*) from incident_participant p where p.incident_id = i.id) >= 3
          and (select count(*) from incident_source s where s.incident_id = i.id) = 3
          and exists (select 1 from statement s where s.incident_id = i.id)
          and i.id > (select max(id) / 2 from incident)
        order by i.id limit 1
        """
    )
    fx["node"] = {"incident_id": node}
    group = await conn.fetchrow(
        """
        select a.id, a.name, count(*) as n from incident_participant p
        join actor a on a.id = p.actor_id
        where a.status = 'PUBLISHED' and a.kind in ('MILITIA', 'REBEL_GROUP')
        group by a.id, a.name order by n desc, a.id limit 1
        """
    )
    if group is None:
        return fx
    fx["deep"] = {
        "actor_id": group["id"],
        "actor": group["name"],
        "participations": group["n"],
        "relation_kinds": ["MEMBER_OF", "PART_OF", "FRONT_FOR", "ALLIED_WITH"],
    }
    fx["filter_heavy"] = {"text": "checkpoint", "killed_gte": 5}
    fx["count"] = {
        "event_types": ["BATTLES", "EXPLOSIONS_REMOTE_VIOLENCE"],
        "from": "2018-01-01",
        "to": "2022-12-31",
    }
    return fx


async def fixture_at(url: str) -> dict[str, Any]:
    """``compute_fixture`` on a connection of its own to ``url``."""
    conn = await asyncpg.connect(url)
    try:
        return await compute_fixture(conn)
    finally:
        await conn.close()
