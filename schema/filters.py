"""Filter inputs. One language everywhere: each input turns into a ``db.filters`` value
(``to_db``), which compiles to SQL. ``and`` / ``or`` / ``not`` nest at every level.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Generic, TypeVar

import strawberry

from db import filters as f
from schema.enums import (
    ActorKind,
    Basis,
    ClaimStatus,
    DateMatch,
    Duplicates,
    EventType,
    GeoPrecision,
    LocationKind,
    Outcome,
    ParticipantRole,
    SourceKind,
    SubEventType,
    TimePrecision,
    Weapon,
    value,
)
from schema.errors import BadUserInput
from schema.geo_filters import BoundingBoxFilter, NearFilter, NearLocationFilter
from schema.ids import pk_of

E = TypeVar("E", bound=Enum)


@strawberry.input(description="Matches one of the listed values.")
class EnumFilter(Generic[E]):
    in_: list[E] | None = strawberry.field(
        default=None, name="in", description="Matches if the value is one of these."
    )
    eq: E | None = strawberry.field(default=None, description="Matches this value.")

    def values(self) -> tuple[str, ...] | None:
        if self.in_ is None and self.eq is None:
            return None
        chosen = list(self.in_ or []) + ([self.eq] if self.eq is not None else [])
        return tuple(sorted({value(v) for v in chosen}))


def _values(x: EnumFilter[E] | None) -> tuple[str, ...] | None:
    return None if x is None else x.values()


def _ids(ids: list[strawberry.ID] | None, type_name: str) -> tuple[int, ...] | None:
    return None if ids is None else tuple(pk_of(i, type_name) for i in ids)


def _country(code: str | None) -> str | None:
    if code is None:
        return None
    if len(code) != 2 or not code.isalpha():
        raise BadUserInput(f"{code!r} is not an ISO 3166-1 alpha-2 country code.", field="country")
    return code.upper()


@strawberry.input(description="A date range; both ends inclusive.")
class DateRangeFilter:
    gte: dt.date | None = strawberry.field(default=None, description="On or after this date.")
    lte: dt.date | None = strawberry.field(default=None, description="On or before this date.")
    eq: dt.date | None = strawberry.field(default=None, description="On exactly this date.")
    match: DateMatch = strawberry.field(
        default=DateMatch.WITHIN,
        description="How imprecise dates (week, month) are matched. Default WITHIN.",
    )

    def to_db(self) -> f.DateRange:
        gte, lte = self.gte, self.lte
        if self.eq is not None:
            if gte is not None or lte is not None:
                raise BadUserInput("Use either eq or gte/lte in a date range.", field="eq")
            gte = lte = self.eq
        if gte is not None and lte is not None and gte > lte:
            raise BadUserInput("The date range ends before it starts.", field="lte")
        return f.DateRange(gte, lte, overlaps=self.match == DateMatch.OVERLAPS)


@strawberry.input(description="An integer range; both ends inclusive.")
class IntRangeFilter:
    gte: int | None = strawberry.field(default=None, description="At least this.")
    lte: int | None = strawberry.field(default=None, description="At most this.")

    def to_db(self) -> f.IntRange:
        return f.IntRange(self.gte, self.lte)


@strawberry.input(description="UCDP deaths by side (best estimates); all given must hold.")
class DeathsFilter:
    side_a: IntRangeFilter | None = strawberry.field(default=None, description="deaths_a.")
    side_b: IntRangeFilter | None = strawberry.field(default=None, description="deaths_b.")
    civilians: IntRangeFilter | None = strawberry.field(
        default=None, description="deaths_civilians."
    )
    unknown: IntRangeFilter | None = strawberry.field(default=None, description="deaths_unknown.")

    def to_db(self) -> tuple[tuple[str, f.IntRange], ...]:
        given = (
            ("deaths_a", self.side_a),
            ("deaths_b", self.side_b),
            ("deaths_civilians", self.civilians),
            ("deaths_unknown", self.unknown),
        )
        return tuple((column, r.to_db()) for column, r in given if r is not None)


@strawberry.input(description="A timestamp range; both ends inclusive.")
class DateTimeRangeFilter:
    gte: dt.datetime | None = strawberry.field(default=None, description="At or after.")
    lte: dt.datetime | None = strawberry.field(default=None, description="At or before.")

    def to_db(self) -> f.TimeRange:
        return f.TimeRange(self.gte, self.lte)


@strawberry.input(
    description="Matches actors. Wherever an actor is matched — participants, deployments "
    "(hostsForcesOf), the actors list — `name` matches the actor's name or any of its "
    "aliases, ignoring case, accents and punctuation ('US forces', 'American forces', 'KH')."
)
class ActorFilter:
    id: strawberry.ID | None = strawberry.field(default=None, description="This actor.")
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="These actors.")
    name: str | None = strawberry.field(
        default=None,
        description="Name or alias, exact after normalisation: case, accents and punctuation "
        "are ignored (Kata'ib Hizballah = kataib hizballah). For similar names use "
        "`nameSimilarTo`.",
    )
    name_contains: str | None = strawberry.field(
        default=None, description="Substring of the name or an alias, case-insensitive."
    )
    kind: EnumFilter[ActorKind] | None = strawberry.field(default=None, description="Kind.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 code of the actor's country."
    )
    name_similar_to: str | None = strawberry.field(
        default=None,
        description="Fuzzy: the name or an alias is similar (accents, punctuation, "
        "transliteration and typos tolerated, as in `search`).",
    )
    affiliates_on: dt.date | None = strawberry.field(
        default=None,
        description="With `includeAffiliates`: follow only relations valid on this date.",
    )
    include_affiliates: bool = strawberry.field(
        default=False,
        description="Also match, transitively, actors that are MEMBER_OF, PART_OF or a "
        "FRONT_FOR a matched actor (e.g. Kataib Hezbollah → the Islamic Resistance in Iraq).",
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Changed at or after this time."
    )
    and_: list[ActorFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[ActorFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: ActorFilter | None = strawberry.field(default=None, name="not", description="Not this.")

    def to_db(self) -> f.ActorFilter:
        ids = _ids(self.ids, "Actor")
        if self.id is not None:
            ids = (*(ids or ()), pk_of(self.id, "Actor"))
        return f.ActorFilter(
            ids=ids,
            name=self.name,
            name_contains=self.name_contains,
            kinds=_values(self.kind),
            country=_country(self.country),
            include_affiliates=self.include_affiliates,
            affiliates_on=self.affiliates_on,
            name_similar_to=self.name_similar_to,
            updated_since=self.updated_since,
            and_=tuple(x.to_db() for x in self.and_ or ()),
            or_=tuple(x.to_db() for x in self.or_ or ()),
            not_=self.not_.to_db() if self.not_ else None,
        )


@strawberry.input(description="Matches locations.")
class LocationFilter:
    id: strawberry.ID | None = strawberry.field(default=None, description="This location.")
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="These.")
    name: str | None = strawberry.field(
        default=None,
        description="Name or alias, exact after normalisation: case, accents and punctuation "
        "are ignored (Kata'ib Hizballah = kataib hizballah). For similar names use "
        "`nameSimilarTo`.",
    )
    kind: EnumFilter[LocationKind] | None = strawberry.field(default=None, description="Kind.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code, e.g. IQ."
    )
    admin1: str | None = strawberry.field(
        default=None,
        description="First-level division: ISO 3166-2 code (IQ-AR) or name, case-insensitive.",
    )
    within: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Inside one of these locations: the location itself or any descendant "
        "through `parent`.",
    )
    hosts_forces_of: ActorFilter | None = strawberry.field(
        default=None,
        description="Forces of a matching actor are deployed here. Under an incident filter "
        "this is evaluated at the incident's date; elsewhere at `hostsForcesOn` (default "
        "today).",
    )
    admin2: str | None = strawberry.field(
        default=None, description="Second-level division (district) name, case-insensitive."
    )
    near: NearFilter | None = strawberry.field(
        default=None, description="Within a radius of a point."
    )
    near_location: NearLocationFilter | None = strawberry.field(
        default=None, description="Within a radius of a named location."
    )
    bbox: BoundingBoxFilter | None = strawberry.field(
        default=None, description="Inside a latitude/longitude box."
    )
    name_similar_to: str | None = strawberry.field(
        default=None,
        description="Fuzzy: the name or an alias is similar (accents, punctuation, "
        "transliteration and typos tolerated, as in `search`).",
    )
    hosts_forces_on: dt.date | None = strawberry.field(
        default=None, description="The date at which `hostsForcesOf` is evaluated."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Changed at or after this time."
    )
    and_: list[LocationFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[LocationFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: LocationFilter | None = strawberry.field(
        default=None, name="not", description="Not this."
    )

    def to_db(self) -> f.LocationFilter:
        ids = _ids(self.ids, "Location")
        if self.id is not None:
            ids = (*(ids or ()), pk_of(self.id, "Location"))
        return f.LocationFilter(
            ids=ids,
            name=self.name,
            kinds=_values(self.kind),
            country=_country(self.country),
            admin1=self.admin1,
            within=_ids(self.within, "Location"),
            hosts_forces_of=self.hosts_forces_of.to_db() if self.hosts_forces_of else None,
            hosts_forces_on=self.hosts_forces_on,
            admin2=self.admin2,
            near=self.near.to_db() if self.near else None,
            near_location=self.near_location.to_db() if self.near_location else None,
            bbox=self.bbox.to_db() if self.bbox else None,
            name_similar_to=self.name_similar_to,
            updated_since=self.updated_since,
            and_=tuple(x.to_db() for x in self.and_ or ()),
            or_=tuple(x.to_db() for x in self.or_ or ()),
            not_=self.not_.to_db() if self.not_ else None,
        )


@strawberry.input(description="Matches sources.")
class SourceFilter:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="These.")
    publisher: str | None = strawberry.field(
        default=None, description="Publisher, exact but case-insensitive ('The National')."
    )
    kind: EnumFilter[SourceKind] | None = strawberry.field(default=None, description="Kind.")
    language: str | None = strawberry.field(default=None, description="BCP 47 tag, e.g. en.")
    published_at: DateTimeRangeFilter | None = strawberry.field(
        default=None, description="Publication time."
    )
    text: str | None = strawberry.field(
        default=None, description="Substring of the title or note, case-insensitive."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Changed at or after this time."
    )
    and_: list[SourceFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[SourceFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: SourceFilter | None = strawberry.field(default=None, name="not", description="Not this.")

    def to_db(self) -> f.SourceFilter:
        return f.SourceFilter(
            ids=_ids(self.ids, "Source"),
            publisher=self.publisher,
            kinds=_values(self.kind),
            language=self.language,
            published=self.published_at.to_db() if self.published_at else None,
            text=self.text,
            updated_since=self.updated_since,
            and_=tuple(x.to_db() for x in self.and_ or ()),
            or_=tuple(x.to_db() for x in self.or_ or ()),
            not_=self.not_.to_db() if self.not_ else None,
        )


@strawberry.input(description="Matches incidents with a participant like this.")
class ParticipantFilter:
    actor: ActorFilter | None = strawberry.field(default=None, description="The actor.")
    role: EnumFilter[ParticipantRole] | None = strawberry.field(
        default=None, description="Its role."
    )
    basis: EnumFilter[Basis] | None = strawberry.field(
        default=None, description="On what basis the participation is stated."
    )

    def to_db(self) -> f.ParticipantFilter:
        return f.ParticipantFilter(
            actor=self.actor.to_db() if self.actor else None,
            roles=_values(self.role),
            bases=_values(self.basis),
        )


@strawberry.input(description="Tags: any of / all of.")
class TagFilter:
    any: list[str] | None = strawberry.field(default=None, description="Has at least one.")
    all: list[str] | None = strawberry.field(default=None, description="Has every one.")


@strawberry.input(description="An identifier in another dataset (e.g. ACLED's event_id_cnty).")
class ExternalIdFilter:
    system: str = strawberry.field(description="The dataset, e.g. acled, ucdp.")
    id: str | None = strawberry.field(default=None, description="The id; omitted = any.")


@strawberry.input(description="Matches incidents. Every condition given must hold.")
class IncidentFilter:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="These.")
    occurred_on: DateRangeFilter | None = strawberry.field(
        default=None, description="When it happened (see DateMatch for imprecise dates)."
    )
    event_type: EnumFilter[EventType] | None = strawberry.field(
        default=None, description="ACLED event type."
    )
    sub_event_type: EnumFilter[SubEventType] | None = strawberry.field(
        default=None, description="ACLED sub-event type."
    )
    weapon: EnumFilter[Weapon] | None = strawberry.field(default=None, description="Weapon.")
    outcome: EnumFilter[Outcome] | None = strawberry.field(default=None, description="Outcome.")
    claim_status: EnumFilter[ClaimStatus] | None = strawberry.field(
        default=None, description="Whether it was claimed."
    )
    time_precision: EnumFilter[TimePrecision] | None = strawberry.field(
        default=None, description="How precisely the date is known."
    )
    killed: IntRangeFilter | None = strawberry.field(
        default=None,
        description="People killed, best estimate; `{gte: 1}` = at least one. Incidents "
        "with unknown casualties never match.",
    )
    injured: IntRangeFilter | None = strawberry.field(
        default=None, description="People injured, best estimate."
    )
    participant: ParticipantFilter | None = strawberry.field(
        default=None,
        description="Has a participant matching all of actor/role/basis. Combine several "
        "with `and`.",
    )
    location: LocationFilter | None = strawberry.field(
        default=None, description="Where it happened."
    )
    source: SourceFilter | None = strawberry.field(
        default=None, description="Reported by a matching source."
    )
    text: str | None = strawberry.field(
        default=None, description="Substring of the summary or notes, case-insensitive."
    )
    tags: TagFilter | None = strawberry.field(default=None, description="Tags.")
    external_id: ExternalIdFilter | None = strawberry.field(
        default=None, description="Has this external identifier."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Changed at or after this time (for sync)."
    )
    civilian_targeting: bool | None = strawberry.field(
        default=None,
        description="ACLED civilian targeting: true = civilians were the target; false = "
        "the others (incidents without the column count as false).",
    )
    disorder_type: list[str] | None = strawberry.field(
        default=None,
        description='ACLED disorder_type, one of these (ignoring case), e.g. "Political violence".',
    )
    interaction: list[str] | None = strawberry.field(
        default=None,
        description="ACLED interaction, one of these as ACLED gives it (ignoring case), e.g. "
        '"State forces-Political militia" or "13".',
    )
    geo_precision: EnumFilter[GeoPrecision] | None = strawberry.field(
        default=None, description="Precision of the imported row's point."
    )
    deaths: DeathsFilter | None = strawberry.field(
        default=None, description="UCDP deaths by side; incidents without them never match."
    )
    where_precision: IntRangeFilter | None = strawberry.field(
        default=None, description="UCDP where_prec (1 exact … 7)."
    )
    date_precision: IntRangeFilter | None = strawberry.field(
        default=None, description="UCDP date_prec (1 day … 5)."
    )
    duplicates: Duplicates = strawberry.field(
        default=Duplicates.COLLAPSE,
        description="Records linked as one event (`Incident.sameEventAs`): counted once "
        "(COLLAPSE, the default) or each (INCLUDE). Read at the top level of a filter only.",
    )
    and_: list[IncidentFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[IncidentFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: IncidentFilter | None = strawberry.field(
        default=None, name="not", description="Not this."
    )

    def to_db(self) -> f.IncidentFilter:
        return f.IncidentFilter(
            ids=_ids(self.ids, "Incident"),
            occurred_on=self.occurred_on.to_db() if self.occurred_on else None,
            event_types=_values(self.event_type),
            sub_event_types=_values(self.sub_event_type),
            weapons=_values(self.weapon),
            outcomes=_values(self.outcome),
            claim_statuses=_values(self.claim_status),
            time_precisions=_values(self.time_precision),
            killed=self.killed.to_db() if self.killed else None,
            injured=self.injured.to_db() if self.injured else None,
            participant=self.participant.to_db() if self.participant else None,
            location=self.location.to_db() if self.location else None,
            source=self.source.to_db() if self.source else None,
            text=self.text,
            tags_any=tuple(self.tags.any) if self.tags and self.tags.any is not None else None,
            tags_all=tuple(self.tags.all) if self.tags and self.tags.all is not None else None,
            external_id=(
                f.ExternalIdMatch(self.external_id.system, self.external_id.id)
                if self.external_id
                else None
            ),
            updated_since=self.updated_since,
            civilian_targeting=self.civilian_targeting,
            disorder_types=tuple(self.disorder_type) if self.disorder_type is not None else None,
            interactions=tuple(self.interaction) if self.interaction is not None else None,
            geo_precisions=_values(self.geo_precision),
            deaths=self.deaths.to_db() if self.deaths else (),
            where_prec=self.where_precision.to_db() if self.where_precision else None,
            date_prec=self.date_precision.to_db() if self.date_precision else None,
            duplicates=value(self.duplicates),
            and_=tuple(x.to_db() for x in self.and_ or ()),
            or_=tuple(x.to_db() for x in self.or_ or ()),
            not_=self.not_.to_db() if self.not_ else None,
        )
