"""`search`: one ranked search over actors, locations, sources and incidents.

The SQL is one statement (``db.search``); the records behind the hits are loaded by
the per-request DataLoaders, one batch per type, so nested fields cost no N+1.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import search
from db.search import SearchHit as HitRow
from schema.context import Info
from schema.enums import value
from schema.errors import BadUserInput, PageSizeExceeded

if TYPE_CHECKING:
    from schema.actor import Actor
    from schema.incident import Incident
    from schema.location import Location
    from schema.source import Source

MAX_TEXT = 200


@strawberry.enum(description="Kinds of records `search` looks through.")
class SearchType(Enum):
    ACTOR = strawberry.enum_value("ACTOR", description="Actors: names and aliases.")
    LOCATION = strawberry.enum_value("LOCATION", description="Locations: names and aliases.")
    SOURCE = strawberry.enum_value("SOURCE", description="Sources: titles and notes.")
    INCIDENT = strawberry.enum_value("INCIDENT", description="Incidents: summary and notes.")


@strawberry.enum(description="Which field of the record matched.")
class SearchField(Enum):
    NAME = strawberry.enum_value("NAME", description="The preferred name.")
    ALIAS = strawberry.enum_value("ALIAS", description="An alias.")
    TITLE = strawberry.enum_value("TITLE", description="A source's title.")
    NOTE = strawberry.enum_value("NOTE", description="A source's note.")
    SUMMARY = strawberry.enum_value("SUMMARY", description="An incident's summary.")
    NOTES = strawberry.enum_value("NOTES", description="An incident's notes.")


@strawberry.type(description="A record found by `search`, with why it matched.")
class SearchHit:
    type: SearchType = strawberry.field(description="What kind of record.")
    score: float = strawberry.field(
        description="0..1; 1 = the normalised name or alias equals the text. Higher is better."
    )
    matched_field: SearchField = strawberry.field(description="The field that matched.")
    matched_text: str = strawberry.field(
        description="The matching name, alias or title, or an excerpt of the matching text."
    )
    row: strawberry.Private[HitRow]

    @strawberry.field(description="The actor, if the hit is one.")
    async def actor(self, info: Info) -> Annotated[Actor, strawberry.lazy("schema.actor")] | None:
        from schema.actor import Actor

        return await _load(info, self.row, "ACTOR", "actor", Actor.from_row)

    @strawberry.field(description="The location, if the hit is one.")
    async def location(
        self, info: Info
    ) -> Annotated[Location, strawberry.lazy("schema.location")] | None:
        from schema.location import Location

        return await _load(info, self.row, "LOCATION", "location", Location.from_row)

    @strawberry.field(description="The source, if the hit is one.")
    async def source(
        self, info: Info
    ) -> Annotated[Source, strawberry.lazy("schema.source")] | None:
        from schema.source import Source

        return await _load(info, self.row, "SOURCE", "source", Source.from_row)

    @strawberry.field(description="The incident, if the hit is one.")
    async def incident(
        self, info: Info
    ) -> Annotated[Incident, strawberry.lazy("schema.incident")] | None:
        from schema.incident import Incident

        return await _load(info, self.row, "INCIDENT", "incident", Incident.from_row)


async def _load(info: Info, row: HitRow, kind: str, loader: str, make: Any) -> Any:
    if row.type != kind:
        return None
    found = await getattr(info.context.loaders, loader).load(row.id)
    return make(found) if found else None


async def resolve_search(
    info: Info, text: str, types: list[SearchType] | None, first: int
) -> list[SearchHit]:
    text = text.strip()
    if not text:
        raise BadUserInput("Search text must not be empty.", field="text")
    if len(text) > MAX_TEXT or "\x00" in text:
        raise BadUserInput(f"Search text must be at most {MAX_TEXT} characters.", field="text")
    max_size = info.context.settings.max_page_size
    if first < 1 or first > max_size:
        raise PageSizeExceeded(
            f"`first` is {first}; it must be 1..{max_size}.", field="first", maxPageSize=max_size
        )
    kinds = tuple(value(t) for t in types) if types else search.TYPES
    rows = await search.search(info.context.db, info.context.viewer, text, kinds, first)
    return [
        SearchHit(
            type=SearchType(r.type),
            score=round(r.score, 6),
            matched_field=SearchField(r.field),
            matched_text=r.text,
            row=r,
        )
        for r in rows
    ]
