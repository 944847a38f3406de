"""The fast path: answer a GraphQL read with one SQL statement whose text is the response.

A pure ASGI middleware in front of the FastAPI app. For ``POST /graphql`` with a JSON
body, or ``GET /graphql`` with a query string, whose document is given as text or as a
persisted document's id (``app/persisted.py``), it checks the document through the
schema's own cache (``schema/documents.py``: static limits, then validation), checks the
variables, computes the static cost (``schema/cost.py``), plans the operation
(``schema/plan.py`` → ``db/planner.py``, cached by document, operation, visibility level
and variables, within a byte budget), charges the caller's rate limit, runs the one
statement within the operation's time budget and splices PostgreSQL's JSON text into
``{"data": …, "extensions": {"cost": …}}``: no Python objects per field, no re-encoding.
A statement that runs out of the time budget is cancelled and answered with ``TIMEOUT``,
as the resolvers would. The response has the media type the ``Accept`` header negotiates
(``app/graphql_http.py``).

Anything it does not take — a mutation, a field the model does not describe, a malformed
or unknown API key, a document, variable or argument with an error, a cost over the
budget, a caller out of points — goes on to the Strawberry resolvers unchanged, with
the body replayed, so every error is the resolvers' own. ``sitrep_graphql_path_total``
counts which path answered; a debug log line says why a request fell back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
import orjson
import structlog
from graphql.execution.values import get_variable_values
from prometheus_client import Counter

from app.asgi import ASGIApp, Message, Receive, Scope, Send
from app.auth import viewer_for_key
from app.graphql_http import GraphQLRequest, HttpError, decode_body, decode_params, negotiate
from app.json_depth import json_too_deep, too_deep
from app.persisted import Documents
from app.settings import Settings
from db.core import DatabaseUnavailable, Db
from db.planner import MERGED, Planner, Statement
from db.replicas import writer
from db.viewer import Viewer
from schema.cost import Cost, cost_errors, cost_extension, operation_cost
from schema.documents import SizedLru
from schema.errors import timeout_error
from schema.guard import CHARGED, admit
from schema.limits import variable_errors
from schema.plan import NotPlanned, plan
from schema.ratelimit import RateLimiter

log = structlog.get_logger(__name__)

PATHS = Counter(
    "sitrep_graphql_path_total",
    "GraphQL requests by the path that answered them: planned (one SQL statement) or resolvers",
    ["path"],
)

PLANS = Counter(
    "sitrep_planned_statements_total",
    "Planned statements by how PostgreSQL plans them: generic (planned once per connection: "
    "ids, date ranges, enums) or custom (planned per call for its values: actors, places, "
    "names, text)",
    ["plan"],
)

# Bodies larger than this are left to the resolvers' path (and its own limits).
_MAX_BODY = 256 * 1024
_MAX_CACHED_VARIABLES = 16 * 1024
# Larger documents are not planned from the cache (nor kept in it).
_MAX_CACHED_TEXT = 32 * 1024
_MERGED = orjson.dumps(MERGED)
_PER_ARG = 64  # bytes a bound value keeps in the plan cache, besides its text


def _plan_weight(key: tuple[Any, ...], found: Any) -> int:
    size = len(key[0]) + len(key[3]) + 256
    if isinstance(found, tuple):
        statement: Statement = found[0]
        size += len(statement.sql) + _PER_ARG * len(statement.args)
        size += sum(len(a) for a in statement.args if isinstance(a, str | bytes))
    return size


class FastPath:
    def __init__(
        self,
        app: ASGIApp,
        schema: Any,
        settings: Settings,
        get_db: Callable[[bool], Db],
        documents: Documents,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.persisted = documents
        self.schema = schema
        self.settings = settings
        self.get_db = get_db
        self.limiter = limiter
        self.documents = schema.documents
        self.plans: SizedLru[tuple[Any, ...], tuple[Statement, Cost] | NotPlanned] = SizedLru(
            settings.document_cache_size * 4, settings.document_cache_bytes
        )
        self.enabled = settings.planner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] not in {"GET", "POST"}
            or scope["path"].rstrip("/") != "/graphql"
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        media = negotiate(headers.get(b"accept", b"").decode("latin-1") or None)
        body: bytes | None = None
        if media is None:
            await self._fallback(scope, receive, send, None, "not a JSON response")
            return
        if scope["method"] == "GET":
            query_string = scope.get("query_string", b"").decode("latin-1")
            if not query_string:
                await self._fallback(scope, receive, send, None, "no query")
                return
            try:
                request = decode_params(dict(parse_qsl(query_string)))
            except HttpError:
                await self._fallback(scope, receive, send, None, "bad query string")
                return
        else:
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if content_type != b"application/json":
                await self._fallback(scope, receive, send, None, "not a JSON request")
                return
            body, complete = await _read_body(receive, _MAX_BODY)
            if not complete:
                await self._fallback(scope, receive, send, body, "body too large", more=True)
                return
            if too_deep(body, self.settings.max_json_depth):  # refused as the resolvers do
                await json_too_deep(self.settings.max_json_depth).send(send)
                return
            try:
                request = decode_body(body)
            except HttpError:
                await self._fallback(scope, receive, send, body, "body is not a JSON object")
                return
        db = self.get_db(False)
        viewer = Viewer()
        header = headers.get(b"authorization")
        if header is not None:
            # API keys are checked on the primary: a revoked key stops at once.
            found = await viewer_for_key(header.decode("latin-1"), writer(db))
            if found is None:
                await self._fallback(scope, receive, send, body, "not a valid key")
                return
            viewer = found
        elif self.settings.require_key_for_reads:
            await self._fallback(scope, receive, send, body, "a key is required")
            return
        try:
            statement, cost = self.statement(self.persisted.request(request), viewer)
        except NotPlanned as exc:
            await self._fallback(scope, receive, send, body, str(exc))
            return
        except Exception as exc:  # an argument or request error: the resolvers report it
            await self._fallback(scope, receive, send, body, type(exc).__name__)
            return
        client = scope.get("client")
        decision = admit(
            self.limiter, viewer.key_id, viewer.role, client[0] if client else None, cost
        )
        if decision is not None and not decision.allowed:
            await self._fallback(scope, receive, send, body, "rate limited")
            return
        # Charged: should the resolvers answer after all (a merged record's id, a
        # database error), they do not charge again.
        scope[CHARGED] = decision
        response_headers = [(b"content-type", media.encode())]
        if decision is not None:
            response_headers += [(k.lower().encode(), v.encode()) for k, v in decision.headers()]
        run_on = db if not statement.generic else self.get_db(True)
        run_on.deadline = time.monotonic() + self.settings.operation_timeout_ms / 1000
        extensions = {"cost": cost_extension(cost, self.settings)}
        try:
            data: bytes = await run_on.fetchval(statement.sql, *statement.args)
        except DatabaseUnavailable:
            raise  # answered 503 by app.errors.JsonErrors, as the resolvers would
        except (TimeoutError, asyncpg.QueryCanceledError) as exc:
            PATHS.labels("planned").inc()
            error = timeout_error(exc, self.settings.operation_timeout_ms).formatted
            payload = {"data": None, "errors": [error], "extensions": extensions}
            await _respond(send, response_headers, orjson.dumps(payload))
            return
        except Exception as exc:  # the resolvers report and mask database errors
            await self._fallback(scope, receive, send, body, f"database: {type(exc).__name__}")
            return
        if _MERGED in data:
            await self._fallback(scope, receive, send, body, "a merged record's id")
            return
        PATHS.labels("planned").inc()
        PLANS.labels("generic" if statement.generic else "custom").inc()
        tail = b',"extensions":' + orjson.dumps(extensions) + b"}"
        await _respond(send, response_headers, b'{"data":' + data + tail)

    def statement(self, request: GraphQLRequest, viewer: Viewer) -> tuple[Statement, Cost]:
        """The planned statement for a request and its cost; ``NotPlanned`` if there is
        none (or the request breaks a limit: the resolvers report it)."""
        query, name, variables = request.query, request.operation_name, request.variables
        if query is None:
            raise NotPlanned("no query")
        if variable_errors(variables, self.settings):
            raise NotPlanned("variables break a limit")
        key = None
        raw_vars = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        if len(raw_vars) <= _MAX_CACHED_VARIABLES and len(query) <= _MAX_CACHED_TEXT:
            key = (query, name, viewer.can_see_drafts, raw_vars)
            found = self.plans.get(key)
            if found is not None:
                if isinstance(found, NotPlanned):
                    raise found
                return found
        try:
            planned = self._plan(query, name, variables or {}, viewer)
        except NotPlanned as exc:
            if key is not None:
                self.plans.put(key, exc, _plan_weight(key, exc))
            raise
        if key is not None:
            self.plans.put(key, planned, _plan_weight(key, planned))
        return planned

    def _plan(
        self, query: str, name: str | None, variables: dict[str, Any], viewer: Viewer
    ) -> tuple[Statement, Cost]:
        doc = self.documents.check(query)
        if doc.document is None or doc.errors:
            raise NotPlanned("the document has errors")
        op = doc.operation(name)
        if op is None:
            raise NotPlanned("no such operation")
        cost = operation_cost(self.schema._schema, doc.fragments, op, variables, self.settings)
        if cost_errors(cost, self.settings):
            raise NotPlanned("the cost is over the limit")
        coerced = get_variable_values(self.schema._schema, op.variable_definitions or (), variables)
        if isinstance(coerced, list):
            raise NotPlanned("variables have errors")
        tree = plan(
            self.schema,
            op,
            doc.fragments,
            coerced,
            self.settings,
            self.settings.max_ids_per_lookup,
        )
        return Planner(viewer).statement(tree), cost

    async def _fallback(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: bytes | None,
        reason: str,
        *,
        more: bool = False,
    ) -> None:
        PATHS.labels("resolvers").inc()
        log.debug("graphql.resolvers", reason=reason)
        if body is None:
            await self.app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        await self.app(scope, replay, send)


async def _respond(send: Send, headers: list[tuple[bytes, bytes]], payload: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [*headers, (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The request body, or its first chunks once past ``limit`` (then ``False``)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False
