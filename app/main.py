"""The FastAPI application: GraphQL (and GraphiQL) at /graphql, health and metrics.

``create_app(settings)`` opens an asyncpg pool in its lifespan. Tests pass ``db=`` to
serve from a connection inside a rolled-back transaction instead.

In front of FastAPI sit pure ASGI layers (outermost first): the lane for repeated planned
reads (``app/lane.py``), the metrics (``app/http_metrics.py``), read-your-writes
(``app/routing.py``), the request id, CORS, ``JsonErrors`` (every error in one JSON
shape, ``app/errors.py``), admission (``app/admission.py``, with the rate limit:
requests in flight per address, spent rate-limit points, refusals charged), the
GraphQL-over-HTTP checks (``app/graphql_http.py``), the body size limit
(``app/body_limit.py``), the persisted documents' HTTP cache and the fast path
(``app/fastpath.py``).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from starlette.requests import HTTPConnection

from app import errors
from app.admission import Admission
from app.asgi import ASGIApp
from app.auth import viewer_for, viewer_for_key
from app.body_limit import BodyLimit
from app.cors import Cors
from app.explorer import add_pages
from app.fastpath import FastPath
from app.geojson import geojson_router
from app.graphql_http import GraphQLHttp
from app.graphql_view import GraphQLView
from app.http_cache import HttpCache
from app.http_metrics import Metrics
from app.imports_http import import_router
from app.lane import Lane
from app.persisted import Documents, load_documents
from app.push import Push, attach
from app.request_id import RequestId
from app.routing import ReadYourWrites, listen_url, min_lsn, open_databases, replica_status
from app.security_headers import SecurityHeaders
from app.settings import Settings, get_settings
from db.core import ConnectionDb, Db, PoolDb
from db.replicas import Replicas, writer
from schema import build_schema
from schema.context import Context
from schema.ratelimit import RateLimiter

log = structlog.get_logger(__name__)

FROZEN = Gauge(
    "sitrep_gc_frozen_objects",
    "Objects left out of garbage collection since the start (gc.freeze)",
)

READY_TIMEOUT_S = 2.0


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    db: PoolDb | ConnectionDb | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    state: dict[str, PoolDb | ConnectionDb] = {}
    routing: dict[str, Replicas] = {}
    push: dict[str, Push] = {}

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        if db is not None:
            state["db"] = db
            yield
            return
        if database_url is None:
            raise RuntimeError("create_app needs database_url= or db=")
        async with open_databases(settings, database_url) as replicas:
            freeze_startup_objects()
            state["db"] = replicas.primary
            routing["replicas"] = replicas
            api.state.replicas = replicas  # for replica_status(app)
            if settings.push:
                push["push"] = Push(
                    replicas.primary, listen_url(settings, database_url), settings, schema
                )
                await push["push"].start()
                graphql.push = push["push"]
            try:
                yield
            finally:
                if "push" in push:
                    await push.pop("push").stop()

    def request_db(generic: bool = False) -> Db:
        """A request's handle for reads: a replica in rotation (read-your-writes kept, see
        app/routing.py), else the primary. The planner's statements whose plans do not
        depend on the values go to the pools that reuse generic plans (tests run both on
        their one connection)."""
        if "replicas" in routing:
            return routing["replicas"].reader(min_lsn(), generic=generic)
        return state["db"].for_request()

    def planned_db(generic: bool) -> Db:
        """The fast path's handle for a planned read. Without replicas, the primary's pool
        for the statement's plans at once: a routed handle would choose the primary at
        its first statement, through two more layers."""
        replicas = routing.get("replicas")
        if replicas is not None and not replicas.replicas:
            return replicas.primary_db(generic)
        return request_db(generic)

    async def get_context(request: HTTPConnection) -> Context:
        reads = request_db()
        # API keys are checked on the primary: a revoked key stops at once.
        viewer = await viewer_for(request, writer(reads), settings)
        context = Context(reads, settings, viewer)
        attach(context, push.get("push"), request, settings)
        return context

    async def is_admin(header: str) -> bool:
        """Whether an Authorization header is an active admin key (the primary knows)."""
        viewer = await viewer_for_key(header, writer(request_db()))
        return viewer is not None and viewer.is_admin

    limiter = rate_limiter(settings)
    schema = build_schema(settings, limiter, introspection=settings.introspection)
    documents = Documents(
        load_documents(settings.persisted_documents) if settings.persisted_documents else {},
        persisted_only=settings.persisted_only,
        apq_bytes=settings.apq_cache_bytes,
    )
    graphql = GraphQLView(
        schema,
        push=None,
        settings=settings,
        documents=documents,
        suggestions=settings.suggestions,
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql else None,
        multipart_uploads_enabled=True,
        max_json_depth=settings.max_json_depth,
    )
    app = SitrepAPI(
        title="Sitrep",
        description="GraphQL API for conflict and incident event data.",
        lifespan=lifespan,
        openapi_url="/openapi.json" if settings.openapi else None,
        docs_url=None,  # /docs is add_pages' Swagger UI, with its assets served from here
        redoc_url=None,  # ReDoc loads from a CDN: not served
        # Off, FastAPI does not ask OpenTelemetry on every request whether a provider is
        # configured (7 us a request: three environment lookups)
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    if db is not None:
        state["db"] = db
    app.include_router(graphql, prefix="/graphql")
    app.include_router(geojson_router(request_db, settings))
    app.include_router(import_router(lambda: state["db"], settings))
    errors.install(app)
    add_pages(app, openapi_url=app.openapi_url if settings.docs else None)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", summary="Liveness: 200 while the process serves (no database check)")
    async def healthz() -> dict[str, object]:
        # Each replica: healthy (in rotation) or why not, replayed position, lag.
        return {"status": "ok", **(replica_status(app) or {})}

    @app.get("/readyz", summary="Readiness: 200 when the database answers, else 503")
    async def readyz() -> dict[str, str]:
        try:
            await asyncio.wait_for(state["db"].fetchval("select 1"), READY_TIMEOUT_S)
        except TimeoutError as exc:
            raise errors.database_unavailable() from exc
        return {"status": "ready"}

    @app.get("/metrics", summary="Prometheus metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def root() -> dict[str, str]:
        return {
            "graphql": "/graphql",
            "explore": "/explore",
            "docs": "/docs",
            "health": "/healthz",
            "ready": "/readyz",
            "metrics": "/metrics",
        }

    # Outside FastAPI's own middleware (innermost first): a planned read touches nothing
    # else; no body is read before the size limit; the method, Accept and Content-Type of
    # /graphql are checked before either path; errors of all of them are JSON; CORS and
    # the request id sit outside, so planned answers and errors carry them.
    fast: dict[str, FastPath] = {}

    def fast_path(inner: ASGIApp) -> FastPath:
        fast["path"] = FastPath(
            inner,
            schema=schema,
            settings=settings,
            get_db=planned_db,
            documents=documents,
            limiter=limiter,
        )
        return fast["path"]

    app.outer = [
        fast_path,
        lambda inner: HttpCache(inner, settings.persisted_cache_control, lambda: request_db(False)),
        lambda inner: BodyLimit(
            inner,
            max_body=settings.max_body_bytes,
            max_upload=settings.max_upload_bytes,
            is_admin=is_admin,
        ),
        GraphQLHttp,
        # Refusals on the request's head (in flight, points spent) before the body is
        # read, and refused requests charged, whichever layer refused them. The per-caller
        # limits are off together with the rate limit (benchmarks, one address), and
        # then the layer has nothing to do: it is left out.
        *(
            [
                lambda inner: Admission(
                    inner,
                    limiter,
                    max_in_flight=settings.max_in_flight_per_address,
                    max_exports=settings.max_exports_per_address,
                    max_active=settings.max_active_per_address,
                    refusal_points=settings.rate_limit_refusal_points,
                    spent_delay_s=settings.rate_limit_refusal_delay_ms / 1000,
                )
            ]
            if limiter is not None
            else []
        ),
        errors.JsonErrors,
        *([lambda inner: Cors(inner, settings.cors_origins)] if settings.cors_origins else []),
        RequestId,
        ReadYourWrites,
        Metrics,
        # A repeated planned read is answered before all of them (when none has anything
        # to do with it); anything else goes through them all.
        lambda inner: Lane(inner, fast["path"], settings),
    ]
    return app


def freeze_startup_objects() -> None:
    """Move what exists once the server has started (modules, the schema, the pools:
    some 130,000 objects) out of the garbage collector's sight: they live as long as
    the process, and every full collection would walk them all again, stopping the event
    loop for 20-90 ms (measured under load, issue 10); it now walks only what requests
    have left behind."""
    gc.collect()
    gc.freeze()
    FROZEN.set(gc.get_freeze_count())


def rate_limiter(settings: Settings) -> RateLimiter | None:
    """The deployment's rate limiter (one per app: both GraphQL paths charge it)."""
    if not settings.rate_limit:
        return None
    return RateLimiter(
        {
            "anonymous": settings.rate_limit_anonymous,
            "reader": settings.rate_limit_reader,
            "editor": settings.rate_limit_editor,
            "admin": settings.rate_limit_admin,
        },
        window_seconds=settings.rate_limit_window_seconds,
        cost_per_point=settings.rate_limit_cost_per_point,
        max_callers=settings.rate_limit_max_callers,
    )


class SitrepAPI(FastAPI):
    """FastAPI with ASGI wrappers outside its whole middleware stack (``outer``, innermost
    first): the fast path and the metrics see every request before FastAPI does."""

    outer: list[Callable[[ASGIApp], ASGIApp]] = []

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = super().build_middleware_stack()
        for wrap in self.outer:
            app = wrap(app)
        return app
