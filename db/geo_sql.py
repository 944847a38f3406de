"""SQL fragments for geography: great-circle distance, radius and bounding-box tests.

Distances are haversine great-circle distances on a sphere of the mean Earth radius
(6371.0088 km, IUGG), computed in SQL. The ``cube``/``earthdistance`` GiST index on
``ll_to_earth(latitude, longitude)`` only pre-filters: ``earth_box`` is a cube around
the centre on earthdistance's own sphere (radius 6378.168 km), widened by the ratio of
the radii so that it always contains the circle, and the exact test follows. Bounding
boxes use the GiST index on ``point(longitude, latitude)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.filters import BoundingBox, Near
    from db.sql import Compiler

EARTH_RADIUS_KM = 6371.0088
# earthdistance's earth() in metres, and the widening that keeps the box a superset.
_EARTH_M = 6378168.0
_BOX_SCALE = _EARTH_M / (EARTH_RADIUS_KM * 1000.0) * 1.000001


def distance_km(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """Haversine distance in km between two SQL points (expressions in degrees)."""
    return (
        f"(2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f"power(sin(radians(({lat2}) - ({lat1})) / 2), 2) + "
        f"cos(radians({lat1})) * cos(radians({lat2})) * "
        f"power(sin(radians(({lon2}) - ({lon1})) / 2), 2)))))"
    )


def _box(center_lat: str, center_lon: str, radius_km: str) -> str:
    return (
        f"earth_box(ll_to_earth({center_lat}, {center_lon}), "
        f"({radius_km}) * {1000.0 * _BOX_SCALE} + 1)"
    )


def within_radius(c: Compiler, loc: str, near: Near) -> str:
    lat, lon, r = c(near.latitude), c(near.longitude), c(near.radius_km)
    return within(loc, f"{lat}::float8", f"{lon}::float8", f"{r}::float8")


def within(loc: str, lat: str, lon: str, radius_km: str) -> str:
    """``loc`` (an alias of ``location``) lies within ``radius_km`` of (lat, lon)."""
    return (
        f"({loc}.latitude is not null "
        f"and {_box(lat, lon, radius_km)} @> ll_to_earth({loc}.latitude, {loc}.longitude) "
        f"and {distance_km(lat, lon, f'{loc}.latitude', f'{loc}.longitude')} <= {radius_km})"
    )


def within_radius_of(c: Compiler, loc: str, anchor: str, radius_km: float) -> str:
    """``loc`` lies within ``radius_km`` of the location aliased ``anchor``."""
    return within(loc, f"{anchor}.latitude", f"{anchor}.longitude", f"{c(radius_km)}::float8")


def in_bbox(c: Compiler, loc: str, b: BoundingBox) -> str:
    s, n = c(b.south), c(b.north)

    def box(w: str, e: str) -> str:
        return (
            f"point({loc}.longitude, {loc}.latitude) <@ "
            f"box(point({w}::float8, {s}::float8), point({e}::float8, {n}::float8))"
        )

    if b.west <= b.east:
        inside = box(c(b.west), c(b.east))
    else:  # crosses the antimeridian: two boxes
        inside = f"({box(c(b.west), '180')} or {box('-180', c(b.east))})"
    return f"({loc}.latitude is not null and {inside})"
