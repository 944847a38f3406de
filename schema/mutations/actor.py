"""Actor mutations: create, update, retract, merge; relations between actors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import UNSET

from db.writes import records
from schema.actor import Actor, ActorRelation
from schema.enums import ActorKind, Basis, RecordStatus, RelationKind
from schema.mutations import fields
from schema.mutations.common import record_values, upper, with_sources
from schema.mutations.record import part_mutations, record_mutations


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
    aliases: list[str] | None = fields.aliases()
    status: RecordStatus | None = fields.status()

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]:
        v, parts = record_values(self, "Actor", creating)
        upper(v, "country_code")
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
    source_ids: list[strawberry.ID] | None = fields.link_sources()
    status: RecordStatus = fields.link_status()

    def to_db(self, creating: bool = True) -> tuple[dict[str, Any], records.Parts]:
        return with_sources(self, "ActorRelation")


_Records: Any = record_mutations(
    Actor,
    ActorInput,
    create_input="Actor.",
    merge_description="Merge two actors that are the same (admin): every reference moves "
    "to the survivor, the merged actor's names become aliases, and its ID resolves to the "
    "survivor.",
)


_Relations: Any = part_mutations(
    ActorRelation,
    ActorRelationInput,
    noun="relation",
    add="Add a relation between two actors (editor).",
    remove="Remove (retract) a relation (editor).",
)


@strawberry.type(description="Changing actors and their relations.")
class ActorMutations(_Records, _Relations):
    """createActor, updateActor, retractActor, mergeActors, addRelation, removeRelation."""
