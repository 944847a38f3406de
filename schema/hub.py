"""The push hub of one process: reads new changes from the change log when woken (by
``db.notify.Listener``) and hands them to the subscriptions of this process.

The hub keeps ``position``, the last change id it has dispatched. When woken it reads
the log after ``position`` in commit order, in batches, so it never skips a change and a
missed notification costs nothing but a little delay. For each batch:

* ``changes`` subscribers get the batch itself; what each may see of it is computed
  once per batch and visibility level (``Batch.items``), on first use.
* ``incidentEvents`` subscribers are grouped by visibility level and filter; one SQL
  statement (``db.push.matching``) decides which changed incidents each group matches.
  A match is an UPSERT; a changed incident that the group saw match before, or that the
  viewer can no longer see (retracted, unpublished), is a TOMBSTONE.

Each subscriber has a bounded queue. A subscriber that falls behind by more than its
queue holds is dropped and told so (``on_overflow``): it resumes from its last cursor.
Nothing waits for a slow subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import Counter, Gauge, Histogram

from db import feed, push
from db.core import Db
from db.feed import ChangeRow, FeedItem
from db.filters import IncidentFilter
from db.viewer import Viewer
from schema.loaders import Loaders

log = structlog.get_logger(__name__)

SUBSCRIPTIONS = Gauge("sitrep_push_subscriptions", "Open subscriptions", ["kind"])
EVENTS = Counter("sitrep_push_events_total", "Events queued for subscribers", ["kind"])
OVERFLOWS = Counter(
    "sitrep_push_overflows_total",
    "Client subscriptions dropped for falling behind (counted where the client is told)",
)
LAG = Histogram(
    "sitrep_push_lag_seconds",
    "From a change's commit-time timestamp to its dispatch by this process",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
POSITION = Gauge("sitrep_push_position", "Last change id dispatched by this process")

BATCH = 500
PUBLIC = Viewer()
DRAFTS = Viewer(can_see_drafts=True, role="editor", name="push")


def level(viewer: Viewer) -> Viewer:
    """The visibility level a viewer reads at: published only, or drafts too."""
    return DRAFTS if viewer.can_see_drafts else PUBLIC


class Overflow(Exception):
    """The subscriber fell behind by more than its queue holds."""


class Batch:
    """Consecutive change rows, with what each visibility level may see of them (computed
    once, by the first subscriber that needs it)."""

    def __init__(self, db: Db, rows: Sequence[ChangeRow]) -> None:
        self.db = db
        self.rows = rows
        self._items: dict[bool, asyncio.Task[list[FeedItem]]] = {}

    @property
    def last(self) -> int:
        return self.rows[-1].id

    async def items(self, drafts: bool) -> list[FeedItem]:
        """The feed items as ``changes`` shows them: all changes to editors asking for
        drafts, else the published data set (whoever asks, as the query does)."""
        if drafts not in self._items:
            rows = (
                self.rows
                if drafts
                else [r for r in self.rows if r.published_before or r.published_after]
            )
            self._items[drafts] = asyncio.ensure_future(
                feed.feed_items(self.db, DRAFTS if drafts else PUBLIC, rows)
            )
        return await asyncio.shield(self._items[drafts])


@dataclass(frozen=True)
class IncidentEvent:
    change_id: int
    incident_id: int
    operation: str
    upsert: bool
    loaders: Loaders  # shared by every subscriber of this level for this batch


@dataclass(eq=False)
class Subscriber:
    kind: str  # "changes" | "incidents"
    queue_size: int
    on_overflow: Callable[[], None]
    queue: asyncio.Queue[Any] = field(init=False)
    overflowed: bool = False

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def offer(self, item: Any) -> bool:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            return False
        return True

    async def get(self) -> Any:
        if self.overflowed and self.queue.empty():
            raise Overflow
        item = await self.queue.get()
        if item is None:
            raise Overflow
        return item


@dataclass(eq=False)
class Group:
    viewer: Viewer
    filter: IncidentFilter | None
    subscribers: set[Subscriber] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)  # incidents seen matching


class Hub:
    def __init__(self, db: Db, queue_size: int = 1000) -> None:
        self.db = db
        self.queue_size = queue_size
        self.position = 0
        self.changes: set[Subscriber] = set()
        self.groups: dict[tuple[bool, str], Group] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        self.position = await feed.last_id(self.db)
        POSITION.set(self.position)
        self._task = asyncio.create_task(self._run(), name="sitrep-push-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # a database hiccup: try again on the next wake-up
                log.exception("push.dispatch_failed")
                await asyncio.sleep(0.5)
                self._wake.set()

    async def drain(self) -> None:
        """Dispatch every change after ``position``, in commit order."""
        while True:
            rows = await feed.feed(self.db, self.position, BATCH, all_changes=True)
            if not rows:
                return
            await self._dispatch(Batch(self.db, rows))

    # --- subscribing -------------------------------------------------------------

    def subscribe_changes(self, on_overflow: Callable[[], None]) -> tuple[Subscriber, int]:
        """A subscriber to every batch from now on, and the position it starts after
        (changes up to it must be replayed from the log)."""
        sub = Subscriber("changes", self.queue_size, on_overflow)
        self.changes.add(sub)
        SUBSCRIPTIONS.labels("changes").inc()
        return sub, self.position

    def subscribe_incidents(
        self, viewer: Viewer, f: IncidentFilter | None, on_overflow: Callable[[], None]
    ) -> Subscriber:
        key = (viewer.can_see_drafts, repr(f))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(level(viewer), f)
        sub = Subscriber("incidents", self.queue_size, on_overflow)
        group.subscribers.add(sub)
        SUBSCRIPTIONS.labels("incidentEvents").inc()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        if sub.kind == "changes":
            if sub in self.changes:
                self.changes.discard(sub)
                SUBSCRIPTIONS.labels("changes").dec()
            return
        for key, group in list(self.groups.items()):
            if sub in group.subscribers:
                group.subscribers.discard(sub)
                SUBSCRIPTIONS.labels("incidentEvents").dec()
                if not group.subscribers:
                    del self.groups[key]
                return

    def _overflow(self, sub: Subscriber) -> None:
        self.unsubscribe(sub)
        sub.overflowed = True
        # wake a waiting reader (the queue is full, so make room for the marker)
        while True:
            try:
                sub.queue.put_nowait(None)
                break
            except asyncio.QueueFull:
                sub.queue.get_nowait()
        log.info("push.overflow", kind=sub.kind)
        sub.on_overflow()

    # --- dispatching -------------------------------------------------------------

    async def _dispatch(self, batch: Batch) -> None:
        events = await self._incident_events(batch.rows)
        # No await from here on: subscribers registered before this point get this batch,
        # later ones replay it (``subscribe_changes`` returns the position after it).
        now = time.time()
        for r in batch.rows:
            LAG.observe(max(0.0, now - r.changed_at.timestamp()))
        for sub in list(self.changes):
            if not sub.offer(batch):
                self._overflow(sub)
        EVENTS.labels("changes").inc(len(self.changes) * len(batch.rows))
        for group, group_events in events:
            for sub in list(group.subscribers):
                for ev in group_events:
                    if not sub.offer(ev):
                        self._overflow(sub)
                        break
            EVENTS.labels("incidentEvents").inc(len(group.subscribers) * len(group_events))
        self.position = batch.last
        POSITION.set(self.position)

    async def _incident_events(
        self, rows: Sequence[ChangeRow]
    ) -> list[tuple[Group, list[IncidentEvent]]]:
        last: dict[int, ChangeRow] = {}
        for r in rows:
            if r.entity == "Incident":
                last[r.entity_id] = r
        groups = list(self.groups.values())
        if not last or not groups:
            return []
        ids = sorted(last)
        matched = await push.matching(self.db, [(g.viewer, g.filter) for g in groups], ids)
        loaders = {v.can_see_drafts: Loaders(self.db, v) for v in (PUBLIC, DRAFTS)}
        out = []
        for group, hits in zip(groups, matched, strict=True):
            evs = []
            for r in sorted(last.values(), key=lambda r: r.id):
                pk = r.entity_id
                if pk in hits:
                    group.seen.add(pk)
                    upsert = True
                elif pk in group.seen or _lost(r, group.viewer):
                    group.seen.discard(pk)
                    upsert = False
                else:
                    continue
                lo = loaders[group.viewer.can_see_drafts]
                evs.append(IncidentEvent(r.id, pk, r.operation, upsert, lo))
            if evs:
                out.append((group, evs))
        return out


def _published(r: ChangeRow) -> bool:
    return r.published_before or r.published_after


def _lost(r: ChangeRow, viewer: Viewer) -> bool:
    """The change hid the record from this level: retracted, or (readers) unpublished."""
    if viewer.can_see_drafts:
        alive = lambda image: image is not None and image.get("status") != "RETRACTED"  # noqa: E731
        return alive(r.before) and not alive(r.after)
    return r.published_before and not r.published_after
