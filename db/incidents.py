"""Incidents: rows, lists, and the incident-side links (participants, sources, ids)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from db import listing
from db.core import Db, group_by, to_rows
from db.filters import IncidentFilter
from db.model import ENTITIES, participant_visible
from db.sql import Compiler
from db.viewer import Viewer


@dataclass(frozen=True)
class IncidentRow:
    id: int
    occurred_on: dt.date
    date_earliest: dt.date
    date_latest: dt.date
    occurred_time: dt.time | None
    time_precision: str
    location_id: int
    event_type: str
    sub_event_type: str
    weapon: str
    projectile_count: int | None
    outcome: str
    claim_status: str
    killed_low: int | None
    killed_best: int | None
    killed_high: int | None
    injured_low: int | None
    injured_best: int | None
    injured_high: int | None
    damage: str
    damage_description: str | None
    summary: str
    notes: str | None
    tags: list[str]
    latitude: float | None
    longitude: float | None
    geo_precision: str | None
    admin1_code: str | None
    admin1_name: str | None
    admin2_name: str | None
    admin3_name: str | None
    place_name: str | None
    country_name: str | None
    region: str | None
    where_description: str | None
    disorder_type: str | None
    inter1: str | None
    inter2: str | None
    interaction: str | None
    civilian_targeting: bool | None
    source_scale: str | None
    deaths_a: int | None
    deaths_b: int | None
    deaths_civilians: int | None
    deaths_unknown: int | None
    date_prec: int | None
    where_prec: int | None
    event_clarity: int | None
    conflict_id: int | None
    dyad_id: int | None
    side_a_id: int | None
    side_b_id: int | None
    relid: str | None
    number_of_sources: int | None
    external_ids: list[dict[str, str]]
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


EXTERNAL_IDS = """coalesce((select json_agg(json_build_object('system', e.system,
  'id', e.external_id, 'version', e.source_version::text) order by e.system, e.external_id)
  from incident_external_id e
  where e.incident_id = {t}.id), '[]'::json)"""

TABLE: listing.Table[IncidentRow, IncidentFilter] = listing.Table.of(
    ENTITIES["Incident"], IncidentRow, {"external_ids": EXTERNAL_IDS}
)

# Links from a parent to its incidents: SQL selecting the incident ids of ONE parent,
# given the SQL expression of that parent's id.


def by_actor(roles: tuple[str, ...] | None = None) -> listing.Links:
    def links(c: Compiler, parent: str) -> str:
        role = "" if roles is None else f" and role = any({c(list(roles))}::text[])"
        return f"select incident_id from incident_participant where actor_id = {parent}{role}"

    return links


def by_location(_: Compiler, parent: str) -> str:
    return f"select id from incident where location_id = {parent}"


def by_source(_: Compiler, parent: str) -> str:
    return f"select incident_id from incident_source where source_id = {parent}"


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    incident_id: int
    actor_id: int
    role: str
    basis: str
    attributed_by_actor_id: int | None
    source_id: int | None
    statement_id: int | None
    note: str | None
    associated: bool
    side: int | None
    reported_name: str | None


async def participants(
    db: Db, viewer: Viewer, incident_ids: Sequence[int]
) -> dict[int, list[ParticipantRow]]:
    """Participants of the given incidents whose actor the viewer may see."""
    c = Compiler(viewer)
    sql = (
        "select p.id, p.incident_id, p.actor_id, p.role, p.basis, p.attributed_by_actor_id, "
        "p.source_id, p.statement_id, p.note, p.associated, p.side, p.reported_name "
        "from incident_participant p "
        f"where p.incident_id = any({c(list(incident_ids))}::bigint[]) "
        f"and {participant_visible(c, 'p')} "
        "order by p.incident_id, p.role, p.id"
    )
    return group_by(to_rows(ParticipantRow, await db.fetch(sql, *c.params.args)), "incident_id")


async def source_ids(db: Db, viewer: Viewer, incident_ids: Sequence[int]) -> dict[int, list[int]]:
    """Visible source ids per incident, oldest publication first."""
    c = Compiler(viewer)
    sql = (
        "select l.incident_id as parent, l.source_id as child from incident_source l "
        "join source s on s.id = l.source_id "
        f"where l.incident_id = any({c(list(incident_ids))}::bigint[]) and {c.visible('s')} "
        "order by l.incident_id, s.published_at nulls last, s.id"
    )
    return await _ids_per_parent(db, c, sql)


async def _ids_per_parent(db: Db, c: Compiler, sql: str) -> dict[int, list[int]]:
    """``parent → [child, …]`` from a statement selecting ``parent, child`` in order."""
    out: dict[int, list[int]] = {}
    for r in await db.fetch(sql, *c.params.args):
        out.setdefault(r["parent"], []).append(r["child"])
    return out


async def same_event_ids(
    db: Db, viewer: Viewer, incident_ids: Sequence[int]
) -> dict[int, list[int]]:
    """The other visible records of each incident's event (its cluster), canonical first."""
    c = Compiler(viewer)
    sql = (
        "select m.incident_id as parent, o.incident_id as child from event_cluster_member m "
        "join event_cluster_member o on o.cluster_id = m.cluster_id "
        "and o.incident_id <> m.incident_id join incident x on x.id = o.incident_id "
        f"where m.incident_id = any({c(list(incident_ids))}::bigint[]) and {c.visible('x')} "
        "order by m.incident_id, o.rank"
    )
    return await _ids_per_parent(db, c, sql)
