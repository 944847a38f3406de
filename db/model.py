"""The model: one description of each GraphQL object type the read API serves from tables.

For every type it says how each field's value is read from SQL, given the alias ``{t}``
of the row the object is built from: a column or expression (``Value``), an object built
from the same row (``Struct``), one related record (``Ref``), a list of related rows
(``Rows``) or a page of incidents (``Incidents``). Entities (records with a global ID,
a table and a visibility rule) add their table, alias, filter compiler and orders.

The query planner (``db/planner.py``) compiles GraphQL selections from this; the list
reads (``db/listing.py``) take their tables, filters and orders from it; a test holds the
Strawberry types and this description together, field by field. No Strawberry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from db import filters
from db.pagination import KeyKind, Order
from db.sql import Compiler, valid_on

# How a value is written as JSON, when PostgreSQL's own ``to_json`` differs from the
# resolvers' (Python's ``isoformat``; a float as Python writes it, ``2.0`` not ``2``; a
# float4 widened as asyncpg widens it).
Format = Literal["plain", "timestamp", "time", "float", "float4", "json"]


@dataclass(frozen=True)
class Value:
    """A scalar or enum: ``sql`` is an expression over ``{t}`` (``{u}`` is a fresh alias
    free for the expression's own subqueries)."""

    sql: str
    format: Format = "plain"


@dataclass(frozen=True)
class GlobalId:
    """The object's opaque global ID: base64 of ``Type:id``."""

    type: str


@dataclass(frozen=True)
class Struct:
    """An object built from the same row (``Estimate``, ``Coordinates``, ``Country``);
    null when ``null_if`` (SQL over ``{t}``) holds."""

    type: str
    null_if: str | None = None


@dataclass(frozen=True)
class Ref:
    """One related record by key (``{t}.location_id``); null when the key is null or the
    record is not visible."""

    type: str
    key: str


@dataclass(frozen=True)
class Arg:
    """An argument of a list field, as SQL over the row alias ``{x}`` and the value ``{v}``."""

    sql: str
    cast: str


@dataclass(frozen=True)
class Rows:
    """A list of related rows of ``type``: ``source`` is the FROM/WHERE over the row alias
    ``{x}``, the parent ``{t}`` and a spare alias ``{l}``; ``order`` orders it."""

    type: str
    source: str
    order: str
    args: dict[str, Arg] = field(default_factory=dict)


@dataclass(frozen=True)
class Incidents:
    """A page of the parent's incidents (a connection with filter, order and paging);
    ``link`` selects the incident ids of the parent whose id is ``{id}`` (``{l}`` is a
    spare alias, ``{roles}`` the role condition where the field has a ``role`` argument).

    ``dated``, where there is one, selects the same incidents as ``(occurred_on, id)``
    rows from an index in date order: a page by occurrence date then reads the first
    entries of that index instead of probing the parent's link for each incident in
    date order (an actor's incidents, migration 0010)."""

    link: str
    roles: bool = False
    dated: str | None = None
    # The incident's own column naming the parent, where there is one (a place's
    # incidents): tested on the incident, so the page is read from that column's index
    # in date order, not through a second read of the incidents by id.
    column: str | None = None


@dataclass(frozen=True)
class Unplanned:
    """A field the planner leaves to the resolvers (history, affiliates)."""

    reason: str


FieldSpec = Value | GlobalId | Struct | Ref | Rows | Incidents | Unplanned


@dataclass(frozen=True)
class Entity:
    """A record type with a global ID: its table, default alias, visibility rule and, for
    the four listed records, its filter compiler and orders."""

    type: str
    table: str
    alias: str
    visible: Rule
    where: Callable[[Any, Compiler, str], str] | None = None
    orders: dict[str, tuple[str, KeyKind]] = field(default_factory=dict)
    # Column pointing a merged-away row at its survivor: ids of such rows resolve to it.
    redirect: str | None = None
    # The filter of a list when none is given (incidents: one record per linked event).
    default_filter: Any = None

    def order(self, name: str, descending: bool) -> Order:
        expr, kind = self.orders[name]
        return Order(name, expr, kind, descending)


# --- visibility ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """When a record or row is shown: its own status holds (``own``), and each record it
    ``needs`` is visible: (table, key column, nullable). A nullable key that is null needs
    nothing. Called as ``rule(compiler, alias)`` it gives the condition; the planner also
    reads ``needs`` to join each required record once and build its fields from that join."""

    own: bool
    needs: tuple[tuple[str, str, bool], ...] = ()

    def __call__(self, c: Compiler, t: str) -> str:
        conds = [c.visible(t)] if self.own else []
        for table, key, nullable in self.needs:
            found = visible_by_id(c, table, f"{t}.{key}")
            conds.append(f"({t}.{key} is null or {found})" if nullable else found)
        return " and ".join(conds)


def visible_by_id(c: Compiler, table: str, key: str) -> str:
    a = c.alias(table[0] + "v")
    return f"exists (select 1 from {table} {a} where {a}.id = {key} and {c.visible(a)})"


status_visible = Rule(own=True)
# A participation is shown when its actor is visible.
participant_visible = Rule(own=False, needs=(("actor", "actor_id", False),))
# A relation is shown when it and both its actors are visible.
relation_visible = Rule(
    own=True, needs=(("actor", "subject_actor_id", False), ("actor", "object_actor_id", False))
)
# A deployment is shown when it, its actor and its location are visible.
deployment_visible = Rule(
    own=True, needs=(("actor", "actor_id", False), ("location", "location_id", False))
)
# A statement is shown when its source is visible, and so are the incident it is about and
# its speaker, if any: quoting a draft would reveal it.
statement_visible = Rule(
    own=False,
    needs=(
        ("source", "source_id", False),
        ("incident", "incident_id", True),
        ("actor", "speaker_actor_id", True),
    ),
)


# --- entities --------------------------------------------------------------------------

_STAMPS: dict[str, tuple[str, KeyKind]] = {
    "CREATED_AT": ("{t}.created_at", "timestamp"),
    "UPDATED_AT": ("{t}.updated_at", "timestamp"),
}

ENTITIES: dict[str, Entity] = {
    e.type: e
    for e in (
        Entity(
            "Incident",
            "incident",
            "i",
            status_visible,
            filters.incident_where,
            {
                "OCCURRED_ON": ("{t}.occurred_on", "date"),
                # the best estimate of deaths; unknown sorts below none (an index, 0018)
                "KILLED": ("coalesce({t}.killed_best, -1)", "int"),
                **_STAMPS,
            },
            default_filter=filters.IncidentFilter(),
        ),
        Entity(
            "Actor",
            "actor",
            "a",
            status_visible,
            filters.actor_where,
            {"NAME": ("lower({t}.name)", "text"), **_STAMPS},
            redirect="merged_into_id",
        ),
        Entity(
            "Location",
            "location",
            "l",
            status_visible,
            filters.location_where,
            {"NAME": ("lower({t}.name)", "text"), **_STAMPS},
            redirect="merged_into_id",
        ),
        Entity(
            "Source",
            "source",
            "s",
            status_visible,
            filters.source_where,
            {
                "PUBLISHED_AT": (
                    "coalesce({t}.published_at, '-infinity'::timestamptz)",
                    "timestamp",
                ),
                **_STAMPS,
            },
        ),
        Entity("Statement", "statement", "st", statement_visible),
        Entity("ActorRelation", "actor_relation", "r", relation_visible),
        Entity("Deployment", "deployment", "d", deployment_visible),
    )
}

# Rows that are not records of their own: shown when what they hang off is visible.
ROW_VISIBILITY: dict[str, Rule] = {"Participant": participant_visible}

# --- fields ----------------------------------------------------------------------------


def _col(name: str, fmt: Format = "plain") -> Value:
    return Value(f"{{t}}.{name}", fmt)


def _stamps() -> dict[str, FieldSpec]:
    return {
        "status": _col("status"),
        "version": _col("version"),
        "createdAt": _col("created_at", "timestamp"),
        "updatedAt": _col("updated_at", "timestamp"),
    }


def _aliases(table: str, fk: str) -> Value:
    return Value(
        f"coalesce((select json_agg({{u}}.alias order by {{u}}.alias) from {table} {{u}} "
        f"where {{u}}.{fk} = {{t}}.id), '[]'::json)",
        "json",
    )


def _sources_via(link_table: str, fk: str) -> Rows:
    """Sources of a relation or deployment through its link table, by source id."""
    return Rows(
        "Source",
        f"from {link_table} {{l}} join source {{x}} on {{x}}.id = {{l}}.source_id "
        f"where {{l}}.{fk} = {{t}}.id",
        "{x}.id",
    )


def _statements_by(column: str) -> Rows:
    return Rows(
        "Statement", f"from statement {{x}} where {{x}}.{column} = {{t}}.id", _STATEMENT_ORDER
    )


def _deployments_by(column: str) -> Rows:
    return Rows(
        "Deployment",
        f"from deployment {{x}} where {{x}}.{column} = {{t}}.id",
        "{x}.valid_from nulls first, {x}.id",
        {"on": Arg(valid_on("{x}", "{v}"), "date")},
    )


def _all_null(columns: tuple[str, ...]) -> str:
    return " and ".join(f"{{t}}.{c} is null" for c in columns)


# The incident's columns from imported rows: a struct is null when all its columns are
# (the mappings field → column are below, with the writes).
# What imported rows say, as GraphQL field → incident column: the read types
# IncidentPlace, AcledCoding and UcdpCoding, and the nested inputs that write them.
PLACE_INPUT = {
    "name": "place_name", "latitude": "latitude", "longitude": "longitude",
    "geoPrecision": "geo_precision", "countryName": "country_name", "region": "region",
    "admin1": "admin1_name", "admin1Code": "admin1_code", "admin2": "admin2_name",
    "admin3": "admin3_name", "description": "where_description",
}  # fmt: skip
ACLED_INPUT = {
    "disorderType": "disorder_type", "inter1": "inter1", "inter2": "inter2",
    "interaction": "interaction", "civilianTargeting": "civilian_targeting",
    "sourceScale": "source_scale",
}  # fmt: skip
UCDP_INPUT = {
    "deathsA": "deaths_a", "deathsB": "deaths_b", "deathsCivilians": "deaths_civilians",
    "deathsUnknown": "deaths_unknown", "datePrecision": "date_prec",
    "wherePrecision": "where_prec", "eventClarity": "event_clarity",
    "conflictId": "conflict_id", "dyadId": "dyad_id", "sideAId": "side_a_id",
    "sideBId": "side_b_id", "relid": "relid", "numberOfSources": "number_of_sources",
}  # fmt: skip

PLACE_COLUMNS = tuple(PLACE_INPUT.values())
ACLED_COLUMNS = tuple(ACLED_INPUT.values())
UCDP_COLUMNS = tuple(UCDP_INPUT.values())


def _struct_fields(fields: dict[str, str]) -> dict[str, FieldSpec]:
    return {
        f: _col(c, "float" if c in ("latitude", "longitude") else "plain")
        for f, c in fields.items()
    }


_STATEMENT_ORDER = "{x}.stated_on nulls last, {x}.id"
_COUNTRY = Struct("Country", null_if="{t}.country_code is null")

TYPES: dict[str, dict[str, FieldSpec]] = {
    "Incident": {
        "id": GlobalId("Incident"),
        "occurredOn": _col("occurred_on"),
        "dateEarliest": _col("date_earliest"),
        "dateLatest": _col("date_latest"),
        "occurredTime": _col("occurred_time", "time"),
        "timePrecision": _col("time_precision"),
        "eventType": _col("event_type"),
        "subEventType": _col("sub_event_type"),
        "weapon": _col("weapon"),
        "projectileCount": _col("projectile_count"),
        "outcome": _col("outcome"),
        "claimStatus": _col("claim_status"),
        "killed": Struct("KilledEstimate"),
        "injured": Struct("InjuredEstimate"),
        "damage": _col("damage"),
        "damageDescription": _col("damage_description"),
        "summary": _col("summary"),
        "notes": _col("notes"),
        "tags": Value("to_json({t}.tags)", "json"),
        "place": Struct("IncidentPlace", null_if=_all_null(PLACE_COLUMNS)),
        "acled": Struct("AcledCoding", null_if=_all_null(ACLED_COLUMNS)),
        "ucdp": Struct("UcdpCoding", null_if=_all_null(UCDP_COLUMNS)),
        "externalIds": Rows(
            "ExternalId",
            "from incident_external_id {x} where {x}.incident_id = {t}.id",
            "{x}.system, {x}.external_id",
        ),
        **_stamps(),
        "location": Ref("Location", "{t}.location_id"),
        "participants": Rows(
            "Participant",
            "from incident_participant {x} where {x}.incident_id = {t}.id",
            "{x}.role, {x}.id",
        ),
        "sources": Rows(
            "Source",
            "from incident_source {l} join source {x} on {x}.id = {l}.source_id "
            "where {l}.incident_id = {t}.id",
            "{x}.published_at nulls last, {x}.id",
        ),
        "statements": _statements_by("incident_id"),
        "sameEventAs": Rows(
            "Incident",
            "from event_cluster_member {l} join incident {x} on {x}.id = {l}.incident_id "
            "where {l}.cluster_id = (select sc.cluster_id from event_cluster_member sc "
            "where sc.incident_id = {t}.id) and {x}.id <> {t}.id",
            "(select sr.rank from event_cluster_member sr where sr.incident_id = {x}.id)",
        ),
        "history": Unplanned("the change log is read by its own batched loader"),
    },
    "Participant": {
        "role": _col("role"),
        "basis": _col("basis"),
        "note": _col("note"),
        "associated": _col("associated"),
        "side": _col("side"),
        "reportedName": _col("reported_name"),
        "actor": Ref("Actor", "{t}.actor_id"),
        "attributedBy": Ref("Actor", "{t}.attributed_by_actor_id"),
        "source": Ref("Source", "{t}.source_id"),
        "statement": Ref("Statement", "{t}.statement_id"),
    },
    "KilledEstimate": {
        "low": _col("killed_low"),
        "best": _col("killed_best"),
        "high": _col("killed_high"),
    },
    "InjuredEstimate": {
        "low": _col("injured_low"),
        "best": _col("injured_best"),
        "high": _col("injured_high"),
    },
    "ExternalId": {
        "system": _col("system"),
        "id": _col("external_id"),
        "version": Value("{t}.source_version::text"),
    },
    "IncidentPlace": _struct_fields(PLACE_INPUT),
    "AcledCoding": _struct_fields(ACLED_INPUT),
    "UcdpCoding": _struct_fields(UCDP_INPUT),
    "Country": {
        "code": _col("country_code"),
        "name": Value(
            "coalesce((select {u}.name from country_name {u} where {u}.code = {t}.country_code), "
            "{t}.country_code)"
        ),
    },
    "Actor": {
        "id": GlobalId("Actor"),
        "name": _col("name"),
        "aliases": _aliases("actor_alias", "actor_id"),
        "kind": _col("kind"),
        "country": _COUNTRY,
        "description": _col("description"),
        **_stamps(),
        "relations": Rows(
            "ActorRelation",
            "from actor_relation {x} where ({x}.subject_actor_id = {t}.id "
            "or {x}.object_actor_id = {t}.id)",
            "{x}.kind, {x}.id",
            {"kind": Arg("{x}.kind = any({v})", "text[]")},
        ),
        "deployments": _deployments_by("actor_id"),
        "statements": _statements_by("speaker_actor_id"),
        "incidents": Incidents(
            "select {l}.incident_id from incident_participant {l} where {l}.actor_id = {id}{roles}",
            roles=True,
            dated="select distinct {l}.occurred_on, {l}.incident_id as id "
            "from incident_participant {l} where {l}.actor_id = {id}{roles}",
        ),
        "history": Unplanned("the change log is read by its own batched loader"),
        "affiliates": Unplanned("a recursive walk of the relation graph (db/affiliates.py)"),
    },
    "ActorRelation": {
        "id": GlobalId("ActorRelation"),
        "kind": _col("kind"),
        "basis": _col("basis"),
        "validFrom": _col("valid_from"),
        "validTo": _col("valid_to"),
        "note": _col("note"),
        "subject": Ref("Actor", "{t}.subject_actor_id"),
        "object": Ref("Actor", "{t}.object_actor_id"),
        "assertedBy": Ref("Actor", "{t}.asserted_by_actor_id"),
        "sources": _sources_via("actor_relation_source", "relation_id"),
    },
    "Location": {
        "id": GlobalId("Location"),
        "name": _col("name"),
        "aliases": _aliases("location_alias", "location_id"),
        "kind": _col("kind"),
        "coordinates": Struct(
            "Coordinates", null_if="{t}.latitude is null or {t}.longitude is null"
        ),
        "geoPrecision": _col("geo_precision"),
        "precisionKm": _col("precision_km", "float4"),
        "country": _COUNTRY,
        "admin1": Struct(
            "Admin1",
            null_if="coalesce({t}.admin1_code, '') = '' and coalesce({t}.admin1_name, '') = ''",
        ),
        "admin2": _col("admin2_name"),
        "description": _col("description"),
        **_stamps(),
        "parent": Ref("Location", "{t}.parent_id"),
        "deployments": _deployments_by("location_id"),
        "incidents": Incidents(
            "select {l}.id from incident {l} where {l}.location_id = {id}", column="location_id"
        ),
        "history": Unplanned("the change log is read by its own batched loader"),
    },
    "Coordinates": {"latitude": _col("latitude", "float"), "longitude": _col("longitude", "float")},
    "Admin1": {"code": _col("admin1_code"), "name": _col("admin1_name")},
    "Deployment": {
        "id": GlobalId("Deployment"),
        "validFrom": _col("valid_from"),
        "validTo": _col("valid_to"),
        "strength": _col("strength"),
        "strengthNote": _col("strength_note"),
        "mission": _col("mission"),
        "note": _col("note"),
        "actor": Ref("Actor", "{t}.actor_id"),
        "location": Ref("Location", "{t}.location_id"),
        "sources": _sources_via("deployment_source", "deployment_id"),
    },
    "Source": {
        "id": GlobalId("Source"),
        "kind": _col("kind"),
        "publisher": _col("publisher"),
        "title": _col("title"),
        "url": _col("url"),
        "author": _col("author"),
        "publishedAt": _col("published_at", "timestamp"),
        "revisedAt": _col("revised_at", "timestamp"),
        "language": _col("language"),
        "machineTranslated": _col("machine_translated"),
        "note": _col("note"),
        "media": Rows("Media", "from source_media {x} where {x}.source_id = {t}.id", "{x}.id"),
        **_stamps(),
        "statements": _statements_by("source_id"),
        "incidents": Incidents(
            "select {l}.incident_id from incident_source {l} where {l}.source_id = {id}"
        ),
        "history": Unplanned("the change log is read by its own batched loader"),
    },
    "Media": {
        "kind": _col("kind"),
        "caption": _col("caption"),
        "credit": _col("credit"),
        "url": _col("url"),
    },
    "Statement": {
        "id": GlobalId("Statement"),
        "speakerName": _col("speaker_name"),
        "channel": _col("channel"),
        "text": _col("text"),
        "isQuote": _col("is_quote"),
        "statedOn": _col("stated_on"),
        "speaker": Ref("Actor", "{t}.speaker_actor_id"),
        "source": Ref("Source", "{t}.source_id"),
        "incident": Ref("Incident", "{t}.incident_id"),
    },
}

# GraphQL type of a struct field when it differs from the model's key (two estimates).
GRAPHQL_TYPE = {"KilledEstimate": "Estimate", "InjuredEstimate": "Estimate"}

# The table each row type is read from (entities name theirs in ``ENTITIES``).
ROW_TABLES = {
    "Participant": "incident_participant",
    "Media": "source_media",
    "ExternalId": "incident_external_id",
}

# A participation's copies of its incident's columns, kept equal by triggers (migrations
# 0010, 0017) for the index by actor and date: no part of the participation's record.
PARTICIPANT_COPIES = {
    "occurred_on": "occurred_on",
    "incident_status": "status",
    "incident_linked_duplicate": "linked_duplicate",
}

# Columns deliberately not served as fields: adding a column to a table means serving it
# here or saying why not (a test compares the tables' columns with the model).
NOT_SERVED: dict[str, dict[str, str]] = {
    "incident": {
        "linked_duplicate": "a later record of a linked event, kept by a trigger for the "
        "one-record-per-event test; which record a viewer sees depends on who may see "
        "the others (a draft's link must not show), so the API shows the linked event",
        "country_code": "the place's country, copied by triggers for the index by country "
        "and date; served as the location's",
    },
    "actor": {"merged_into_id": "a merged actor's ID resolves to its survivor instead"},
    "location": {"merged_into_id": "a merged location's ID resolves to its survivor instead"},
    "source": {},
    "statement": {
        "created_at": "bookkeeping; the change log has the history",
        "updated_at": "bookkeeping; the change log has the history",
    },
    "actor_relation": {
        "status": "decides visibility (with both actors'); not a field of its own",
        "version": "served by the change log and mutations",
        "created_at": "bookkeeping; the change log has the history",
        "updated_at": "bookkeeping; the change log has the history",
    },
    "deployment": {
        "status": "decides visibility (with its actor's and location's)",
        "version": "served by the change log and mutations",
        "created_at": "bookkeeping; the change log has the history",
        "updated_at": "bookkeeping; the change log has the history",
    },
    "incident_participant": {
        "created_at": "bookkeeping; the change log has the history",
        "updated_at": "bookkeeping; the change log has the history",
        **dict.fromkeys(
            PARTICIPANT_COPIES, "a copy of the incident's, kept by triggers (PARTICIPANT_COPIES)"
        ),
    },
    "source_media": {
        "created_at": "bookkeeping; the change log has the history",
        "updated_at": "bookkeeping; the change log has the history",
    },
    "incident_external_id": {
        "created_at": "bookkeeping",
        "updated_at": "bookkeeping",
    },
}


def table_of(type_name: str) -> str:
    return ENTITIES[type_name].table if type_name in ENTITIES else ROW_TABLES[type_name]


def visibility(type_name: str) -> Rule | None:
    """The visibility rule of the rows of ``type_name`` (None: always shown with its parent)."""
    if type_name in ENTITIES:
        return ENTITIES[type_name].visible
    return ROW_VISIBILITY.get(type_name)


# --- writes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Writable:
    """A column that creates and updates may set (identity, timestamps and version are
    managed by the database). ``required``: a create must give it. ``ref``: a key to a
    record of that entity, given as its global ID. ``input``: the GraphQL input field it
    is set from, when that is not the column's name in camelCase (``subjectId``;
    ``killed.low`` for a field of a nested input object)."""

    column: str
    required: bool = False
    ref: str | None = None
    input: str | None = None


def _writes(*columns: str | Writable) -> tuple[Writable, ...]:
    return tuple(c if isinstance(c, Writable) else Writable(c) for c in columns)


def _required(column: str, ref: str | None = None) -> Writable:
    return Writable(column, required=True, ref=ref)


def _estimate(name: str) -> tuple[Writable, ...]:
    return tuple(Writable(f"{name}_{p}", input=f"{name}.{p}") for p in ("low", "best", "high"))


def _nested(name: str, fields: dict[str, str]) -> tuple[Writable, ...]:
    """Columns set from the fields of a nested input (``place.name`` → place_name)."""
    return tuple(Writable(column, input=f"{name}.{f}") for f, column in fields.items())


_PERIOD = ("valid_from", "valid_to")

# Entity → the columns a write may set, in input order.
WRITES: dict[str, tuple[Writable, ...]] = {
    "Incident": _writes(
        _required("occurred_on"),
        "date_earliest",
        "date_latest",
        "occurred_time",
        "time_precision",
        _required("location_id", "Location"),
        _required("event_type"),
        _required("sub_event_type"),
        "weapon",
        "projectile_count",
        "outcome",
        "claim_status",
        *_estimate("killed"),
        *_estimate("injured"),
        "damage",
        "damage_description",
        _required("summary"),
        "notes",
        "tags",
        "status",
        *_nested("place", PLACE_INPUT),
        *_nested("acled", ACLED_INPUT),
        *_nested("ucdp", UCDP_INPUT),
    ),
    "Actor": _writes(_required("name"), _required("kind"), "country_code", "description", "status"),
    "Location": _writes(
        _required("name"),
        _required("kind"),
        "latitude",
        "longitude",
        "geo_precision",
        "precision_km",
        "country_code",
        "admin1_code",
        "admin1_name",
        "admin2_name",
        Writable("parent_id", ref="Location"),
        "description",
        "status",
    ),
    "Source": _writes(
        _required("kind"),
        _required("publisher"),
        "title",
        "url",
        "author",
        "published_at",
        "revised_at",
        "language",
        "machine_translated",
        "note",
        "status",
    ),
    "ActorRelation": _writes(
        Writable("subject_actor_id", required=True, ref="Actor", input="subjectId"),
        _required("kind"),
        Writable("object_actor_id", required=True, ref="Actor", input="objectId"),
        "basis",
        Writable("asserted_by_actor_id", ref="Actor", input="assertedById"),
        *_PERIOD,
        "note",
        "status",
    ),
    "Deployment": _writes(
        _required("location_id", "Location"),
        _required("actor_id", "Actor"),
        *_PERIOD,
        "strength",
        "strength_note",
        "mission",
        "note",
        "status",
    ),
    "Statement": _writes(
        _required("source_id", "Source"),
        Writable("speaker_actor_id", ref="Actor", input="speakerId"),
        "speaker_name",
        "channel",
        _required("text"),
        "is_quote",
        "stated_on",
        Writable("incident_id", ref="Incident"),
    ),
}


def input_field(w: Writable) -> str:
    """The GraphQL input field a column is set from (``occurredOn``, ``subjectId``)."""
    if w.input is not None:
        return w.input
    head, *rest = w.column.split("_")
    return head + "".join(p.title() for p in rest)


def value_sql(type_name: str, field_name: str) -> str:
    """The SQL of a scalar field of the model (over ``{t}``, ``{u}`` a spare alias)."""
    spec = TYPES[type_name][field_name]
    assert isinstance(spec, Value), (type_name, field_name)
    return spec.sql
