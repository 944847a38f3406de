"""HTTP errors: one JSON shape for every error from every route.

    {"errors": [{"message": "…", "extensions": {"code": "NOT_FOUND", …}}]}

It is the shape of a GraphQL error, so a client reads every failure one way, whichever
route it came from. ``HttpError`` is the exception that carries one; ``install`` adds
the FastAPI handlers that turn ``HttpError``, Starlette's own HTTP errors (404 unknown
route, 405), request validation (422 ``BAD_USER_INPUT``), an unreachable database (503
``DATABASE_UNAVAILABLE`` with ``Retry-After``) and anything unexpected (500
``INTERNAL_SERVER_ERROR``, message masked, traceback logged) into it. ``JsonErrors`` is
the ASGI layer outside everything that answers for exceptions escaping the middleware,
gives any error response that is not JSON the same shape, and counts errors by status
and code in ``/metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from prometheus_client import Counter
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.asgi import HttpLayer, Message, Receive, Scope, Send
from db.core import DatabaseUnavailable

log = structlog.get_logger(__name__)

HTTP_ERRORS = Counter(
    "sitrep_http_errors_total", "HTTP error responses by status and code", ["status", "code"]
)

RETRY_AFTER_SECONDS = 5

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "BAD_USER_INPUT",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def code_for_status(status: int) -> str:
    return _CODES.get(status, f"HTTP_{status}")


class HttpError(Exception):
    """An error answered with ``status`` and the JSON error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or code_for_status(status)
        self.headers = dict(headers or {})
        self.extensions = extensions

    def body(self) -> bytes:
        error = {"message": self.message, "extensions": {"code": self.code, **self.extensions}}
        return orjson.dumps({"errors": [error]})

    def response(self) -> Response:
        return Response(
            self.body(), self.status, headers=self.headers, media_type="application/json"
        )

    async def send(self, send: Send, *, close: bool = False) -> None:
        """Answer with this error on a raw ASGI ``send``; ``close`` when the request body
        was not read (the server then closes the connection instead of draining it)."""
        body = self.body()
        headers = [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def database_unavailable() -> HttpError:
    return HttpError(
        503,
        "The database is unavailable; try again shortly.",
        "DATABASE_UNAVAILABLE",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def internal_error() -> HttpError:
    return HttpError(500, "Unexpected error.", "INTERNAL_SERVER_ERROR")


def install(app: FastAPI) -> None:
    """The exception handlers that give every route's errors the JSON shape."""

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HttpError)
        return exc.response()

    async def starlette_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code < 400:  # not an error (304 Not Modified, …): no body
            return Response(status_code=exc.status_code, headers=exc.headers)
        return HttpError(exc.status_code, exc.detail, headers=exc.headers).response()

    async def validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        return HttpError(422, "Invalid request: " + "; ".join(problems)).response()

    async def unavailable(_: Request, exc: Exception) -> Response:
        log.warning("database.unavailable", error=repr(exc.__cause__ or exc))
        return database_unavailable().response()

    async def unexpected(_: Request, exc: Exception) -> Response:
        log.error("http.unexpected_error", exc_info=exc)
        return internal_error().response()

    app.add_exception_handler(HttpError, http_error)
    app.add_exception_handler(StarletteHTTPException, starlette_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(DatabaseUnavailable, unavailable)
    app.add_exception_handler(Exception, unexpected)


# Error bodies are small; past this a body is passed on as it is.
_MAX_ERROR_BODY = 64 * 1024


def _is_json(content_type: bytes) -> bool:
    media = content_type.split(b";")[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def _first_code(body: bytes) -> str:
    try:
        errors = orjson.loads(body).get("errors")
        return str(errors[0]["extensions"]["code"])
    except (orjson.JSONDecodeError, AttributeError, LookupError, TypeError):
        return "NONE"


class JsonErrors(HttpLayer):
    """Outermost error layer (pure ASGI). An exception that escapes the app before the
    response started is answered in the JSON shape (503 for an unreachable database,
    else a masked 500); one after it started is re-raised, so the server aborts the
    connection and the client sees a broken transfer, never a clean end; one after the
    response was complete (Starlette re-raises what its 500 handler answered) is done
    with. An error
    response that is not JSON (Strawberry's plain-text 400s and 405s, a server's own
    pages) gets the JSON shape with the code of its status. Every error response is
    counted by status and code."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = complete = False  # a response start / its last part went out
        held: Message | None = None  # an error response's start, until its body is read
        chunks: list[bytes] = []

        async def error_send(message: Message) -> None:
            nonlocal started, complete, held
            complete = message["type"] == "http.response.body" and not message.get("more_body")
            if message["type"] == "http.response.start":
                if message["status"] >= 400:
                    held = message
                    return
                started = True
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size = sum(len(c) for c in chunks)
            if message.get("more_body", False) and size <= _MAX_ERROR_BODY:
                return
            start, held = held, None
            started = True
            await _send_error_response(send, start, b"".join(chunks), message)

        try:
            await self.app(scope, receive, error_send)
        except Exception as exc:
            if complete:
                return  # answered (Starlette re-raises after its 500 handler ran); logged
            if started:
                raise
            if isinstance(exc, DatabaseUnavailable):
                log.warning("database.unavailable", error=repr(exc.__cause__ or exc))
                error = database_unavailable()
            else:
                log.error("http.unexpected_error", exc_info=exc)
                error = internal_error()
            HTTP_ERRORS.labels(str(error.status), error.code).inc()
            await error.send(send)


async def _send_error_response(send: Send, start: Message, body: bytes, last: Message) -> None:
    status = int(start["status"])
    headers = dict(start.get("headers", []))
    more = last.get("more_body", False)
    if _is_json(headers.get(b"content-type", b"")) or more:
        # JSON already (or too long to be an error page): passed on, counted by its code.
        HTTP_ERRORS.labels(str(status), _first_code(body) if not more else "NONE").inc()
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": more})
        return
    text = body.decode("utf-8", "replace").strip()[:500]
    error = HttpError(status, text or code_for_status(status).replace("_", " ").capitalize())
    kept = {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in start.get("headers", [])
        if k.lower() not in {b"content-type", b"content-length"}
    }
    error.headers = kept
    HTTP_ERRORS.labels(str(status), error.code).inc()
    await error.send(send)
