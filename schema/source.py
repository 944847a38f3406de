"""The Source type, its media, and the statements quoted in it."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import sources
from db.pagination import Order
from db.sources import SourceRow, StatementRow
from schema.changes import history_field
from schema.common import Node
from schema.context import Info
from schema.enums import Direction, MediaKind, RecordStatus, SourceKind, value
from schema.ids import to_global_id
from schema.incident import incidents_field

if TYPE_CHECKING:
    from schema.actor import Actor
    from schema.incident import Incident

ActorT = Annotated["Actor", strawberry.lazy("schema.actor")]
IncidentT = Annotated["Incident", strawberry.lazy("schema.incident")]


@strawberry.enum(description="What sources can be ordered by (ties broken by id).")
class SourceOrderField(Enum):
    PUBLISHED_AT = strawberry.enum_value(
        "PUBLISHED_AT", description="Publication time (unknown sorts as earliest)."
    )
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When recorded.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When last changed.")


@strawberry.input(description="Order of a source list. Default: newest publication first.")
class SourceOrder:
    field: SourceOrderField = strawberry.field(
        default=SourceOrderField.PUBLISHED_AT, description="Sort key."
    )
    direction: Direction = strawberry.field(default=Direction.DESC, description="Direction.")


def source_order(order_by: SourceOrder | None) -> Order:
    order_by = order_by or SourceOrder()
    return sources.TABLE.order(value(order_by.field), order_by.direction == Direction.DESC)


async def load_sources(info: Info, ids: list[int]) -> list[Source]:
    """Sources by id, in that order, skipping any the viewer may not see."""
    rows = await info.context.loaders.source.load_many(ids)
    return [Source.from_row(r) for r in rows if r is not None]


@strawberry.type(description="A photo, video or document attached to a source.")
class Media:
    kind: MediaKind = strawberry.field(description="What it is.")
    caption: str | None = strawberry.field(description="Caption as published.")
    credit: str | None = strawberry.field(description="Credit line, e.g. Reuters.")
    url: str | None = strawberry.field(description="Where it can be found.")


@strawberry.type(
    description="Where information comes from: a news article, an official statement, a "
    "social-media post, with the statements quoted in it."
)
class Source(Node):
    kind: SourceKind = strawberry.field(description="What kind of source.")
    publisher: str = strawberry.field(description="Publisher, e.g. The National.")
    title: str | None = strawberry.field(description="Headline or title.")
    url: str | None = strawberry.field(description="Where it was published.")
    author: str | None = strawberry.field(description="Byline.")
    published_at: dt.datetime | None = strawberry.field(description="First published.")
    revised_at: dt.datetime | None = strawberry.field(
        description="Last updated by the publisher ('Updated: …')."
    )
    language: str | None = strawberry.field(description="BCP 47 language tag, e.g. en.")
    machine_translated: bool = strawberry.field(description="The text is an automated translation.")
    note: str | None = strawberry.field(description="Anything else (subheading, caveats).")
    media: list[Media] = strawberry.field(description="Attached photos and other media.")
    status: RecordStatus = strawberry.field(description="Publication state.")
    version: int = strawberry.field(description="Increases with every change.")
    created_at: dt.datetime = strawberry.field(description="When recorded in Sitrep.")
    updated_at: dt.datetime = strawberry.field(description="When last changed in Sitrep.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: SourceRow) -> Source:
        return cls(
            id=to_global_id("Source", row.id),
            pk=row.id,
            kind=SourceKind(row.kind),
            publisher=row.publisher,
            title=row.title,
            url=row.url,
            author=row.author,
            published_at=row.published_at,
            revised_at=row.revised_at,
            language=row.language,
            machine_translated=row.machine_translated,
            note=row.note,
            media=[
                Media(
                    kind=MediaKind(m["kind"]),
                    caption=m["caption"],
                    credit=m["credit"],
                    url=m["url"],
                )
                for m in row.media
            ],
            status=RecordStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Statements quoted or reported in this source.")
    async def statements(self, info: Info) -> list[Statement]:
        rows = await info.context.loaders.statements_by_source.load(self.pk)
        return [Statement.from_row(r) for r in rows]

    incidents = incidents_field("source", "Incidents this source reports.")
    history = history_field("Source")


@strawberry.type(description="Something said, as reported in a source: a quote, a claim, a tally.")
class Statement(Node):
    speaker_name: str | None = strawberry.field(
        description="Who spoke, as the source names them ('government sources'); null with "
        "no speaker means the source's own reporting."
    )
    channel: str | None = strawberry.field(description="Where it was said, e.g. on X.")
    text: str = strawberry.field(description="What was said.")
    is_quote: bool = strawberry.field(description="A verbatim quote (else a paraphrase).")
    stated_on: dt.date | None = strawberry.field(description="When it was said, if reported.")
    row: strawberry.Private[StatementRow]

    @classmethod
    def from_row(cls, row: StatementRow) -> Statement:
        return cls(
            id=to_global_id("Statement", row.id),
            speaker_name=row.speaker_name,
            channel=row.channel,
            text=row.text,
            is_quote=row.is_quote,
            stated_on=row.stated_on,
            row=row,
        )

    @strawberry.field(description="The speaker, when it is a known actor.")
    async def speaker(self, info: Info) -> ActorT | None:
        from schema.actor import Actor

        if self.row.speaker_actor_id is None:
            return None
        row = await info.context.loaders.actor.load(self.row.speaker_actor_id)
        return Actor.from_row(row) if row else None

    @strawberry.field(description="The source it appears in.")
    async def source(self, info: Info) -> Source | None:
        row = await info.context.loaders.source.load(self.row.source_id)
        return Source.from_row(row) if row else None

    @strawberry.field(description="The incident it is about, if any.")
    async def incident(self, info: Info) -> IncidentT | None:
        from schema.incident import Incident

        if self.row.incident_id is None:
            return None
        row = await info.context.loaders.incident.load(self.row.incident_id)
        return Incident.from_row(row) if row else None
