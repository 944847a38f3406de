"""The lane for repeated planned reads: the outermost layer, before every other.

A ``POST /graphql`` whose exact body the fast path has planned before, for a caller
without a key (``FastPath.known``), or a new body of a document checked before (other
variables: ``FastPath.plan_new``), is answered here: the known statement runs and its
text is the response, with an ``X-Request-Id`` and counted in the HTTP metrics, without
passing through the ten layers that would each look at it and let it by. Such a request
meets none of their conditions: it carries no key, no ``X-Sitrep-LSN`` (replica routing),
no ``Origin`` (when CORS is on); its ``Content-Type`` is JSON, its ``Accept`` names a
JSON response, its declared length is within the body limit; and the deployment has no
rate limit (admission then has nothing to do, ``app/main.py`` leaves it out).

Anything else — another request, a new document, a body the fast path does not plan
(an error, a fallback to the resolvers), the database going away — goes through the
whole stack, its body replayed, and is answered there as before (the fast path inside
answers a known body there too).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from app.asgi import ASGIApp, Receive, Scope, Send
from app.fastpath import MAX_CACHED_TEXT, FastPath, read_body, replay
from app.graphql_http import negotiate
from app.http_metrics import observe
from app.request_id import HEADER as REQUEST_ID
from app.request_id import request_id_of
from app.settings import Settings
from db.core import DatabaseUnavailable
from db.viewer import Viewer
from schema.read_your_writes import HEADER as LSN_HEADER

_LSN = LSN_HEADER.lower().encode()


class Lane:
    def __init__(self, app: ASGIApp, fast: FastPath, settings: Settings) -> None:
        self.app = app  # the whole stack
        self.fast = fast
        self.limit = min(settings.max_body_bytes, MAX_CACHED_TEXT)
        self.cors = bool(settings.cors_origins)
        self.open = fast.enabled and not settings.rate_limit and not settings.require_key_for_reads

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if (
            not self.open
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != "/graphql"
        ):
            return self.app(scope, receive, send)
        return self.lane(scope, receive, send)

    async def lane(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        media = negotiate(headers.get(b"accept", b"").decode("latin-1") or None)
        if (
            media is None
            or content_type != b"application/json"
            or not length.isdigit()
            or int(length) > self.limit
            or b"authorization" in headers
            or _LSN in headers
            or (self.cors and b"origin" in headers)
        ):
            await self.app(scope, receive, send)
            return
        body, complete = await read_body(receive, self.limit)
        known = None
        if complete:
            known = self.fast.known.get(body) or self.fast.plan_new(body)
        if known is None:
            await replay(self.app, scope, receive, send, body, more=not complete)
            return
        request_id = (REQUEST_ID, request_id_of(headers).encode())
        try:
            reason = await self.fast.answer(
                scope, send, media, None, Viewer(), *known, headers=(request_id,)
            )
        except DatabaseUnavailable:
            reason = "the database is unavailable"
        if reason is not None:  # nothing was sent: the whole stack answers
            await replay(self.app, scope, receive, send, body, more=False)
            return
        observe("/graphql", 200, time.perf_counter() - start)
