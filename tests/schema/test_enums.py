"""Every GraphQL enum that is stored has exactly the values the database allows: the
CHECK constraints (read from pg_constraint) and the event taxonomy table. An enum value
the database refuses would fail on write; a value the API cannot name could not be read.
"""

from __future__ import annotations

import re
from enum import Enum

import asyncpg
from graphql import GraphQLEnumType

from app.settings import Settings
from db.viewer import ROLES
from schema import build_schema

# enum → the (table, column) pairs that store it
STORED: dict[str, list[tuple[str, str]]] = {
    "ActorKind": [("actor", "kind")],
    "Basis": [("actor_relation", "basis"), ("incident_participant", "basis")],
    "ChangeOperation": [("change_log", "operation")],
    "ClaimStatus": [("incident", "claim_status")],
    "Damage": [("incident", "damage")],
    "DeliveryStatus": [("webhook_delivery", "status")],
    "SyncAction": [("webhook_delivery", "action")],
    "GeoPrecision": [("location", "geo_precision"), ("incident", "geo_precision")],
    "LocationKind": [("location", "kind")],
    "MediaKind": [("source_media", "kind")],
    "Outcome": [("incident", "outcome")],
    "ParticipantRole": [("incident_participant", "role")],
    "RecordStatus": [
        (table, "status")
        for table in ("actor", "actor_relation", "deployment", "incident", "location", "source")
    ],
    "RelationKind": [("actor_relation", "kind")],
    "SourceKind": [("source", "kind")],
    "TimePrecision": [("incident", "time_precision")],
    "Weapon": [("incident", "weapon")],
}
# stored through the event_taxonomy reference table (a foreign key, not a CHECK)
TAXONOMY = {"EventType": "event_type", "SubEventType": "sub_event_type"}
# arguments and results only
NOT_STORED = {
    "ActorOrderField",
    "AffiliateDirection",
    "DateMatch",
    "Direction",
    "Duplicates",
    "ImportFormat",
    "IncidentOrderField",
    "LocationOrderField",
    "SearchField",
    "SearchType",
    "SourceOrderField",
    "StatsDimension",
    "TimeInterval",
}

CHECK_IN = re.compile(r"CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)")


async def _allowed(conn: asyncpg.Connection) -> dict[tuple[str, str], set[str]]:
    """(table, column) → the values of every `column in (...)` CHECK constraint."""
    rows = await conn.fetch(
        "select c.conrelid::regclass::text as tab, a.attname as col, "
        "pg_get_constraintdef(c.oid) as def from pg_constraint c "
        "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
        "where c.contype = 'c' and cardinality(c.conkey) = 1 "
        "and c.connamespace = 'public'::regnamespace"
    )
    out = {}
    for r in rows:
        match = CHECK_IN.fullmatch(r["def"])
        if match is not None:
            assert match[1] == r["col"], r["def"]
            out[(r["tab"], r["col"])] = set(re.findall(r"'([^']*)'::text", match[2]))
    return out


def _enums() -> dict[str, GraphQLEnumType]:
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    return {
        name: t
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and not name.startswith("__")
    }


def _values(enum: GraphQLEnumType) -> set[str]:
    """The enum's GraphQL names, checked to be the values stored (the Python values)."""
    names = set(enum.values)
    stored = {v.value.value if isinstance(v.value, Enum) else v.value for v in enum.values.values()}
    assert stored == names, enum.name
    return names


def test_every_enum_is_classified() -> None:
    assert set(_enums()) == set(STORED) | set(TAXONOMY) | NOT_STORED


async def test_stored_enums_match_the_check_constraints(conn: asyncpg.Connection) -> None:
    allowed = await _allowed(conn)
    enums = _enums()
    for name, columns in STORED.items():
        for column in columns:
            assert _values(enums[name]) == allowed[column], (name, column)
    # Every list of allowed values in the database is one of these enums, or the two
    # that are not enums in the API: key roles and the change log's record types.
    assert set(allowed) == {c for cs in STORED.values() for c in cs} | {
        ("api_key", "role"),
        ("change_log", "entity"),
    }
    assert allowed[("api_key", "role")] == set(ROLES)
    nodes = {
        name
        for name, t in build_schema(Settings(_env_file=None))._schema.type_map.items()  # type: ignore[call-arg]
        if any(i.name == "Node" for i in getattr(t, "interfaces", ()))
    }
    assert allowed[("change_log", "entity")] == nodes


async def test_taxonomy_enums_match_the_event_taxonomy_table(conn: asyncpg.Connection) -> None:
    enums = _enums()
    for name, column in TAXONOMY.items():
        rows = await conn.fetch(f"select distinct {column} from event_taxonomy")
        assert _values(enums[name]) == {r[0] for r in rows}, name
    # and incidents must use it: both columns reference the table
    references = await conn.fetch(
        "select pg_get_constraintdef(oid) from pg_constraint "
        "where contype = 'f' and conrelid = 'incident'::regclass "
        "and confrelid = 'event_taxonomy'::regclass"
    )
    assert [r[0] for r in references] == [
        "FOREIGN KEY (event_type, sub_event_type) "
        "REFERENCES event_taxonomy(event_type, sub_event_type)"
    ]
