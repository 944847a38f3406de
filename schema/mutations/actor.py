"""Actor mutations: create, update, retract, merge; relations between actors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from db import actors
from db.writes import core as w
from db.writes import records
from db.writes.merge import merge
from schema.actor import Actor, ActorRelation
from schema.context import Info
from schema.enums import ActorKind, Basis, RecordStatus, RelationKind
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

ActorResult = Annotated[
    Actor | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("ActorResult", description="The changed actor, or why not."),
]
RelationResult = Annotated[
    ActorRelation | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("ActorRelationResult", description="The new relation, or why not."),
]


@strawberry.input(
    description="Actor fields. On create, name and kind are required; on update, only the "
    "fields given change."
)
class ActorInput:
    name: str | None = strawberry.field(default=UNSET, description="Preferred name.")
    kind: ActorKind | None = strawberry.field(default=UNSET, description="What kind of actor.")
    country_code: str | None = strawberry.field(
        default=UNSET, description="ISO 3166-1 alpha-2 code."
    )
    description: str | None = strawberry.field(default=UNSET, description="Who they are.")
    aliases: list[str] | None = strawberry.field(
        default=UNSET, description="Other names (replaces the list)."
    )
    status: RecordStatus | None = strawberry.field(
        default=UNSET, description="DRAFT (the default on create) or PUBLISHED."
    )

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]:
        v = given(
            self,
            {
                "name": "name",
                "kind": "kind",
                "country_code": "country_code",
                "description": "description",
                "status": "status",
            },
        )
        if isinstance(v.get("country_code"), str):
            v["country_code"] = v["country_code"].upper()
        if creating:
            v.setdefault("status", "DRAFT")
        parts = records.Parts()
        if self.aliases is not UNSET:
            parts.aliases = list(self.aliases or [])
        return v, parts


@strawberry.input(description="A relation: subject KIND object, e.g. X FRONT_FOR Y.")
class ActorRelationInput:
    subject_id: strawberry.ID = strawberry.field(description="The actor it is about.")
    kind: RelationKind = strawberry.field(description="The relation.")
    object_id: strawberry.ID = strawberry.field(description="The other actor.")
    basis: Basis = strawberry.field(default=Basis.REPORTED, description="On what basis.")
    asserted_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who asserts it (an actor)."
    )
    valid_from: dt.date | None = strawberry.field(default=None, description="Since when.")
    valid_to: dt.date | None = strawberry.field(
        default=None, description="Until when (not before validFrom)."
    )
    note: str | None = strawberry.field(default=None, description="Qualification.")
    source_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Sources supporting it."
    )
    status: RecordStatus = strawberry.field(
        default=RecordStatus.DRAFT, description="DRAFT or PUBLISHED."
    )


IdArg = Annotated[strawberry.ID, strawberry.argument(description="The actor's ID.")]
VersionArg = Annotated[
    int, strawberry.argument(description="The version your change is based on (else CONFLICT).")
]
OptVersion = Annotated[
    int | None, strawberry.argument(description="If given, the version it must be at.")
]
ReasonArg = Annotated[str, strawberry.argument(description="Why (kept in the history).")]


async def _load(info: Info, pk: int) -> Actor:
    return await reload(info, actors.TABLE, pk, Actor.from_row)


async def _load_relation(info: Info, pk: int) -> ActorRelation | NotFound:
    rows = await actors.relations_by_id(info.context.db, info.context.viewer, [pk])
    return ActorRelation.from_row(rows[pk])


def _pk(gid: strawberry.ID, type_name: str, path: str) -> int:
    pk = ref(gid, type_name, (path,))
    assert pk is not None
    return pk


@strawberry.type(description="Changing actors.")
class ActorMutations:
    @strawberry.mutation(description="Record a new actor (editor). Drafts by default.")
    async def create_actor(
        self, info: Info, input: Annotated[ActorInput, strawberry.argument(description="Actor.")]
    ) -> ActorResult:
        async def work(tx: w.Tx) -> int:
            values, parts = input.to_db(creating=True)
            return await records.create(tx, "Actor", values, parts)

        return await run(info, "editor", "Actor", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Change an actor (editor): only the fields given.")
    async def update_actor(
        self,
        info: Info,
        id: IdArg,
        version: VersionArg,
        input: Annotated[ActorInput, strawberry.argument(description="Fields to change.")],
    ) -> ActorResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Actor", "id")
            values, parts = input.to_db(creating=False)
            await records.change(tx, "Actor", pk, version, values, parts)
            return pk

        return await run(info, "editor", "Actor", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Retract (soft-delete) an actor (admin).")
    async def retract_actor(
        self, info: Info, id: IdArg, version: VersionArg, reason: ReasonArg
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Actor", "id")
            await records.retract(tx, "Actor", pk, version, reason)
            return pk

        return await run(info, "admin", "Actor", work)

    @strawberry.mutation(
        description="Merge two actors that are the same (admin): every reference moves to the "
        "survivor, the merged actor's names become aliases, and its ID resolves to the survivor."
    )
    async def merge_actors(
        self,
        info: Info,
        survivor_id: Annotated[strawberry.ID, strawberry.argument(description="The one kept.")],
        merged_id: Annotated[strawberry.ID, strawberry.argument(description="The one merged.")],
        survivor_version: OptVersion = None,
        merged_version: OptVersion = None,
    ) -> ActorResult:
        async def work(tx: w.Tx) -> int:
            survivor = _pk(survivor_id, "Actor", "survivorId")
            merged = _pk(merged_id, "Actor", "mergedId")
            await merge(tx, "Actor", survivor, merged, survivor_version, merged_version)
            return survivor

        return await run(info, "admin", "Actor", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Add a relation between two actors (editor).")
    async def add_relation(
        self,
        info: Info,
        input: Annotated[ActorRelationInput, strawberry.argument(description="The relation.")],
    ) -> RelationResult:
        async def work(tx: w.Tx) -> int:
            values = given(
                input,
                {
                    "kind": "kind",
                    "basis": "basis",
                    "valid_from": "valid_from",
                    "valid_to": "valid_to",
                    "note": "note",
                    "status": "status",
                },
            )
            values["subject_actor_id"] = ref(input.subject_id, "Actor", ("input", "subjectId"))
            values["object_actor_id"] = ref(input.object_id, "Actor", ("input", "objectId"))
            values["asserted_by_actor_id"] = ref(
                input.asserted_by_id, "Actor", ("input", "assertedById")
            )
            parts = records.Parts(
                source_ids=[
                    ref(s, "Source", ("input", "sourceIds", n)) or 0
                    for n, s in enumerate(input.source_ids or [])
                ]
            )
            return await records.create(tx, "ActorRelation", values, parts)

        return await run(info, "editor", "ActorRelation", work, lambda pk: _load_relation(info, pk))

    @strawberry.mutation(description="Remove (retract) a relation (editor).")
    async def remove_relation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The relation's ID.")],
        reason: ReasonArg,
        version: OptVersion = None,
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "ActorRelation", "id")
            await records.retract(tx, "ActorRelation", pk, version, reason)
            return pk

        return await run(info, "editor", "ActorRelation", work)
