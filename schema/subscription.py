"""The root `Subscription`: `incidentEvents(filter)` and `changes(since)`, fed by the
process's push hub (``schema.hub``), which is fed by the change log.

Visibility is the connection's viewer (the key given in ``connection_init``, or the
``Authorization`` header of a ``graphql-sse`` request), decided in SQL as for queries.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry

from db import feed
from db.cursors import CursorError, decode_change, encode_change
from db.viewer import Viewer
from schema.changes import Change, ChangeOperation, SyncAction, to_change
from schema.context import EVENT_LOADERS, Info
from schema.errors import InvalidCursor, SitrepError
from schema.hub import Batch, Hub, Overflow, Subscriber
from schema.hub import IncidentEvent as Event
from schema.ids import to_global_id
from schema.incident import Incident, IncidentFilterArg
from schema.mutations.common import require

REPLAY_PAGE = 500


class SlowConsumer(SitrepError):
    code = "SLOW_CONSUMER"


class PushUnavailable(SitrepError):
    code = "SUBSCRIPTIONS_UNAVAILABLE"


@strawberry.type(description="An incident matching a subscription's filter changed.")
class IncidentEvent:
    cursor: str = strawberry.field(
        description="The change's position in the `changes` feed (pass as `since` there)."
    )
    incident_id: strawberry.ID = strawberry.field(description="The incident's global ID.")
    action: SyncAction = strawberry.field(
        description="UPSERT: it matches (created, or changed and still matching). TOMBSTONE: "
        "it stopped matching this subscription, or was retracted or unpublished."
    )
    operation: ChangeOperation = strawberry.field(description="What kind of change.")
    incident: Incident | None = strawberry.field(
        description="The incident as it is now (null for tombstones)."
    )


def _hub(info: Info) -> Hub:
    hub = info.context.hub
    if hub is None:
        raise PushUnavailable("Subscriptions are not served by this app.")
    return hub


async def _next(sub: Subscriber) -> Any:
    try:
        return await sub.get()
    except Overflow:
        raise SlowConsumer(
            "This subscription fell too far behind and was dropped; subscribe again with "
            "the last cursor you received."
        ) from None


@strawberry.type(name="Subscription", description="Live updates, driven by the change log.")
class Subscription:
    @strawberry.subscription(
        description="Incidents matching the filter as they are created or change, with "
        "the selection you ask for; a tombstone when one stops matching or is retracted. "
        "Only what your key may see."
    )
    async def incident_events(
        self, info: Info, filter: IncidentFilterArg = None
    ) -> AsyncGenerator[IncidentEvent, None]:
        hub = _hub(info)
        f = filter.to_db() if filter else None
        sub = hub.subscribe_incidents(info.context.viewer, f, info.context.on_overflow)
        try:
            while True:
                ev: Event = await _next(sub)
                row = await ev.loaders.incident.load(ev.incident_id) if ev.upsert else None
                EVENT_LOADERS.set(ev.loaders)
                yield IncidentEvent(
                    cursor=encode_change(ev.change_id),
                    incident_id=strawberry.ID(to_global_id("Incident", ev.incident_id)),
                    action=SyncAction.UPSERT if row is not None else SyncAction.TOMBSTONE,
                    operation=ChangeOperation(ev.operation),
                    incident=Incident.from_row(row) if row is not None else None,
                )
        finally:
            hub.unsubscribe(sub)

    @strawberry.subscription(
        description="The `changes` feed, live: every change after `since` (replayed from "
        "the change log), then each new one as it commits, in commit order, with no gap "
        "or repeat between the two. Reconnect with the last cursor you received to lose "
        "nothing."
    )
    async def changes(
        self,
        info: Info,
        since: Annotated[
            str | None,
            strawberry.argument(description="A cursor from the feed; none = from now on."),
        ] = None,
        include_drafts: Annotated[
            bool,
            strawberry.argument(description="Editors: also changes to drafts (all changes)."),
        ] = False,
    ) -> AsyncGenerator[Change, None]:
        hub = _hub(info)
        viewer = info.context.viewer
        if include_drafts:
            require(info, "editor")
        try:
            after = decode_change(since) if since else None
        except CursorError as exc:
            raise InvalidCursor(str(exc)) from exc
        sub, position = hub.subscribe_changes(info.context.on_overflow)
        cursor = position if after is None else after
        editor = viewer.can_edit
        shown_as = viewer if include_drafts else Viewer()
        try:
            # Replay what this process dispatched before we subscribed...
            while cursor < position:
                rows = await feed.feed(
                    info.context.db, cursor, REPLAY_PAGE, all_changes=include_drafts
                )
                rows = [r for r in rows if r.id <= position]
                if not rows:
                    break
                for item in await feed.feed_items(info.context.db, shown_as, rows):
                    yield to_change(item, editor)
                cursor = rows[-1].id
            cursor = max(cursor, position)
            # ...then everything after it, as the hub dispatches it.
            while True:
                batch: Batch = await _next(sub)
                if batch.last <= cursor:
                    continue
                for item in await batch.items(include_drafts):
                    if item.row.id > cursor:
                        yield to_change(item, editor)
                cursor = batch.last
        finally:
            hub.unsubscribe(sub)
