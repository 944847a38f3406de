"""Webhooks: registrations, the delivery queue in PostgreSQL and its log.

Turning changes into deliveries (``enqueue``) is done by one instance at a time: it
holds the row lock of ``webhook_cursor`` (``for update skip locked``; others skip), reads
the change log after it, decides in SQL which webhooks each changed incident matches
(``db.push.matching``, one statement for all webhooks), inserts the deliveries and moves
the cursor, in one transaction. Delivering (``claim`` … ``finish``) is done by every
instance: each claims due rows with ``for update skip locked`` and keeps them locked
until it has recorded the outcome, so two instances never send the same delivery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from db import feed, filter_json, push
from db.core import ConnectionDb, Db, to_rows
from db.feed import FeedItem
from db.filters import IncidentFilter
from db.viewer import Viewer


@dataclass(frozen=True)
class WebhookRow:
    id: int
    url: str
    filter: dict[str, Any] | None
    active: bool
    since_change_id: int
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    webhook_id: int
    change_id: int
    incident_id: int
    action: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class AttemptRow:
    id: int
    delivery_id: int
    at: dt.datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Due:
    """A claimed delivery: what to send, where, signed with which secret."""

    id: int
    webhook_id: int
    url: str
    secret: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status_code: int | None
    error: str | None
    duration_ms: int
    delivered: bool
    retry_in: float | None  # seconds; None = give up (FAILED)


_WEBHOOK = "id, url, filter, active, since_change_id, created_by, created_at"
_DELIVERY = (
    "id, webhook_id, change_id, incident_id, action, status, attempts, next_attempt_at, "
    "last_status_code, last_error, created_at, delivered_at"
)


async def create(
    db: Db, url: str, f: IncidentFilter | None, secret: str, author: str
) -> WebhookRow:
    row = await db.fetchrow(
        f"insert into webhook (url, filter, secret, since_change_id, created_by) "
        f"values ($1, $2, $3, (select coalesce(max(id), 0) from change_log), $4) "
        f"returning {_WEBHOOK}",
        url,
        None if f is None else filter_json.dump(f),
        secret,
        author,
    )
    assert row is not None
    return to_rows(WebhookRow, [row])[0]


async def delete(db: Db, pk: int) -> bool:
    return await db.fetchval("delete from webhook where id = $1 returning id", pk) is not None


async def list_all(db: Db) -> list[WebhookRow]:
    return to_rows(WebhookRow, await db.fetch(f"select {_WEBHOOK} from webhook order by id"))


async def deliveries(
    db: Db, webhook_ids: Sequence[int], first: int, status: str | None
) -> dict[int, list[DeliveryRow]]:
    """The latest ``first`` deliveries of each webhook, newest first (one statement)."""
    sql = (
        f"select {_DELIVERY} from (select *, row_number() over (partition by webhook_id "
        "order by id desc) as n from webhook_delivery where webhook_id = any($1::bigint[]) "
        "and ($3::text is null or status = $3)) d where n <= $2 order by webhook_id, id desc"
    )
    out: dict[int, list[DeliveryRow]] = {}
    for row in to_rows(DeliveryRow, await db.fetch(sql, list(webhook_ids), first, status)):
        out.setdefault(row.webhook_id, []).append(row)
    return out


async def attempts(db: Db, delivery_ids: Sequence[int]) -> dict[int, list[AttemptRow]]:
    sql = (
        "select id, delivery_id, at, status_code, error, duration_ms from webhook_attempt "
        "where delivery_id = any($1::bigint[]) order by delivery_id, id"
    )
    out: dict[int, list[AttemptRow]] = {}
    for row in to_rows(AttemptRow, await db.fetch(sql, list(delivery_ids))):
        out.setdefault(row.delivery_id, []).append(row)
    return out


# --- the queue ----------------------------------------------------------------------

Payload = Callable[[FeedItem, str], dict[str, Any]]  # (feed item, action) → JSON body


async def enqueue(db: Db, payload: Payload, limit: int = 500) -> int | None:
    """Turn the next changes into deliveries. Returns how many changes were consumed, or
    None when another instance holds the cursor."""
    async with db.transaction() as tx:
        last = await tx.fetchval(
            "select last_change_id from webhook_cursor where id = 1 for update skip locked"
        )
        if last is None:
            return None
        rows = await feed.feed(tx, last, limit, all_changes=True)
        if not rows:
            return 0
        incident_rows = [
            r for r in rows if r.entity == "Incident" and (r.published_before or r.published_after)
        ]
        hooks = to_rows(
            WebhookRow, await tx.fetch(f"select {_WEBHOOK} from webhook where active order by id")
        )
        if hooks and incident_rows:
            await _enqueue(tx, hooks, incident_rows, payload)
        await tx.execute("update webhook_cursor set last_change_id = $1 where id = 1", rows[-1].id)
        return len(rows)


async def _enqueue(
    tx: ConnectionDb, hooks: list[WebhookRow], rows: list[feed.ChangeRow], payload: Payload
) -> None:
    public = Viewer()
    ids = sorted({r.entity_id for r in rows})
    matched = await push.matching(tx, [(public, filter_json.load(h.filter)) for h in hooks], ids)
    # (webhook, incident) pairs whose last delivery was an UPSERT: a change that stops
    # matching them is a TOMBSTONE.
    live = {
        (r["webhook_id"], r["incident_id"])
        for r in await tx.fetch(
            "select distinct on (webhook_id, incident_id) webhook_id, incident_id, action "
            "from webhook_delivery where webhook_id = any($1::bigint[]) "
            "and incident_id = any($2::bigint[]) order by webhook_id, incident_id, change_id desc",
            [h.id for h in hooks],
            ids,
        )
        if r["action"] == "UPSERT"
    }
    items = {i.row.id: i for i in await feed.feed_items(tx, public, rows)}
    values: list[tuple[int, int, int, str, dict[str, Any]]] = []
    for hook, hits in zip(hooks, matched, strict=True):
        for r in rows:
            if r.id <= hook.since_change_id:
                continue
            pair = (hook.id, r.entity_id)
            if r.entity_id in hits and items[r.id].record is not None:
                action = "UPSERT"
                live.add(pair)
            elif pair in live or (r.published_before and not r.published_after):
                action = "TOMBSTONE"
                live.discard(pair)
            else:
                continue
            values.append((hook.id, r.id, r.entity_id, action, payload(items[r.id], action)))
    if values:
        await tx.execute(
            "insert into webhook_delivery (webhook_id, change_id, incident_id, action, payload) "
            "select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], "
            "$5::jsonb[]) on conflict (webhook_id, change_id) do nothing",
            *[list(col) for col in zip(*values, strict=True)],
        )


async def claim(tx: Db, limit: int) -> list[Due]:
    """Due deliveries, locked until the claiming transaction ends (others skip them)."""
    rows = await tx.fetch(
        "select d.id, d.webhook_id, w.url, w.secret, d.payload, d.attempts "
        "from webhook_delivery d join webhook w on w.id = d.webhook_id "
        "where d.status = 'PENDING' and d.next_attempt_at <= now() and w.active "
        "order by d.next_attempt_at, d.id limit $1 for update of d skip locked",
        limit,
    )
    return to_rows(Due, rows)


async def finish(tx: Db, outcomes: Sequence[Outcome]) -> None:
    """Record each attempt and the delivery's new state (delivered, due again, failed)."""
    if not outcomes:
        return
    await tx.execute(
        "insert into webhook_attempt (delivery_id, status_code, error, duration_ms) "
        "select * from unnest($1::bigint[], $2::int[], $3::text[], $4::int[])",
        [o.delivery_id for o in outcomes],
        [o.status_code for o in outcomes],
        [o.error for o in outcomes],
        [o.duration_ms for o in outcomes],
    )
    await tx.execute(
        "update webhook_delivery d set attempts = d.attempts + 1, last_status_code = u.code, "
        "last_error = u.error, "
        "status = case when u.ok then 'DELIVERED' when u.retry is null then 'FAILED' "
        "else 'PENDING' end, "
        "delivered_at = case when u.ok then now() end, "
        "next_attempt_at = case when u.retry is null then d.next_attempt_at "
        "else now() + make_interval(secs => u.retry) end "
        "from unnest($1::bigint[], $2::int[], $3::text[], $4::boolean[], $5::float8[]) "
        "as u(id, code, error, ok, retry) where d.id = u.id",
        [o.delivery_id for o in outcomes],
        [o.status_code for o in outcomes],
        [o.error for o in outcomes],
        [o.delivered for o in outcomes],
        [o.retry_in for o in outcomes],
    )
