"""`incidentsNear`: incidents within a radius, nearest first, with their distance."""

from __future__ import annotations

import math
from typing import Annotated

import strawberry

from db import geo, incidents
from db.cursors import CursorError, decode_key, encode_key
from db.geo import NearQuery
from schema.context import Info
from schema.errors import BadUserInput, InvalidCursor
from schema.filters import IncidentFilter
from schema.geo_filters import check_point, check_radius
from schema.ids import pk_of
from schema.incident import Incident
from schema.pagination import PageInfo, page_args


@strawberry.input(
    description="The centre and radius of `incidentsNear`: a point (latitude and "
    "longitude) or a location (`location`), and `radiusKm`."
)
class NearInput:
    latitude: float | None = strawberry.field(default=None, description="Latitude, -90..90.")
    longitude: float | None = strawberry.field(default=None, description="Longitude, -180..180.")
    location: strawberry.ID | None = strawberry.field(
        default=None, description="Measure from this location's coordinates instead."
    )
    radius_km: float = strawberry.field(description="Radius in kilometres, inclusive.")


@strawberry.type(description="An incident and its distance from the centre.")
class IncidentDistanceEdge:
    cursor: str = strawberry.field(description="Pass as `after` to page from here.")
    node: Incident = strawberry.field(description="The incident.")
    distance_km: float = strawberry.field(
        description="Great-circle distance from the centre to the incident's location, km."
    )


@strawberry.type(description="Incidents within a radius, nearest first (ties by id).")
class IncidentDistanceConnection:
    edges: list[IncidentDistanceEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging state (forward only).")
    query: strawberry.Private[NearQuery]

    @strawberry.field(description="How many incidents are within the radius in all.")
    async def total_count(self, info: Info) -> int:
        return await geo.count_near(info.context.db, info.context.viewer, self.query)


_DISTANCE = "DISTANCE"


def _encode(distance: float, pk: int) -> str:
    return encode_key(_DISTANCE, distance, pk)


def _decode(cursor: str) -> tuple[float, int]:
    try:
        tag, distance, pk = decode_key(cursor)
    except CursorError as exc:
        raise InvalidCursor(str(exc)) from exc
    if not (
        tag == _DISTANCE
        and isinstance(distance, int | float)
        and not isinstance(distance, bool)
        and math.isfinite(distance)
    ):
        raise InvalidCursor("The cursor is malformed or was made for another order.")
    return float(distance), pk


async def resolve_incidents_near(
    info: Info, near: NearInput, filter: IncidentFilter | None, first: int | None, after: str | None
) -> IncidentDistanceConnection:
    ctx = info.context
    check_radius(near.radius_km)
    if near.location is not None:
        if near.latitude is not None or near.longitude is not None:
            raise BadUserInput("Give either latitude/longitude or location.", field="near")
        point = await geo.location_point(ctx.db, ctx.viewer, pk_of(near.location, "Location"))
        if point is None:
            raise BadUserInput("The location has no known coordinates.", field="near.location")
        lat, lon = point
    else:
        if near.latitude is None or near.longitude is None:
            raise BadUserInput("Give latitude and longitude, or location.", field="near")
        lat, lon = near.latitude, near.longitude
        check_point(lat, lon, "near")
    # The same page-size rules as every connection.
    size = page_args(
        _ORDER, first=first, after=None, last=None, before=None, settings=ctx.settings
    ).limit
    q = NearQuery(lat, lon, near.radius_km, filter.to_db() if filter else None)
    cursor = _decode(after) if after is not None else None
    rows, more = await geo.incidents_near(ctx.db, ctx.viewer, q, size, cursor)
    edges = [
        IncidentDistanceEdge(
            cursor=_encode(r.distance_km, r.incident.id),
            node=Incident.from_row(r.incident),
            distance_km=r.distance_km,
        )
        for r in rows
    ]
    return IncidentDistanceConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        query=q,
    )


# Only for the page-size checks of page_args; the order here is by distance.
_ORDER = incidents.TABLE.order("OCCURRED_ON", False)

NearArg = Annotated[NearInput, strawberry.argument(description="Centre and radius.")]
