"""The app's databases: the primary's pools, the read replicas' pools and their health
checks (``open_databases``), and the ``X-Sitrep-LSN`` request header that asks for
read-your-writes (``ReadYourWrites``, an ASGI middleware that keeps it for the request's
reads in a context variable, ``min_lsn()``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import orjson

from app.fastpath import ASGIApp, Receive, Scope, Send
from app.settings import Settings
from db.core import PoolDb, create_pool
from db.replicas import Replica, Replicas, display_url, parse_lsn
from schema.read_your_writes import HEADER as LSN_HEADER

_LSN_HEADER = LSN_HEADER.lower().encode()
_MIN_LSN: ContextVar[int | None] = ContextVar("sitrep_min_lsn", default=None)


def min_lsn() -> int | None:
    """The WAL position the current request must read at or after (its X-Sitrep-LSN)."""
    return _MIN_LSN.get()


def replica_status(app: Any) -> dict[str, Any] | None:
    """Each read replica of a running app (in rotation or why not, replayed position, lag),
    as /healthz reports it; None when the app has no replicas."""
    replicas: Replicas | None = getattr(app.state, "replicas", None)
    return replicas.status() if replicas is not None and replicas.replicas else None


def listen_url(settings: Settings, url: str) -> str:
    """Where LISTEN connections go: the primary without the pooler
    (SITREP_DIRECT_DATABASE_URL; transaction pooling breaks LISTEN), else ``url``."""
    direct = settings.direct_database_url
    return direct.get_secret_value() if direct is not None else url


@asynccontextmanager
async def open_databases(settings: Settings, url: str) -> AsyncIterator[Replicas]:
    """The primary's pools, one pool per replica, and the replicas' health checks running
    in the background, for the app's lifetime."""
    pooled = settings.pooler
    pools = []

    async def pool(target: str, *, generic: bool, replica: bool) -> PoolDb:
        made = await create_pool(
            target,
            # A replica that is down when the app starts must not stop it.
            min_size=0 if replica else (1 if generic else settings.pool_min_size),
            max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms,
            generic_plans=generic,
            pooled=pooled,
            connect_timeout_s=2.0 if replica else 60.0,
        )
        pools.append(made)
        return PoolDb(made)

    checks: asyncio.Task[None] | None = None
    try:
        replicas = Replicas(
            await pool(url, generic=False, replica=False),
            # Generic plans are kept per session: not behind a pooler.
            None if pooled else await pool(url, generic=True, replica=False),
            max_lag_s=settings.read_max_lag_seconds,
            wait_s=settings.read_your_writes_wait_ms / 1000,
        )
        for read_url in settings.read_urls():
            replicas.replicas.append(
                Replica(
                    display_url(read_url),
                    await pool(read_url, generic=False, replica=True),
                    None if pooled else await pool(read_url, generic=True, replica=True),
                )
            )
        if replicas.replicas:
            await replicas.check()
            checks = asyncio.create_task(
                replicas.run_checks(settings.replica_check_interval_seconds)
            )
        yield replicas
    finally:
        if checks is not None:
            checks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checks
        for made in pools:
            await made.close()


class ReadYourWrites:
    """Reads ``X-Sitrep-LSN: <WAL position>`` (as a mutation returned it) into
    ``min_lsn()`` for the request; a malformed value is a 400 with code ``INVALID_LSN``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = None
        if scope["type"] in {"http", "websocket"}:
            raw = dict(scope["headers"]).get(_LSN_HEADER)
        if raw is None:
            await self.app(scope, receive, send)
            return
        try:
            value = parse_lsn(raw.decode("latin-1"))
        except ValueError:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            body = orjson.dumps(
                {
                    "errors": [
                        {
                            "message": f"{LSN_HEADER} must be a WAL position such as 0/16B3748.",
                            "extensions": {"code": "INVALID_LSN"},
                        }
                    ]
                }
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        token = _MIN_LSN.set(value)
        try:
            await self.app(scope, receive, send)
        finally:
            _MIN_LSN.reset(token)
