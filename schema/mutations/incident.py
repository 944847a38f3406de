"""Incident mutations: create, update, retract; add and remove participants."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from db.writes import core as w
from db.writes import records
from schema.context import Info
from schema.enums import (
    Basis,
    ClaimStatus,
    Damage,
    EventType,
    GeoPrecision,
    Outcome,
    ParticipantRole,
    RecordStatus,
    SubEventType,
    TimePrecision,
    Weapon,
    value,
)
from schema.incident import Incident
from schema.mutations import fields
from schema.mutations.common import pk_arg, record_values, ref, source_refs
from schema.mutations.record import changed_result, record_mutations, run

IncidentResult = changed_result(Incident)


@strawberry.input(description="A count known as a range: low <= best <= high.")
class EstimateInput:
    low: int | None = strawberry.field(default=None, description="Lowest credible figure.")
    best: int | None = strawberry.field(default=None, description="Best estimate.")
    high: int | None = strawberry.field(default=None, description="Highest credible figure.")


@strawberry.input(description="The place as a dataset gives it (replaces all of it).")
class IncidentPlaceInput:
    name: str | None = strawberry.field(default=None, description="Place name as given.")
    latitude: float | None = strawberry.field(default=None, description="Latitude.")
    longitude: float | None = strawberry.field(default=None, description="Longitude.")
    geo_precision: GeoPrecision | None = strawberry.field(
        default=None, description="Precision of the point."
    )
    country_name: str | None = strawberry.field(default=None, description="Country as named.")
    region: str | None = strawberry.field(default=None, description="World region.")
    admin1: str | None = strawberry.field(default=None, description="First-level division.")
    admin1_code: str | None = strawberry.field(default=None, description="ISO 3166-2 code.")
    admin2: str | None = strawberry.field(default=None, description="Second-level division.")
    admin3: str | None = strawberry.field(default=None, description="Third-level division.")
    description: str | None = strawberry.field(default=None, description="Place in words.")


@strawberry.input(description="ACLED's coding (replaces all of it).")
class AcledCodingInput:
    disorder_type: str | None = strawberry.field(default=None, description="disorder_type.")
    inter1: str | None = strawberry.field(default=None, description="inter1.")
    inter2: str | None = strawberry.field(default=None, description="inter2.")
    interaction: str | None = strawberry.field(default=None, description="interaction.")
    civilian_targeting: bool | None = strawberry.field(
        default=None, description="civilian_targeting."
    )
    source_scale: str | None = strawberry.field(default=None, description="source_scale.")


@strawberry.input(description="UCDP GED's coding (replaces all of it).")
class UcdpCodingInput:
    deaths_a: int | None = strawberry.field(default=None, description="deaths_a.")
    deaths_b: int | None = strawberry.field(default=None, description="deaths_b.")
    deaths_civilians: int | None = strawberry.field(default=None, description="deaths_civilians.")
    deaths_unknown: int | None = strawberry.field(default=None, description="deaths_unknown.")
    date_precision: int | None = strawberry.field(default=None, description="date_prec, 1-5.")
    where_precision: int | None = strawberry.field(default=None, description="where_prec, 1-7.")
    event_clarity: int | None = strawberry.field(default=None, description="event_clarity, 1-2.")
    conflict_id: int | None = strawberry.field(default=None, description="conflict_new_id.")
    dyad_id: int | None = strawberry.field(default=None, description="dyad_new_id.")
    side_a_id: int | None = strawberry.field(default=None, description="side_a_new_id.")
    side_b_id: int | None = strawberry.field(default=None, description="side_b_new_id.")
    relid: str | None = strawberry.field(default=None, description="relid.")
    number_of_sources: int | None = strawberry.field(default=None, description="number_of_sources.")


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
    status: RecordStatus | None = fields.status()
    place: IncidentPlaceInput | None = strawberry.field(
        default=UNSET, description="The place as a dataset gives it."
    )
    acled: AcledCodingInput | None = strawberry.field(default=UNSET, description="ACLED coding.")
    ucdp: UcdpCodingInput | None = strawberry.field(default=UNSET, description="UCDP coding.")
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
        v, parts = record_values(self, "Incident", creating)
        if "tags" in v and v["tags"] is None:
            v["tags"] = []
        if self.external_ids is not UNSET:
            parts.external_ids = [(e.system, e.id) for e in self.external_ids or []]
        if self.source_ids is not UNSET:
            parts.source_ids = source_refs(self.source_ids)
        if self.participants is not UNSET:
            parts.participants = [
                p.to_db(("input", "participants", n)) for n, p in enumerate(self.participants or [])
            ]
        return v, parts


IncidentArg = Annotated[strawberry.ID, strawberry.argument(description="The incident's ID.")]
OptVersionArg = Annotated[
    int | None,
    strawberry.argument(description="If given, the version your change is based on."),
]


_Records: Any = record_mutations(
    Incident,
    IncidentInput,
    retract_detail=": hidden from every read, kept in the history, a tombstone in the "
    "changes feed. Returns the retracted ID",
)


@strawberry.type(description="Changing incidents.")
class IncidentMutations(_Records):
    @strawberry.mutation(
        description="Add an actor's participation to an incident (editor).",
        graphql_type=IncidentResult,
    )
    async def add_participant(
        self,
        info: Info,
        incident_id: IncidentArg,
        input: Annotated[ParticipantInput, strawberry.argument(description="The participation.")],
        version: OptVersionArg = None,
    ) -> Any:
        async def work(tx: w.Tx) -> int:
            pk = pk_arg(incident_id, "Incident", "incidentId")
            await records.set_participant(tx, pk, version, input.to_db(("input",)), remove=False)
            return pk

        return await run(info, "editor", "Incident", work)

    @strawberry.mutation(
        description="Remove an actor's role from an incident (editor).",
        graphql_type=IncidentResult,
    )
    async def remove_participant(
        self,
        info: Info,
        incident_id: IncidentArg,
        actor_id: Annotated[strawberry.ID, strawberry.argument(description="The actor.")],
        role: Annotated[ParticipantRole, strawberry.argument(description="The role to remove.")],
        version: OptVersionArg = None,
    ) -> Any:
        async def work(tx: w.Tx) -> int:
            pk = pk_arg(incident_id, "Incident", "incidentId")
            p = {"actor_id": ref(actor_id, "Actor", ("actorId",)), "role": value(role)}
            await records.set_participant(tx, pk, version, p, remove=True)
            return pk

        return await run(info, "editor", "Incident", work)
