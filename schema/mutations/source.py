"""Source mutations: create, update, retract; statements quoted in sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import UNSET

from db.writes import records
from schema.enums import RecordStatus, SourceKind
from schema.mutations import fields
from schema.mutations.common import columns, record_values
from schema.mutations.record import part_mutations, record_mutations
from schema.source import Source, Statement


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
    status: RecordStatus | None = fields.status()

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]:
        v, parts = record_values(self, "Source", creating)
        if v.get("machine_translated", 0) is None:
            v["machine_translated"] = False
        return v, parts


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

    def to_db(self, creating: bool = True) -> tuple[dict[str, Any], records.Parts]:
        return columns(self, "Statement"), records.Parts()


_Records: Any = record_mutations(Source, SourceInput)


_Statements: Any = part_mutations(
    Statement,
    StatementInput,
    noun="statement",
    add="Record a statement quoted in a source (editor).",
    remove="Remove a statement (editor); a tombstone in the feed.",
)


@strawberry.type(description="Changing sources and the statements quoted in them.")
class SourceMutations(_Records, _Statements):
    """createSource, updateSource, retractSource, addStatement, removeStatement."""
