"""The event taxonomy (sub-event type → event type), read once per import."""

from __future__ import annotations

from db.core import Db


async def load(db: Db) -> dict[str, str]:
    rows = await db.fetch("select sub_event_type, event_type from event_taxonomy")
    return {r["sub_event_type"]: r["event_type"] for r in rows}
