"""Locations: rows, lists, and deployments (which actors' forces are stationed where)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from db import listing
from db.core import Db, group_by, to_rows
from db.filters import LocationFilter
from db.model import ENTITIES, value_sql
from db.sql import Compiler, valid_on
from db.viewer import Viewer


@dataclass(frozen=True)
class LocationRow:
    id: int
    name: str
    kind: str
    latitude: float | None
    longitude: float | None
    geo_precision: str
    precision_km: float | None
    country_code: str | None
    admin1_code: str | None
    admin1_name: str | None
    admin2_name: str | None
    parent_id: int | None
    description: str | None
    aliases: list[str]
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


TABLE: listing.Table[LocationRow, LocationFilter] = listing.Table.of(
    ENTITIES["Location"], LocationRow, {"aliases": value_sql("Location", "aliases")}
)


@dataclass(frozen=True)
class DeploymentRow:
    id: int
    location_id: int
    actor_id: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    strength: int | None
    strength_note: str | None
    mission: str | None
    note: str | None
    source_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


def _deployments_sql(c: Compiler, column: str, ids: Sequence[int], on: dt.date | None) -> str:
    when = ""
    if on is not None:
        p = c(on)
        when = f"and {valid_on('d', f'{p}::date')} "
    return (
        "select d.id, d.location_id, d.actor_id, d.valid_from, d.valid_to, d.strength, "
        "d.strength_note, d.mission, d.note, "
        "array(select ds.source_id from deployment_source ds join source s on s.id = "
        f"ds.source_id where ds.deployment_id = d.id and {c.visible('s')} order by ds.source_id) "
        "as source_ids, d.created_at, d.updated_at from deployment d "
        f"where d.{column} = any({c(list(ids))}::bigint[]) "
        f"and {ENTITIES['Deployment'].visible(c, 'd')} {when}"
        "order by d.valid_from nulls first, d.id"
    )


async def deployments_at(
    db: Db, viewer: Viewer, location_ids: Sequence[int], on: dt.date | None
) -> dict[int, list[DeploymentRow]]:
    """Deployments per location; with ``on``, only those in force on that date."""
    c = Compiler(viewer)
    sql = _deployments_sql(c, "location_id", location_ids, on)
    return group_by(to_rows(DeploymentRow, await db.fetch(sql, *c.params.args)), "location_id")


async def deployments_of(
    db: Db, viewer: Viewer, actor_ids: Sequence[int], on: dt.date | None
) -> dict[int, list[DeploymentRow]]:
    """Deployments per actor; with ``on``, only those in force on that date."""
    c = Compiler(viewer)
    sql = _deployments_sql(c, "actor_id", actor_ids, on)
    return group_by(to_rows(DeploymentRow, await db.fetch(sql, *c.params.args)), "actor_id")


async def deployments_by_id(db: Db, viewer: Viewer, ids: Sequence[int]) -> dict[int, DeploymentRow]:
    c = Compiler(viewer)
    sql = _deployments_sql(c, "id", ids, None)
    return {r.id: r for r in to_rows(DeploymentRow, await db.fetch(sql, *c.params.args))}
