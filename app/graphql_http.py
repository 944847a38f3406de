"""GraphQL over HTTP at /graphql: media types, methods and request errors, as the
GraphQL-over-HTTP spec says (https://graphql.github.io/graphql-over-http/draft/).

* **Response media type** from the ``Accept`` header (``negotiate``):
  ``application/graphql-response+json`` when the client prefers it, else
  ``application/json`` (also for no ``Accept``, ``*/*`` and ``application/*``). Under
  ``application/graphql-response+json`` a request error (the document does not parse or
  validate, the variables do not fit: no ``data`` entry) is a 400; under
  ``application/json`` it stays 200 with the errors, as legacy clients expect.
* **Errors of the HTTP request itself** are JSON with a stable ``extensions.code``, never
  text: another method than GET and POST → 405 ``METHOD_NOT_ALLOWED`` with ``Allow``
  (also a GET mutation: ``Allow: POST``); an ``Accept`` naming neither media type → 406
  ``NOT_ACCEPTABLE``; a POST body that is not ``application/json`` (or a multipart
  upload) → 415 ``UNSUPPORTED_MEDIA_TYPE``; a body that is not JSON → 400
  ``INVALID_JSON``; a JSON array (a batch) → 400 ``BATCHING_NOT_SUPPORTED``; a request
  whose fields have the wrong types → 400 ``MALFORMED_REQUEST``.

``GraphQLHttp`` is the ASGI middleware in front of both paths (the planner's fast path
and the Strawberry view) that answers the method, ``Accept`` and ``Content-Type``
errors; the Strawberry view (``app/graphql_view.py``) and the fast path take the media
type from ``negotiate`` too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.asgi import ASGIApp, Receive, Scope, Send
from app.errors import HttpError

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# What a POST body may be: a JSON request, or a GraphQL multipart request (uploads).
_BODY_TYPES = {b"application/json", b"multipart/form-data"}
# Streaming transports Strawberry answers itself (incremental delivery, SSE).
_STREAMS = ("multipart/mixed", "text/event-stream")
# ASGI scope key: "REQUEST" when the request was refused with a GraphQL request error
# (nothing ran), "INTERNAL_SERVER_ERROR" when it failed; app/admission.py charges the
# refusals.
REQUEST_ERROR = "sitrep_request_error"


def error_body(message: str, code: str, **extensions: Any) -> bytes:
    return HttpError(400, message, code, **extensions).body()


@dataclass(frozen=True)
class GraphQLRequest:
    """What a GET query string or a POST body asks for, its fields checked for type."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def decode_body(body: bytes) -> dict[str, Any]:
    """A POST body as a request object: 400 ``INVALID_JSON`` when it is not JSON,
    ``BATCHING_NOT_SUPPORTED`` for an array, ``MALFORMED_REQUEST`` for anything else."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, f"The body is not valid JSON: {exc}.", "INVALID_JSON") from exc
    if isinstance(data, list):
        raise HttpError(
            400,
            "Batched requests (a JSON array) are not supported: send one operation per request.",
            "BATCHING_NOT_SUPPORTED",
        )
    if not isinstance(data, dict):
        raise malformed("The body must be a JSON object.")
    return data


def decode_params(params: Mapping[str, str]) -> dict[str, Any]:
    """A GET query string as a request object (``variables`` and ``extensions`` are JSON)."""
    data: dict[str, Any] = dict(params)
    for name in ("variables", "extensions"):
        if data.get(name):
            try:
                data[name] = orjson.loads(data[name])
            except orjson.JSONDecodeError as exc:
                raise malformed(f"`{name}` is not valid JSON.") from exc
        else:
            data.pop(name, None)
    return data


def checked(data: dict[str, Any], query: str | None) -> GraphQLRequest:
    """The request's fields, each of the right type (``query`` as resolved from a
    persisted document id, see ``app/persisted.py``)."""
    variables, name, extensions = (
        data.get("variables"),
        data.get("operationName"),
        data.get("extensions"),
    )
    if not isinstance(variables, dict | None):
        raise malformed("`variables` must be an object or null.")
    if not isinstance(name, str | None):
        raise malformed("`operationName` must be a string or null.")
    if not isinstance(extensions, dict | None):
        raise malformed("`extensions` must be an object or null.")
    if query is None:
        raise malformed("No GraphQL document: send `query` (or `documentId`).")
    return GraphQLRequest(query, variables, name, extensions)


def malformed(message: str) -> HttpError:
    return HttpError(400, message, "MALFORMED_REQUEST")


@functools.lru_cache(maxsize=256)  # a client sends the same few headers again and again
def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header, or None when it accepts neither
    GraphQL response media type. The higher quality wins; on a tie
    ``application/graphql-response+json`` wins only if it is named."""
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int] = (0.0, 0)
    chosen: str | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        rank = {GRAPHQL_RESPONSE: 3, JSON: 2, "application/*": 1, "*/*": 1}.get(media)
        if rank is None:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (q, rank) > best:
            best, chosen = (q, rank), GRAPHQL_RESPONSE if rank == 3 else JSON
    return chosen


def wants_html(accept: str | None) -> bool:
    """A browser asking for the page (GraphiQL), as Strawberry decides it."""
    return accept is not None and ("text/html" in accept or "*/*" in accept)


async def send_error(send: Send, error: HttpError, media: str = JSON) -> None:
    body = error.body()
    headers = [
        (b"content-type", media.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def check(scope: Scope) -> tuple[str, HttpError | None]:
    """The response media type of a /graphql request, and the error that refuses it
    before anything runs (method, ``Accept``, ``Content-Type``), if any."""
    headers = dict(scope["headers"])
    accept = headers.get(b"accept", b"").decode("latin-1") or None
    media = negotiate(accept) or JSON
    method = scope["method"]
    if method not in {"GET", "POST"}:
        allow = {"Allow": "GET, POST"}
        return media, HttpError(
            405,
            f"{method} is not allowed here: use GET or POST.",
            "METHOD_NOT_ALLOWED",
            headers=allow,
        )
    if negotiate(accept) is None and not wants_html(accept) and not _streaming(accept):
        return media, HttpError(
            406,
            f"Responses are {GRAPHQL_RESPONSE} or {JSON}; the Accept header allows neither.",
            "NOT_ACCEPTABLE",
        )
    if method == "POST":
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in _BODY_TYPES:
            shown = content_type.decode("latin-1") or "none"
            return media, HttpError(
                415,
                f"POST a body of type {JSON} (or multipart/form-data for uploads), not {shown}.",
                "UNSUPPORTED_MEDIA_TYPE",
            )
    return media, None


def _streaming(accept: str | None) -> bool:
    return accept is not None and any(s in accept for s in _STREAMS)


def is_graphql(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["path"].rstrip("/") == "/graphql"


class GraphQLHttp:
    """Answers the HTTP-level errors of /graphql requests (see ``check``) as JSON before
    either path sees them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_graphql(scope):
            await self.app(scope, receive, send)
            return
        media, error = check(scope)
        if error is not None:
            await send_error(send, error, media)
            return
        await self.app(scope, receive, send)
