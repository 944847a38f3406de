"""Geographic filter inputs: a radius around a point or a named location, and a box."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import filters as f
from schema.errors import BadUserInput

if TYPE_CHECKING:
    from schema.filters import LocationFilter

# Half the Earth's circumference: any larger radius is the whole globe.
MAX_RADIUS_KM = 20_016.0


def check_point(latitude: float, longitude: float, field: str) -> None:
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise BadUserInput(f"Latitude {latitude} is outside -90..90.", field=field)
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise BadUserInput(f"Longitude {longitude} is outside -180..180.", field=field)


def check_radius(radius_km: float, field: str = "radiusKm") -> None:
    if not (math.isfinite(radius_km) and 0 < radius_km <= MAX_RADIUS_KM):
        raise BadUserInput(
            f"radiusKm must be more than 0 and at most {MAX_RADIUS_KM:.0f}.", field=field
        )


@strawberry.input(
    description="Within a radius of a point: great-circle (haversine) distance on a sphere "
    "of the mean Earth radius, 6371.0088 km."
)
class NearFilter:
    latitude: float = strawberry.field(description="Latitude of the centre, -90..90.")
    longitude: float = strawberry.field(description="Longitude of the centre, -180..180.")
    radius_km: float = strawberry.field(description="Radius in kilometres, inclusive.")

    def to_db(self) -> f.Near:
        check_point(self.latitude, self.longitude, "near")
        check_radius(self.radius_km)
        return f.Near(self.latitude, self.longitude, self.radius_km)


@strawberry.input(
    description="Within a radius of a named location (e.g. 25 km of Erbil Airport): of any "
    "visible location with coordinates that matches `location`."
)
class NearLocationFilter:
    location: Annotated[LocationFilter, strawberry.lazy("schema.filters")] = strawberry.field(
        description='The place(s) to measure from, e.g. `{name: "Erbil Airport"}`.'
    )
    radius_km: float = strawberry.field(description="Radius in kilometres, inclusive.")

    def to_db(self) -> f.NearLocation:
        check_radius(self.radius_km)
        return f.NearLocation(self.location.to_db(), self.radius_km)


@strawberry.input(
    description="A latitude/longitude box, edges included. `west` greater than `east` "
    "means the box crosses the antimeridian (e.g. west 170, east -170)."
)
class BoundingBoxFilter:
    south: float = strawberry.field(description="Southern edge (minimum latitude).")
    west: float = strawberry.field(description="Western edge (longitude).")
    north: float = strawberry.field(description="Northern edge (maximum latitude).")
    east: float = strawberry.field(description="Eastern edge (longitude).")

    def to_db(self) -> f.BoundingBox:
        check_point(self.south, self.west, "bbox")
        check_point(self.north, self.east, "bbox")
        if self.south > self.north:
            raise BadUserInput("The box's south edge is north of its north edge.", field="bbox")
        return f.BoundingBox(self.south, self.west, self.north, self.east)
