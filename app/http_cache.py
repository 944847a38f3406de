"""HTTP caching of GET /graphql requests that name a persisted document (``documentId``
or an automatic persisted query's hash): the URL then names the whole request, so
browsers, CDNs and proxies can cache it.

* ``ETag``: the id of the newest change in ``change_log`` (every write is recorded
  there, in commit order), with a digest of the query string, the response media type
  and the API key, so it changes whenever the data may have;
* ``If-None-Match`` with that tag → ``304 Not Modified`` before anything runs (the tag
  costs one index lookup);
* ``Cache-Control``: ``SITREP_PERSISTED_CACHE_CONTROL`` (default ``public, max-age=60``)
  for anonymous requests, ``private, no-cache`` with an API key (editors see drafts);
  ``Vary: Accept, Authorization``.

Only successful responses (200 without errors) get the headers: an error is not cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import parse_qs

import orjson

from app.asgi import ASGIApp, Message, Receive, Scope, Send
from app.graphql_http import is_graphql, negotiate
from db.core import Db
from db.feed import last_id


def _names_a_persisted_document(query_string: str) -> bool:
    params = parse_qs(query_string)
    extensions = params.get("extensions", [])
    return "documentId" in params or any("persistedQuery" in e for e in extensions)


class HttpCache:
    def __init__(self, app: ASGIApp, cache_control: str, get_db: Callable[[], Db]) -> None:
        self.app = app
        self.cache_control = cache_control
        self.get_db = get_db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query_string = scope.get("query_string", b"").decode("latin-1")
        if (
            not is_graphql(scope)
            or scope["method"] != "GET"
            or not _names_a_persisted_document(query_string)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        media = negotiate(headers.get(b"accept", b"").decode("latin-1") or None) or ""
        key = headers.get(b"authorization", b"")
        change = await last_id(self.get_db())
        digest = hashlib.sha256(b"\0".join([query_string.encode(), media.encode(), key]))
        tag = f'W/"{change}-{digest.hexdigest()[:16]}"'
        cache = [
            (b"etag", tag.encode()),
            (b"cache-control", (self.cache_control if not key else "private, no-cache").encode()),
            (b"vary", b"Accept, Authorization"),
        ]
        wanted = headers.get(b"if-none-match", b"").decode("latin-1")
        if tag in (t.strip() for t in wanted.split(",")):
            await send({"type": "http.response.start", "status": 304, "headers": cache})
            await send({"type": "http.response.body", "body": b""})
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_cached(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == 200:
                start = message  # held until the body says whether it has errors
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if _succeeded(body):
                start["headers"] = [*start.get("headers", []), *cache]
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_cached)


def _succeeded(body: bytes) -> bool:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and "data" in parsed and "errors" not in parsed
