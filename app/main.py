"""The FastAPI application: GraphQL (and GraphiQL) at /graphql, health and metrics.

``create_app(settings)`` opens an asyncpg pool in its lifespan. Tests pass ``db=`` to
serve from a connection inside a rolled-back transaction instead.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import ORJSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from strawberry.fastapi import GraphQLRouter

from app.auth import AuthError, auth_error_response, viewer_for
from app.fastpath import ASGIApp, FastPath, Message, Receive, Scope, Send
from app.geojson import geojson_router
from app.imports_http import import_router
from app.routing import ReadYourWrites, min_lsn, open_databases, replica_status
from app.settings import Settings, get_settings
from db.core import ConnectionDb, Db, PoolDb
from db.replicas import Replicas, writer
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
    routing: dict[str, Replicas] = {}

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        if db is not None:
            state["db"] = db
            yield
            return
        if database_url is None:
            raise RuntimeError("create_app needs database_url= or db=")
        async with open_databases(settings, database_url) as replicas:
            state["db"] = replicas.primary
            routing["replicas"] = replicas
            api.state.replicas = replicas  # for replica_status(app)
            yield

    def request_db(generic: bool = False) -> Db:
        """A request's handle for reads: a replica in rotation (read-your-writes kept, see
        app/routing.py), else the primary. The planner's statements whose plans do not
        depend on the values go to the pools that reuse generic plans (tests run both on
        their one connection)."""
        if "replicas" in routing:
            return routing["replicas"].reader(min_lsn(), generic=generic)
        return state["db"].for_request()

    async def get_context(request: Request) -> Context:
        reads = request_db()
        # API keys are checked on the primary: a revoked key stops at once.
        viewer = await viewer_for(request, writer(reads), settings)
        return Context(reads, settings, viewer)

    schema = build_schema(settings)
    graphql = GraphQLRouter(
        schema,
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
    app.include_router(geojson_router(request_db, settings))
    app.add_exception_handler(AuthError, auth_error_response)
    app.include_router(import_router(lambda: state["db"], settings))

    @app.get("/healthz", summary="Liveness and database check")
    async def healthz() -> dict[str, object]:
        await state["db"].fetchval("select 1")
        # Each replica: healthy (in rotation) or why not, replayed position, lag.
        return {"status": "ok", **(replica_status(app) or {})}

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
        ReadYourWrites,
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
