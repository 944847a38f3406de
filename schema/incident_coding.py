"""What a dataset row says about an incident beyond Sitrep's own fields: the row's place,
ACLED's coding and UCDP's coding, each null when the incident has none of it."""

from __future__ import annotations

import re
from typing import TypeVar

import strawberry

from db.incidents import IncidentRow
from db.model import ACLED_INPUT, PLACE_INPUT, UCDP_INPUT
from schema.enums import GeoPrecision

T = TypeVar("T")


@strawberry.type(
    description="The place as the dataset row gives it: its own point, precision and "
    "administrative divisions (the incident's location is the shared place record)."
)
class IncidentPlace:
    name: str | None = strawberry.field(description="Place name as the dataset spells it.")
    latitude: float | None = strawberry.field(description="The row's latitude.")
    longitude: float | None = strawberry.field(description="The row's longitude.")
    geo_precision: GeoPrecision | None = strawberry.field(
        description="How precise the row's point is (ACLED geo_precision, UCDP where_prec)."
    )
    country_name: str | None = strawberry.field(description="Country as the dataset names it.")
    region: str | None = strawberry.field(description="The dataset's world region.")
    admin1: str | None = strawberry.field(description="First-level division, as given.")
    admin1_code: str | None = strawberry.field(description="Its ISO 3166-2 code, if known.")
    admin2: str | None = strawberry.field(description="Second-level division, as given.")
    admin3: str | None = strawberry.field(description="Third-level division (ACLED admin3).")
    description: str | None = strawberry.field(
        description="The place described in words (UCDP where_description)."
    )


@strawberry.type(description="ACLED's coding of the event, as ACLED gave it.")
class AcledCoding:
    disorder_type: str | None = strawberry.field(
        description="Political violence, Demonstrations, Strategic developments (or two)."
    )
    inter1: str | None = strawberry.field(description="Type of actor1 (label or code).")
    inter2: str | None = strawberry.field(description="Type of actor2 (label or code).")
    interaction: str | None = strawberry.field(description="The two types together.")
    civilian_targeting: bool | None = strawberry.field(
        description="Civilians were the main or only target."
    )
    source_scale: str | None = strawberry.field(description="Scale of the sources used.")


@strawberry.type(description="UCDP GED's coding of the event, as UCDP gave it.")
class UcdpCoding:
    deaths_a: int | None = strawberry.field(description="Deaths on side A (best estimate).")
    deaths_b: int | None = strawberry.field(description="Deaths on side B (best estimate).")
    deaths_civilians: int | None = strawberry.field(description="Civilian deaths.")
    deaths_unknown: int | None = strawberry.field(description="Deaths of unknown status.")
    date_precision: int | None = strawberry.field(description="date_prec, 1 (day) to 5.")
    where_precision: int | None = strawberry.field(description="where_prec, 1 (exact) to 7.")
    event_clarity: int | None = strawberry.field(description="1 = clear, 2 = aggregated/unclear.")
    conflict_id: int | None = strawberry.field(description="conflict_new_id.")
    dyad_id: int | None = strawberry.field(description="dyad_new_id.")
    side_a_id: int | None = strawberry.field(description="side_a_new_id.")
    side_b_id: int | None = strawberry.field(description="side_b_new_id.")
    relid: str | None = strawberry.field(description="UCDP's release-specific id.")
    number_of_sources: int | None = strawberry.field(description="Sources UCDP used.")


def _struct(cls: type[T], r: IncidentRow, fields: dict[str, str]) -> T | None:
    """The struct of the row's columns (GraphQL field → column), None when all are null."""
    values = {_snake(f): getattr(r, c) for f, c in fields.items()}
    if all(v is None for v in values.values()):
        return None
    return cls(**values)


def _snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)


def place_of(r: IncidentRow) -> IncidentPlace | None:
    place = _struct(IncidentPlace, r, PLACE_INPUT)
    if place is not None and place.geo_precision is not None:
        place.geo_precision = GeoPrecision(place.geo_precision)
    return place


def acled_of(r: IncidentRow) -> AcledCoding | None:
    return _struct(AcledCoding, r, ACLED_INPUT)


def ucdp_of(r: IncidentRow) -> UcdpCoding | None:
    return _struct(UcdpCoding, r, UCDP_INPUT)
