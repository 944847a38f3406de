"""Webhooks in GraphQL (admins only): register and remove them, and read their delivery
log. Delivery itself is ``app.webhooks``; the queue is ``db.webhooks``."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
from collections.abc import Sequence
from enum import Enum
from typing import Annotated, cast
from urllib.parse import urlsplit

import strawberry
from strawberry.scalars import JSON

from db import webhooks
from db.webhooks import DeliveryRow, WebhookRow
from schema.changes import SyncAction
from schema.context import Info
from schema.errors import InvalidId
from schema.filters import IncidentFilter
from schema.ids import to_global_id
from schema.mutations.common import FieldError, ValidationFailed, require

MAX_DELIVERIES = 100
MIN_SECRET = 16


@strawberry.enum(description="Where a webhook delivery stands.")
class DeliveryStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Not delivered yet; due again.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="Answered with a 2xx status.")
    FAILED = strawberry.enum_value("FAILED", description="Given up after the last attempt.")


@strawberry.type(description="One attempt to deliver an event.")
class WebhookAttempt:
    at: dt.datetime = strawberry.field(description="When it was made.")
    status_code: int | None = strawberry.field(description="The HTTP status (null: none).")
    error: str | None = strawberry.field(description="What went wrong (null: delivered).")
    duration_ms: int = strawberry.field(description="How long it took.")


@strawberry.type(description="An event for one webhook: the queue entry and its log.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Sent as the Sitrep-Delivery header.")
    cursor: str = strawberry.field(description="The change's cursor in the changes feed.")
    incident_id: strawberry.ID = strawberry.field(description="The incident's global ID.")
    action: SyncAction = strawberry.field(description="UPSERT or TOMBSTONE.")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Attempts so far.")
    next_attempt_at: dt.datetime = strawberry.field(description="When it is due (pending).")
    last_status_code: int | None = strawberry.field(description="Status of the last attempt.")
    last_error: str | None = strawberry.field(description="Error of the last attempt.")
    created_at: dt.datetime = strawberry.field(description="When it was queued.")
    delivered_at: dt.datetime | None = strawberry.field(description="When it was delivered.")

    @strawberry.field(description="Every attempt, oldest first.")
    async def attempt_log(self, info: Info) -> list[WebhookAttempt]:
        rows = (await webhooks.attempts(info.context.db, [int(self.id)])).get(int(self.id), [])
        return [
            WebhookAttempt(
                at=r.at, status_code=r.status_code, error=r.error, duration_ms=r.duration_ms
            )
            for r in rows
        ]

    @classmethod
    def from_row(cls, r: DeliveryRow) -> WebhookDelivery:
        from db.cursors import encode_change

        return cls(
            id=strawberry.ID(str(r.id)),
            cursor=encode_change(r.change_id),
            incident_id=to_global_id("Incident", r.incident_id),
            action=SyncAction(r.action),
            status=DeliveryStatus(r.status),
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
            last_status_code=r.last_status_code,
            last_error=r.last_error,
            created_at=r.created_at,
            delivered_at=r.delivered_at,
        )


@strawberry.type(description="A URL that receives every matching incident change, signed.")
class Webhook:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")
    url: str = strawberry.field(description="Where events are POSTed.")
    filter: JSON | None = strawberry.field(
        description="The incident filter, as stored (database ids); null = every incident."
    )
    active: bool = strawberry.field(description="Whether events are delivered.")
    created_by: str = strawberry.field(description="The key that registered it.")
    created_at: dt.datetime = strawberry.field(description="When.")

    @strawberry.field(description="The latest deliveries, newest first (the delivery log).")
    async def deliveries(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="At most this many (max 100).")] = 20,
        status: Annotated[
            DeliveryStatus | None, strawberry.argument(description="Only these.")
        ] = None,
    ) -> list[WebhookDelivery]:
        pk = int(self.id)
        rows = await webhooks.deliveries(
            info.context.db,
            [pk],
            max(1, min(first, MAX_DELIVERIES)),
            status.name if status else None,
        )
        return [WebhookDelivery.from_row(r) for r in rows.get(pk, [])]

    @classmethod
    def from_row(cls, r: WebhookRow) -> Webhook:
        return cls(
            id=strawberry.ID(str(r.id)),
            url=r.url,
            filter=cast(JSON, r.filter),
            active=r.active,
            created_by=r.created_by,
            created_at=r.created_at,
        )


async def check_url(url: str, allowed_networks: Sequence[str]) -> str | None:
    """Why this URL may not be delivered to (None: it may): not http(s), or a host that
    resolves to a non-public address outside ``allowed_networks`` (see ``app.webhooks``)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The URL is malformed."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Only http:// and https:// URLs with a host are accepted."
    allowed = [ipaddress.ip_network(n) for n in allowed_networks]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname,
            port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except OSError:
        return f"The host {parts.hostname!r} does not resolve."
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global and not any(ip in n for n in allowed):
            return (
                f"The host resolves to a non-public address ({ip}); allow its network in "
                "SITREP_WEBHOOK_ALLOWED_NETWORKS to deliver there."
            )
    return None


CreateWebhookResult = Annotated[
    Webhook | ValidationFailed,
    strawberry.union("CreateWebhookResult", description="The webhook, or why not."),
]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message="The input is invalid.",
        code="VALIDATION_FAILED",
        fields=[FieldError(path=[field], code="INVALID_VALUE", message=message)],
    )


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Registered webhooks and their delivery logs (admins).")
    async def webhooks(self, info: Info) -> list[Webhook]:
        require(info, "admin")
        return [Webhook.from_row(r) for r in await webhooks.list_all(info.context.db)]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Register a webhook (admins): every change to an incident matching "
        "`filter` in the published data set is POSTed to `url` as JSON, signed with "
        "`secret` (HMAC-SHA256 in the Sitrep-Signature header). Only changes after now."
    )
    async def create_webhook(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="An http(s) URL.")],
        secret: Annotated[
            str, strawberry.argument(description="At least 16 characters; signs each POST.")
        ],
        filter: Annotated[
            IncidentFilter | None,
            strawberry.argument(description="Only incidents matching this; none = all."),
        ] = None,
    ) -> CreateWebhookResult:
        require(info, "admin")
        problem = await check_url(url, info.context.webhook_networks)
        if problem is not None:
            return _invalid("url", problem)
        if len(secret) < MIN_SECRET:
            return _invalid("secret", f"The secret needs at least {MIN_SECRET} characters.")
        f = filter.to_db() if filter else None
        row = await webhooks.create(info.context.db, url, f, secret, info.context.viewer.name)
        return Webhook.from_row(row)

    @strawberry.mutation(description="Remove a webhook and its delivery log (admins).")
    async def delete_webhook(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="ID.")]
    ) -> bool:
        require(info, "admin")
        try:
            pk = int(id)
        except ValueError:
            raise InvalidId(f"{id!r} is not a webhook ID.", id=id) from None
        return await webhooks.delete(info.context.db, pk)
