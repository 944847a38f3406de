"""Change history (`history` on records, for editors) and the `changes` sync feed."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from db import feed
from db.cursors import CursorError, decode_change, encode_change
from db.feed import ChangeRow
from db.viewer import Viewer
from schema.context import Info
from schema.errors import BadUserInput, InvalidCursor, PageSizeExceeded
from schema.ids import from_global_id, to_global_id
from schema.mutations.common import require


@strawberry.enum(description="What kind of change.")
class ChangeOperation(Enum):
    CREATE = strawberry.enum_value("CREATE", description="The record was created.")
    UPDATE = strawberry.enum_value("UPDATE", description="Fields or parts changed.")
    RETRACT = strawberry.enum_value(
        "RETRACT", description="Retracted (soft delete) or, for statements, removed."
    )
    MERGE = strawberry.enum_value("MERGE", description="Merged into another record.")


@strawberry.enum(description="What a sync client does with a change.")
class SyncAction(Enum):
    UPSERT = strawberry.enum_value(
        "UPSERT", description="Store `record` under `recordId` (replacing any older copy)."
    )
    TOMBSTONE = strawberry.enum_value(
        "TOMBSTONE", description="Delete `recordId`: it is no longer in the data set."
    )


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    b, a = before or {}, after or {}
    skip = {"updated_at", "version"}
    return sorted(k for k in set(a) | set(b) if k not in skip and a.get(k) != b.get(k))


@strawberry.type(description="One change to one record, as kept in its history.")
class HistoryEntry:
    at: dt.datetime = strawberry.field(description="When the change was committed.")
    author: str = strawberry.field(description="The name of the API key that made it.")
    operation: ChangeOperation = strawberry.field(description="What kind of change.")
    changed_fields: list[str] = strawberry.field(description="Fields that differ (database names).")
    before: JSON | None = strawberry.field(description="The record before (null on create).")
    after: JSON | None = strawberry.field(description="The record after (null when removed).")
    reason: str | None = strawberry.field(description="Why (retractions, merges).")

    @classmethod
    def from_row(cls, row: ChangeRow) -> HistoryEntry:
        return cls(
            at=row.changed_at,
            author=row.author,
            operation=ChangeOperation(row.operation),
            changed_fields=_diff(row.before, row.after),
            before=cast(JSON, row.before),
            after=cast(JSON, row.after),
            reason=row.reason,
        )


@strawberry.type(description="A change in the sync feed.")
class Change:
    cursor: str = strawberry.field(description="Pass as `since` to continue after this change.")
    type_name: str = strawberry.field(description="The record's type, e.g. Incident.")
    record_id: strawberry.ID = strawberry.field(description="The record's global ID.")
    operation: ChangeOperation = strawberry.field(description="What kind of change.")
    action: SyncAction = strawberry.field(description="What a copy of the data set should do.")
    at: dt.datetime = strawberry.field(description="When it was committed.")
    record: JSON | None = strawberry.field(
        description="The record after the change (null for tombstones). References inside "
        "are database ids; `recordId` is the global ID. References to records you may not "
        "see are left out (participants, sources) or null (location, parent); a relation, "
        "deployment or statement with a hidden end is a tombstone. When such a record "
        "becomes visible or hidden, every record referring to it gets a new entry."
    )
    author: str | None = strawberry.field(description="Who made it (editors only).")
    reason: str | None = strawberry.field(description="Why (retractions, merges).")


@strawberry.type(description="A page of the changes feed, in commit order.")
class ChangeFeed:
    changes: list[Change] = strawberry.field(description="The changes, oldest first.")
    end_cursor: str = strawberry.field(
        description="Pass as `since` next time; unchanged when there was nothing new."
    )
    has_more: bool = strawberry.field(description="More changes are available right now.")


def to_change(item: feed.FeedItem, editor: bool) -> Change:
    """A feed item as the `changes` feed (query and subscription) shows it."""
    row = item.row
    reason = row.reason
    if row.operation == "MERGE":
        # the stored reason names the survivor's database id, which may be a draft
        reason = (
            f"merged into {to_global_id(row.entity, item.merged_into)}"
            if item.merged_into is not None
            else "merged"
        )
    return Change(
        cursor=encode_change(row.id),
        type_name=row.entity,
        record_id=to_global_id(row.entity, row.entity_id),
        operation=ChangeOperation(row.operation),
        action=SyncAction.UPSERT if item.record is not None else SyncAction.TOMBSTONE,
        at=row.changed_at,
        record=cast(JSON, item.record),
        author=row.author if editor else None,
        reason=reason,
    )


MAX_FEED_PAGE = 1000


@strawberry.type(description="The changes feed.")
class ChangesQuery:
    @strawberry.field(
        description="Every change to the published data set in commit order: creates, "
        "updates, and tombstones for records retracted, merged or unpublished. Replaying it "
        "from the start gives exactly the published data set. The cursor never skips or "
        "repeats a change, even when transactions commit out of order."
    )
    async def changes(
        self,
        info: Info,
        since: Annotated[
            str | None,
            strawberry.argument(description="A cursor from an earlier page; none = the start."),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="At most this many changes (max 1000).")
        ] = 100,
        include_drafts: Annotated[
            bool,
            strawberry.argument(description="Editors: also changes to drafts (all changes)."),
        ] = False,
    ) -> ChangeFeed:
        viewer = info.context.viewer
        if include_drafts:
            require(info, "editor")
        if first < 1:
            raise BadUserInput("`first` must be positive.", field="first")
        if first > MAX_FEED_PAGE:
            raise PageSizeExceeded(f"At most {MAX_FEED_PAGE} changes per page.", field="first")
        try:
            after = decode_change(since) if since else 0
        except CursorError as exc:
            raise InvalidCursor(str(exc)) from exc
        rows = await feed.feed(info.context.db, after, first + 1, all_changes=include_drafts)
        more = len(rows) > first
        rows = rows[:first]
        # Without includeDrafts the feed is the published data set, whoever asks.
        items = await feed.feed_items(info.context.db, viewer if include_drafts else Viewer(), rows)
        return ChangeFeed(
            changes=[to_change(item, viewer.can_edit) for item in items],
            end_cursor=encode_change(rows[-1].id if rows else after),
            has_more=more,
        )

    @strawberry.field(
        description="The history of any record by ID, even retracted or merged (editors)."
    )
    async def history(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID.")],
        first: Annotated[int, strawberry.argument(description="At most this many.")] = 100,
    ) -> list[HistoryEntry]:
        require(info, "editor")
        type_name, pk = from_global_id(id)
        rows = await feed.history(info.context.db, type_name, pk, min(first, MAX_FEED_PAGE))
        return [HistoryEntry.from_row(r) for r in rows]


def history_field(type_name: str) -> Any:
    """The `history` field of a record type (editors; others get FORBIDDEN)."""

    async def resolve(root: Any, info: Info) -> list[HistoryEntry]:
        require(info, "editor")
        pk = from_global_id(root.id)[1]
        rows = await info.context.loaders.history.load(((type_name, MAX_FEED_PAGE), pk))
        return [HistoryEntry.from_row(r) for r in rows]

    return strawberry.field(
        resolver=resolve,
        description="Every change to this record, oldest first: who, when, before and after "
        "(editors and admins only).",
    )
