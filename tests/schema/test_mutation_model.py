"""The mutations' inputs against the model's writable columns (``db.model.WRITES``) and the
write path: a column added to one and forgotten in another fails here."""

from __future__ import annotations

import asyncpg
from graphql import GraphQLInputObjectType, get_named_type

from db import model
from db.writes import core, records
from schema import build_schema
from schema.limits import DEFAULT_LIMITS

SCHEMA = build_schema(DEFAULT_LIMITS)._schema

# Input fields that set a record's parts (link rows), not columns of its own table.
PARTS = {
    "Incident": {"externalIds", "sourceIds", "participants"},
    "Actor": {"aliases"},
    "Location": {"aliases"},
    "Source": set(),
    "ActorRelation": {"sourceIds"},
    "Deployment": {"sourceIds"},
    "Statement": set(),
}
# Columns no input sets: the database and the write path manage them.
# kept by the database: ids, stamps, merges, and the flag of a linked event's later
# records (a trigger on its members, migration 0012), an incident's copy of its place's
# country (triggers, migration 0015)
MANAGED = {
    "id",
    "created_at",
    "updated_at",
    "version",
    "merged_into_id",
    "linked_duplicate",
    "country_code",
}


def _input(entity: str) -> GraphQLInputObjectType:
    found = SCHEMA.get_type(f"{entity}Input")
    assert isinstance(found, GraphQLInputObjectType), entity
    return found


def test_every_input_field_sets_a_writable_column_or_a_part() -> None:
    assert set(model.WRITES) == set(model.ENTITIES) == set(PARTS)
    for entity, writes in model.WRITES.items():
        fields = _input(entity).fields
        top = {model.input_field(w).split(".")[0] for w in writes}
        assert set(fields) == top | PARTS[entity], entity
        for w in writes:
            outer, _, inner = model.input_field(w).rpartition(".")
            if outer:
                nested = get_named_type(fields[outer].type)
                assert isinstance(nested, GraphQLInputObjectType), (entity, outer)
                assert inner in nested.fields, (entity, w.column)


def test_create_descriptions_name_the_required_fields() -> None:
    """The main records' inputs say which fields a create needs: the model's required."""
    for entity in ("Incident", "Actor", "Location", "Source"):
        description = _input(entity).description or ""
        for w in model.WRITES[entity]:
            if w.required:
                assert model.input_field(w) in description, (entity, w.column)


async def test_every_column_is_writable_or_managed(conn: asyncpg.Connection) -> None:
    for entity, writes in model.WRITES.items():
        table = model.ENTITIES[entity].table
        columns = {
            r[0]
            for r in await conn.fetch(
                "select column_name from information_schema.columns "
                "where table_schema = current_schema() and table_name = $1",
                table,
            )
        }
        writable = {w.column for w in writes}
        assert writable <= columns, (table, writable - columns)
        assert columns - writable <= MANAGED, (table, columns - writable - MANAGED)


def test_write_path_allow_lists_agree_with_the_model() -> None:
    """``db/writes`` derives its writable, required and referencing columns and its input
    names from ``db.model.WRITES``: they say the same."""
    for entity, writes in model.WRITES.items():
        table = model.ENTITIES[entity].table
        assert core.WRITABLE[table] == {w.column for w in writes}, entity
        spec = records.SPECS[entity]
        assert spec.required == tuple(w.column for w in writes if w.required), entity
        assert spec.refs == {w.column: w.ref for w in writes if w.ref}, entity
        for w in writes:
            if "." not in model.input_field(w):
                assert core.input_name(w.column) == model.input_field(w), (entity, w.column)
