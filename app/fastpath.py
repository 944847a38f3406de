"""The fast path: answer a GraphQL read with one SQL statement whose text is the response.

A pure ASGI middleware in front of the FastAPI app. For ``POST /graphql`` with a JSON
body it parses and validates the document with the schema's own rules and limits
(cached), plans the operation (``schema/plan.py`` → ``db/planner.py``, cached by
document, operation, visibility level and variables), runs the one statement and splices
PostgreSQL's JSON text into ``{"data": …}``: no Python objects per field, no re-encoding.

Anything it does not take — a mutation, a field the model does not describe, an API key,
a document or argument with an error — goes on to the Strawberry resolvers unchanged, with
the body replayed, so every error is the resolvers' own. ``sitrep_graphql_path_total``
counts which path answered; a debug log line says why a request fell back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from prometheus_client import Counter
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from app.auth import viewer_for_key
from app.settings import Settings
from db.core import Db
from db.planner import MERGED, Planner, Statement
from db.replicas import writer
from db.viewer import Viewer
from schema import validation_rules
from schema.plan import NotPlanned, plan

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

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Bodies larger than this are left to the resolvers' path (and its own limits).
_MAX_BODY = 256 * 1024
_MAX_CACHED_VARIABLES = 16 * 1024
# Larger documents and statements are not cached: the caches stay within a few MB.
_MAX_CACHED_TEXT = 32 * 1024
_MERGED = orjson.dumps(MERGED)


@dataclass(frozen=True)
class _Document:
    document: DocumentNode | None  # None: it does not parse or validate
    operations: dict[str | None, OperationDefinitionNode]
    fragments: dict[str, FragmentDefinitionNode]


class _Lru(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class FastPath:
    def __init__(
        self, app: ASGIApp, schema: Any, settings: Settings, get_db: Callable[[bool], Db]
    ) -> None:
        self.app = app
        self.schema = schema
        self.settings = settings
        self.get_db = get_db
        self.rules = (
            *specified_rules,
            *validation_rules(settings),
            MaybeNullValidationRule,
            OneOfInputValidationRule,
        )
        self.documents = _Lru(settings.document_cache_size)
        self.plans = _Lru(settings.document_cache_size * 4)
        self.enabled = settings.planner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") != "/graphql"
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            await self._fallback(scope, receive, send, None, "not a JSON request")
            return
        body, complete = await _read_body(receive, _MAX_BODY)
        if not complete:
            await self._fallback(scope, receive, send, body, "body too large", more=True)
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
            statement = self.statement(body, viewer)
        except NotPlanned as exc:
            await self._fallback(scope, receive, send, body, str(exc))
            return
        except Exception as exc:  # an argument error: the resolvers report it
            await self._fallback(scope, receive, send, body, type(exc).__name__)
            return
        try:
            run_on = db if not statement.generic else self.get_db(True)
            data: bytes = await run_on.fetchval(statement.sql, *statement.args)
        except Exception as exc:  # the resolvers report and mask database errors
            await self._fallback(scope, receive, send, body, f"database: {type(exc).__name__}")
            return
        if _MERGED in data:
            await self._fallback(scope, receive, send, body, "a merged record's id")
            return
        PATHS.labels("planned").inc()
        PLANS.labels("generic" if statement.generic else "custom").inc()
        payload = b'{"data":' + data + b"}"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def statement(self, body: bytes, viewer: Viewer) -> Statement:
        """The planned statement for a request body; ``NotPlanned`` if there is none."""
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise NotPlanned("body is not JSON") from exc
        if not isinstance(request, dict):
            raise NotPlanned("body is not an object")
        query, name = request.get("query"), request.get("operationName")
        variables = request.get("variables")
        if not isinstance(query, str) or not (name is None or isinstance(name, str)):
            raise NotPlanned("no query")
        if not (variables is None or isinstance(variables, dict)):
            raise NotPlanned("variables are not an object")
        key = None
        raw_vars = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        if len(raw_vars) <= _MAX_CACHED_VARIABLES and len(query) <= _MAX_CACHED_TEXT:
            key = (query, name, viewer.can_see_drafts, raw_vars)
            found = self.plans.get(key)
            if found is not None:
                self.plans.move_to_end(key)
                if isinstance(found, NotPlanned):
                    raise found
                return found
        try:
            statement = self._plan(query, name, variables or {}, viewer)
        except NotPlanned as exc:
            if key is not None:
                self.plans.put(key, exc)
            raise
        if key is not None and len(statement.sql) <= _MAX_CACHED_TEXT * 4:
            self.plans.put(key, statement)
        return statement

    def _plan(
        self, query: str, name: str | None, variables: dict[str, Any], viewer: Viewer
    ) -> Statement:
        doc = self.document(query)
        if doc.document is None:
            raise NotPlanned("the document has errors")
        op = doc.operations.get(name)
        if op is None:
            raise NotPlanned("no such operation")
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
        return Planner(viewer).statement(tree)

    def document(self, query: str) -> _Document:
        found = self.documents.get(query)
        if found is not None:
            self.documents.move_to_end(query)
            return found
        doc = self._parse(query)
        if len(query) <= _MAX_CACHED_TEXT:
            self.documents.put(query, doc)
        return doc

    def _parse(self, query: str) -> _Document:
        empty = _Document(None, {}, {})
        try:
            document = parse(query, max_tokens=self.settings.max_tokens)
        except GraphQLError:
            return empty
        if validate(self.schema._schema, document, self.rules):
            return empty
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for d in document.definitions:
            if isinstance(d, OperationDefinitionNode):
                operations[d.name.value if d.name else None] = d
            elif isinstance(d, FragmentDefinitionNode):
                fragments[d.name.value] = d
        if len(operations) == 1:
            operations[None] = next(iter(operations.values()))
        return _Document(document, operations, fragments)

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
