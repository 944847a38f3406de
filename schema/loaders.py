"""Per-request DataLoaders: every nested list is fetched in one batch per level.

Loaders are built fresh for each request (``Context``), so nothing is cached across
requests or viewers. Loaders keyed by ``(group, id)`` batch the ids of each group —
the same page arguments, the same date — into one statement.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from db import actors, affiliates, feed, incidents, listing, locations, sources
from db.core import Db
from db.filters import IncidentFilter
from db.pagination import Page, PageArgs
from db.viewer import Viewer

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ById = Callable[[Db, Viewer, Sequence[int]], Awaitable[Mapping[int, Any]]]


def _listed(table: listing.Table[Any, Any]) -> ById:
    return lambda db, viewer, ids: listing.by_ids(db, table, viewer, ids)


# Each entity of ``db.model.ENTITIES`` → how its records are read by id, as the viewer
# sees them: `node`, references between records and mutation results all load from here.
BY_ID: dict[str, ById] = {
    "Incident": _listed(incidents.TABLE),
    "Actor": _listed(actors.TABLE),
    "Location": _listed(locations.TABLE),
    "Source": _listed(sources.TABLE),
    "Statement": sources.statements_by_id,
    "ActorRelation": actors.relations_by_id,
    "Deployment": locations.deployments_by_id,
}


def _one(fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]]) -> DataLoader[K, V | None]:
    """Loads one record per key; None where there is none (or it is not visible)."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _many(
    fetch: Callable[[Sequence[K]], Awaitable[dict[K, list[V]]]],
) -> DataLoader[K, list[V]]:
    """Loads a list per key; empty where there is none."""

    async def load(keys: list[K]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def _grouped(
    fetch: Callable[[Any, Sequence[int]], Awaitable[dict[int, V]]], default: Callable[[], V]
) -> DataLoader[tuple[Any, int], V]:
    async def load(keys: list[tuple[Any, int]]) -> list[V]:
        groups: dict[Any, list[int]] = {}
        for group, pk in keys:
            groups.setdefault(group, []).append(pk)
        names = list(groups)
        found = await asyncio.gather(*(fetch(g, groups[g]) for g in names))
        results = dict(zip(names, found, strict=True))
        return [results[g].get(pk, default()) for g, pk in keys]

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class IncidentLink:
    """Which parent an incident list hangs off: an actor (optionally by role), a location
    or a source."""

    parent: str
    roles: tuple[str, ...] | None = None

    def links(self) -> Any:
        if self.parent == "actor":
            return incidents.by_actor(self.roles)
        if self.parent == "location":
            return incidents.by_location
        return incidents.by_source


class Loaders:
    def __init__(self, db: Db, viewer: Viewer) -> None:
        # One loader per entity (``BY_ID``), and the same loaders by short name.
        self.records: dict[str, DataLoader[int, Any]] = {
            entity: _one(partial(by_id, db, viewer)) for entity, by_id in BY_ID.items()
        }
        self.incident: DataLoader[int, incidents.IncidentRow | None] = self.records["Incident"]
        self.actor: DataLoader[int, actors.ActorRow | None] = self.records["Actor"]
        self.location: DataLoader[int, locations.LocationRow | None] = self.records["Location"]
        self.source: DataLoader[int, sources.SourceRow | None] = self.records["Source"]
        self.statement: DataLoader[int, sources.StatementRow | None] = self.records["Statement"]
        self.relation: DataLoader[int, actors.RelationRow | None] = self.records["ActorRelation"]
        self.deployment: DataLoader[int, locations.DeploymentRow | None] = self.records[
            "Deployment"
        ]

        self.participants = _many(lambda ids: incidents.participants(db, viewer, ids))
        self.incident_source_ids = _many(lambda ids: incidents.source_ids(db, viewer, ids))
        self.same_event_ids = _many(lambda ids: incidents.same_event_ids(db, viewer, ids))
        self.relations = _many(lambda ids: actors.relations(db, viewer, ids))
        self.statements_by_source = _many(
            lambda ids: sources.statements_by(db, viewer, "source_id", ids)
        )
        self.statements_by_incident = _many(
            lambda ids: sources.statements_by(db, viewer, "incident_id", ids)
        )
        self.statements_by_speaker = _many(
            lambda ids: sources.statements_by(db, viewer, "speaker_actor_id", ids)
        )

        async def deployments_at(on: dt.date | None, ids: Sequence[int]) -> dict[int, Any]:
            return await locations.deployments_at(db, viewer, ids, on)

        async def deployments_of(on: dt.date | None, ids: Sequence[int]) -> dict[int, Any]:
            return await locations.deployments_of(db, viewer, ids, on)

        self.deployments_at = _grouped(deployments_at, list)
        self.deployments_of = _grouped(deployments_of, list)

        async def incident_pages(
            group: tuple[IncidentLink, IncidentFilter | None, PageArgs], ids: Sequence[int]
        ) -> dict[int, Page[incidents.IncidentRow]]:
            link, f, args = group
            return await listing.pages_by_parent(
                db, incidents.TABLE, viewer, link.links(), ids, f, args
            )

        async def incident_counts(
            group: tuple[IncidentLink, IncidentFilter | None], ids: Sequence[int]
        ) -> dict[int, int]:
            link, f = group
            return await listing.counts_by_parent(db, incidents.TABLE, viewer, link.links(), ids, f)

        self.incident_pages = _grouped(incident_pages, lambda: Page([], [], False, False))
        self.incident_counts = _grouped(incident_counts, lambda: 0)

        async def affiliates_of(
            q: affiliates.AffiliateQuery, ids: Sequence[int]
        ) -> dict[int, list[affiliates.AffiliateRow]]:
            return await affiliates.affiliates(db, viewer, q, ids)

        self.affiliates = _grouped(affiliates_of, list)

        async def history_of(
            group: tuple[str, int], ids: Sequence[int]
        ) -> dict[int, list[feed.ChangeRow]]:
            entity, first = group
            return await feed.histories(db, entity, ids, first)

        # key: ((entity, first), id); only resolved for editors (the field checks the role)
        self.history = _grouped(history_of, list)
