"""The Actor type and its relations."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import actors
from db.actors import ActorRow, RelationRow
from db.pagination import Order
from schema.affiliates import affiliates_field
from schema.changes import history_field
from schema.common import Country, Node, country
from schema.context import Info
from schema.enums import ActorKind, Basis, Direction, RecordStatus, RelationKind, value
from schema.ids import to_global_id
from schema.incident import incidents_field

if TYPE_CHECKING:
    from schema.location import Deployment
    from schema.source import Source, Statement

DeploymentT = Annotated["Deployment", strawberry.lazy("schema.location")]
SourceT = Annotated["Source", strawberry.lazy("schema.source")]
StatementT = Annotated["Statement", strawberry.lazy("schema.source")]


@strawberry.enum(description="What actors can be ordered by (ties broken by id).")
class ActorOrderField(Enum):
    NAME = strawberry.enum_value("NAME", description="Name, case-insensitive.")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When recorded.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When last changed.")


@strawberry.input(description="Order of an actor list. Default: by name.")
class ActorOrder:
    field: ActorOrderField = strawberry.field(default=ActorOrderField.NAME, description="Sort key.")
    direction: Direction = strawberry.field(default=Direction.ASC, description="Direction.")


def actor_order(order_by: ActorOrder | None) -> Order:
    order_by = order_by or ActorOrder()
    return actors.TABLE.order(value(order_by.field), order_by.direction == Direction.DESC)


@strawberry.type(
    description="A state, force, group, government or person that takes part in incidents."
)
class Actor(Node):
    name: str = strawberry.field(description="Preferred name.")
    aliases: list[str] = strawberry.field(
        description="Other names and transliterations (Kata'ib Hizballah, KH, …)."
    )
    kind: ActorKind = strawberry.field(description="What kind of actor.")
    country: Country | None = strawberry.field(description="The country it belongs to.")
    description: str | None = strawberry.field(description="Who they are.")
    status: RecordStatus = strawberry.field(description="Publication state.")
    version: int = strawberry.field(description="Increases with every change.")
    created_at: dt.datetime = strawberry.field(description="When recorded in Sitrep.")
    updated_at: dt.datetime = strawberry.field(description="When last changed in Sitrep.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: ActorRow) -> Actor:
        return cls(
            id=to_global_id("Actor", row.id),
            pk=row.id,
            name=row.name,
            aliases=list(row.aliases),
            kind=ActorKind(row.kind),
            country=country(row.country_code),
            description=row.description,
            status=RecordStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(
        description="Relations where this actor is the subject or the object "
        "(member of, front for, funded by, …)."
    )
    async def relations(
        self,
        info: Info,
        kind: Annotated[
            list[RelationKind] | None, strawberry.argument(description="Only these kinds.")
        ] = None,
    ) -> list[ActorRelation]:
        rows = await info.context.loaders.relations.load(self.pk)
        kinds = None if kind is None else {value(k) for k in kind}
        return [ActorRelation.from_row(r) for r in rows if kinds is None or r.kind in kinds]

    @strawberry.field(description="Where this actor's forces are or were stationed.")
    async def deployments(
        self,
        info: Info,
        on: Annotated[
            dt.date | None,
            strawberry.argument(description="Only deployments in force on this date."),
        ] = None,
    ) -> list[DeploymentT]:
        from schema.location import Deployment

        rows = await info.context.loaders.deployments_of.load((on, self.pk))
        return [Deployment.from_row(r) for r in rows]

    @strawberry.field(description="Statements this actor made, in any source.")
    async def statements(self, info: Info) -> list[StatementT]:
        from schema.source import Statement

        rows = await info.context.loaders.statements_by_speaker.load(self.pk)
        return [Statement.from_row(r) for r in rows]

    incidents = incidents_field("actor", "Incidents this actor took part in, in any role.")
    history = history_field("Actor")
    affiliates = affiliates_field()


@strawberry.type(
    description="A relation between two actors (subject → object), with its validity "
    "period and sources."
)
class ActorRelation(Node):
    kind: RelationKind = strawberry.field(description="subject KIND object.")
    basis: Basis = strawberry.field(description="On what basis it is stated.")
    valid_from: dt.date | None = strawberry.field(description="Since when; null = unknown.")
    valid_to: dt.date | None = strawberry.field(description="Until when; null = ongoing.")
    note: str | None = strawberry.field(description="Qualification, e.g. 'analysts say'.")
    row: strawberry.Private[RelationRow]

    @classmethod
    def from_row(cls, row: RelationRow) -> ActorRelation:
        return cls(
            id=to_global_id("ActorRelation", row.id),
            kind=RelationKind(row.kind),
            basis=Basis(row.basis),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            note=row.note,
            row=row,
        )

    @strawberry.field(description="The actor the relation is about.")
    async def subject(self, info: Info) -> Actor | None:
        row = await info.context.loaders.actor.load(self.row.subject_actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(description="The other actor.")
    async def object(self, info: Info) -> Actor | None:
        row = await info.context.loaders.actor.load(self.row.object_actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(description="Who asserts it, when it is contested (e.g. an allegation).")
    async def asserted_by(self, info: Info) -> Actor | None:
        if self.row.asserted_by_actor_id is None:
            return None
        row = await info.context.loaders.actor.load(self.row.asserted_by_actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(description="Sources supporting it.")
    async def sources(self, info: Info) -> list[SourceT]:
        from schema.source import load_sources

        return await load_sources(info, self.row.source_ids)
