"""The Incident type, its participants, and incident connections (root and nested)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import incidents
from db.incidents import IncidentRow, ParticipantRow
from db.pagination import Order
from schema.changes import history_field
from schema.common import Estimate, ExternalId, Node
from schema.context import Info
from schema.enums import (
    Basis,
    ClaimStatus,
    Damage,
    Direction,
    EventType,
    Outcome,
    ParticipantRole,
    RecordStatus,
    SubEventType,
    TimePrecision,
    Weapon,
    value,
)
from schema.filters import IncidentFilter
from schema.ids import to_global_id
from schema.incident_coding import (
    AcledCoding,
    IncidentPlace,
    UcdpCoding,
    acled_of,
    place_of,
    ucdp_of,
)
from schema.loaders import IncidentLink
from schema.pagination import (
    Connection,
    connection,
    is_descending,
    page_args,
)

if TYPE_CHECKING:
    from schema.actor import Actor
    from schema.location import Location
    from schema.source import Source, Statement

ActorT = Annotated["Actor", strawberry.lazy("schema.actor")]
LocationT = Annotated["Location", strawberry.lazy("schema.location")]
SourceT = Annotated["Source", strawberry.lazy("schema.source")]
StatementT = Annotated["Statement", strawberry.lazy("schema.source")]


@strawberry.enum(description="What incidents can be ordered by (ties broken by id).")
class IncidentOrderField(Enum):
    OCCURRED_ON = strawberry.enum_value("OCCURRED_ON", description="Date of the incident.")
    KILLED = strawberry.enum_value(
        "KILLED",
        description="Best estimate of people killed (deadliest first with DESC; an unknown "
        "toll sorts below a toll of 0).",
    )
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When it was recorded.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When it last changed.")


@strawberry.input(description="Order of an incident list. Default: newest first.")
class IncidentOrder:
    field: IncidentOrderField = strawberry.field(
        default=IncidentOrderField.OCCURRED_ON, description="Sort key."
    )
    direction: Direction = strawberry.field(default=Direction.DESC, description="Direction.")


@strawberry.type(description="An actor's part in an incident, and who says so.")
class Participant:
    role: ParticipantRole = strawberry.field(description="What the actor did or suffered.")
    basis: Basis = strawberry.field(description="On what basis this is stated.")
    note: str | None = strawberry.field(description="Free-text qualification.")
    associated: bool = strawberry.field(
        description="An associated actor (ACLED assoc_actor_1/2) rather than a principal one."
    )
    side: int | None = strawberry.field(
        description="The dataset's side: 1 = ACLED actor1 or UCDP side_a, 2 = actor2 or side_b."
    )
    reported_name: str | None = strawberry.field(
        description="The actor's name as the dataset spells it (before name resolution)."
    )
    row: strawberry.Private[ParticipantRow]

    @strawberry.field(description="The actor (null only if it is not visible to you).")
    async def actor(self, info: Info) -> ActorT | None:
        from schema.actor import Actor

        row = await info.context.loaders.actor.load(self.row.actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(
        description="Who made the claim or attribution, e.g. the government that blamed this actor."
    )
    async def attributed_by(self, info: Info) -> ActorT | None:
        from schema.actor import Actor

        if self.row.attributed_by_actor_id is None:
            return None
        row = await info.context.loaders.actor.load(self.row.attributed_by_actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(description="The source that reports this participation.")
    async def source(self, info: Info) -> SourceT | None:
        from schema.source import Source

        if self.row.source_id is None:
            return None
        row = await info.context.loaders.source.load(self.row.source_id)
        return Source.from_row(row) if row else None

    @strawberry.field(description="The statement in that source this rests on.")
    async def statement(self, info: Info) -> StatementT | None:
        from schema.source import Statement

        if self.row.statement_id is None:
            return None
        row = await info.context.loaders.statement.load(self.row.statement_id)
        return Statement.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: ParticipantRow) -> Participant:
        return cls(
            role=ParticipantRole(row.role),
            basis=Basis(row.basis),
            note=row.note,
            associated=row.associated,
            side=row.side,
            reported_name=row.reported_name,
            row=row,
        )


@strawberry.type(
    description="One attack or event: when, where, what, how it ended, the harm done, who "
    "took part, and the sources that report it."
)
class Incident(Node):
    occurred_on: dt.date = strawberry.field(
        description="Best-estimate date (local). For imprecise dates see dateEarliest/Latest."
    )
    date_earliest: dt.date = strawberry.field(description="Earliest date it can have happened.")
    date_latest: dt.date = strawberry.field(description="Latest date it can have happened.")
    occurred_time: dt.time | None = strawberry.field(description="Local time of day, if known.")
    time_precision: TimePrecision = strawberry.field(description="How precise the date is.")
    event_type: EventType = strawberry.field(description="ACLED event type.")
    sub_event_type: SubEventType = strawberry.field(description="ACLED sub-event type.")
    weapon: Weapon = strawberry.field(description="Weapon or means.")
    projectile_count: int | None = strawberry.field(
        description="Drones, rockets or missiles launched, if reported."
    )
    outcome: Outcome = strawberry.field(description="How the attack ended.")
    claim_status: ClaimStatus = strawberry.field(description="Whether it was claimed.")
    killed: Estimate = strawberry.field(description="People killed.")
    injured: Estimate = strawberry.field(description="People injured.")
    damage: Damage = strawberry.field(description="Degree of material damage.")
    damage_description: str | None = strawberry.field(description="Damage as reported.")
    summary: str = strawberry.field(description="One-paragraph summary.")
    notes: str | None = strawberry.field(description="Longer notes (ACLED `notes`).")
    tags: list[str] = strawberry.field(description="Free tags.")
    external_ids: list[ExternalId] = strawberry.field(
        description="Identifiers in other datasets (unique per system)."
    )
    place: IncidentPlace | None = strawberry.field(
        description="The place as an imported row gives it (point, precision, divisions)."
    )
    acled: AcledCoding | None = strawberry.field(description="ACLED's coding, if imported.")
    ucdp: UcdpCoding | None = strawberry.field(description="UCDP GED's coding, if imported.")
    status: RecordStatus = strawberry.field(description="Publication state.")
    version: int = strawberry.field(description="Increases with every change.")
    created_at: dt.datetime = strawberry.field(description="When recorded in Sitrep.")
    updated_at: dt.datetime = strawberry.field(description="When last changed in Sitrep.")
    pk: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: IncidentRow) -> Incident:
        return cls(
            id=to_global_id("Incident", row.id),
            pk=row.id,
            location_id=row.location_id,
            occurred_on=row.occurred_on,
            date_earliest=row.date_earliest,
            date_latest=row.date_latest,
            occurred_time=row.occurred_time,
            time_precision=TimePrecision(row.time_precision),
            event_type=EventType(row.event_type),
            sub_event_type=SubEventType(row.sub_event_type),
            weapon=Weapon(row.weapon),
            projectile_count=row.projectile_count,
            outcome=Outcome(row.outcome),
            claim_status=ClaimStatus(row.claim_status),
            killed=Estimate(low=row.killed_low, best=row.killed_best, high=row.killed_high),
            injured=Estimate(low=row.injured_low, best=row.injured_best, high=row.injured_high),
            damage=Damage(row.damage),
            damage_description=row.damage_description,
            summary=row.summary,
            notes=row.notes,
            tags=list(row.tags),
            external_ids=[
                ExternalId(system=e["system"], id=e["id"], version=e.get("version"))
                for e in row.external_ids
            ],
            place=place_of(row),
            acled=acled_of(row),
            ucdp=ucdp_of(row),
            status=RecordStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Where it happened (null only if not visible to you).")
    async def location(self, info: Info) -> LocationT | None:
        from schema.location import Location

        row = await info.context.loaders.location.load(self.location_id)
        return Location.from_row(row) if row else None

    @strawberry.field(description="Actors involved: perpetrators, targets, interceptors, …")
    async def participants(self, info: Info) -> list[Participant]:
        rows = await info.context.loaders.participants.load(self.pk)
        return [Participant.from_row(r) for r in rows]

    @strawberry.field(description="Sources reporting it, oldest publication first.")
    async def sources(self, info: Info) -> list[SourceT]:
        from schema.source import load_sources

        return await load_sources(
            info, await info.context.loaders.incident_source_ids.load(self.pk)
        )

    @strawberry.field(description="Statements (quotes, claims, denials) about it.")
    async def statements(self, info: Info) -> list[StatementT]:
        from schema.source import Statement

        rows = await info.context.loaders.statements_by_incident.load(self.pk)
        return [Statement.from_row(r) for r in rows]

    @strawberry.field(
        description="The same event's records in other datasets (ACLED, UCDP, hand-entered), "
        "as linked by `sitrep link`: the canonical record first, then by rank. Lists and "
        "`incidentStats` count an event once, by its first record you may see, unless the "
        "filter says `duplicates: INCLUDE`."
    )
    async def same_event_as(self, info: Info) -> list[Incident]:
        ids = await info.context.loaders.same_event_ids.load(self.pk)
        rows = await info.context.loaders.incident.load_many(ids)
        return [Incident.from_row(r) for r in rows if r is not None]

    history = history_field("Incident")


def incident_order(order_by: IncidentOrder | None) -> Order:
    order_by = order_by or IncidentOrder()
    return incidents.TABLE.order(value(order_by.field), is_descending(order_by.direction))


async def nested_incident_connection(
    info: Info,
    link: IncidentLink,
    parent_id: int,
    filter: IncidentFilter | None,
    order_by: IncidentOrder | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Incident]:
    """Incidents of an actor, location or source: batched across all parents."""
    loaders = info.context.loaders
    f = filter.to_db() if filter else None
    order = incident_order(order_by)
    args = page_args(
        order, first=first, after=after, last=last, before=before, settings=info.context.settings
    )
    page = await loaders.incident_pages.load(((link, f, args), parent_id))
    return connection(
        page, order, Incident.from_row, lambda: loaders.incident_counts.load(((link, f), parent_id))
    )


FirstArg = Annotated[
    int | None, strawberry.argument(description="Page size from the start (or after `after`).")
]
AfterArg = Annotated[str | None, strawberry.argument(description="Items after this cursor.")]
LastArg = Annotated[
    int | None, strawberry.argument(description="Page size from the end (or before `before`).")
]
BeforeArg = Annotated[str | None, strawberry.argument(description="Items before this cursor.")]
IncidentFilterArg = Annotated[
    IncidentFilter | None, strawberry.argument(description="Only incidents matching this.")
]
IncidentOrderArg = Annotated[
    IncidentOrder | None, strawberry.argument(description="Sort order; default newest first.")
]
RolesArg = Annotated[
    list[ParticipantRole] | None,
    strawberry.argument(description="Only incidents where the actor had one of these roles."),
]


def incidents_field(parent: str, description: str) -> Any:
    """The `incidents` connection field of an Actor, Location or Source."""

    async def resolve(
        root: Any,
        info: Info,
        filter: IncidentFilterArg = None,
        order_by: IncidentOrderArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Incident]:
        link = IncidentLink(parent)
        return await nested_incident_connection(
            info, link, root.pk, filter, order_by, first, after, last, before
        )

    async def resolve_with_roles(
        root: Any,
        info: Info,
        filter: IncidentFilterArg = None,
        role: RolesArg = None,
        order_by: IncidentOrderArg = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Incident]:
        roles = tuple(sorted({value(r) for r in role})) if role is not None else None
        link = IncidentLink(parent, roles)
        return await nested_incident_connection(
            info, link, root.pk, filter, order_by, first, after, last, before
        )

    resolver = resolve_with_roles if parent == "actor" else resolve
    return strawberry.field(resolver=resolver, description=description)
