"""`GET /export/incidents.geojson?filter=…`: incidents as an RFC 7946 FeatureCollection.

``filter`` is the JSON of an ``IncidentFilter`` exactly as in GraphQL variables, e.g.
``{"weapon": {"in": ["DRONE"]}}``. It is validated by the GraphQL schema itself (the
same coercion as a variable) and compiled by the same filter language, so a bad filter
answers 400 with ``{"errors": [{"message", "extensions": {"code"}}]}`` and the codes of
the GraphQL API (``BAD_USER_INPUT``, ``INVALID_ID``, …).

Each incident is a Feature with a Point geometry ``[longitude, latitude]`` (RFC 7946
order) of its location, or a null geometry when the location has no coordinates or is
not visible.

The response is streamed without holding the pool: rows are read in keyset pages of
``SITREP_EXPORT_PAGE_SIZE`` (``db.geo.feature_pages``), each statement on a pooled
connection given back before the page is written, so clients that read slowly or not at
all hold no connection. Everything that can be refused is refused before the first byte,
as a JSON error: the filter (400), the key (401), the cap on exports running at once in
this process (``SITREP_MAX_CONCURRENT_EXPORTS``: 503 ``TOO_MANY_EXPORTS`` with
``Retry-After``), and the first page's statement (503 ``DATABASE_UNAVAILABLE``, …). A
client that takes nothing for ``SITREP_EXPORT_WRITE_TIMEOUT_S`` is cut off, and a failure
after the first byte aborts the connection: the client sees a broken transfer (no final
chunk), never a complete-looking 200.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import orjson
import strawberry
import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from graphql import GraphQLError, Undefined, coerce_input_value
from graphql.utilities import validate_input_value
from prometheus_client import Counter
from strawberry.types.arguments import convert_argument

from app.asgi import Message, Receive, Scope, Send
from app.auth import viewer_for
from app.errors import RETRY_AFTER_SECONDS, HttpError
from app.json_depth import too_deep
from app.settings import Settings
from db import geo
from db.core import Db
from db.filters import IncidentFilter
from schema import build_schema
from schema.errors import SitrepError
from schema.filters import IncidentFilter as IncidentFilterInput
from schema.ids import to_global_id

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/geo+json"

ABORTED = Counter(
    "sitrep_exports_aborted_total",
    "Exports cut off after their first byte: the client stopped reading (stalled), or a "
    "page failed (failed)",
    ["reason"],
)


class FilterError(HttpError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(400, message, code)


def parse_filter(
    raw: str | None, schema: strawberry.Schema, max_depth: int
) -> IncidentFilter | None:
    """JSON in GraphQL input shape → the db filter, or ``FilterError`` with a code."""
    if raw is None or not raw.strip():
        return None
    if too_deep(raw, max_depth):
        raise FilterError(f"`filter` nests deeper than {max_depth} levels.", "JSON_TOO_DEEP")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FilterError(f"`filter` is not valid JSON: {exc}", "BAD_USER_INPUT") from exc
    gql_type = schema._schema.get_type("IncidentFilter")
    assert gql_type is not None
    problems: list[str] = []

    def on_error(error: GraphQLError, path: Any) -> None:
        problems.append(error.message)

    validate_input_value(value, gql_type, on_error)  # type: ignore[arg-type]
    coerced = coerce_input_value(value, gql_type)  # type: ignore[arg-type]
    if problems or coerced is Undefined:
        # The code a GraphQL variable with the same value gets.
        raise FilterError("Invalid filter: " + "; ".join(problems), "BAD_USER_INPUT")
    try:
        converted: Any = convert_argument(
            coerced, IncidentFilterInput, schema.schema_converter.scalar_registry, schema.config
        )
        result: IncidentFilter = converted.to_db()
        return result
    except SitrepError as exc:
        raise FilterError(str(exc), str(exc.extensions["code"])) from exc


def _feature(row: geo.FeatureRow) -> bytes:
    geometry = None
    if row.latitude is not None and row.longitude is not None:
        geometry = {"type": "Point", "coordinates": [row.longitude, row.latitude]}
    properties = {
        "occurredOn": row.occurred_on,
        "dateEarliest": row.date_earliest,
        "dateLatest": row.date_latest,
        "eventType": row.event_type,
        "subEventType": row.sub_event_type,
        "weapon": row.weapon,
        "outcome": row.outcome,
        "claimStatus": row.claim_status,
        "projectileCount": row.projectile_count,
        "killed": row.killed_best,
        "injured": row.injured_best,
        "summary": row.summary,
        "location": None
        if row.location_id is None
        else {
            "id": to_global_id("Location", row.location_id),
            "name": row.location_name,
            "country": row.country_code,
            "admin1": row.admin1_code,
        },
    }
    return orjson.dumps(
        {
            "type": "Feature",
            "id": to_global_id("Incident", row.id),
            "geometry": geometry,
            "properties": properties,
        }
    )


async def _page(rows: list[geo.FeatureRow], first: bool) -> bytes:
    """A page's features, written in slices (the event loop serves others between)."""
    parts: list[bytes] = []
    for start in range(0, len(rows), geo.SLICE):
        if start:
            await asyncio.sleep(0)
        parts.extend(_feature(r) for r in rows[start : start + geo.SLICE])
    chunk = b",".join(parts)
    return chunk if first or not chunk else b"," + chunk


class Exports:
    """How many exports this process is streaming, against the cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0

    def claim(self) -> None:
        if self.running >= self.limit:
            raise HttpError(
                503,
                f"{self.limit} exports are running; try again shortly.",
                "TOO_MANY_EXPORTS",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        self.running += 1

    def release(self) -> None:
        self.running -= 1


class ExportResponse(Response):
    """Streams a first page already read, then the rest; releases its export slot and
    closes the page reader however the stream ends."""

    def __init__(
        self,
        first: list[geo.FeatureRow],
        pages: AsyncGenerator[list[geo.FeatureRow]],
        *,
        release: Callable[[], None],
        write_timeout: float,
    ) -> None:
        super().__init__(media_type=MEDIA_TYPE)
        self.first, self.pages = first, pages
        self.release, self.write_timeout = release, write_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            writing = asyncio.ensure_future(self._write(send))
            watching = asyncio.ensure_future(_disconnect(receive))
            await asyncio.wait({writing, watching}, return_when=asyncio.FIRST_COMPLETED)
            watching.cancel()
            if not writing.done():  # the client went away: nothing more to write
                writing.cancel()
            await asyncio.gather(writing, watching, return_exceptions=True)
        finally:
            self.release()
            await self.pages.aclose()

    async def _write(self, send: Send) -> None:
        headers = [(b"content-type", MEDIA_TYPE.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        try:
            start = b'{"type":"FeatureCollection","features":['
            await self._send(send, start + await _page(self.first, True))
            first = not self.first
            async for rows in self.pages:
                await self._send(send, await _page(rows, first))
                first = first and not rows
            await self._send(send, b"]}\n", more=False)
        except TimeoutError:
            ABORTED.labels("stalled").inc()
            log.warning("export.client_stalled", timeout_s=self.write_timeout)
        except Exception as exc:
            ABORTED.labels("failed").inc()
            log.error("export.failed", exc_info=exc)
        # Returning without the last chunk: the server closes the connection, and the
        # client sees the transfer broken.

    async def _send(self, send: Send, body: bytes, *, more: bool = True) -> None:
        message = {"type": "http.response.body", "body": body, "more_body": more}
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives as
        # the send completes, and once the client is gone every send completes at once,
        # so the export would run to its end for nobody.
        async with asyncio.timeout(self.write_timeout):
            await send(message)


async def _disconnect(receive: Receive) -> None:
    message: Message = {}
    while message.get("type") != "http.disconnect":
        message = await receive()


def geojson_router(get_db: Callable[[], Db], settings: Settings) -> APIRouter:
    router = APIRouter()
    schema = build_schema(settings)  # only to validate filters, built once
    exports = Exports(settings.max_concurrent_exports)
    reads = asyncio.Semaphore(settings.export_concurrent_reads)

    @router.get(
        "/export/incidents.geojson",
        summary="Incidents matching a filter as a GeoJSON FeatureCollection (streamed)",
        response_class=Response,
    )
    async def export_incidents(
        request: Request,
        filter: str | None = Query(
            default=None, description="An IncidentFilter as JSON, as in GraphQL variables."
        ),
    ) -> Any:
        f = parse_filter(filter, schema, settings.max_json_depth)
        # The same viewer as in GraphQL: anonymous readers see published records only.
        db = get_db()
        viewer = await viewer_for(request, db, settings)
        exports.claim()
        pages = geo.feature_pages(db, viewer, f, settings.export_page_size, gate=reads)
        try:
            first = await anext(pages)
        except BaseException:
            exports.release()
            await pages.aclose()
            raise
        return ExportResponse(
            first, pages, release=exports.release, write_timeout=settings.export_write_timeout_s
        )

    return router
