"""Sources: rows, lists, their media and the statements quoted in them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from db import listing
from db.core import Db, group_by, to_rows
from db.filters import SourceFilter
from db.model import ENTITIES
from db.sql import Compiler
from db.viewer import Viewer


@dataclass(frozen=True)
class SourceRow:
    id: int
    kind: str
    publisher: str
    title: str | None
    url: str | None
    author: str | None
    published_at: dt.datetime | None
    revised_at: dt.datetime | None
    language: str | None
    machine_translated: bool
    note: str | None
    media: list[dict[str, str | None]]
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


MEDIA = """coalesce((select json_agg(json_build_object('kind', m.kind, 'caption', m.caption,
  'credit', m.credit, 'url', m.url) order by m.id) from source_media m
  where m.source_id = {t}.id), '[]'::json)"""

TABLE: listing.Table[SourceRow, SourceFilter] = listing.Table.of(
    ENTITIES["Source"], SourceRow, {"media": MEDIA}
)


@dataclass(frozen=True)
class StatementRow:
    id: int
    source_id: int
    speaker_actor_id: int | None
    speaker_name: str | None
    channel: str | None
    text: str
    is_quote: bool
    stated_on: dt.date | None
    incident_id: int | None


STATEMENT_COLUMNS = (
    "st.id, st.source_id, st.speaker_actor_id, st.speaker_name, st.channel, st.text, "
    "st.is_quote, st.stated_on, st.incident_id"
)


def _visible(c: Compiler) -> str:
    return ENTITIES["Statement"].visible(c, "st")


async def statements_by_id(db: Db, viewer: Viewer, ids: Sequence[int]) -> dict[int, StatementRow]:
    c = Compiler(viewer)
    sql = (
        f"select {STATEMENT_COLUMNS} from statement st "
        f"where st.id = any({c(list(ids))}::bigint[]) and {_visible(c)}"
    )
    rows = to_rows(StatementRow, await db.fetch(sql, *c.params.args))
    return {r.id: r for r in rows}


async def statements_by(
    db: Db, viewer: Viewer, column: str, ids: Sequence[int]
) -> dict[int, list[StatementRow]]:
    """Statements grouped by ``column`` (source_id, speaker_actor_id or incident_id)."""
    assert column in {"source_id", "speaker_actor_id", "incident_id"}
    c = Compiler(viewer)
    sql = (
        f"select {STATEMENT_COLUMNS} from statement st "
        f"where st.{column} = any({c(list(ids))}::bigint[]) and {_visible(c)} "
        "order by st.stated_on nulls last, st.id"
    )
    return group_by(to_rows(StatementRow, await db.fetch(sql, *c.params.args)), column)
