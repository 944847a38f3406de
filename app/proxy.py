"""A small round-robin HTTP proxy for the local cluster (``scripts/cluster``): each request
goes to the next Sitrep instance. An instance that refuses the connection is skipped for
a second and the request goes to the next one; a read whose instance dies while answering
is sent again to another (a mutation is not: it may have been applied). In production
use nginx, HAProxy or the platform's load balancer; this is what the cluster on one
machine and the failover drill use.

``python -m app.proxy --port 8080 --backend http://127.0.0.1:8001,http://127.0.0.1:8002``
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx
import structlog

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = structlog.get_logger(__name__)
_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"host"}
_BODY = {b"content-encoding", b"content-length"}
_SKIP_SECONDS = 1.0


class RoundRobin:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.turn = itertools.count()
        self.skip_until = dict.fromkeys(backends, 0.0)
        self.client = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200))

    def order(self) -> list[str]:
        start = next(self.turn) % len(self.backends)
        ring = self.backends[start:] + self.backends[:start]
        now = time.monotonic()
        return sorted(ring, key=lambda b: self.skip_until[b] > now)  # stable: up ones first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k, v) for k, v in scope["headers"] if k not in _HOP]
        path = scope["raw_path"].decode() + (
            "?" + scope["query_string"].decode() if scope["query_string"] else ""
        )
        retry_reads = b"mutation" not in body
        last: Exception | None = None
        for backend in self.order():
            try:
                response = await self.client.request(
                    scope["method"], backend + path, content=body, headers=headers
                )
            except httpx.ConnectError as exc:
                self.skip_until[backend] = time.monotonic() + _SKIP_SECONDS
                last = exc
                log.warning("proxy.connect_failed", backend=backend, error=repr(exc))
                continue
            except httpx.TransportError as exc:
                self.skip_until[backend] = time.monotonic() + _SKIP_SECONDS
                last = exc
                log.warning("proxy.failed", backend=backend, error=repr(exc), retry=retry_reads)
                if retry_reads:
                    continue
                break
            out = [(k.encode(), v.encode()) for k, v in response.headers.items()]
            out = [(k, v) for k, v in out if k not in _HOP | _BODY]
            out.append((b"content-length", str(len(response.content)).encode()))
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": out}
            )
            await send({"type": "http.response.body", "body": response.content})
            return
        log.warning("proxy.bad_gateway", error=repr(last))
        error = {"message": f"no instance answered: {type(last).__name__}"}
        payload = json.dumps({"errors": [{**error, "extensions": {"code": "BAD_GATEWAY"}}]})
        await send(
            {
                "type": "http.response.start",
                "status": 502,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload.encode()})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", required=True, help="comma-separated base URLs")
    args = parser.parse_args()
    app = RoundRobin(args.backend.split(","))
    # Clients keep connections open: closing an idle one after uvicorn's default 5 s races
    # with a client sending on it (nginx keeps them 75 s).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=75,
    )


if __name__ == "__main__":
    main()
