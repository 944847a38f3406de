"""Push delivery in the app: the process's hub and LISTEN connection, and GraphQL
subscriptions at ``/graphql`` over graphql-transport-ws (WebSocket) and graphql-sse
(distinct-connections mode, HTTP).

WebSocket close codes (besides the protocol's own 4400/4401/4403/4408/4409/4429):

* ``4403`` — the key in ``connection_init`` is unknown, revoked or malformed, or a key is
  required and none was given;
* ``4413`` — a subscription fell behind by more than ``SITREP_PUSH_QUEUE_SIZE`` events;
  resubscribe with the last cursor received;
* ``4430`` — the key already holds ``SITREP_PUSH_MAX_CONNECTIONS_PER_KEY`` connections
  to this process;
* ``1012`` — the server is restarting or shutting down (uvicorn closes every socket with
  it); reconnect and resume from the last cursor.
"""

from __future__ import annotations

import asyncio
from collections import Counter as Tally
from typing import Any

import orjson
import structlog
from graphql import GraphQLError
from prometheus_client import Gauge
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types.unset import UNSET, UnsetType

from app.auth import viewer_for_key
from app.multiplex import Member, Multiplexer, Shared
from app.settings import Settings
from app.webhooks import Webhooks
from db.core import Db
from db.notify import Listener
from schema.context import Context
from schema.hub import OVERFLOWS, Hub

log = structlog.get_logger(__name__)

CLIENTS = Gauge("sitrep_push_clients", "Connected subscription clients", ["transport"])

SLOW_CONSUMER = 4413
TOO_MANY_CONNECTIONS = 4430


class Push:
    """One per process: the hub, its LISTEN connection, and the open connections."""

    def __init__(self, db: Db, url: str, settings: Settings, schema: Any) -> None:
        self.settings = settings
        self.hub = Hub(db, settings.push_queue_size)
        self.mux = Multiplexer(schema, db, settings, self.hub) if settings.push_multiplex else None
        self.webhooks = Webhooks(db, settings)
        self.listener = Listener(url, self.wake)
        self.per_key: Tally[int] = Tally()

    def wake(self) -> None:
        self.hub.wake()
        self.webhooks.wake()

    async def start(self) -> None:
        await self.hub.start()
        self.webhooks.start()
        self.listener.start()
        await asyncio.wait_for(self.listener.connected.wait(), timeout=10)

    async def stop(self) -> None:
        await self.listener.stop()
        await self.webhooks.stop()
        await self.hub.stop()


def _key_header(params: dict[str, Any]) -> str | None:
    """The key in ``connection_init``: ``{"Authorization": "Bearer <key>"}`` (any case),
    or ``{"apiKey": "<key>"}``."""
    for name, value in params.items():
        if name.lower() == "authorization" and isinstance(value, str):
            return value
    key = params.get("apiKey")
    return f"Bearer {key}" if isinstance(key, str) else None


class TransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with Sitrep's limits: the key from ``connection_init``,
    connections per key, subscriptions per connection (an ``error`` with code
    ``TOO_MANY_SUBSCRIPTIONS``), and server pings every ``SITREP_PUSH_KEEPALIVE_SECONDS``."""

    view: PushRouter

    @property
    def push(self) -> Push:
        assert self.view.push is not None
        return self.view.push

    async def handle(self) -> None:
        CLIENTS.labels("ws").inc()
        pinger = asyncio.create_task(self._ping())
        key_id: int | None = None
        try:
            await super().handle()
        finally:
            pinger.cancel()
            CLIENTS.labels("ws").dec()
            key_id = self.context.viewer.key_id
            if self.connection_acknowledged and key_id is not None:
                self.push.per_key[key_id] -= 1

    async def _ping(self) -> None:
        interval = self.view.settings.push_keepalive_seconds
        while True:
            await asyncio.sleep(interval)
            if self.connection_acknowledged:
                try:
                    await self.send_message({"type": "ping"})
                except Exception:  # the socket is gone: the handler is ending
                    return

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        if isinstance(payload, dict) and not self.connection_init_received:
            header = _key_header(payload)
            if header is not None:
                viewer = await viewer_for_key(header, self.context.db)
                if viewer is None:
                    await self.websocket.close(4403, "Unknown, revoked or malformed API key")
                    return
                self.context.set_viewer(viewer)
            key_id = self.context.viewer.key_id
            if key_id is not None:
                push = self.push
                if push.per_key[key_id] >= self.view.settings.push_max_connections_per_key:
                    await self.websocket.close(
                        TOO_MANY_CONNECTIONS, "Too many connections for this key"
                    )
                    return
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.context.viewer.key_id is not None:
            self.push.per_key[self.context.viewer.key_id] += 1

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        limit = self.view.settings.push_max_subscriptions_per_connection
        if self.connection_acknowledged and len(self.operations) >= limit:
            error = GraphQLError(
                f"At most {limit} subscriptions per connection.",
                extensions={"code": "TOO_MANY_SUBSCRIPTIONS"},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        mux = self.push.mux
        if (
            mux is not None
            and self.connection_acknowledged
            and message["id"] not in self.operations
        ):
            payload = message["payload"]
            joined = mux.join(dict(payload), self.context.viewer, self.context.on_overflow)
            if joined is not None:
                op = Operation(
                    self,
                    message["id"],
                    payload["query"],
                    payload.get("variables"),
                    payload.get("operationName"),
                )
                op.task = asyncio.create_task(self._run_shared(op.id, *joined))
                op.task.add_done_callback(self._task_done)
                self.operations[op.id] = op
                return
        await super().handle_subscribe(message)

    async def _run_shared(self, op_id: str, shared: Shared, member: Member) -> None:
        """Send a shared execution's payloads as this operation's ``next`` messages."""
        prefix = b'{"id":' + orjson.dumps(op_id) + b',"type":"next","payload":'
        socket = self.websocket.ws  # type: ignore[attr-defined]
        try:
            while (payload := await member.queue.get()) is not None:
                await socket.send_text((prefix + payload + b"}").decode())
        except Exception:  # the socket is gone: the handler is ending
            return
        finally:
            shared.leave(member)


class PushRouter(GraphQLRouter[Context, None]):
    """The GraphQL router with subscriptions: WebSocket (graphql-transport-ws) and SSE."""

    graphql_transport_ws_handler_class = TransportWS

    def __init__(
        self, schema: Any, *, push: Push | None, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, "graphql-sse"),
            max_subscriptions_per_connection=None,  # ours, with a code (TransportWS)
            **kwargs,
        )
        self.push = push
        self.settings = settings

    async def on_ws_connect(self, context: Context) -> UnsetType:
        if self.settings.require_key_for_reads and context.viewer.key_id is None:
            raise ConnectionRejectionError()
        return UNSET


def attach(context: Context, push: Push | None, request: Any, settings: Settings) -> None:
    """Give a request's context the hub; on a WebSocket, a subscriber that falls behind
    closes the socket with ``4413`` (the client resumes by cursor)."""
    context.webhook_networks = settings.webhook_allowed_networks
    if push is None:
        return
    context.hub = push.hub
    # SSE: the subscription ends with a SLOW_CONSUMER error (schema.subscription)
    context.on_overflow = OVERFLOWS.inc
    if request.scope["type"] == "websocket":

        def overflow() -> None:
            OVERFLOWS.inc()
            task = asyncio.ensure_future(
                request.close(SLOW_CONSUMER, "Subscriber too slow; resume from your last cursor")
            )
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

        context.on_overflow = overflow
