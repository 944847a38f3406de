"""HTTP request counts and latency per path (Prometheus): the ``Metrics`` layer, outermost,
and ``observe`` for the planned-read lane (``app/lane.py``), which answers before it."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram

from app.asgi import HttpLayer, Message, Receive, Scope, Send

REQUESTS = Counter("sitrep_http_requests_total", "HTTP requests", ["path", "status"])
LATENCY = Histogram("sitrep_http_request_seconds", "HTTP request latency", ["path"])

_PATHS = {"/graphql", "/healthz", "/readyz"}  # every other path is counted as "other"
# Each label set's children, looked up once (``labels()`` takes a lock and a dict lookup).
_CHILDREN: dict[tuple[str, int], tuple[Any, Any]] = {}


def observe(path: str, status: int, seconds: float) -> None:
    """Count a request answered with ``status`` after ``seconds``."""
    label = path if path in _PATHS else "other"
    children = _CHILDREN.get((label, status))
    if children is None:
        children = REQUESTS.labels(label, str(status)), LATENCY.labels(label)
        _CHILDREN[(label, status)] = children
    children[0].inc()
    children[1].observe(seconds)


class Metrics(HttpLayer):
    """Request counts and latency per path (pure ASGI: nothing buffered or wrapped)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            observe(scope["path"], status, time.perf_counter() - start)
