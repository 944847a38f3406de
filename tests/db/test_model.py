"""The model (db/model.py) against the GraphQL schema and the database: a field or a column
added in one place and forgotten in the other fails here."""

from __future__ import annotations

import dataclasses
import re

import asyncpg
import pycountry
from graphql import GraphQLObjectType

from app.settings import Settings
from db import model
from schema import build_schema

SCHEMA = build_schema(Settings(environment="test", _env_file=None))  # type: ignore[call-arg]


def _graphql_fields(type_name: str) -> set[str]:
    gql_type = SCHEMA._schema.get_type(model.GRAPHQL_TYPE.get(type_name, type_name))
    assert isinstance(gql_type, GraphQLObjectType), type_name
    return set(gql_type.fields)


def test_every_graphql_field_of_a_model_type_is_described_once() -> None:
    for type_name, fields in model.TYPES.items():
        assert set(fields) == _graphql_fields(type_name), type_name


def test_every_object_type_reachable_from_a_record_is_in_the_model() -> None:
    """Each object-typed field of a model type points at a type the model describes."""
    for type_name, fields in model.TYPES.items():
        for name, spec in fields.items():
            if isinstance(spec, model.Struct | model.Ref | model.Rows):
                assert spec.type in model.TYPES, (type_name, name)
            if isinstance(spec, model.Ref):
                assert spec.type in model.ENTITIES, (type_name, name)


def _columns_read(type_name: str) -> set[str]:
    """Columns of the type's table that the model reads (``{t}.col`` in its fields, or
    ``{x}.col`` in the lists and links that select its rows)."""
    text = []
    for spec in model.TYPES[type_name].values():
        if isinstance(spec, model.Value):
            text.append(spec.sql.replace("{t}", "T"))
        elif isinstance(spec, model.Ref):
            text.append(spec.key.replace("{t}", "T"))
        elif isinstance(spec, model.Struct):
            text.append((spec.null_if or "").replace("{t}", "T"))
            struct = model.TYPES[spec.type].values()
            text += [s.sql.replace("{t}", "T") for s in struct if isinstance(s, model.Value)]
        elif isinstance(spec, model.GlobalId):
            text.append("T.id")
    for fields in model.TYPES.values():
        for spec in fields.values():
            if isinstance(spec, model.Rows) and spec.type == type_name:
                text.append((spec.source + " " + spec.order).replace("{x}", "T"))
                text += [a.sql.replace("{x}", "T") for a in spec.args.values()]
            if isinstance(spec, model.Incidents) and type_name == "Incident":
                text.append("T.id")
    if type_name in model.ENTITIES:
        entity = model.ENTITIES[type_name]
        text += [expr.replace("{t}", "T") for expr, _ in entity.orders.values()]
    return set(re.findall(r"\bT\.(\w+)", " ".join(text)))


async def test_every_column_is_served_or_said_not_to_be(conn: asyncpg.Connection) -> None:
    for type_name in [*model.ENTITIES, *model.ROW_TABLES]:
        table = model.table_of(type_name)
        columns = {
            r[0]
            for r in await conn.fetch(
                "select column_name from information_schema.columns "
                "where table_schema = current_schema() and table_name = $1",
                table,
            )
        }
        read = _columns_read(type_name)
        assert read <= columns, (table, read - columns)
        assert set(model.NOT_SERVED[table]) <= columns, table
        assert columns - read == set(model.NOT_SERVED[table]), table


async def test_country_names_match_pycountry(conn: asyncpg.Connection) -> None:
    stored = dict(await conn.fetch("select code, name from country_name"))
    expected = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    assert stored == expected


def test_the_resolvers_rows_read_every_column_the_model_serves() -> None:
    """The resolvers' row types (the fallback path) hold every column the model serves for
    their type, so a column added to the model cannot be missing on that path."""
    from db.actors import ActorRow, RelationRow
    from db.incidents import IncidentRow, ParticipantRow
    from db.locations import DeploymentRow, LocationRow
    from db.sources import SourceRow, StatementRow

    rows = {
        "Incident": IncidentRow,
        "Participant": ParticipantRow,
        "Actor": ActorRow,
        "ActorRelation": RelationRow,
        "Location": LocationRow,
        "Deployment": DeploymentRow,
        "Source": SourceRow,
        "Statement": StatementRow,
    }
    for type_name, row in rows.items():
        fields = {f.name for f in dataclasses.fields(row)}
        plain = set()
        for spec in model.TYPES[type_name].values():
            if isinstance(spec, model.Value):
                plain |= set(re.findall(r"^\{t\}\.(\w+)$", spec.sql))
            elif isinstance(spec, model.Ref):
                plain |= set(re.findall(r"^\{t\}\.(\w+)$", spec.key))
            elif isinstance(spec, model.Struct):
                for sub in model.TYPES[spec.type].values():
                    if isinstance(sub, model.Value):
                        plain |= set(re.findall(r"^\{t\}\.(\w+)$", sub.sql))
        assert plain - fields == set(), type_name


async def test_every_order_of_a_list_is_read_from_an_index(conn: asyncpg.Connection) -> None:
    """A page in any order a list offers, either direction, reads an index of (key, id)
    from its start instead of sorting the table (``sources`` sorted 1.3M rows for its
    first page before migration 0013). With sorts and sequential scans made as dear as
    PostgreSQL allows, a full Sort left in the plan means no index has that order."""
    await conn.execute("set local enable_sort = off")
    await conn.execute("set local enable_seqscan = off")
    checked = 0
    for entity in model.ENTITIES.values():
        for name, (key, _) in entity.orders.items():
            for direction in ("asc", "desc"):
                k = key.format(t="t")
                plan = await conn.fetchval(
                    f"explain (format json) select t.id from {entity.table} t "
                    f"order by {k} {direction}, t.id {direction} limit 21"
                )
                # (an incremental sort of the ties of an index on the key alone is fine)
                assert '"Node Type": "Sort"' not in plan, (entity.type, name, direction, plan)
                checked += 1
    assert checked == 2 * sum(len(e.orders) for e in model.ENTITIES.values()) == 26
