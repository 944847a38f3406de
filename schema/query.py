"""The root Query: lists (connections), single lookups and `node`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import actors, incidents, locations, sources
from schema.actor import Actor, ActorOrder, actor_order
from schema.common import Node
from schema.context import Info
from schema.filters import ActorFilter, LocationFilter, SourceFilter
from schema.geo import IncidentDistanceConnection, NearArg, resolve_incidents_near
from schema.ids import pk_of
from schema.incident import (
    AfterArg,
    BeforeArg,
    FirstArg,
    Incident,
    IncidentFilterArg,
    IncidentOrderArg,
    LastArg,
    incident_order,
)
from schema.location import Location, LocationOrder, location_order
from schema.node import resolve_nodes
from schema.pagination import Connection, list_connection
from schema.search import SearchHit, SearchType, resolve_search
from schema.source import Source, SourceOrder, source_order
from schema.stats import (
    FillArg,
    GroupByArg,
    GroupsArg,
    IncidentStats,
    IntervalArg,
    RollUpArg,
    TimeZoneArg,
    resolve_incident_stats,
)

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID.")]


@strawberry.type(description="Read the incident graph.")
class Query:
    @strawberry.field(description="Any object by its global ID; null if none is visible.")
    async def node(self, info: Info, id: IdArg) -> Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field(description="Objects by global IDs, in the same order; null where none.")
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
    ) -> list[Node | None]:
        return await resolve_nodes(info, ids)

    @strawberry.field(description="Incidents matching a filter, newest first by default.")
    async def incidents(
        self,
        info: Info,
        filter: IncidentFilterArg = None,
        order_by: IncidentOrderArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Incident]:
        f = filter.to_db() if filter else None
        return await list_connection(
            info.context,
            incidents.TABLE,
            f,
            incident_order(order_by),
            Incident.from_row,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One incident by ID.")
    async def incident(self, info: Info, id: IdArg) -> Incident | None:
        row = await info.context.loaders.incident.load(pk_of(id, "Incident"))
        return Incident.from_row(row) if row else None

    @strawberry.field(description="Actors matching a filter, by name by default.")
    async def actors(
        self,
        info: Info,
        filter: Annotated[
            ActorFilter | None, strawberry.argument(description="Only actors matching this.")
        ] = None,
        order_by: Annotated[
            ActorOrder | None, strawberry.argument(description="Sort order; default by name.")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Actor]:
        f = filter.to_db() if filter else None
        return await list_connection(
            info.context,
            actors.TABLE,
            f,
            actor_order(order_by),
            Actor.from_row,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One actor by ID.")
    async def actor(self, info: Info, id: IdArg) -> Actor | None:
        row = await info.context.loaders.actor.load(pk_of(id, "Actor"))
        return Actor.from_row(row) if row else None

    @strawberry.field(description="Locations matching a filter, by name by default.")
    async def locations(
        self,
        info: Info,
        filter: Annotated[
            LocationFilter | None,
            strawberry.argument(description="Only locations matching this."),
        ] = None,
        order_by: Annotated[
            LocationOrder | None,
            strawberry.argument(description="Sort order; default by name."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Location]:
        f = filter.to_db() if filter else None
        return await list_connection(
            info.context,
            locations.TABLE,
            f,
            location_order(order_by),
            Location.from_row,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One location by ID.")
    async def location(self, info: Info, id: IdArg) -> Location | None:
        row = await info.context.loaders.location.load(pk_of(id, "Location"))
        return Location.from_row(row) if row else None

    @strawberry.field(description="Sources matching a filter, newest publication first.")
    async def sources(
        self,
        info: Info,
        filter: Annotated[
            SourceFilter | None, strawberry.argument(description="Only sources matching this.")
        ] = None,
        order_by: Annotated[
            SourceOrder | None,
            strawberry.argument(description="Sort order; default newest first."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Source]:
        f = filter.to_db() if filter else None
        return await list_connection(
            info.context,
            sources.TABLE,
            f,
            source_order(order_by),
            Source.from_row,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One source by ID.")
    async def source(self, info: Info, id: IdArg) -> Source | None:
        row = await info.context.loaders.source.load(pk_of(id, "Source"))
        return Source.from_row(row) if row else None

    @strawberry.field(
        description="Counts and sums of the incidents matching a filter (the same filter as "
        "`incidents`), grouped by time bucket and other dimensions. Computed in SQL."
    )
    async def incident_stats(
        self,
        info: Info,
        filter: IncidentFilterArg = None,
        group_by: GroupByArg = None,
        interval: IntervalArg = None,
        time_zone: TimeZoneArg = "UTC",
        fill_empty: FillArg = False,
        roll_up_perpetrators: RollUpArg = False,
        first: GroupsArg = 1000,
    ) -> IncidentStats:
        return await resolve_incident_stats(
            info, filter, group_by, interval, time_zone, fill_empty, roll_up_perpetrators, first
        )

    @strawberry.field(
        description="Incidents within a radius of a point or location, nearest first, with "
        "their distance."
    )
    async def incidents_near(
        self,
        info: Info,
        near: NearArg,
        filter: IncidentFilterArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> IncidentDistanceConnection:
        return await resolve_incidents_near(info, near, filter, first, after)

    @strawberry.field(
        description="Ranked search over actors, locations, sources and incidents, tolerant "
        "of case, accents, punctuation, transliteration and typos."
    )
    async def search(
        self,
        info: Info,
        text: Annotated[str, strawberry.argument(description="What to look for.")],
        types: Annotated[
            list[SearchType] | None,
            strawberry.argument(description="Only these kinds of records (default all)."),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="At most this many hits (max page size).")
        ] = 20,
    ) -> list[SearchHit]:
        return await resolve_search(info, text, types, first)
