"""Source mutations: create, update, retract; statements quoted in sources."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from db import sources
from db.writes import core as w
from db.writes import records
from schema.context import Info
from schema.enums import RecordStatus, SourceKind
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
from schema.source import Source, Statement

SourceResult = Annotated[
    Source | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("SourceResult", description="The changed source, or why not."),
]
StatementResult = Annotated[
    Statement | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("StatementResult", description="The new statement, or why not."),
]

_COLUMNS = {
    "kind": "kind",
    "publisher": "publisher",
    "title": "title",
    "url": "url",
    "author": "author",
    "published_at": "published_at",
    "revised_at": "revised_at",
    "language": "language",
    "machine_translated": "machine_translated",
    "note": "note",
    "status": "status",
}


@strawberry.input(
    description="Source fields. On create, kind and publisher are required; on update, only "
    "the fields given change."
)
class SourceInput:
    kind: SourceKind | None = strawberry.field(default=UNSET, description="What kind of source.")
    publisher: str | None = strawberry.field(default=UNSET, description="Publisher.")
    title: str | None = strawberry.field(default=UNSET, description="Headline or title.")
    url: str | None = strawberry.field(default=UNSET, description="Where (unique).")
    author: str | None = strawberry.field(default=UNSET, description="Byline.")
    published_at: dt.datetime | None = strawberry.field(
        default=UNSET, description="First published."
    )
    revised_at: dt.datetime | None = strawberry.field(
        default=UNSET, description="Last updated by the publisher."
    )
    language: str | None = strawberry.field(default=UNSET, description="BCP 47 tag, e.g. en.")
    machine_translated: bool | None = strawberry.field(
        default=UNSET, description="An automated translation."
    )
    note: str | None = strawberry.field(default=UNSET, description="Anything else.")
    status: RecordStatus | None = strawberry.field(
        default=UNSET, description="DRAFT (the default on create) or PUBLISHED."
    )

    def to_db(self, creating: bool) -> dict[str, Any]:
        v = given(self, _COLUMNS)
        if v.get("machine_translated", 0) is None:
            v["machine_translated"] = False
        if creating:
            v.setdefault("status", "DRAFT")
        return v


@strawberry.input(description="Something said, as reported in a source.")
class StatementInput:
    source_id: strawberry.ID = strawberry.field(description="The source it appears in.")
    text: str = strawberry.field(description="What was said.")
    speaker_id: strawberry.ID | None = strawberry.field(
        default=None, description="The speaker, when a known actor."
    )
    speaker_name: str | None = strawberry.field(
        default=None, description="The speaker as the source names them."
    )
    channel: str | None = strawberry.field(default=None, description="Where it was said.")
    is_quote: bool = strawberry.field(default=False, description="A verbatim quote.")
    stated_on: dt.date | None = strawberry.field(default=None, description="When it was said.")
    incident_id: strawberry.ID | None = strawberry.field(
        default=None, description="The incident it is about."
    )


IdArg = Annotated[strawberry.ID, strawberry.argument(description="The source's ID.")]
VersionArg = Annotated[
    int, strawberry.argument(description="The version your change is based on (else CONFLICT).")
]
ReasonArg = Annotated[str, strawberry.argument(description="Why (kept in the history).")]


async def _load(info: Info, pk: int) -> Source:
    return await reload(info, sources.TABLE, pk, Source.from_row)


async def _load_statement(info: Info, pk: int) -> Statement | NotFound:
    rows = await sources.statements_by_id(info.context.db, info.context.viewer, [pk])
    if pk not in rows:  # e.g. about a draft incident, for a viewer that cannot see it
        return NotFound(message="Recorded, but not visible to you.", code="NOT_FOUND", id=None)
    return Statement.from_row(rows[pk])


def _pk(gid: strawberry.ID, type_name: str, path: str) -> int:
    pk = ref(gid, type_name, (path,))
    assert pk is not None
    return pk


@strawberry.type(description="Changing sources.")
class SourceMutations:
    @strawberry.mutation(description="Record a new source (editor). Drafts by default.")
    async def create_source(
        self,
        info: Info,
        input: Annotated[SourceInput, strawberry.argument(description="The source.")],
    ) -> SourceResult:
        async def work(tx: w.Tx) -> int:
            return await records.create(tx, "Source", input.to_db(creating=True))

        return await run(info, "editor", "Source", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Change a source (editor): only the fields given.")
    async def update_source(
        self,
        info: Info,
        id: IdArg,
        version: VersionArg,
        input: Annotated[SourceInput, strawberry.argument(description="Fields to change.")],
    ) -> SourceResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Source", "id")
            await records.change(tx, "Source", pk, version, input.to_db(creating=False))
            return pk

        return await run(info, "editor", "Source", work, lambda pk: _load(info, pk))

    @strawberry.mutation(description="Retract (soft-delete) a source (admin).")
    async def retract_source(
        self, info: Info, id: IdArg, version: VersionArg, reason: ReasonArg
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Source", "id")
            await records.retract(tx, "Source", pk, version, reason)
            return pk

        return await run(info, "admin", "Source", work)

    @strawberry.mutation(description="Record a statement quoted in a source (editor).")
    async def add_statement(
        self,
        info: Info,
        input: Annotated[StatementInput, strawberry.argument(description="The statement.")],
    ) -> StatementResult:
        async def work(tx: w.Tx) -> int:
            values = given(
                input,
                {
                    "text": "text",
                    "speaker_name": "speaker_name",
                    "channel": "channel",
                    "is_quote": "is_quote",
                    "stated_on": "stated_on",
                },
            )
            values["source_id"] = ref(input.source_id, "Source", ("input", "sourceId"))
            values["speaker_actor_id"] = ref(input.speaker_id, "Actor", ("input", "speakerId"))
            values["incident_id"] = ref(input.incident_id, "Incident", ("input", "incidentId"))
            return await records.create(tx, "Statement", values)

        return await run(info, "editor", "Statement", work, lambda pk: _load_statement(info, pk))

    @strawberry.mutation(description="Remove a statement (editor); a tombstone in the feed.")
    async def remove_statement(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The statement's ID.")],
        reason: ReasonArg,
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = _pk(id, "Statement", "id")
            await records.delete_statement(tx, pk, reason)
            return pk

        return await run(info, "editor", "Statement", work)
