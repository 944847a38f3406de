"""The FastAPI application: GraphQL (and GraphiQL) at /graphql, health and metrics.

``create_app(settings)`` opens an asyncpg pool in its lifespan. Tests pass ``db=`` to
serve from a connection inside a rolled-back transaction instead.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Response
from fastapi.responses import ORJSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import HTTPConnection

from app.auth import AuthError, auth_error_response, viewer_for
from app.fastpath import ASGIApp, FastPath, Message, Receive, Scope, Send
from app.geojson import geojson_router
from app.imports_http import import_router
from app.push import Push, PushRouter, attach
from app.settings import Settings, get_settings
from db.core import ConnectionDb, PoolDb, create_pool
from schema import build_schema
from schema.context import Context

log = structlog.get_logger(__name__)

REQUESTS = Counter("sitrep_http_requests_total", "HTTP requests", ["path", "status"])
LATENCY = Histogram("sitrep_http_request_seconds", "HTTP request latency", ["path"])


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    db: PoolDb | ConnectionDb | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    state: dict[str, PoolDb | ConnectionDb] = {}
    push: dict[str, Push] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if db is not None:
            state["db"] = db
            yield
            return
        if database_url is None:
            raise RuntimeError("create_app needs database_url= or db=")
        pool = await create_pool(
            database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        generic = await create_pool(
            database_url,
            min_size=1,
            max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms,
            generic_plans=True,
        )
        state["db"] = PoolDb(pool)
        state["generic_db"] = PoolDb(generic)
        if settings.push:
            push["push"] = Push(PoolDb(pool), database_url, settings, schema)
            await push["push"].start()
            graphql.push = push["push"]
        try:
            yield
        finally:
            if "push" in push:
                await push.pop("push").stop()
            await pool.close()
            await generic.close()

    def request_db(generic: bool) -> PoolDb | ConnectionDb:
        """The planner's handle: statements whose plans do not depend on the values go to
        the pool that reuses generic plans (tests run both on their one connection)."""
        return state["generic_db" if generic and "generic_db" in state else "db"].for_request()

    async def get_context(request: HTTPConnection) -> Context:
        request_db = state["db"].for_request()
        viewer = await viewer_for(request, request_db, settings)
        context = Context(request_db, settings, viewer)
        attach(context, push.get("push"), request, settings)
        return context

    schema = build_schema(settings)
    graphql = PushRouter(
        schema,
        push=None,
        settings=settings,
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql else None,
        multipart_uploads_enabled=True,
    )
    app = SitrepAPI(
        title="Sitrep",
        description="GraphQL API for conflict and incident event data.",
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
    )
    if db is not None:
        state["db"] = db
    app.include_router(graphql, prefix="/graphql")
    app.include_router(geojson_router(lambda: state["db"], settings))
    app.add_exception_handler(AuthError, auth_error_response)
    app.include_router(import_router(lambda: state["db"], settings))

    @app.get("/healthz", summary="Liveness and database check")
    async def healthz() -> dict[str, str]:
        await state["db"].fetchval("select 1")
        return {"status": "ok"}

    @app.get("/metrics", summary="Prometheus metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def root() -> dict[str, str]:
        return {"graphql": "/graphql", "health": "/healthz", "metrics": "/metrics"}

    # Outermost, before FastAPI's own middleware: a planned read touches nothing else.
    app.outer = [
        lambda inner: FastPath(inner, schema=schema, settings=settings, get_db=request_db),
        Metrics,
    ]
    return app


class SitrepAPI(FastAPI):
    """FastAPI with ASGI wrappers outside its whole middleware stack (``outer``, innermost
    first): the fast path and the metrics see every request before FastAPI does."""

    outer: list[Callable[[ASGIApp], ASGIApp]] = []

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = super().build_middleware_stack()
        for wrap in self.outer:
            app = wrap(app)
        return app


class Metrics:
    """Request counts and latency per path (pure ASGI: nothing buffered or wrapped)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
            path = scope["path"] if scope["path"] in {"/graphql", "/healthz"} else "other"
            REQUESTS.labels(path, str(status)).inc()
            LATENCY.labels(path).observe(time.perf_counter() - start)
