"""Location mutations: create, update, retract, merge; deployments of forces."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import UNSET

from db.writes import records
from schema.enums import GeoPrecision, LocationKind, RecordStatus
from schema.location import Deployment, Location
from schema.mutations import fields
from schema.mutations.common import record_values, upper, with_sources
from schema.mutations.record import part_mutations, record_mutations


@strawberry.input(
    description="Location fields. On create, name and kind are required; on update, only "
    "the fields given change."
)
class LocationInput:
    name: str | None = strawberry.field(default=UNSET, description="Preferred name.")
    kind: LocationKind | None = strawberry.field(default=UNSET, description="What kind of place.")
    latitude: float | None = strawberry.field(default=UNSET, description="WGS 84, -90..90.")
    longitude: float | None = strawberry.field(default=UNSET, description="WGS 84, -180..180.")
    geo_precision: GeoPrecision | None = strawberry.field(
        default=UNSET, description="How precise the coordinates are."
    )
    precision_km: float | None = strawberry.field(
        default=UNSET, description="Radius of uncertainty, km."
    )
    country_code: str | None = strawberry.field(default=UNSET, description="ISO 3166-1 alpha-2.")
    admin1_code: str | None = strawberry.field(default=UNSET, description="ISO 3166-2 code.")
    admin1_name: str | None = strawberry.field(default=UNSET, description="Province name.")
    admin2_name: str | None = strawberry.field(default=UNSET, description="District name.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The enclosing location."
    )
    description: str | None = strawberry.field(default=UNSET, description="What the place is.")
    aliases: list[str] | None = fields.aliases()
    status: RecordStatus | None = fields.status()

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]:
        v, parts = record_values(self, "Location", creating)
        upper(v, "country_code", "admin1_code")
        return v, parts


@strawberry.input(description="An actor's forces stationed at a location over a period.")
class DeploymentInput:
    location_id: strawberry.ID = strawberry.field(description="Where.")
    actor_id: strawberry.ID = strawberry.field(description="Whose forces.")
    valid_from: dt.date | None = strawberry.field(default=None, description="Since when.")
    valid_to: dt.date | None = strawberry.field(
        default=None, description="Until when (not before validFrom)."
    )
    strength: int | None = strawberry.field(default=None, description="Troop numbers.")
    strength_note: str | None = strawberry.field(default=None, description="Strength as reported.")
    mission: str | None = strawberry.field(default=None, description="What they are there for.")
    note: str | None = strawberry.field(default=None, description="Anything else.")
    source_ids: list[strawberry.ID] | None = fields.link_sources()
    status: RecordStatus = fields.link_status()

    def to_db(self, creating: bool = True) -> tuple[dict[str, Any], records.Parts]:
        return with_sources(self, "Deployment")


_Records: Any = record_mutations(
    Location,
    LocationInput,
    merge_description="Merge two locations that are the same (admin): incidents, "
    "children and deployments move to the survivor; the merged ID resolves to the "
    "survivor.",
)


_Deployments: Any = part_mutations(
    Deployment,
    DeploymentInput,
    noun="deployment",
    add="Record forces stationed at a location (editor).",
    remove="Remove (retract) a deployment (editor).",
)


@strawberry.type(description="Changing locations and the forces deployed at them.")
class LocationMutations(_Records, _Deployments):
    """createLocation, updateLocation, retractLocation, mergeLocations, addDeployment,
    removeDeployment."""
