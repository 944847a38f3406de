"""Actors: rows, lists, and relations between actors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from db import listing
from db.core import Db, to_rows
from db.filters import ActorFilter
from db.model import ENTITIES, value_sql
from db.sql import Compiler
from db.viewer import Viewer


@dataclass(frozen=True)
class ActorRow:
    id: int
    name: str
    kind: str
    country_code: str | None
    description: str | None
    aliases: list[str]
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


TABLE: listing.Table[ActorRow, ActorFilter] = listing.Table.of(
    ENTITIES["Actor"], ActorRow, {"aliases": value_sql("Actor", "aliases")}
)


@dataclass(frozen=True)
class RelationRow:
    id: int
    subject_actor_id: int
    kind: str
    object_actor_id: int
    basis: str
    asserted_by_actor_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str | None
    source_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


def _relations_sql(c: Compiler, where: str) -> str:
    return (
        "select r.id, r.subject_actor_id, r.kind, r.object_actor_id, r.basis, "
        "r.asserted_by_actor_id, r.valid_from, r.valid_to, r.note, "
        "array(select rs.source_id from actor_relation_source rs join source s "
        f"on s.id = rs.source_id where rs.relation_id = r.id and {c.visible('s')} "
        "order by rs.source_id) as source_ids, r.created_at, r.updated_at "
        f"from actor_relation r where {where} and {ENTITIES['ActorRelation'].visible(c, 'r')} "
        "order by r.kind, r.id"
    )


async def relations(
    db: Db, viewer: Viewer, actor_ids: Sequence[int]
) -> dict[int, list[RelationRow]]:
    """Relations in which each actor is the subject or the object, both ends visible."""
    c = Compiler(viewer)
    ids = c(list(actor_ids))
    where = (
        f"(r.subject_actor_id = any({ids}::bigint[]) or r.object_actor_id = any({ids}::bigint[]))"
    )
    rows = to_rows(RelationRow, await db.fetch(_relations_sql(c, where), *c.params.args))
    wanted = set(actor_ids)
    out: dict[int, list[RelationRow]] = {}
    for row in rows:
        for end in sorted({row.subject_actor_id, row.object_actor_id} & wanted):
            out.setdefault(end, []).append(row)
    return out


async def relations_by_id(db: Db, viewer: Viewer, ids: Sequence[int]) -> dict[int, RelationRow]:
    c = Compiler(viewer)
    sql = _relations_sql(c, f"r.id = any({c(list(ids))}::bigint[])")
    return {r.id: r for r in to_rows(RelationRow, await db.fetch(sql, *c.params.args))}
