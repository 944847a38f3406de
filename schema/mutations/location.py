"""Location mutations: create, update, retract, merge; deployments of forces."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from db import locations
from db.writes import core as w
from db.writes import records
from db.writes.merge import merge
from schema.context import Info
from schema.enums import GeoPrecision, LocationKind, RecordStatus
from schema.location import Deployment, Location
from schema.mutations.common import (
    NotFound,
    RemoveResult,
    ValidationFailed,
    VersionConflict,
    given,
    ref,
    reload,
    run,
)

LocationResult = Annotated[
    Location | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("LocationResult", description="The changed location, or why not."),
]
DeploymentResult = Annotated[
    Deployment | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("DeploymentResult", description="The new deployment, or why not."),
]

_COLUMNS = {
    "name": "name",
    "kind": "kind",
    "latitude": "latitude",
    "longitude": "longitude",
    "geo_precision": "geo_precision",
    "precision_km": "precision_km",
    "country_code": "country_code",
    "admin1_code": "admin1_code",
    "admin1_name": "admin1_name",
    "admin2_name": "admin2_name",
    "description": "description",
    "status": "status",
}


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
    aliases: list[str] | None = strawberry.field(
        default=UNSET, description="Other names (replaces the list)."
    )
    status: RecordStatus | None = strawberry.field(
        default=UNSET, description="DRAFT (the default on create) or PUBLISHED."
    )

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]:
        v = given(self, _COLUMNS)
        for c in ("country_code", "admin1_code"):
            if isinstance(v.get(c), str):
                v[c] = v[c].upper()
        if self.parent_id is not UNSET:
            v["parent_id"] = ref(self.parent_id, "Location", ("input", "parentId"))
        if creating:
            v.setdefault("status", "DRAFT")
        parts = records.Parts()
        if self.aliases is not UNSET:
            parts.aliases = list(self.aliases or [])
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
    source_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Sources supporting it."
    )
    status: RecordStatus = strawberry.field(
        default=RecordStatus.DRAFT, description="DRAFT or PUBLISHED."
    )


IdArg = Annotated[strawberry.ID, strawberry.argument(description="The location's ID.")]
VersionArg = Annotated[
    int, strawberry.argument(description="The version your change is based on (else CONFLICT).")
]
OptVersion = Annotated[
    int | None, strawberry.argument(description="If given, the version it must be at.")
]
ReasonArg = Annotated[str, strawberry.argument(description="Why (kept in the history).")]


async def _load(info: Info, pk: int) -> Location:
    return await reload(info, locations.TABLE, pk, Location.from_row)


async def _load_deployment(info: Info, pk: int) -> Deployment:
    rows = await locations.deployments_by_id(info.context.db, info.context.viewer, [pk])
    return Deployment.from_row(rows[pk])


def _pk(gid: strawberry.ID, type_name: str, path: str) -> int:
    pk = ref(gid, type_name, (path,))
    assert pk is not None
    return pk


@strawberry.type(description="Changing locations.")
class LocationMutations:
    @strawberry.mutation(description="Record a new location (editor). Drafts by default.")
    async def create_location(
        self,
        info: Info,
        input: Annotated[LocationInput, strawberry.argument(description="The location.")],
    ) -> LocationResult:
        async def work(tx: w.Tx) -> int:
            values, parts = input.to_db(creating=True)
            return await records.create(tx, "Location", values, parts)

        return await run(info, "editor", "Location", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Change a location (editor): only the fields given.")
    async def update_location(
        self,
        info: Info,
        id: IdArg,
        version: VersionArg,
        input: Annotated[LocationInput, strawberry.argument(description="Fields to change.")],
    ) -> LocationResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Location", "id")
            values, parts = input.to_db(creating=False)
            await records.change(tx, "Location", pk, version, values, parts)
            return pk

        return await run(info, "editor", "Location", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Retract (soft-delete) a location (admin).")
    async def retract_location(
        self, info: Info, id: IdArg, version: VersionArg, reason: ReasonArg
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Location", "id")
            await records.retract(tx, "Location", pk, version, reason)
            return pk

        return await run(info, "admin", "Location", work)

    @strawberry.mutation(
        description="Merge two locations that are the same (admin): incidents, children and "
        "deployments move to the survivor; the merged ID resolves to the survivor."
    )
    async def merge_locations(
        self,
        info: Info,
        survivor_id: Annotated[strawberry.ID, strawberry.argument(description="The one kept.")],
        merged_id: Annotated[strawberry.ID, strawberry.argument(description="The one merged.")],
        survivor_version: OptVersion = None,
        merged_version: OptVersion = None,
    ) -> LocationResult:
        async def work(tx: w.Tx) -> int:
            survivor = _pk(survivor_id, "Location", "survivorId")
            merged = _pk(merged_id, "Location", "mergedId")
            await merge(tx, "Location", survivor, merged, survivor_version, merged_version)
            return survivor

        return await run(info, "admin", "Location", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Record forces stationed at a location (editor).")
    async def add_deployment(
        self,
        info: Info,
        input: Annotated[DeploymentInput, strawberry.argument(description="The deployment.")],
    ) -> DeploymentResult:
        async def work(tx: w.Tx) -> int:
            values = given(
                input,
                {
                    "valid_from": "valid_from",
                    "valid_to": "valid_to",
                    "strength": "strength",
                    "strength_note": "strength_note",
                    "mission": "mission",
                    "note": "note",
                    "status": "status",
                },
            )
            values["location_id"] = ref(input.location_id, "Location", ("input", "locationId"))
            values["actor_id"] = ref(input.actor_id, "Actor", ("input", "actorId"))
            parts = records.Parts(
                source_ids=[
                    ref(s, "Source", ("input", "sourceIds", n)) or 0
                    for n, s in enumerate(input.source_ids or [])
                ]
            )
            return await records.create(tx, "Deployment", values, parts)

        return await run(info, "editor", "Deployment", work, lambda pk: _load_deployment(info, pk))

    @strawberry.mutation(description="Remove (retract) a deployment (editor).")
    async def remove_deployment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The deployment's ID.")],
        reason: ReasonArg,
        version: OptVersion = None,
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Deployment", "id")
            await records.retract(tx, "Deployment", pk, version, reason)
            return pk

        return await run(info, "editor", "Deployment", work)
