"""The filter language (frozen dataclasses), compiled to SQL fragments.

Every filter is a frozen dataclass (hashable, so DataLoaders can batch by it) and
compiles to a boolean SQL expression over a table alias, with its values passed as
``$n`` parameters. Nothing is filtered in Python. Column names and enum values come
only from the code here, never from input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from db import geo_sql as geo
from db import matching
from db.sql import Compiler, valid_on

AFFILIATION_KINDS = ("MEMBER_OF", "PART_OF", "FRONT_FOR")


@dataclass(frozen=True)
class DateRange:
    gte: dt.date | None = None
    lte: dt.date | None = None
    overlaps: bool = False


@dataclass(frozen=True)
class IntRange:
    gte: int | None = None
    lte: int | None = None


@dataclass(frozen=True)
class TimeRange:
    gte: dt.datetime | None = None
    lte: dt.datetime | None = None


@dataclass(frozen=True)
class ActorFilter:
    ids: tuple[int, ...] | None = None
    name: str | None = None
    name_contains: str | None = None
    kinds: tuple[str, ...] | None = None
    country: str | None = None
    include_affiliates: bool = False
    affiliates_on: dt.date | None = None
    name_similar_to: str | None = None
    updated_since: dt.datetime | None = None
    and_: tuple[ActorFilter, ...] = ()
    or_: tuple[ActorFilter, ...] = ()
    not_: ActorFilter | None = None


@dataclass(frozen=True)
class Near:
    """Within ``radius_km`` of a point (great-circle distance, mean Earth radius)."""

    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class NearLocation:
    """Within ``radius_km`` of any visible location matching ``location``."""

    location: LocationFilter
    radius_km: float


@dataclass(frozen=True)
class BoundingBox:
    """South-west to north-east corners; ``west > east`` crosses the antimeridian."""

    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True)
class LocationFilter:
    ids: tuple[int, ...] | None = None
    name: str | None = None
    name_similar_to: str | None = None
    kinds: tuple[str, ...] | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    near: Near | None = None
    near_location: NearLocation | None = None
    bbox: BoundingBox | None = None
    within: tuple[int, ...] | None = None
    hosts_forces_of: ActorFilter | None = None
    hosts_forces_on: dt.date | None = None
    updated_since: dt.datetime | None = None
    and_: tuple[LocationFilter, ...] = ()
    or_: tuple[LocationFilter, ...] = ()
    not_: LocationFilter | None = None


@dataclass(frozen=True)
class SourceFilter:
    ids: tuple[int, ...] | None = None
    publisher: str | None = None
    kinds: tuple[str, ...] | None = None
    language: str | None = None
    published: TimeRange | None = None
    text: str | None = None
    updated_since: dt.datetime | None = None
    and_: tuple[SourceFilter, ...] = ()
    or_: tuple[SourceFilter, ...] = ()
    not_: SourceFilter | None = None


@dataclass(frozen=True)
class ParticipantFilter:
    actor: ActorFilter | None = None
    roles: tuple[str, ...] | None = None
    bases: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ExternalIdMatch:
    system: str
    external_id: str | None = None


@dataclass(frozen=True)
class IncidentFilter:
    ids: tuple[int, ...] | None = None
    occurred_on: DateRange | None = None
    event_types: tuple[str, ...] | None = None
    sub_event_types: tuple[str, ...] | None = None
    weapons: tuple[str, ...] | None = None
    outcomes: tuple[str, ...] | None = None
    claim_statuses: tuple[str, ...] | None = None
    time_precisions: tuple[str, ...] | None = None
    killed: IntRange | None = None
    injured: IntRange | None = None
    participant: ParticipantFilter | None = None
    location: LocationFilter | None = None
    source: SourceFilter | None = None
    text: str | None = None
    tags_any: tuple[str, ...] | None = None
    tags_all: tuple[str, ...] | None = None
    external_id: ExternalIdMatch | None = None
    updated_since: dt.datetime | None = None
    # what imported rows say (ACLED, UCDP coding)
    civilian_targeting: bool | None = None
    disorder_types: tuple[str, ...] | None = None
    interactions: tuple[str, ...] | None = None
    geo_precisions: tuple[str, ...] | None = None
    deaths: tuple[tuple[str, IntRange], ...] = ()  # (column, range)
    where_prec: IntRange | None = None
    date_prec: IntRange | None = None

    # Linked records (``db/linking.py``): COLLAPSE = one record per event, INCLUDE = every
    # dataset's. Read at the top level of a list's or an aggregate's filter only.
    duplicates: str = "COLLAPSE"
    and_: tuple[IncidentFilter, ...] = ()
    or_: tuple[IncidentFilter, ...] = ()
    not_: IncidentFilter | None = None


@dataclass
class _Conds:
    """Accumulates conjuncts; renders ``true`` when empty."""

    items: list[str] = field(default_factory=list)

    def add(self, sql: str) -> None:
        self.items.append(sql)

    def sql(self) -> str:
        if not self.items:
            return "true"
        return "(" + " and ".join(self.items) + ")"


def _combine(c: Compiler, conds: _Conds, f: object, compile_one: object, *args: object) -> str:
    and_ = getattr(f, "and_", ())
    or_ = getattr(f, "or_", ())
    not_ = getattr(f, "not_", None)
    for sub in and_:
        conds.add(compile_one(sub, c, *args))  # type: ignore[operator]
    if or_:
        conds.add("(" + " or ".join(compile_one(sub, c, *args) for sub in or_) + ")")  # type: ignore[operator]
    if not_ is not None:
        # A condition on a null column (killed, country, ...) is null, not false: without
        # the coalesce, `not` would drop those rows too instead of being the complement.
        conds.add(f"not coalesce({compile_one(not_, c, *args)}, false)")  # type: ignore[operator]
    return conds.sql()


def like_pattern(text: str) -> str:
    """A case-insensitive substring pattern with LIKE's wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ints(values: tuple[int, ...]) -> list[int]:
    return list(values)


# --- actors -----------------------------------------------------------------------


def name_or_alias_ids(
    c: Compiler, table: str, alias_table: str, fk: str, name: str, *, fuzzy: bool = False
) -> str:
    """An array of the ids of rows whose name or any alias equals ``name`` after
    normalisation (case, accents, punctuation: see ``db.matching``); with ``fuzzy``, also
    similar ones. ``array(…)`` of an uncorrelated subquery is computed once per statement
    (an InitPlan), not once per row it is tested against: test it with ``= any(…)``.
    Hoisted to the top of a planned statement (``Compiler.once``)."""
    ids = matching.name_or_alias_ids(c.params, table, alias_table, fk, name, fuzzy=fuzzy)
    return c.once(f"array{ids}", "bigint[]")


def actor_where(f: ActorFilter, c: Compiler, a: str) -> str:
    if f.include_affiliates:
        inner = ActorFilter(**{**f.__dict__, "include_affiliates": False})
        return f"{a}.id in {affiliated_actor_ids(inner, c)}"
    conds = _Conds()
    if f.ids is not None:
        conds.add(f"{a}.id = any({c(_ints(f.ids))}::bigint[])")
    if f.name is not None:
        ids = name_or_alias_ids(c, "actor", "actor_alias", "actor_id", f.name)
        conds.add(f"{a}.id = any({ids})")
    if f.name_similar_to is not None:
        similar = f.name_similar_to
        ids = name_or_alias_ids(c, "actor", "actor_alias", "actor_id", similar, fuzzy=True)
        conds.add(f"{a}.id = any({ids})")
    if f.name_contains is not None:
        p = c(like_pattern(f.name_contains))
        x = c.alias("aa")
        conds.add(
            f"({a}.name ilike {p} or exists (select 1 from actor_alias {x} "
            f"where {x}.actor_id = {a}.id and {x}.alias ilike {p}))"
        )
    if f.kinds is not None:
        conds.add(f"{a}.kind = any({c.enums(f.kinds)})")
    if f.country is not None:
        conds.add(f"{a}.country_code = {c(f.country.upper())}")
    if f.updated_since is not None:
        conds.add(f"{a}.updated_at >= {c(f.updated_since)}")
    return _combine(c, conds, f, actor_where, a)


def actor_ids(f: ActorFilter, c: Compiler) -> str:
    """A subquery with the ids of the visible actors matching ``f``."""
    a = c.alias("a")
    return f"(select {a}.id from actor {a} where {c.visible(a)} and {actor_where(f, c, a)})"


def affiliated_actor_ids(f: ActorFilter, c: Compiler) -> str:
    """Matching actors plus, transitively, their members, parts and front groups.

    ``union`` (not ``union all``) discards rows already found, so cycles in the
    relation graph end the recursion. With ``affiliates_on``, only relations valid on
    that date are followed.
    """
    m, r, a = c.alias("m"), c.alias("r"), c.alias("a")
    kinds = c(list(AFFILIATION_KINDS))
    valid = ""
    if f.affiliates_on is not None:
        on = c(f.affiliates_on)
        valid = f" and {valid_on(r, f'{on}::date')}"
    return (
        f"(with recursive {m}(id) as ({actor_ids(f, c)} "
        f"union select {r}.subject_actor_id from actor_relation {r} "
        f"join {m} on {r}.object_actor_id = {m}.id "
        f"join actor {a} on {a}.id = {r}.subject_actor_id "
        f"where {r}.kind = any({kinds}::text[]) and {c.visible(r)} and {c.visible(a)}{valid}) "
        f"select id from {m})"
    )


# --- locations --------------------------------------------------------------------


def location_where(f: LocationFilter, c: Compiler, loc: str, at_date: str | None = None) -> str:
    """``at_date`` is the SQL date at which ``hostsForcesOf`` is evaluated (the incident's)."""
    conds = _Conds()
    if f.ids is not None:
        conds.add(f"{loc}.id = any({c(_ints(f.ids))}::bigint[])")
    if f.name is not None:
        ids = name_or_alias_ids(c, "location", "location_alias", "location_id", f.name)
        conds.add(f"{loc}.id = any({ids})")
    if f.name_similar_to is not None:
        ids = name_or_alias_ids(
            c, "location", "location_alias", "location_id", f.name_similar_to, fuzzy=True
        )
        conds.add(f"{loc}.id = any({ids})")
    if f.admin2 is not None:
        conds.add(f"lower({loc}.admin2_name) = lower({c(f.admin2)})")
    if f.near is not None:
        conds.add(geo.within_radius(c, loc, f.near))
    if f.bbox is not None:
        conds.add(geo.in_bbox(c, loc, f.bbox))
    if f.near_location is not None:
        anchor = c.alias("nl")
        radius = geo.within_radius_of(c, loc, anchor, f.near_location.radius_km)
        conds.add(
            f"exists (select 1 from location {anchor} where {c.visible(anchor)} "
            f"and {anchor}.latitude is not null and {radius} "
            f"and {location_where(f.near_location.location, c, anchor)})"
        )
    if f.kinds is not None:
        conds.add(f"{loc}.kind = any({c.enums(f.kinds)})")
    if f.country is not None:
        conds.add(f"{loc}.country_code = {c(f.country.upper())}")
    if f.admin1 is not None:
        p = c(f.admin1)
        conds.add(
            f"(upper({loc}.admin1_code) = upper({p}) or lower({loc}.admin1_name) = lower({p}))"
        )
    if f.within is not None:
        w, top, sub = c.alias("w"), c.alias("wl"), c.alias("wl")
        # Only through visible locations: a draft must not reveal what lies inside it.
        conds.add(
            f"{loc}.id in (with recursive {w}(id) as ("
            f"select {top}.id from location {top} "
            f"where {top}.id = any({c(_ints(f.within))}::bigint[]) and {c.visible(top)} "
            f"union select {sub}.id from location {sub} join {w} on {sub}.parent_id = {w}.id "
            f"where {c.visible(sub)}) select id from {w})"
        )
    if f.hosts_forces_of is not None:
        d = c.alias("d")
        if f.hosts_forces_on is not None:
            when = f"{c(f.hosts_forces_on)}::date"
        else:
            when = at_date or "current_date"
        forces = _forces(f.hosts_forces_of, c)
        conds.add(
            f"exists (select 1 from deployment {d} where {d}.location_id = {loc}.id "
            f"and {c.visible(d)} and {d}.actor_id = any({forces}) "
            f"and {valid_on(d, when)})"
        )
    if f.updated_since is not None:
        conds.add(f"{loc}.updated_at >= {c(f.updated_since)}")
    return _combine(c, conds, f, location_where, loc, at_date)


def _forces(f: ActorFilter, c: Compiler) -> str:
    """The ids of the actors ``hostsForcesOf`` names, computed once (they depend on
    neither the place nor the date)."""
    return c.shared(("forces", f), lambda: c.once(f"array{actor_ids(f, c)}", "bigint[]"))


def _hosting(f: LocationFilter) -> list[ActorFilter]:
    """The ``hostsForcesOf`` filters every location matching ``f`` must satisfy (those
    at its top level and in its ``and`` list, not under ``or``/``not``)."""
    out = [f.hosts_forces_of] if f.hosts_forces_of is not None else []
    for sub in f.and_:
        out += _hosting(sub)
    return out


def hosting_locations(f: LocationFilter, c: Compiler, location_id: str) -> list[str]:
    """Conditions implied by ``f`` on the column ``location_id``: the place hosts, at
    some time, a visible deployment of the forces each of its ``hostsForcesOf`` names.
    They select nothing the exact test (on the incident's date) would keep out; they let
    PostgreSQL drop an incident by a hashed look-up of its place instead of probing the
    place and its deployments (at 1M, a week of drone attacks: 10% less work; a quarter: 40%)."""
    out = []
    for actors in _hosting(f):
        d = c.alias("d")
        out.append(
            f"{location_id} in (select {d}.location_id from deployment {d} "
            f"where {c.visible(d)} and {d}.actor_id = any({_forces(actors, c)}))"
        )
    return out


def implied_countries(f: LocationFilter) -> list[str]:
    """The countries every location matching ``f`` is in (``country`` at its top level
    and in its ``and`` list, not under ``or``/``not``): an incident's ``country_code``,
    its place's copied by triggers (migration 0015), must be each of them. Tested on the
    incident, they let PostgreSQL read a country's incidents in date order from
    ``incident_country_idx`` instead of looking up the place of every incident of the
    period; the place's test keeps the rest of ``f`` (``without_countries``)."""
    out = [f.country.upper()] if f.country is not None else []
    for sub in f.and_:
        out += implied_countries(sub)
    return out


def without_countries(f: LocationFilter) -> LocationFilter:
    """``f`` without the countries ``implied_countries`` takes out of it."""
    return dataclasses.replace(
        f, country=None, and_=tuple(without_countries(sub) for sub in f.and_)
    )


# --- sources ----------------------------------------------------------------------


def source_where(f: SourceFilter, c: Compiler, s: str) -> str:
    conds = _Conds()
    if f.ids is not None:
        conds.add(f"{s}.id = any({c(_ints(f.ids))}::bigint[])")
    if f.publisher is not None:
        conds.add(f"lower({s}.publisher) = lower({c(f.publisher)})")
    if f.kinds is not None:
        conds.add(f"{s}.kind = any({c.enums(f.kinds)})")
    if f.language is not None:
        conds.add(f"lower({s}.language) = lower({c(f.language)})")
    if f.published is not None:
        if f.published.gte is not None:
            conds.add(f"{s}.published_at >= {c(f.published.gte)}")
        if f.published.lte is not None:
            conds.add(f"{s}.published_at <= {c(f.published.lte)}")
    if f.text is not None:
        p = c(like_pattern(f.text))
        conds.add(f"(coalesce({s}.title, '') || ' ' || coalesce({s}.note, '')) ilike {p}")
    if f.updated_since is not None:
        conds.add(f"{s}.updated_at >= {c(f.updated_since)}")
    return _combine(c, conds, f, source_where, s)


# A window of publication this short names few enough sources to gather their incidents.
SOURCE_WINDOW_DAYS = 31


def _few_sources(f: SourceFilter) -> bool:
    """Whether ``f`` bounds the sources to a few: by id, or by a short publication window
    (both ends given), at its top or in its ``and``."""
    if f.ids is not None:
        return True
    p = f.published
    if (
        p is not None
        and p.gte is not None
        and p.lte is not None
        and p.lte - p.gte <= dt.timedelta(days=SOURCE_WINDOW_DAYS)
    ):
        return True
    return any(_few_sources(sub) for sub in f.and_)


# --- incidents --------------------------------------------------------------------


def _in(c: Compiler, column: str, values: tuple[str, ...] | None, conds: _Conds) -> None:
    if values is not None:
        conds.add(f"{column} = any({c.enums(values)})")


# integer columns an incident filter may compare (from the code, never from input)
_RANGE_COLUMNS = {
    "killed_best", "injured_best", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "where_prec", "date_prec",
}  # fmt: skip

DUPLICATES = ("COLLAPSE", "INCLUDE")


def incident_where(f: IncidentFilter, c: Compiler, i: str) -> str:
    """The filter of a list or an aggregate of incidents: its conditions and, unless it
    asks for every dataset's record, one record per linked event."""
    conds = _incident_conds(f, c, i)
    if f.duplicates == "INCLUDE":
        return conds
    assert f.duplicates == "COLLAPSE", f.duplicates
    return f"{conds} and {first_of_its_event(c, i)}"


def first_of_its_event(
    c: Compiler, i: str, *, key: str = "id", flag: str = "linked_duplicate"
) -> str:
    """``i`` is in no cluster, or no member ranked before it is visible to the viewer: each
    event shows once, as the first of its records the viewer may see (the canonical one,
    rank 0, unless it is a draft an anonymous reader may not see, or retracted).

    Only a later member of a cluster (``linked_duplicate``, kept by a trigger: migration
    0012) can be hidden; for those, ``not in`` the ids ``hidden_linked_duplicates``
    returns (migration 0014: the cluster join with the viewer's visibility, planned once
    per connection, not in every statement). PostgreSQL hashes them once per statement,
    only when a linked row comes, and probes the hash per linked row. The first arm is
    what PostgreSQL estimates (from the column's statistics), and a count stays an
    index-only scan (the counting indexes include ``id`` and the flag). ``key`` and
    ``flag`` name the columns of a row that copies them (a participation)."""
    drafts = "true" if c.viewer.can_see_drafts else "false"
    return f"(not {i}.{flag} or {i}.{key} not in (select hidden_linked_duplicates({drafts})))"


def shown_participations(c: Compiler, x: str) -> str:
    """The participations ``x`` whose incident the viewer sees in a list: visible, and the
    first of its event, tested on the copies a participation carries (migration 0017)."""
    first = first_of_its_event(c, x, key="incident_id", flag="incident_linked_duplicate")
    return f"{c.visible(x, 'incident_status')} and {first}"


def _incident_conds(f: IncidentFilter, c: Compiler, i: str) -> str:
    conds = _Conds()
    if f.ids is not None:
        conds.add(f"{i}.id = any({c(_ints(f.ids))}::bigint[])")
    if f.occurred_on is not None:
        r = f.occurred_on
        if r.overlaps:
            if r.gte is not None:
                conds.add(f"{i}.date_latest >= {c(r.gte)}")
            if r.lte is not None:
                conds.add(f"{i}.date_earliest <= {c(r.lte)}")
        else:
            # Only incidents whose whole possible date range lies inside. The test on
            # occurred_on is implied by it, and lets the planner use that index.
            if r.gte is not None:
                p = c(r.gte)
                conds.add(f"{i}.occurred_on >= {p} and {i}.date_earliest >= {p}")
            if r.lte is not None:
                p = c(r.lte)
                conds.add(f"{i}.occurred_on <= {p} and {i}.date_latest <= {p}")
    _in(c, f"{i}.event_type", f.event_types, conds)
    _in(c, f"{i}.sub_event_type", f.sub_event_types, conds)
    _in(c, f"{i}.weapon", f.weapons, conds)
    _in(c, f"{i}.outcome", f.outcomes, conds)
    _in(c, f"{i}.claim_status", f.claim_statuses, conds)
    _in(c, f"{i}.time_precision", f.time_precisions, conds)
    ranges = [("killed_best", f.killed), ("injured_best", f.injured), *f.deaths]
    ranges += [("where_prec", f.where_prec), ("date_prec", f.date_prec)]
    for column, rng in ranges:
        assert column in _RANGE_COLUMNS
        if rng is not None:
            if rng.gte is not None:
                conds.add(f"{i}.{column} >= {c(rng.gte)}")
            if rng.lte is not None:
                conds.add(f"{i}.{column} <= {c(rng.lte)}")
    if f.civilian_targeting is not None:
        conds.add(f"coalesce({i}.civilian_targeting, false) = {c(f.civilian_targeting)}")
    if f.disorder_types is not None:
        wanted = sorted({x.lower() for x in f.disorder_types})
        conds.add(f"lower({i}.disorder_type) = any({c(wanted)}::text[])")
    if f.interactions is not None:
        wanted = sorted({x.lower() for x in f.interactions})
        conds.add(f"lower({i}.interaction) = any({c(wanted)}::text[])")
    _in(c, f"{i}.geo_precision", f.geo_precisions, conds)
    if f.participant is not None:
        conds.add(_participant(f.participant, c, i))
    if f.location is not None:
        for implied in hosting_locations(f.location, c, f"{i}.location_id"):
            conds.add(implied)
        countries = implied_countries(f.location)
        for country in countries:
            conds.add(f"{i}.country_code = {c(country)}")
        # The place's own test of those countries is the same condition: left in,
        # PostgreSQL would count it twice and expect a fraction of the rows (at 200k it
        # then hashed and sorted a country's whole year for a page of 100).
        exact = without_countries(f.location) if countries else f.location
        loc = c.alias("l")
        conds.add(
            f"exists (select 1 from location {loc} where {loc}.id = {i}.location_id "
            f"and {c.visible(loc)} and {location_where(exact, c, loc, f'{i}.occurred_on')})"
        )
    if f.source is not None:
        link, s = c.alias("is"), c.alias("s")
        if _few_sources(f.source):
            # The incidents of these few sources, gathered once: tested on each incident
            # in date order, a week's sources (whose incidents all lie in that week or
            # just before) made the newest-first page test 358,000 incidents (5 s at
            # 1M, now 65 ms).
            ids = c.once(
                f"array(select {link}.incident_id from incident_source {link} "
                f"join source {s} on {s}.id = {link}.source_id "
                f"where {c.visible(s)} and {source_where(f.source, c, s)})",
                "bigint[]",
            )
            conds.add(f"{i}.id = any({ids})")
        else:
            conds.add(
                f"exists (select 1 from incident_source {link} join source {s} on {s}.id = "
                f"{link}.source_id where {link}.incident_id = {i}.id and {c.visible(s)} "
                f"and {source_where(f.source, c, s)})"
            )
    if f.text is not None:
        p = c(like_pattern(f.text))
        conds.add(f"(coalesce({i}.summary, '') || ' ' || coalesce({i}.notes, '')) ilike {p}")
    if f.tags_any is not None:
        conds.add(f"{i}.tags && {c(list(f.tags_any))}::text[]")
    if f.tags_all is not None:
        conds.add(f"{i}.tags @> {c(list(f.tags_all))}::text[]")
    if f.external_id is not None:
        e = c.alias("e")
        cond = f"{e}.system = {c(f.external_id.system)}"
        if f.external_id.external_id is not None:
            cond += f" and {e}.external_id = {c(f.external_id.external_id)}"
        conds.add(
            f"exists (select 1 from incident_external_id {e} "
            f"where {e}.incident_id = {i}.id and {cond})"
        )
    if f.updated_since is not None:
        conds.add(f"{i}.updated_at >= {c(f.updated_since)}")
    return _combine(c, conds, f, _incident_conds, i)


@dataclass(frozen=True)
class ParticipantRows:
    """``(occurred_on, id)`` rows of the incidents a participant filter names, from their
    participations (``select distinct``: one row per incident)."""

    rows: str
    rest: IncidentFilter  # what the incidents must also meet
    # the rows of the incidents the viewer sees in a list (their visibility tested on the
    # participations' copies), if they are the filter's matches: counted alone
    counted: str | None
    # several actors (names, or more than one id): a subquery of their ids (column
    # ``id``), and ``rows`` of one of them, ``{actor}`` standing for its id; a page reads
    # each actor's rows in its index's order (``Planner.connection``)
    each: tuple[str, str] | None = None


def participants_by_date(
    f: IncidentFilter, c: Compiler, *, exact_only: bool = False
) -> ParticipantRows | None:
    """Where every match of ``f`` has a participant among actors named by id or name (a
    participant filter at its top or in its ``and``): ``(occurred_on, id)`` rows of
    those incidents, with ``f`` less that participant filter (the rows meet it); else
    None. A page by date then reads the actors' latest participations
    (the (actor_id, occurred_on, incident_id) index, migration 0010), as Actor.incidents
    does, instead of hashing all of them or walking every incident by date for a quiet
    actor's few (7 s at 1M).

    The index is read in order for one actor by id, and for each of several actors
    (``each``: PostgreSQL 15 does not merge an index's runs for several keys
    itself, and sorting a busy actor's 200,000 participations for a page took 70 ms at
    1M); ``rows``, all of them, is what a count reads. When the rest of ``f`` is at most the
    date window they test too, the rows that pass the incident's visibility, tested on the
    participation's copies (migration 0017), are its matches: ``counted`` from the index
    alone. ``exact_only``: None unless they are (nothing is compiled: a parameter bound
    but unused has no type)."""
    found = _split_participant(f)
    if found is None:
        return None
    p, rest = found
    window = _window(f)  # the rows test it too
    exact = _at_most(rest, window)
    if exact_only and not exact:
        return None
    assert p.actor is not None
    x = c.alias("pd")
    one = (
        p.actor == ActorFilter(ids=p.actor.ids)
        and p.actor.ids is not None
        and len(p.actor.ids) == 1
    )
    # the actors, if visible (as the participant filter requires)
    actors = actor_ids(p.actor, c)
    conds = []
    if p.roles is not None:
        conds.append(f"{x}.role = any({c(list(p.roles))}::text[])")
    if p.bases is not None:
        conds.append(f"{x}.basis = any({c(list(p.bases))}::text[])")
    conds += _window_conds(window, c, x)

    def of(actor: str) -> str:
        """The rows of the participations of ``actor`` (SQL a participation's actor equals)."""
        return (
            f"select distinct {x}.occurred_on, {x}.incident_id as id "
            f"from incident_participant {x} where {x}.actor_id = " + " and ".join([actor, *conds])
        )

    rows = of(f"({actors})" if one else f"any(array{actors})")
    each = of("{actor}")  # one of several, ``{actor}`` standing for its id
    counted = f"{rows} and {shown_participations(c, x)}" if exact else None
    return ParticipantRows(rows, rest, counted, None if one else (actors, each))


def shown_matches(f: IncidentFilter, c: Compiler, x: str) -> str | None:
    """The test that makes an actor's participations ``x`` the incidents of ``f`` the
    viewer sees in a list, when ``f`` tests at most the date, in a window: the
    visibility (on the participation's copies) and the window; else None (nothing
    compiled)."""
    window = _window(f)
    if not _at_most(f, window):
        return None
    return " and ".join([shown_participations(c, x), *_window_conds(window, c, x)])


def _window(f: IncidentFilter) -> DateRange | None:
    """``f``'s date window if it tests the date alone (not an overlap of the periods)."""
    window = f.occurred_on
    return window if window is not None and not window.overlaps else None


def _window_conds(window: DateRange | None, c: Compiler, x: str) -> list[str]:
    """The window on the dates rows ``x`` carry (an incident's or a copy of it)."""
    conds = []
    if window is not None and window.gte is not None:
        conds.append(f"{x}.occurred_on >= {c(window.gte)}")
    if window is not None and window.lte is not None:
        conds.append(f"{x}.occurred_on <= {c(window.lte)}")
    return conds


def _at_most(f: IncidentFilter, window: DateRange | None) -> bool:
    """``f`` tests nothing but ``window`` (its date window, ``_window``), if any."""
    return _empty(dataclasses.replace(f, occurred_on=None) if window else f)


def _empty(f: IncidentFilter) -> bool:
    """``f`` tests nothing (an ``and`` of filters that test nothing)."""
    rest = dataclasses.replace(f, and_=())
    return rest == IncidentFilter() and all(_empty(sub) for sub in f.and_)


def _split_participant(f: IncidentFilter) -> tuple[ParticipantFilter, IncidentFilter] | None:
    """A participant filter naming actors by id or name that every match of ``f`` meets,
    and ``f`` without it."""
    p = f.participant
    if p is not None and p.actor is not None:
        a = p.actor
        if a.ids is not None or a.name is not None or a.name_similar_to is not None:
            return p, dataclasses.replace(f, participant=None)
    for n, sub in enumerate(f.and_):
        found = _split_participant(sub)
        if found is not None:
            and_ = (*f.and_[:n], found[1], *f.and_[n + 1 :])
            return found[0], dataclasses.replace(f, and_=and_)
    return None


def _participant(f: ParticipantFilter, c: Compiler, i: str) -> str:
    ip, pa = c.alias("ip"), c.alias("pa")
    # Only participants whose actor is visible, as ``Incident.participants`` lists them.
    conds = [
        f"{ip}.incident_id = {i}.id",
        f"{ip}.actor_id in (select {pa}.id from actor {pa} where {c.visible(pa)})",
    ]
    if f.actor is not None:
        conds.append(f"{ip}.actor_id in {actor_ids(f.actor, c)}")
    if f.roles is not None:
        conds.append(f"{ip}.role = any({c(list(f.roles))}::text[])")
    if f.bases is not None:
        conds.append(f"{ip}.basis = any({c(list(f.bases))}::text[])")
    return f"exists (select 1 from incident_participant {ip} where {' and '.join(conds)})"
