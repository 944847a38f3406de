"""Shared executions of identical subscriptions (as Hasura multiplexes live queries).

WebSocket subscriptions to ``incidentEvents`` with the same document, variables and
visibility level are answered by one execution: one hub subscriber, one GraphQL
execution per event, one JSON encoding. Each member operation gets the encoded payload
in its own bounded queue and its own sender task, so a slow socket holds up nobody; a
member that falls behind is dropped like any subscriber (its socket closed with 4413).

Only documents that validate, with one subscription operation whose root fields are all
``incidentEvents`` and whose variables coerce, are shared; anything else (and every
error) takes Strawberry's own path, which reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog
from graphql import (
    DocumentNode,
    FieldNode,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import get_variable_values
from prometheus_client import Gauge
from strawberry.types.execution import ExecutionResult

from db.core import Db
from db.viewer import Viewer
from schema.context import Context
from schema.hub import Hub, level

log = structlog.get_logger(__name__)

MEMBERS = Gauge(
    "sitrep_push_shared_members",
    "WebSocket subscriptions answered by a shared execution (each execution counts once "
    "in sitrep_push_subscriptions)",
)

SHARED_FIELDS = {"incidentEvents"}


@dataclass(eq=False)
class Member:
    queue_size: int
    on_overflow: Callable[[], None]
    queue: asyncio.Queue[bytes | None] = field(init=False)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def offer(self, payload: bytes) -> bool:
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            return False
        return True


class Shared:
    """One execution and its members."""

    def __init__(self, mux: Multiplexer, key: tuple[Any, ...], context: Context, request: Any):
        self.mux = mux
        self.key = key
        self.members: set[Member] = set()
        context.on_overflow = self.overflow_all
        self.task = asyncio.create_task(self._run(context, request))

    async def _run(self, context: Context, request: tuple[str, dict[str, Any], str | None]) -> None:
        query, variables, operation_name = request
        try:
            stream = await self.mux.schema.stream(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
            )
            async with contextlib.aclosing(stream):
                async for result in stream:
                    if not isinstance(result, ExecutionResult):
                        break
                    payload: dict[str, Any] = {"data": result.data}
                    if result.errors:
                        payload["errors"] = [e.formatted for e in result.errors]
                    text = orjson.dumps(payload)
                    for member in list(self.members):
                        if not member.offer(text):
                            self.drop(member)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("push.shared_failed")
        finally:
            self.overflow_all()

    def drop(self, member: Member) -> None:
        self.leave(member)
        with contextlib.suppress(asyncio.QueueFull):
            member.queue.put_nowait(None)
        member.on_overflow()

    def overflow_all(self) -> None:
        """The execution fell behind or ended: drop every member, and let new ones start
        a fresh execution."""
        if self.mux.shared.get(self.key) is self:
            del self.mux.shared[self.key]
        for member in list(self.members):
            self.drop(member)
        if asyncio.current_task() is not self.task:
            self.task.cancel()

    def leave(self, member: Member) -> None:
        if member in self.members:
            MEMBERS.dec()
        self.members.discard(member)
        if not self.members and self.mux.shared.get(self.key) is self:
            del self.mux.shared[self.key]
            self.task.cancel()


class Multiplexer:
    def __init__(self, schema: Any, db: Db, settings: Any, hub: Hub) -> None:
        self.schema = schema
        self.hub = hub
        self.db = db
        self.settings = settings
        self.shared: dict[tuple[Any, ...], Shared] = {}

    def _document(
        self, query: str, operation_name: str | None
    ) -> tuple[DocumentNode, OperationDefinitionNode] | None:
        """The document and its subscription operation, when every root field can be
        shared (checked and cached by the schema's own document cache)."""
        checked = self.schema.documents.check(query)
        if checked.document is None or checked.errors:
            return None
        op = checked.operation(operation_name)
        if (
            op is not None
            and op.operation == OperationType.SUBSCRIPTION
            and all(
                isinstance(s, FieldNode) and s.name.value in SHARED_FIELDS
                for s in op.selection_set.selections
            )
        ):
            return checked.document, op
        return None

    def join(
        self, payload: dict[str, Any], viewer: Viewer, on_overflow: Callable[[], None]
    ) -> tuple[Shared, Member] | None:
        """A member of the shared execution for this subscribe payload, or None when it
        is not shareable (Strawberry's own path takes it)."""
        query = payload.get("query")
        variables = payload.get("variables") or {}
        operation_name = payload.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict):
            return None
        parsed = self._document(query, operation_name)
        if parsed is None:
            return None
        coerced = get_variable_values(
            self.schema._schema, parsed[1].variable_definitions or (), variables
        )
        if isinstance(coerced, list):  # errors: let Strawberry report them
            return None
        viewing = level(viewer)
        key = (query, operation_name, orjson.dumps(variables, option=orjson.OPT_SORT_KEYS), viewing)
        shared = self.shared.get(key)
        if shared is None:
            context = Context(self.db, self.settings, viewing)
            context.hub = self.hub
            shared = self.shared[key] = Shared(
                self, key, context, (query, variables, operation_name)
            )
        member = Member(self.settings.push_queue_size, on_overflow)
        shared.members.add(member)
        MEMBERS.inc()
        return shared, member
