"""What a dataset row says about an incident beyond Sitrep's own fields: the row's place,
ACLED's coding and UCDP's coding, each null when the incident has none of it."""

from __future__ import annotations

import strawberry

from db.incidents import IncidentRow
from db.model import ACLED_COLUMNS, PLACE_COLUMNS, UCDP_COLUMNS
from schema.enums import GeoPrecision


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


def _none(r: IncidentRow, columns: tuple[str, ...]) -> bool:
    return all(getattr(r, c) is None for c in columns)


def place_of(r: IncidentRow) -> IncidentPlace | None:
    if _none(r, PLACE_COLUMNS):
        return None
    return IncidentPlace(
        name=r.place_name,
        latitude=r.latitude,
        longitude=r.longitude,
        geo_precision=GeoPrecision(r.geo_precision) if r.geo_precision else None,
        country_name=r.country_name,
        region=r.region,
        admin1=r.admin1_name,
        admin1_code=r.admin1_code,
        admin2=r.admin2_name,
        admin3=r.admin3_name,
        description=r.where_description,
    )


def acled_of(r: IncidentRow) -> AcledCoding | None:
    if _none(r, ACLED_COLUMNS):
        return None
    return AcledCoding(
        disorder_type=r.disorder_type,
        inter1=r.inter1,
        inter2=r.inter2,
        interaction=r.interaction,
        civilian_targeting=r.civilian_targeting,
        source_scale=r.source_scale,
    )


def ucdp_of(r: IncidentRow) -> UcdpCoding | None:
    if _none(r, UCDP_COLUMNS):
        return None
    return UcdpCoding(
        deaths_a=r.deaths_a,
        deaths_b=r.deaths_b,
        deaths_civilians=r.deaths_civilians,
        deaths_unknown=r.deaths_unknown,
        date_precision=r.date_prec,
        where_precision=r.where_prec,
        event_clarity=r.event_clarity,
        conflict_id=r.conflict_id,
        dyad_id=r.dyad_id,
        side_a_id=r.side_a_id,
        side_b_id=r.side_b_id,
        relid=r.relid,
        number_of_sources=r.number_of_sources,
    )
