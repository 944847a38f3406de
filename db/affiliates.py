"""An actor's affiliates: actors reached through relations, up to a depth, cycle-safe.

A recursive walk carries the path it has taken and never steps onto an actor already
on it, so cycles in the relation graph end. Each affiliate is reported once, at its
shortest depth, with the relations of (one of) the shortest paths. Only visible
relations between visible actors are followed; with ``on``, only relations valid on
that date (a null ``valid_from``/``valid_to`` is an open end).

Directions: ``MEMBERS`` follows relations into the actor (its members, parts, front
groups: ``X FRONT_FOR actor``), ``PARENTS`` out of it (what it is a member, part or
front of), ``BOTH`` either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from db.core import Db, to_rows
from db.sql import Compiler, valid_on
from db.viewer import Viewer

DIRECTIONS = ("MEMBERS", "PARENTS", "BOTH")
MAX_DEPTH = 8


@dataclass(frozen=True)
class AffiliateQuery:
    kinds: tuple[str, ...]
    depth: int
    direction: str = "MEMBERS"
    on: dt.date | None = None


@dataclass(frozen=True)
class AffiliateRow:
    root_id: int
    actor_id: int
    depth: int
    via_actor_id: int
    relation_ids: list[int]


def affiliates_sql(c: Compiler, q: AffiliateQuery, ids: Sequence[int]) -> str:
    assert q.direction in DIRECTIONS
    assert 1 <= q.depth <= MAX_DEPTH
    valid = ""
    if q.on is not None:
        on = c(q.on)
        valid = f" and {valid_on('r', f'{on}::date')}"
    steps = []
    if q.direction in ("MEMBERS", "BOTH"):
        steps.append("select o as src, s as dst, id from edge")
    if q.direction in ("PARENTS", "BOTH"):
        steps.append("select s as src, o as dst, id from edge")
    return (
        "with recursive edge as (select r.id, r.subject_actor_id as s, r.object_actor_id as o "
        "from actor_relation r join actor sa on sa.id = r.subject_actor_id "
        "join actor oa on oa.id = r.object_actor_id "
        f"where r.kind = any({c(list(q.kinds))}::text[]) and {c.visible('r')} "
        f"and {c.visible('sa')} and {c.visible('oa')}{valid}), "
        f"step as ({' union all '.join(steps)}), "
        "walk(root_id, actor_id, depth, path, rels) as ("
        "select a, a, 0, array[a], array[]::bigint[] "
        f"from unnest({c(list(ids))}::bigint[]) a "
        "union all select w.root_id, st.dst, w.depth + 1, w.path || st.dst, w.rels || st.id "
        "from walk w join step st on st.src = w.actor_id "
        f"where st.dst <> all(w.path) and w.depth < {c(q.depth)}) "
        "select * from (select distinct on (root_id, actor_id) root_id, actor_id, depth, "
        "path[depth] as via_actor_id, rels as relation_ids from walk where depth > 0 "
        "order by root_id, actor_id, depth, rels) x order by root_id, depth, actor_id"
    )


async def affiliates(
    db: Db, viewer: Viewer, q: AffiliateQuery, ids: Sequence[int]
) -> dict[int, list[AffiliateRow]]:
    c = Compiler(viewer)
    rows = to_rows(AffiliateRow, await db.fetch(affiliates_sql(c, q, ids), *c.params.args))
    out: dict[int, list[AffiliateRow]] = {}
    for row in rows:
        out.setdefault(row.root_id, []).append(row)
    return out
