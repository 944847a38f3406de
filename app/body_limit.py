"""The request body size limit: a pure ASGI layer in front of everything that reads a body.

A request whose ``Content-Length`` is over the limit is answered 413
``PAYLOAD_TOO_LARGE`` at once, before a byte of its body is read (and the connection is
closed rather than drained; a client that sent ``Expect: 100-continue`` never sends the
body at all). A body without a length (chunked) is counted as it arrives and cut off at
the limit with the same 413. Any refusal sent before the body was read (a 401 for an
upload without a key) closes the connection too, so the body is never drained. The
limit is ``SITREP_MAX_BODY_BYTES`` for every request except uploads: ``/import/…`` and
multipart GraphQL requests that carry an admin's API key (``importFile``, the only
upload, is for admins) may send up to ``SITREP_MAX_UPLOAD_BYTES``. The key of a
multipart GraphQL request is looked up (one statement) before its body is read, so
another caller's large upload is refused on its ``Content-Length`` rather than received
whole and then refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.asgi import ASGIApp, HttpLayer, Message, Receive, Scope, Send
from app.errors import HttpError

UPLOAD_PREFIX = "/import/"


class _TooLarge(Exception):
    pass


def payload_too_large(limit: int) -> HttpError:
    return HttpError(
        413, f"The request body is larger than {limit} bytes.", "PAYLOAD_TOO_LARGE", limit=limit
    )


class BodyLimit(HttpLayer):
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload: int,
        is_admin: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        super().__init__(app)
        self.max_body = max_body
        self.max_upload = max_upload
        self.is_admin = is_admin  # whether an Authorization header is an admin's key

    async def limit(self, scope: Scope, headers: dict[bytes, bytes]) -> int:
        path: str = scope["path"]
        if path.startswith(UPLOAD_PREFIX):
            return self.max_upload  # the import routes check the key before reading
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        header = headers.get(b"authorization")
        graphql = path.rstrip("/") == "/graphql"
        if not (multipart and header is not None and graphql):
            return self.max_body
        if self.is_admin is None or await self.is_admin(header.decode("latin-1")):
            return self.max_upload
        return self.max_body

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        limit = await self.limit(scope, headers)
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                error = HttpError(400, "Content-Length is not a number.", "BAD_REQUEST")
                await error.send(send, close=True)
                return
            if int(declared) > limit:
                await payload_too_large(limit).send(send, close=True)
                return
        received = 0
        over = False
        started = False
        # A body is coming that nobody has read yet (a refusal then closes the connection).
        unread = declared not in (None, b"0") or b"transfer-encoding" in headers

        async def counted() -> Message:
            nonlocal received, over, unread
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                unread = message.get("more_body", False)
                if received > limit:
                    over = True
                    raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if over:
                return  # the 413 is this layer's to send
            if message["type"] == "http.response.start":
                started = True
                if unread and message["status"] >= 400:
                    message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            if not over:
                raise
        if over and not started:
            await payload_too_large(limit).send(send, close=True)
