"""Incident aggregates: counts and sums grouped by time bucket and other dimensions.

Everything is computed in one SQL statement (``GROUP BY``, ``date_trunc``,
``generate_series``); no incident row reaches Python. The incidents counted are those
the viewer may see that match the ordinary ``IncidentFilter``. Dimensions that read
other tables (location, participants, relations) only read visible rows: an incident at
a draft location counts under an unknown (null) country, and a draft perpetrator is
never named.

Time buckets are calendar buckets of ``occurred_on``, the incident's local date. A date
has no time zone, so the bucket an incident falls in is the same in every zone; the
zone only decides which instants the bucket boundaries are (see ``schema.stats``).
Weeks are ISO weeks (Monday to Sunday; the week of 2021-01-01 starts 2020-12-28 and is
2020-W53).

An incident with several perpetrators (or targets) counts once in each of their groups,
so group totals can exceed the overall total; within one group it counts once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from db.core import Db, to_rows
from db.filters import AFFILIATION_KINDS, IncidentFilter, incident_where
from db.sql import Compiler
from db.viewer import Viewer

INTERVALS = ("day", "week", "month", "quarter", "year")

# dimension → (output columns, SQL expressions); the expressions use the aliases
# m (matched incidents), l (their visible location), p (perpetrator), t (target).
DIMENSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "EVENT_TYPE": (("event_type", "m.event_type"),),
    "SUB_EVENT_TYPE": (("sub_event_type", "m.sub_event_type"),),
    "WEAPON": (("weapon", "m.weapon"),),
    "OUTCOME": (("outcome", "m.outcome"),),
    "COUNTRY": (("country_code", "l.country_code"),),
    "ADMIN1": (("admin1_code", "l.admin1_code"), ("admin1_name", "l.admin1_name")),
    "LOCATION": (("location_id", "l.id"),),
    "PERPETRATOR": (("perpetrator_id", "p.actor_id"),),
    "TARGET": (("target_id", "t.actor_id"),),
}
ALL_COLUMNS = ("bucket", *(col for dim in DIMENSIONS.values() for col, _ in dim))
MEASURES = (
    ("incidents", "count(*)"),
    ("projectiles", "sum(m.projectile_count)"),
    ("killed_low", "sum(m.killed_low)"),
    ("killed_best", "sum(m.killed_best)"),
    ("killed_high", "sum(m.killed_high)"),
    ("injured_low", "sum(m.injured_low)"),
    ("injured_best", "sum(m.injured_best)"),
    ("injured_high", "sum(m.injured_high)"),
)
MAX_DEPTH = 12  # of the perpetrator roll-up through relations
# The incident columns the measures read (``m.…``).
_MEASURED = tuple(
    dict.fromkeys(col for _, expr in MEASURES for col in re.findall(r"\bm\.(\w+)", expr))
)


@dataclass(frozen=True)
class StatsQuery:
    filter: IncidentFilter | None = None
    group_by: tuple[str, ...] = ()
    interval: str | None = None
    fill: bool = False
    roll_up_perpetrators: bool = False
    limit: int = 1000


@dataclass(frozen=True)
class StatsRow:
    bucket: dt.date | None
    event_type: str | None
    sub_event_type: str | None
    weapon: str | None
    outcome: str | None
    country_code: str | None
    admin1_code: str | None
    admin1_name: str | None
    location_id: int | None
    perpetrator_id: int | None
    target_id: int | None
    incidents: int
    projectiles: int
    killed_low: int
    killed_best: int
    killed_high: int
    injured_low: int
    injured_best: int
    injured_high: int


@dataclass(frozen=True)
class StatsResult:
    rows: list[StatsRow]
    truncated: bool


def _participants(c: Compiler, role: str, *, matched: bool = False) -> str:
    """The incidents' participants in ``role`` whose actor is visible; ``matched``: only
    those of the matched incidents ``m`` (else the join to ``m`` that reads them keeps
    only those: ``m`` is then read once, not written out for two readers, and PostgreSQL
    plans the join either way, by incident for a few, hashed for many: all incidents by
    target 3.9 s -> 1.6 s at 1M)."""
    ip, a = c.alias("ip"), c.alias("pa")
    to_m = f"join m on m.id = {ip}.incident_id " if matched else ""
    return (
        f"select {ip}.incident_id, {ip}.actor_id from incident_participant {ip} {to_m}"
        f"join actor {a} on {a}.id = {ip}.actor_id and {c.visible(a)} "
        f"where {ip}.role = {c(role)}"
    )


def _rolled_up_perpetrators(c: Compiler) -> str:
    """Each perpetrator replaced by its top-most parent(s) on the incident's date.

    ``up`` walks MEMBER_OF / PART_OF / FRONT_FOR relations upwards, carrying the period
    in which the whole path is valid and the path itself (a relation leading back into
    the path is not followed, so cycles end). An ancestor is a root on a date when no
    relation leaves it on that date (other than back into its path). Actors without
    parents are their own root.
    """
    r, oa, a = c.alias("r"), c.alias("oa"), c.alias("a")
    kinds = c(list(AFFILIATION_KINDS))
    return (
        f"edge as (select {r}.subject_actor_id as s, {r}.object_actor_id as o, "
        f"coalesce({r}.valid_from, '-infinity'::date) as vf, "
        f"coalesce({r}.valid_to, 'infinity'::date) as vt from actor_relation {r} "
        f"join actor {oa} on {oa}.id = {r}.object_actor_id and {c.visible(oa)} "
        f"where {r}.kind = any({kinds}::text[]) and {c.visible(r)}), "
        f"up(actor_id, anc, lo, hi, path) as ("
        f"select {a}.id, {a}.id, '-infinity'::date, 'infinity'::date, array[{a}.id] "
        f"from actor {a} where {a}.id in (select actor_id from perp0) "
        f"union all select up.actor_id, e.o, greatest(up.lo, e.vf), least(up.hi, e.vt), "
        f"up.path || e.o from up join edge e on e.s = up.anc "
        f"where e.o <> all(up.path) and cardinality(up.path) < {MAX_DEPTH} "
        f"and greatest(up.lo, e.vf) <= least(up.hi, e.vt)), "
        f"perp as (select distinct p0.incident_id, up.anc as actor_id from perp0 p0 "
        f"join m on m.id = p0.incident_id "
        f"join up on up.actor_id = p0.actor_id and m.occurred_on between up.lo and up.hi "
        f"where not exists (select 1 from edge e where e.s = up.anc "
        f"and m.occurred_on between e.vf and e.vt and e.o <> all(up.path)))"
    )


def stats_sql(q: StatsQuery, c: Compiler) -> str:
    dims = [d for d in DIMENSIONS if d in q.group_by]
    i, loc = "i", "l"
    where = c.visible(i) + " and " + incident_where(q.filter or IncidentFilter(), c, i)
    ctes = [
        "m as (select i.id, i.occurred_on, i.location_id, i.event_type, "
        "i.sub_event_type, i.weapon, i.outcome, i.projectile_count, i.killed_low, "
        "i.killed_best, i.killed_high, i.injured_low, i.injured_best, i.injured_high "
        f"from incident {i} where {where})"
    ]
    joins = []
    if {"COUNTRY", "ADMIN1", "LOCATION"} & set(dims):
        joins.append(f"left join location {loc} on {loc}.id = m.location_id and {c.visible(loc)}")
    if "PERPETRATOR" in dims:
        if q.roll_up_perpetrators:
            # the roll-up walks the relations of the matched incidents' perpetrators only
            ctes.append(f"perp0 as ({_participants(c, 'PERPETRATOR', matched=True)})")
            ctes.append(_rolled_up_perpetrators(c))
        else:
            ctes.append(f"perp as ({_participants(c, 'PERPETRATOR')})")
        joins.append("left join perp p on p.incident_id = m.id")
    if "TARGET" in dims:
        ctes.append(f"targ as ({_participants(c, 'TARGET')})")
        joins.append("left join targ t on t.incident_id = m.id")

    keyed: list[tuple[str, str]] = []  # (output column, SQL expression)
    if q.interval is not None:
        assert q.interval in INTERVALS
        keyed.append(("bucket", f"date_trunc('{q.interval}', m.occurred_on::timestamp)::date"))
    for d in dims:
        keyed.extend(DIMENSIONS[d])
    cols = [col for col, _ in keyed]
    measures = ", ".join(f"coalesce({expr}, 0)::bigint as {name}" for name, expr in MEASURES)
    source = " ".join(["m", *joins])
    if "PERPETRATOR" in dims or "TARGET" in dims:
        # One row per incident and group, so that sums never count an incident twice:
        # the participants are one row per incident and actor (``perp`` and ``targ``:
        # one role each, or distinct after the roll-up), so the join's rows are distinct
        # already. Each row carries the incident's measures, read as ``m``'s (a
        # ``distinct`` and a join back to ``m`` sorted every incident twice: 2.9 s for
        # all incidents by target at 1M).
        inner = ", ".join([*(f"{e} as {col}" for col, e in keyed), *(f"m.{x}" for x in _MEASURED)])
        ctes.append(f"k as (select {inner} from {source})")
        group_source = "k m"
        key_exprs = [f"m.{col}" for col in cols]
    else:
        group_source = source
        key_exprs = [e for _, e in keyed]
    select_keys = [f"{e} as {col}" for col, e in zip(cols, key_exprs, strict=True)]
    group = f" group by {', '.join(key_exprs)}" if key_exprs else ""
    ctes.append(f"g as (select {', '.join([*select_keys, measures])} from {group_source}{group})")

    result = _filled(q, c, cols) if q.fill and q.interval is not None else "select * from g"
    order = []
    if q.interval is not None:
        order.append("bucket")
    if q.interval is None:
        order.append("incidents desc")
    order += [f"{col} nulls last" for col in cols if col != "bucket"]
    order_sql = f" order by {', '.join(order)}" if order else ""
    outer = ", ".join(
        [
            *(col if col in cols else f"null as {col}" for col in ALL_COLUMNS),
            *(name for name, _ in MEASURES),
        ]
    )
    return (
        f"with recursive {', '.join(ctes)} select {outer} from ({result}) x"
        f"{order_sql} limit {c(q.limit + 1)}"
    )


def _filled(q: StatsQuery, c: Compiler, cols: list[str]) -> str:
    """Every bucket between the filter's date range (else the data's) with zeros."""
    assert q.interval is not None
    unit = q.interval
    rng = q.filter.occurred_on if q.filter is not None else None
    lo = c(rng.gte if rng is not None else None)
    hi = c(rng.lte if rng is not None else None)
    # asyncpg sends 0001-01-01 and 9999-12-31 as -infinity and infinity: those bounds
    # mean no bound (a series from -infinity never ends).
    lo = f"(case when isfinite({lo}::date) then {lo}::date end)"
    hi = f"(case when isfinite({hi}::date) then {hi}::date end)"
    series = (
        f"select d::date as bucket from (select "
        f"date_trunc('{unit}', coalesce({lo}, (select min(bucket) from g))::timestamp) "
        f"as lo, coalesce({hi}, (select max(bucket) from g))::timestamp as hi) span, "
        f"generate_series(span.lo, span.hi, interval '1 {unit}') d"
    )
    others = [col for col in cols if col != "bucket"]
    zeros = ", ".join(f"coalesce(g.{name}, 0) as {name}" for name, _ in MEASURES)
    if not others:
        return f"select s.bucket, {zeros} from ({series}) s left join g on g.bucket = s.bucket"
    combos = f"select distinct {', '.join(others)} from g"
    on = " and ".join(f"g.{col} is not distinct from co.{col}" for col in others)
    picked = ", ".join(f"co.{col}" for col in others)
    return (
        f"select s.bucket, {picked}, {zeros} from ({series}) s cross join ({combos}) co "
        f"left join g on g.bucket = s.bucket and {on}"
    )


async def incident_stats(db: Db, viewer: Viewer, q: StatsQuery) -> StatsResult:
    c = Compiler(viewer)
    sql = stats_sql(q, c)
    rows = to_rows(StatsRow, await db.fetch(sql, *c.params.args))
    return StatsResult(rows=rows[: q.limit], truncated=len(rows) > q.limit)
