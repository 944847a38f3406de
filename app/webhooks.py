"""Webhook delivery: every instance turns changes into deliveries (one at a time, see
``db.webhooks``) and sends the due ones, signed, retrying with exponential backoff.

Each POST carries the event as JSON and these headers:

* ``Sitrep-Delivery``: the delivery id (the same on every retry: deduplicate on it);
* ``Sitrep-Timestamp``: Unix seconds when this attempt was signed;
* ``Sitrep-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``<timestamp>.<body>`` with the
  webhook's secret.

A 2xx answer is a delivery; anything else (or no answer in ``SITREP_WEBHOOK_TIMEOUT_SECONDS``)
is retried after ``base * 2^(attempts - 1)`` seconds (capped), up to
``SITREP_WEBHOOK_MAX_ATTEMPTS``, then marked FAILED. Redirects are not followed.

SSRF: a webhook URL must be http(s), and its host must resolve only to public addresses,
both when it is registered and before every attempt (so DNS that changes later cannot
point it inside). Private, loopback, link-local and reserved addresses are refused unless
listed in ``SITREP_WEBHOOK_ALLOWED_NETWORKS`` (CIDRs; empty by default; the tests allow
127.0.0.0/8). The check and the connection resolve the name separately, so a resolver that
answers differently within milliseconds could still slip through: deployments that need
more put the sender behind an egress proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
from typing import Any

import httpx
import orjson
import structlog
from prometheus_client import Counter

from app.settings import Settings
from db import webhooks
from db.core import Db
from db.cursors import encode_change
from db.feed import FeedItem
from schema.ids import to_global_id
from schema.webhooks import check_url

log = structlog.get_logger(__name__)

DELIVERIES = Counter(
    "sitrep_webhook_deliveries_total", "Webhook delivery attempts by result", ["result"]
)
CLAIM = 20


def payload(item: FeedItem, action: str) -> dict[str, Any]:
    """The JSON body of a delivery (without ``deliveryId``, added when it is sent)."""
    row = item.row
    return {
        "cursor": encode_change(row.id),
        "type": "Incident",
        "action": action,
        "operation": row.operation,
        "incidentId": to_global_id("Incident", row.entity_id),
        "at": row.changed_at.isoformat(),
        "incident": item.record if action == "UPSERT" else None,
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Webhooks:
    """The enqueuer and the sender of one process."""

    def __init__(self, db: Db, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._wake_enqueue = asyncio.Event()
        self._wake_send = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False
        )

    def wake(self) -> None:
        self._wake_enqueue.set()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(self._wake_enqueue, self._enqueue)),
            asyncio.create_task(self._loop(self._wake_send, self._send)),
        ]
        self.wake()

    async def stop(self) -> None:
        """Let a send in flight record its outcomes (so a restart does not send them
        again), then stop."""
        self._stopping = True
        self._wake_enqueue.set()
        self._wake_send.set()
        _, pending = await asyncio.wait(
            self._tasks, timeout=self.settings.webhook_timeout_seconds + 5
        )
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.http.aclose()

    async def _loop(self, event: asyncio.Event, step: Any) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), self.settings.webhook_poll_seconds)
            event.clear()
            try:
                while not self._stopping and await step():
                    pass
            except Exception:
                log.exception("webhooks.step_failed")

    async def _enqueue(self) -> bool:
        done = await webhooks.enqueue(self.db, payload)
        if done:
            self._wake_send.set()
        return bool(done)

    async def _send(self) -> bool:
        """Claim due deliveries, send them concurrently, record the outcomes; all in one
        transaction, so the rows stay locked (others skip them) until recorded."""
        async with self.db.transaction() as tx:
            due = await webhooks.claim(tx, CLAIM)
            if not due:
                return False
            outcomes = await asyncio.gather(*(self._attempt(d) for d in due))
            await webhooks.finish(tx, outcomes)
        return True

    async def _attempt(self, due: webhooks.Due) -> webhooks.Outcome:
        started = time.perf_counter()
        code: int | None = None
        error = await check_url(due.url, self.settings.webhook_allowed_networks)
        if error is None:
            body = orjson.dumps({"deliveryId": str(due.id), **due.payload})
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Sitrep-Webhooks",
                "Sitrep-Delivery": str(due.id),
                "Sitrep-Timestamp": stamp,
                "Sitrep-Signature": signature(due.secret, stamp, body),
            }
            try:
                response = await self.http.post(due.url, content=body, headers=headers)
                code = response.status_code
                if not 200 <= code < 300:
                    error = f"HTTP {code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
        ms = int((time.perf_counter() - started) * 1000)
        if error is None:
            DELIVERIES.labels("delivered").inc()
            return webhooks.Outcome(due.id, code, None, ms, True, None)
        attempts = due.attempts + 1
        if attempts >= self.settings.webhook_max_attempts:
            DELIVERIES.labels("failed").inc()
            return webhooks.Outcome(due.id, code, error, ms, False, None)
        DELIVERIES.labels("retry").inc()
        retry = min(
            self.settings.webhook_retry_base_seconds * 2 ** (attempts - 1),
            self.settings.webhook_retry_max_seconds,
        )
        return webhooks.Outcome(due.id, code, error, ms, False, retry)
