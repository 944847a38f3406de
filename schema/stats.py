"""`incidentStats`: counts and sums of incidents, grouped by time and other dimensions.

**Time zones.** Incident dates (`occurredOn`) are local calendar dates of the event,
stored without a zone. Converting a date to another zone is meaningless without a time
of day, so an incident falls in the same day, ISO week, month, quarter or year bucket
whatever `timeZone` is. The zone says which instants the buckets stand for:
`period.startsAt`/`endsAt` are local midnight in that zone (daylight saving
included), so a client can place buckets on a time axis. It is UTC unless chosen and
must be an IANA name (`Asia/Baghdad`); anything else is `BAD_USER_INPUT`.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, available_timezones

import strawberry

from db import filters as f
from db import stats
from db.stats import StatsQuery, StatsRow
from schema.common import Admin1, Country, country
from schema.context import Info
from schema.enums import EventType, Outcome, SubEventType, Weapon, value
from schema.errors import BadUserInput, PageSizeExceeded
from schema.filters import IncidentFilter

if TYPE_CHECKING:
    from schema.actor import Actor
    from schema.location import Location

ActorT = Annotated["Actor", strawberry.lazy("schema.actor")]
LocationT = Annotated["Location", strawberry.lazy("schema.location")]
MAX_GROUPS = 10_000
# Without an occurredOn bound, fillEmpty's buckets start at the earliest date an incident
# may have (writes refuse dates before 1900) and end today.
EARLIEST = dt.date(1900, 1, 1)


@strawberry.enum(description="What incident statistics can be grouped by (besides time).")
class StatsDimension(Enum):
    EVENT_TYPE = strawberry.enum_value("EVENT_TYPE", description="ACLED event type.")
    SUB_EVENT_TYPE = strawberry.enum_value("SUB_EVENT_TYPE", description="ACLED sub-event type.")
    WEAPON = strawberry.enum_value("WEAPON", description="Weapon.")
    OUTCOME = strawberry.enum_value("OUTCOME", description="Outcome.")
    COUNTRY = strawberry.enum_value("COUNTRY", description="Country of the location.")
    ADMIN1 = strawberry.enum_value("ADMIN1", description="First-level division of the location.")
    LOCATION = strawberry.enum_value("LOCATION", description="The location itself.")
    PERPETRATOR = strawberry.enum_value(
        "PERPETRATOR",
        description="Each PERPETRATOR participant (an incident with two counts in both "
        "groups). See `rollUpPerpetrators`.",
    )
    TARGET = strawberry.enum_value("TARGET", description="Each TARGET participant.")


@strawberry.enum(description="Calendar bucket of the incident date.")
class TimeInterval(Enum):
    DAY = strawberry.enum_value("day", description="Calendar day.")
    WEEK = strawberry.enum_value("week", description="ISO week, Monday to Sunday (2020-W53).")
    MONTH = strawberry.enum_value("month", description="Calendar month.")
    QUARTER = strawberry.enum_value("quarter", description="Calendar quarter.")
    YEAR = strawberry.enum_value("year", description="Calendar year.")


@strawberry.type(description="A time bucket.")
class StatsPeriod:
    start: dt.date = strawberry.field(description="First day of the bucket.")
    end: dt.date = strawberry.field(description="Last day of the bucket (inclusive).")
    label: str = strawberry.field(
        description="ISO label: 2024-01-01, 2020-W53, 2024-01, 2024-Q1 or 2024."
    )
    starts_at: dt.datetime = strawberry.field(
        description="Midnight at the start of `start` in the requested time zone."
    )
    ends_at: dt.datetime = strawberry.field(
        description="Midnight after `end` in the requested time zone (exclusive)."
    )


@strawberry.type(description="Sums of a low/best/high estimate over the incidents of a group.")
class EstimateSums:
    low: int = strawberry.field(description="Sum of the low estimates reported.")
    best: int = strawberry.field(description="Sum of the best estimates reported.")
    high: int = strawberry.field(description="Sum of the high estimates reported.")


@strawberry.type(
    description="One group: its keys (only those grouped by are set) and its counts. A null "
    "key among grouped ones means unknown or not visible (e.g. no perpetrator named)."
)
class IncidentStatsGroup:
    period: StatsPeriod | None = strawberry.field(description="The time bucket, if any.")
    event_type: EventType | None = strawberry.field(description="Event type.")
    sub_event_type: SubEventType | None = strawberry.field(description="Sub-event type.")
    weapon: Weapon | None = strawberry.field(description="Weapon.")
    outcome: Outcome | None = strawberry.field(description="Outcome.")
    country: Country | None = strawberry.field(description="Country of the location.")
    admin1: Admin1 | None = strawberry.field(description="First-level division.")
    incidents: int = strawberry.field(description="Number of incidents.")
    projectiles: int = strawberry.field(description="Projectiles launched (reported ones).")
    killed: EstimateSums = strawberry.field(description="People killed (reported figures).")
    injured: EstimateSums = strawberry.field(description="People injured (reported figures).")
    row: strawberry.Private[StatsRow]

    @strawberry.field(description="The location, when grouped by LOCATION.")
    async def location(self, info: Info) -> LocationT | None:
        from schema.location import Location

        if self.row.location_id is None:
            return None
        found = await info.context.loaders.location.load(self.row.location_id)
        return Location.from_row(found) if found else None

    @strawberry.field(description="The perpetrator (or its umbrella), when grouped by it.")
    async def perpetrator(self, info: Info) -> ActorT | None:
        return await _actor(info, self.row.perpetrator_id)

    @strawberry.field(description="The target, when grouped by TARGET.")
    async def target(self, info: Info) -> ActorT | None:
        return await _actor(info, self.row.target_id)


async def _actor(info: Info, pk: int | None) -> Actor | None:
    from schema.actor import Actor

    if pk is None:
        return None
    found = await info.context.loaders.actor.load(pk)
    return Actor.from_row(found) if found else None


@strawberry.type(description="Incident statistics: one entry per group.")
class IncidentStats:
    groups: list[IncidentStatsGroup] = strawberry.field(
        description="Ordered by period, then by the other keys (without a period: most "
        "incidents first)."
    )
    truncated: bool = strawberry.field(description="More groups exist than `first`.")
    time_zone: str = strawberry.field(description="The zone of the period instants.")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    if name not in _zones():
        raise BadUserInput(f"Unknown time zone {name!r}: use an IANA name.", field="timeZone")
    return ZoneInfo(name)


def _add_months(d: dt.date, months: int) -> dt.date:
    total = d.year * 12 + d.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def period(start: dt.date, interval: TimeInterval, tz: ZoneInfo) -> StatsPeriod:
    if interval == TimeInterval.DAY:
        after, label = start + dt.timedelta(days=1), start.isoformat()
    elif interval == TimeInterval.WEEK:
        year, week, _ = start.isocalendar()
        after, label = start + dt.timedelta(days=7), f"{year}-W{week:02d}"
    elif interval == TimeInterval.MONTH:
        after, label = _add_months(start, 1), f"{start:%Y-%m}"
    elif interval == TimeInterval.QUARTER:
        after, label = _add_months(start, 3), f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    else:
        after, label = dt.date(start.year + 1, 1, 1), str(start.year)
    midnight = dt.time(0)
    return StatsPeriod(
        start=start,
        end=after - dt.timedelta(days=1),
        label=label,
        starts_at=dt.datetime.combine(start, midnight, tzinfo=tz),
        ends_at=dt.datetime.combine(after, midnight, tzinfo=tz),
    )


def _group(row: StatsRow, interval: TimeInterval | None, tz: ZoneInfo) -> IncidentStatsGroup:
    admin1 = None
    if row.admin1_code or row.admin1_name:
        admin1 = Admin1(code=row.admin1_code, name=row.admin1_name)
    return IncidentStatsGroup(
        period=period(row.bucket, interval, tz) if interval and row.bucket else None,
        event_type=EventType(row.event_type) if row.event_type else None,
        sub_event_type=SubEventType(row.sub_event_type) if row.sub_event_type else None,
        weapon=Weapon(row.weapon) if row.weapon else None,
        outcome=Outcome(row.outcome) if row.outcome else None,
        country=country(row.country_code),
        admin1=admin1,
        incidents=row.incidents,
        projectiles=row.projectiles,
        killed=EstimateSums(low=row.killed_low, best=row.killed_best, high=row.killed_high),
        injured=EstimateSums(low=row.injured_low, best=row.injured_best, high=row.injured_high),
        row=row,
    )


async def resolve_incident_stats(
    info: Info,
    filter: IncidentFilter | None,
    group_by: list[StatsDimension] | None,
    interval: TimeInterval | None,
    time_zone: str,
    fill_empty: bool,
    roll_up_perpetrators: bool,
    first: int,
) -> IncidentStats:
    tz = zone(time_zone)
    dims = tuple(value(d) for d in group_by or ())
    if fill_empty and interval is None:
        raise BadUserInput("`fillEmpty` needs an `interval`.", field="fillEmpty")
    if roll_up_perpetrators and "PERPETRATOR" not in dims:
        raise BadUserInput(
            "`rollUpPerpetrators` needs PERPETRATOR in `groupBy`.", field="rollUpPerpetrators"
        )
    if first < 1 or first > MAX_GROUPS:
        raise PageSizeExceeded(
            f"`first` must be 1..{MAX_GROUPS}.", field="first", maxPageSize=MAX_GROUPS
        )
    where = filter.to_db() if filter else None
    if fill_empty and interval is not None:
        check_buckets(where, value(interval), info.context.settings.max_stats_buckets)
    q = StatsQuery(
        filter=where,
        group_by=dims,
        interval=value(interval) if interval else None,
        fill=fill_empty,
        roll_up_perpetrators=roll_up_perpetrators,
        limit=first,
    )
    result = await stats.incident_stats(info.context.db, info.context.viewer, q)
    return IncidentStats(
        groups=[_group(r, interval, tz) for r in result.rows],
        truncated=result.truncated,
        time_zone=time_zone,
    )


def bucket_count(lo: dt.date, hi: dt.date, interval: str) -> int:
    """Calendar buckets from the one holding ``lo`` to the one holding ``hi``."""
    if hi < lo:
        return 0
    return (
        1
        + {
            "day": (hi - lo).days,
            "week": (hi - (lo - dt.timedelta(days=lo.weekday()))).days // 7,
            "month": (hi.year - lo.year) * 12 + hi.month - lo.month,
            "quarter": (hi.year - lo.year) * 4 + (hi.month - 1) // 3 - (lo.month - 1) // 3,
            "year": hi.year - lo.year,
        }[interval]
    )


def check_buckets(where: f.IncidentFilter | None, interval: str, limit: int) -> None:
    """Refuse, before any SQL, a ``fillEmpty`` whose date range holds more than ``limit``
    buckets."""
    span = where.occurred_on if where is not None else None
    lo = span.gte if span is not None else None
    hi = span.lte if span is not None else None
    # 0001-01-01 and 9999-12-31 reach PostgreSQL as -infinity and infinity: no bound.
    lo = EARLIEST if lo is None or lo == dt.date.min else lo
    hi = dt.date.today() if hi is None or hi == dt.date.max else hi
    buckets = bucket_count(lo, hi, interval)
    if buckets > limit:
        raise BadUserInput(
            f"`fillEmpty` would return {buckets} {interval} buckets; at most {limit} are "
            "allowed. Narrow `filter.occurredOn` or choose a longer interval.",
            field="fillEmpty",
            buckets=buckets,
            limit=limit,
        )


GroupByArg = Annotated[
    list[StatsDimension] | None,
    strawberry.argument(description="Dimensions to group by, in any combination."),
]
IntervalArg = Annotated[
    TimeInterval | None,
    strawberry.argument(description="Also group by this time bucket of the incident date."),
]
TimeZoneArg = Annotated[
    str,
    strawberry.argument(
        description="IANA zone for the bucket instants (startsAt/endsAt); default UTC. "
        "Incident dates are local dates, so buckets hold the same incidents in every zone."
    ),
]
FillArg = Annotated[
    bool,
    strawberry.argument(
        description="Return every bucket from the filter's `occurredOn` range (else the "
        "data's first to last bucket) with zeros where nothing happened; with other "
        "dimensions, for every combination of their values that occurs."
    ),
]
RollUpArg = Annotated[
    bool,
    strawberry.argument(
        description="Count each perpetrator under its top-most umbrella or parent, "
        "following MEMBER_OF, PART_OF and FRONT_FOR relations valid on the incident's "
        "date (cycle-safe)."
    ),
]
GroupsArg = Annotated[
    int, strawberry.argument(description=f"At most this many groups (1..{MAX_GROUPS}).")
]
