"""The Location type and deployments of forces at locations."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import locations
from db.locations import DeploymentRow, LocationRow
from db.pagination import Order
from schema.changes import history_field
from schema.common import Admin1, Country, Node, country
from schema.context import Info
from schema.enums import Direction, GeoPrecision, LocationKind, RecordStatus, value
from schema.ids import to_global_id
from schema.incident import incidents_field

if TYPE_CHECKING:
    from schema.actor import Actor
    from schema.source import Source

ActorT = Annotated["Actor", strawberry.lazy("schema.actor")]
SourceT = Annotated["Source", strawberry.lazy("schema.source")]


@strawberry.enum(description="What locations can be ordered by (ties broken by id).")
class LocationOrderField(Enum):
    NAME = strawberry.enum_value("NAME", description="Name, case-insensitive.")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When recorded.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When last changed.")


@strawberry.input(description="Order of a location list. Default: by name.")
class LocationOrder:
    field: LocationOrderField = strawberry.field(
        default=LocationOrderField.NAME, description="Sort key."
    )
    direction: Direction = strawberry.field(default=Direction.ASC, description="Direction.")


def location_order(order_by: LocationOrder | None) -> Order:
    order_by = order_by or LocationOrder()
    return locations.TABLE.order(value(order_by.field), order_by.direction == Direction.DESC)


@strawberry.type(description="WGS 84 coordinates in decimal degrees.")
class Coordinates:
    latitude: float = strawberry.field(description="Latitude, -90..90.")
    longitude: float = strawberry.field(description="Longitude, -180..180.")


@strawberry.type(
    description="A place: a country, province, city, base or airport, with coordinates, "
    "administrative codes and the forces stationed there."
)
class Location(Node):
    name: str = strawberry.field(description="Preferred name.")
    aliases: list[str] = strawberry.field(description="Other names and spellings.")
    kind: LocationKind = strawberry.field(description="What kind of place.")
    coordinates: Coordinates | None = strawberry.field(description="Where; null if unknown.")
    geo_precision: GeoPrecision = strawberry.field(description="How precise the coordinates are.")
    precision_km: float | None = strawberry.field(
        description="Approximate radius of uncertainty of the coordinates, in km."
    )
    country: Country | None = strawberry.field(description="Country (ISO 3166-1).")
    admin1: Admin1 | None = strawberry.field(description="Province/governorate (ISO 3166-2).")
    admin2: str | None = strawberry.field(description="District name.")
    description: str | None = strawberry.field(description="What the place is.")
    status: RecordStatus = strawberry.field(description="Publication state.")
    version: int = strawberry.field(description="Increases with every change.")
    created_at: dt.datetime = strawberry.field(description="When recorded in Sitrep.")
    updated_at: dt.datetime = strawberry.field(description="When last changed in Sitrep.")
    pk: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: LocationRow) -> Location:
        coords = None
        if row.latitude is not None and row.longitude is not None:
            coords = Coordinates(latitude=row.latitude, longitude=row.longitude)
        admin1 = None
        if row.admin1_code or row.admin1_name:
            admin1 = Admin1(code=row.admin1_code, name=row.admin1_name)
        return cls(
            id=to_global_id("Location", row.id),
            pk=row.id,
            parent_id=row.parent_id,
            name=row.name,
            aliases=list(row.aliases),
            kind=LocationKind(row.kind),
            coordinates=coords,
            geo_precision=GeoPrecision(row.geo_precision),
            precision_km=row.precision_km,
            country=country(row.country_code),
            admin1=admin1,
            admin2=row.admin2_name,
            description=row.description,
            status=RecordStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The enclosing location (airport → city → province).")
    async def parent(self, info: Info) -> Location | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.location.load(self.parent_id)
        return Location.from_row(row) if row else None

    @strawberry.field(description="Forces stationed here: which actors, over which period.")
    async def deployments(
        self,
        info: Info,
        on: Annotated[
            dt.date | None,
            strawberry.argument(description="Only deployments in force on this date."),
        ] = None,
    ) -> list[Deployment]:
        rows = await info.context.loaders.deployments_at.load((on, self.pk))
        return [Deployment.from_row(r) for r in rows]

    incidents = incidents_field("location", "Incidents at this location (not its children).")
    history = history_field("Location")


@strawberry.type(description="An actor's forces stationed at a location over a period.")
class Deployment(Node):
    valid_from: dt.date | None = strawberry.field(description="Since when; null = unknown.")
    valid_to: dt.date | None = strawberry.field(description="Until when; null = ongoing.")
    strength: int | None = strawberry.field(description="Troop numbers, if reported.")
    strength_note: str | None = strawberry.field(description="Strength as reported ('about').")
    mission: str | None = strawberry.field(description="What they are there for.")
    note: str | None = strawberry.field(description="Anything else.")
    row: strawberry.Private[DeploymentRow]

    @classmethod
    def from_row(cls, row: DeploymentRow) -> Deployment:
        return cls(
            id=to_global_id("Deployment", row.id),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            strength=row.strength,
            strength_note=row.strength_note,
            mission=row.mission,
            note=row.note,
            row=row,
        )

    @strawberry.field(description="Whose forces.")
    async def actor(self, info: Info) -> ActorT | None:
        from schema.actor import Actor

        row = await info.context.loaders.actor.load(self.row.actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(description="Where.")
    async def location(self, info: Info) -> Location | None:
        row = await info.context.loaders.location.load(self.row.location_id)
        return Location.from_row(row) if row else None

    @strawberry.field(description="Sources supporting it.")
    async def sources(self, info: Info) -> list[SourceT]:
        from schema.source import load_sources

        return await load_sources(info, self.row.source_ids)
