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
the body replayed, so every error is the resolvers' own.

Refusals are cheap (issue 10: a flood of bad requests must not slow anyone else). For a
request without a key, two refusals are answered here, before anything else runs:

* a document that does not parse (``Checked.syntax``; over the token limit, found by a
  count before any parsing): the resolvers' own error, without graphql-core parsing it
  again;
* a request the resolvers have refused before, for the same bytes, method and response
  media type: their answer, memoised by a hash of the body (or query string), so a
  repeated bad request costs a hash and a lookup. Only refusals whose answer depends on
  the request alone: a request error (nothing ran: a document that does not validate or
  breaks a limit, variables over their limits, a cost over the budget — never a rate
  limit, a timeout or a database error), or an argument refused as the operation ran
  but before any statement, with no data (``incidentStats`` over too many buckets, an
  id out of range: ``schema.guard.REFUSED_BEFORE_SQL``).

Both mark the request refused, so that ``app/admission.py`` charges the address for it.
``sitrep_graphql_path_total`` counts which path answered (``refused`` for these two); a
debug log line says why a request fell back.
"""

from __future__ import annotations

import hashlib
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
from app.graphql_http import (
    GRAPHQL_RESPONSE,
    REQUEST_ERROR,
    GraphQLRequest,
    HttpError,
    decode_body,
    decode_params,
    negotiate,
)
from app.json_depth import json_too_deep, too_deep
from app.persisted import Documents
from app.settings import Settings
from db.core import DatabaseUnavailable, Db
from db.planner import MERGED, Planner, Statement
from db.replicas import writer
from db.viewer import Viewer
from schema.arguments import Converter
from schema.cost import Cost, cost_errors, cost_extension, cost_inputs, operation_cost
from schema.documents import SizedLru
from schema.errors import classify, timeout_error
from schema.guard import CHARGED, REFUSED, REFUSED_BEFORE_SQL, admit
from schema.limits import variable_errors
from schema.metrics import GRAPHQL_ERRORS, count_graphql_errors
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
# Each label's child, looked up once (``labels()`` takes a lock and a dict lookup per call).
_PATH = {path: PATHS.labels(path) for path in ("planned", "refused", "resolvers")}
_PLAN = {True: PLANS.labels("generic"), False: PLANS.labels("custom")}

# Bodies larger than this are left to the resolvers' path (and its own limits).
_MAX_BODY = 256 * 1024
_MAX_CACHED_VARIABLES = 16 * 1024
# Larger documents are not planned from the cache (nor kept in it).
MAX_CACHED_TEXT = 32 * 1024
_MERGED = orjson.dumps(MERGED)
_PER_ARG = 64  # bytes a bound value keeps in the plan cache, besides its text

# Request errors whose answer depends only on the request's bytes (for a caller without
# a key): memoised. Not RATE_LIMITED, TIMEOUT, DATABASE_UNAVAILABLE, persisted-document
# errors (the registry changes) or anything unexpected.
_MEMO_CODES = {
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "QUERY_TOO_COMPLEX",
    "MAX_DEPTH_EXCEEDED",
    "MAX_ALIASES_EXCEEDED",
    "MAX_TOKENS_EXCEEDED",
    "MAX_SELECTIONS_EXCEEDED",
    "MAX_INPUT_DEPTH_EXCEEDED",
    "MAX_INPUT_SIZE_EXCEEDED",
    # arguments refused as the operation ran, before any statement (REFUSED_BEFORE_SQL)
    "INVALID_ID",
    "INVALID_CURSOR",
    "PAGE_SIZE_EXCEEDED",
}
_MEMO_ENTRIES = 1024
_MEMO_BYTES = 4 * 1024 * 1024
_MAX_MEMO_ANSWER = 16 * 1024  # larger answers are not memoised


class Refusal:
    """A memoised refusal: the answer's status, media type, body and error codes."""

    __slots__ = ("body", "codes", "media", "status")

    def __init__(self, status: int, media: bytes, body: bytes, codes: list[str]) -> None:
        self.status, self.media, self.body, self.codes = status, media, body, codes


def _memo_key(scope: Scope, media: str, raw: bytes) -> bytes:
    digest = hashlib.blake2b(raw, digest_size=16)
    digest.update(scope["method"].encode() + b" " + media.encode())
    return digest.digest()


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
        # A planned request's exact body (a caller without a key, a document given as
        # text) → its statement and cost: a repeated request skips decoding, the checks
        # and the plan cache's key, all functions of these bytes.
        self.known: SizedLru[bytes, tuple[Statement, Cost]] = SizedLru(
            settings.document_cache_size * 4, settings.document_cache_bytes
        )
        self.enabled = settings.planner
        self.converter = Converter(schema)
        # What planning a document depends on besides the request: its memo's key.
        self.limits = (
            settings.default_page_size,
            settings.max_page_size,
            settings.max_ids_per_lookup,
            settings.cost_count,
            settings.cost_list_size,
        )
        self.refusals: SizedLru[bytes, Refusal] = SizedLru(_MEMO_ENTRIES, _MEMO_BYTES)

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
        # A caller without a key, whose refusals may be answered here (see above).
        anonymous = b"authorization" not in headers and not self.settings.require_key_for_reads
        if scope["method"] == "GET":
            raw = scope.get("query_string", b"")
            query_string = raw.decode("latin-1")
            if not query_string:
                await self._fallback(scope, receive, send, None, "no query")
                return
            memo = _memo_key(scope, media, raw) if anonymous else None
            if memo is not None and await self._refused(scope, send, memo):
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
            body, complete = await read_body(receive, _MAX_BODY)
            if not complete:
                await self._fallback(scope, receive, send, body, "body too large", more=True)
                return
            known = self.known.get(body) if anonymous else None
            if known is not None:
                reason = await self.answer(scope, send, media, None, Viewer(), *known)
                if reason is not None:
                    await self._fallback(scope, receive, send, body, reason)
                return
            memo = _memo_key(scope, media, body) if anonymous else None
            if memo is not None and await self._refused(scope, send, memo):
                return
            if too_deep(body, self.settings.max_json_depth):  # refused as the resolvers do
                await json_too_deep(self.settings.max_json_depth).send(send)
                return
            try:
                request = decode_body(body)
            except HttpError:
                await self._fallback(scope, receive, send, body, "body is not a JSON object")
                return
        query = _query_text(self.persisted, request)
        if query is not None:
            await self.documents.check_soon(query)  # a long new one off the event loop
        if anonymous and await self._syntax_error(scope, send, query, media):
            return
        if memo is not None and _memoisable(request):
            scope[_MEMO] = memo  # a refusal by the resolvers is remembered (``_fallback``)
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
        if anonymous and body is not None:
            self._remember(body, request, (statement, cost))
        reason = await self.answer(scope, send, media, db, viewer, statement, cost)
        if reason is not None:
            await self._fallback(scope, receive, send, body, reason)

    def plan_new(self, body: bytes) -> tuple[Statement, Cost] | None:
        """For the lane (``app/lane.py``): a body not known yet, of a caller without a key,
        whose document (given as text) has been checked before, planned and remembered
        as known; None for anything else, which the whole stack then answers (so every
        refusal and error is the stack's own)."""
        if too_deep(body, self.settings.max_json_depth):
            return None
        try:
            data = decode_body(body)
            request = self.persisted.request(data)
        except HttpError:
            return None
        if request.query is None or self.documents.cached(request.query) is None:
            return None  # a new document is checked off the event loop, by the stack
        try:
            found = self.statement(request, Viewer())
        except Exception:  # not planned, or an argument error: the stack reports it
            return None
        return found if self._remember(body, data, found) else None

    def _remember(
        self, body: bytes, request: dict[str, Any], found: tuple[Statement, Cost]
    ) -> bool:
        """Keep a planned body of a caller without a key as known, if its answer depends
        on its bytes alone (its document given as text) and it is small enough."""
        if len(body) > MAX_CACHED_TEXT or not _memoisable(request):
            return False
        self.known.put(body, found, len(body) + 128)
        return True

    async def answer(
        self,
        scope: Scope,
        send: Send,
        media: str,
        db: Db | None,
        viewer: Viewer,
        statement: Statement,
        cost: Cost,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> str | None:
        """Charge the caller, run the planned statement and answer with its text (and
        ``headers``); or, having sent nothing, say why the resolvers must answer. ``db``:
        the request's handle if it has one already (the key was checked on it)."""
        client = scope.get("client")
        decision = admit(
            self.limiter, viewer.key_id, viewer.role, client[0] if client else None, cost
        )
        if decision is not None and not decision.allowed:
            return "rate limited"
        # Charged: should the resolvers answer after all (a merged record's id, a
        # database error), they do not charge again.
        scope[CHARGED] = decision
        response_headers = [(b"content-type", media.encode()), *headers]
        if decision is not None:
            response_headers += [(k.lower().encode(), v.encode()) for k, v in decision.headers()]
        run_on = db if db is not None and not statement.generic else self.get_db(statement.generic)
        run_on.deadline = time.monotonic() + self.settings.operation_timeout_ms / 1000
        extensions = {"cost": cost_extension(cost, self.settings)}
        try:
            data: bytes = await run_on.fetchval(statement.sql, *statement.args)
        except DatabaseUnavailable:
            raise  # answered 503 by app.errors.JsonErrors, as the resolvers would
        except (TimeoutError, asyncpg.QueryCanceledError) as exc:
            _PATH["planned"].inc()
            error = timeout_error(exc, self.settings.operation_timeout_ms).formatted
            payload = {"data": None, "errors": [error], "extensions": extensions}
            await _respond(send, response_headers, orjson.dumps(payload))
            return None
        except Exception as exc:  # the resolvers report and mask database errors
            return f"database: {type(exc).__name__}"
        if _MERGED in data:
            return "a merged record's id"
        _PATH["planned"].inc()
        _PLAN[statement.generic].inc()
        tail = b',"extensions":' + orjson.dumps(extensions) + b"}"
        await _respond(send, response_headers, b'{"data":' + data + tail)
        return None

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
        if len(raw_vars) <= _MAX_CACHED_VARIABLES and len(query) <= MAX_CACHED_TEXT:
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
        memo = doc.memo(self.limits)
        cost_key = (id(op), *cost_inputs(op, variables))
        cost = memo.costs.get(cost_key)
        if cost is None:
            schema = self.schema._schema
            cost = memo.costs[cost_key] = operation_cost(
                schema, doc.fragments, op, variables, self.settings
            )
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
            self.converter,
            memo,
        )
        return Planner(viewer, memo).statement(tree), cost

    async def _refused(self, scope: Scope, send: Send, memo: bytes) -> bool:
        """Answer with the memoised refusal of these bytes, if there is one."""
        found = self.refusals.get(memo)
        if found is None:
            return False
        _PATH["refused"].inc()
        log.debug("graphql.refused", reason="remembered")
        for code in found.codes:
            GRAPHQL_ERRORS.labels(code).inc()
        scope[REFUSED] = True
        await _respond(send, [(b"content-type", found.media)], found.body, found.status)
        return True

    async def _syntax_error(self, scope: Scope, send: Send, query: str | None, media: str) -> bool:
        """Answer a document that does not parse (as the resolvers would, without
        parsing it again)."""
        if query is None:
            return False
        checked = self.documents.check(query)
        if checked.document is not None or checked.syntax is None:
            return False
        error = classify(checked.syntax)
        count_graphql_errors([error])
        _PATH["refused"].inc()
        log.debug("graphql.refused", reason="syntax error")
        scope[REQUEST_ERROR] = "REQUEST"
        status = 400 if media == GRAPHQL_RESPONSE else 200
        payload = orjson.dumps({"errors": [error.formatted]})
        await _respond(send, [(b"content-type", media.encode())], payload, status)
        return True

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
        _PATH["resolvers"].inc()
        log.debug("graphql.resolvers", reason=reason)
        memo = scope.pop(_MEMO, None)
        if memo is not None:
            send = self._remembering(scope, send, memo)
        await replay(self.app, scope, receive, send, body, more=more)

    def _remembering(self, scope: Scope, send: Send, memo: bytes) -> Send:
        """``send``, keeping the answer if it is a refusal worth memoising."""
        start: Message | None = None

        async def keep(message: Message) -> None:
            nonlocal start
            await send(message)
            if message["type"] == "http.response.start":
                start = message
                return
            request_error = scope.get(REQUEST_ERROR) == "REQUEST"
            if (
                start is None
                or message.get("more_body", False)
                or not (request_error or scope.get(REFUSED_BEFORE_SQL))
                or start["status"] not in (200, 400)
            ):
                return
            payload = message.get("body", b"")
            if len(payload) > _MAX_MEMO_ANSWER:
                return
            try:
                answer = orjson.loads(payload)
                errors = answer["errors"]
                codes = [str(e["extensions"]["code"]) for e in errors]
            except (ValueError, KeyError, TypeError):
                return
            if answer.get("data") is not None:
                return
            if not codes or not set(codes) <= _MEMO_CODES:
                return
            media = dict(start.get("headers", [])).get(b"content-type", b"application/json")
            refusal = Refusal(start["status"], media, payload, codes)
            self.refusals.put(memo, refusal, len(payload) + 128)

        return keep


def _query_text(persisted: Documents, request: dict[str, Any]) -> str | None:
    """The request's document (given as text or persisted), if it names one."""
    try:
        return persisted.request(request).query
    except Exception:  # a request error: the resolvers report it
        return None


def _memoisable(request: dict[str, Any]) -> bool:
    """A request whose refusal depends on its bytes only: a document given as text (not
    a persisted document's id or hash, whose registry changes)."""
    extensions = request.get("extensions")
    persisted = isinstance(extensions, dict) and "persistedQuery" in extensions
    return isinstance(request.get("query"), str) and "documentId" not in request and not persisted


_MEMO = "sitrep.refusal_memo"  # ASGI scope key: the memo key of a request without a key


async def _respond(
    send: Send, headers: list[tuple[bytes, bytes]], payload: bytes, status: int = 200
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def replay(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, body: bytes | None, *, more: bool
) -> None:
    """``app`` on the request, its body (``body``, already read) given again; ``more``:
    the rest of it is still to be received."""
    if body is None:
        await app(scope, receive, send)
        return
    replayed = False

    async def again() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    await app(scope, again, send)


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
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
