"""Incident mutations: create, update, retract; add and remove participants."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from db import incidents
from db.writes import core as w
from db.writes import records
from schema.context import Info
from schema.enums import (
    Basis,
    ClaimStatus,
    Damage,
    EventType,
    Outcome,
    ParticipantRole,
    RecordStatus,
    SubEventType,
    TimePrecision,
    Weapon,
    value,
)
from schema.incident import Incident
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

IncidentResult = Annotated[
    Incident | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("IncidentResult", description="The changed incident, or why not."),
]


@strawberry.input(description="A count known as a range: low <= best <= high.")
class EstimateInput:
    low: int | None = strawberry.field(default=None, description="Lowest credible figure.")
    best: int | None = strawberry.field(default=None, description="Best estimate.")
    high: int | None = strawberry.field(default=None, description="Highest credible figure.")


@strawberry.input(description="An identifier of the incident in another dataset.")
class ExternalIdInput:
    system: str = strawberry.field(description="The dataset, e.g. acled (lower case).")
    id: str = strawberry.field(description="The identifier there.")


@strawberry.input(description="An actor's part in an incident.")
class ParticipantInput:
    actor_id: strawberry.ID = strawberry.field(description="The actor.")
    role: ParticipantRole = strawberry.field(description="What it did or suffered.")
    basis: Basis = strawberry.field(default=Basis.REPORTED, description="On what basis.")
    attributed_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who made the claim or attribution (an actor)."
    )
    source_id: strawberry.ID | None = strawberry.field(
        default=None, description="The source reporting it."
    )
    statement_id: strawberry.ID | None = strawberry.field(
        default=None, description="The statement it rests on."
    )
    note: str | None = strawberry.field(default=None, description="Free-text qualification.")

    def to_db(self, path: tuple[str | int, ...]) -> dict[str, Any]:
        return {
            "actor_id": ref(self.actor_id, "Actor", (*path, "actorId")),
            "role": value(self.role),
            "basis": value(self.basis),
            "attributed_by_actor_id": ref(
                self.attributed_by_id, "Actor", (*path, "attributedById")
            ),
            "source_id": ref(self.source_id, "Source", (*path, "sourceId")),
            "statement_id": ref(self.statement_id, "Statement", (*path, "statementId")),
            "note": self.note,
        }


_COLUMNS = {
    "occurred_on": "occurred_on",
    "date_earliest": "date_earliest",
    "date_latest": "date_latest",
    "occurred_time": "occurred_time",
    "time_precision": "time_precision",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "weapon": "weapon",
    "projectile_count": "projectile_count",
    "outcome": "outcome",
    "claim_status": "claim_status",
    "damage": "damage",
    "damage_description": "damage_description",
    "summary": "summary",
    "notes": "notes",
    "tags": "tags",
    "status": "status",
}


@strawberry.input(
    description="Incident fields. On create, occurredOn, locationId, eventType, subEventType "
    "and summary are required; on update, only the fields given change (null clears)."
)
class IncidentInput:
    occurred_on: dt.date | None = strawberry.field(default=UNSET, description="Best-estimate date.")
    date_earliest: dt.date | None = strawberry.field(
        default=UNSET, description="Earliest possible date (default: occurredOn)."
    )
    date_latest: dt.date | None = strawberry.field(
        default=UNSET, description="Latest possible date (default: occurredOn)."
    )
    occurred_time: dt.time | None = strawberry.field(default=UNSET, description="Local time.")
    time_precision: TimePrecision | None = strawberry.field(
        default=UNSET, description="How precise the date is."
    )
    location_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Where.")
    event_type: EventType | None = strawberry.field(default=UNSET, description="ACLED type.")
    sub_event_type: SubEventType | None = strawberry.field(
        default=UNSET, description="ACLED sub-event type (must belong to eventType)."
    )
    weapon: Weapon | None = strawberry.field(default=UNSET, description="Weapon or means.")
    projectile_count: int | None = strawberry.field(
        default=UNSET, description="Drones, rockets or missiles launched."
    )
    outcome: Outcome | None = strawberry.field(default=UNSET, description="How it ended.")
    claim_status: ClaimStatus | None = strawberry.field(
        default=UNSET, description="Whether it was claimed."
    )
    killed: EstimateInput | None = strawberry.field(default=UNSET, description="People killed.")
    injured: EstimateInput | None = strawberry.field(default=UNSET, description="People injured.")
    damage: Damage | None = strawberry.field(default=UNSET, description="Material damage.")
    damage_description: str | None = strawberry.field(
        default=UNSET, description="Damage as reported."
    )
    summary: str | None = strawberry.field(default=UNSET, description="One-paragraph summary.")
    notes: str | None = strawberry.field(default=UNSET, description="Longer notes.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Free tags.")
    status: RecordStatus | None = strawberry.field(
        default=UNSET, description="DRAFT (the default on create) or PUBLISHED."
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=UNSET, description="Identifiers in other datasets (replaces the list)."
    )
    source_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Sources reporting it (replaces the list)."
    )
    participants: list[ParticipantInput] | None = strawberry.field(
        default=UNSET, description="Actors involved (replaces the list)."
    )

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]:
        v = given(self, _COLUMNS)
        if "tags" in v and v["tags"] is None:
            v["tags"] = []
        if self.location_id is not UNSET:
            v["location_id"] = ref(self.location_id, "Location", ("input", "locationId"))
        for name in ("killed", "injured"):
            est = getattr(self, name)
            if est is not UNSET:
                v[f"{name}_low"] = est.low if est else None
                v[f"{name}_best"] = est.best if est else None
                v[f"{name}_high"] = est.high if est else None
        if creating:
            v.setdefault("status", "DRAFT")
        parts = records.Parts()
        if self.external_ids is not UNSET:
            parts.external_ids = [(e.system, e.id) for e in self.external_ids or []]
        if self.source_ids is not UNSET:
            parts.source_ids = [
                ref(s, "Source", ("input", "sourceIds", n)) or 0
                for n, s in enumerate(self.source_ids or [])
            ]
        if self.participants is not UNSET:
            parts.participants = [
                p.to_db(("input", "participants", n)) for n, p in enumerate(self.participants or [])
            ]
        return v, parts


IdArg = Annotated[strawberry.ID, strawberry.argument(description="The incident's ID.")]
VersionArg = Annotated[
    int, strawberry.argument(description="The version your change is based on (else CONFLICT).")
]
OptVersionArg = Annotated[
    int | None,
    strawberry.argument(description="If given, the version your change is based on."),
]
ReasonArg = Annotated[str, strawberry.argument(description="Why (kept in the history).")]


async def _load(info: Info, pk: int) -> Incident:
    return await reload(info, incidents.TABLE, pk, Incident.from_row)


@strawberry.type(description="Changing incidents.")
class IncidentMutations:
    @strawberry.mutation(description="Record a new incident (editor). Drafts by default.")
    async def create_incident(
        self,
        info: Info,
        input: Annotated[IncidentInput, strawberry.argument(description="The incident.")],
    ) -> IncidentResult:
        async def work(tx: w.Tx) -> int:
            values, parts = input.to_db(creating=True)
            return await records.create(tx, "Incident", values, parts)

        return await run(info, "editor", "Incident", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Change an incident (editor): only the fields given.")
    async def update_incident(
        self,
        info: Info,
        id: IdArg,
        version: VersionArg,
        input: Annotated[IncidentInput, strawberry.argument(description="Fields to change.")],
    ) -> IncidentResult:
        async def work(tx: w.Tx) -> int:
            pk = ref(id, "Incident", ("id",))
            assert pk is not None
            values, parts = input.to_db(creating=False)
            await records.change(tx, "Incident", pk, version, values, parts)
            return pk

        return await run(info, "editor", "Incident", work, lambda pk: _load(info, pk))

    @strawberry.mutation(
        description="Retract (soft-delete) an incident (admin): hidden from every read, kept "
        "in the history, a tombstone in the changes feed. Returns the retracted ID."
    )
    async def retract_incident(
        self, info: Info, id: IdArg, version: VersionArg, reason: ReasonArg
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = ref(id, "Incident", ("id",))
            assert pk is not None
            await records.retract(tx, "Incident", pk, version, reason)
            return pk

        return await run(info, "admin", "Incident", work)

    @strawberry.mutation(description="Add an actor's participation to an incident (editor).")
    async def add_participant(
        self,
        info: Info,
        incident_id: IdArg,
        input: Annotated[ParticipantInput, strawberry.argument(description="The participation.")],
        version: OptVersionArg = None,
    ) -> IncidentResult:
        async def work(tx: w.Tx) -> int:
            pk = ref(incident_id, "Incident", ("incidentId",))
            assert pk is not None
            await records.set_participant(tx, pk, version, input.to_db(("input",)), remove=False)
            return pk

        return await run(info, "editor", "Incident", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Remove an actor's role from an incident (editor).")
    async def remove_participant(
        self,
        info: Info,
        incident_id: IdArg,
        actor_id: Annotated[strawberry.ID, strawberry.argument(description="The actor.")],
        role: Annotated[ParticipantRole, strawberry.argument(description="The role to remove.")],
        version: OptVersionArg = None,
    ) -> IncidentResult:
        async def work(tx: w.Tx) -> int:
            pk = ref(incident_id, "Incident", ("incidentId",))
            assert pk is not None
            p = {"actor_id": ref(actor_id, "Actor", ("actorId",)), "role": value(role)}
            await records.set_participant(tx, pk, version, p, remove=True)
            return pk

        return await run(info, "editor", "Incident", work, lambda pk: _load(info, pk))
