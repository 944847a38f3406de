"""`GET /export/incidents.geojson?filter=…`: incidents as an RFC 7946 FeatureCollection.

``filter`` is the JSON of an ``IncidentFilter`` exactly as in GraphQL variables, e.g.
``{"weapon": {"in": ["DRONE"]}}``. It is validated by the GraphQL schema itself (the
same coercion as a variable) and compiled by the same filter language, so a bad filter
answers 400 with ``{"errors": [{"message", "extensions": {"code"}}]}`` and the codes of
the GraphQL API (``BAD_USER_INPUT``, ``INVALID_ID``, …).

Each incident is a Feature with a Point geometry ``[longitude, latitude]`` (RFC 7946
order) of its location, or a null geometry when the location has no coordinates or is
not visible. The response is streamed: rows come through a server-side cursor in a
read-only transaction, a batch at a time, so memory does not grow with the export.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import strawberry
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from graphql import GraphQLError, Undefined, coerce_input_value
from graphql.utilities import validate_input_value
from strawberry.types.arguments import convert_argument

from app.auth import viewer_for
from app.settings import Settings
from db import geo
from db.core import Db
from db.filters import IncidentFilter
from db.viewer import Viewer
from schema import build_schema
from schema.errors import SitrepError
from schema.filters import IncidentFilter as IncidentFilterInput
from schema.ids import to_global_id

MEDIA_TYPE = "application/geo+json"


class FilterError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_filter(raw: str | None, schema: strawberry.Schema) -> IncidentFilter | None:
    """JSON in GraphQL input shape → the db filter, or ``FilterError`` with a code."""
    if raw is None or not raw.strip():
        return None
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


async def _collection(db: Db, viewer: Viewer, f: IncidentFilter | None) -> AsyncIterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for rows in geo.stream_features(db, viewer, f):
        chunk = b",".join(_feature(r) for r in rows)
        yield chunk if first else b"," + chunk
        first = False
    yield b"]}\n"


def geojson_router(get_db: Callable[[], Db], settings: Settings) -> APIRouter:
    router = APIRouter()
    schema = build_schema(settings)  # only to validate filters, built once

    @router.get(
        "/export/incidents.geojson",
        summary="Incidents matching a filter as a GeoJSON FeatureCollection (streamed)",
        response_class=StreamingResponse,
    )
    async def export_incidents(
        request: Request,
        filter: str | None = Query(
            default=None, description="An IncidentFilter as JSON, as in GraphQL variables."
        ),
    ) -> Any:
        try:
            f = parse_filter(filter, schema)
        except FilterError as exc:
            body = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
            return JSONResponse(body, status_code=400)
        # The same viewer as in GraphQL: anonymous readers see published records only.
        db = get_db()
        viewer = await viewer_for(request, db, settings)
        return StreamingResponse(_collection(db, viewer, f), media_type=MEDIA_TYPE)

    return router
