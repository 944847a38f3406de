"""A request id per HTTP request: sent back in ``X-Request-Id``, bound to every log line of
the request (structlog context) and given to the client in ``extensions.requestId`` of
masked errors, so a report can be matched with the one log line that has the details.

A client may send its own ``X-Request-Id`` (up to 64 letters, digits, ``-``, ``_``, ``.``);
otherwise the server makes one.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

import structlog

from app.asgi import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
_VALID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request being answered (None outside a request)."""
    return _current.get()


def request_id_of(headers: dict[bytes, bytes]) -> str:
    """The id a request's headers give (a valid ``X-Request-Id``), else a new one."""
    sent = headers.get(HEADER, b"")
    return sent.decode() if _VALID.match(sent) else os.urandom(16).hex()  # as uuid4().hex


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(dict(scope["headers"]))
        token = _current.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*headers, (HEADER, request_id.encode())]
            await send(message)

        # bind and reset by token (``bound_contextvars`` copies the whole context first)
        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**bound)
            _current.reset(token)
