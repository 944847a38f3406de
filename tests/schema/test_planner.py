"""The planned path: one statement per request, values formatted in SQL exactly as the
resolvers format them in Python, and fallbacks where the planner does not answer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg
import pytest

from db.core import ConnectionDb
from db.pagination import Order, encode_cursor
from db.planner import cursor_sql, float_json, timestamp_text
from tests.client import Gql, planned_count
from tests.schema.test_query_count import DEEP, _seed, check_page


async def test_a_page_with_every_nested_field_is_one_statement(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    await _seed(conn, 20)
    before = planned_count()
    data, statements = await gql.counted(DEEP, {"n": 20})
    assert planned_count() == before + 1
    assert len(statements) == 1
    check_page(data, 20)
    # The same answer as the resolvers, which take one statement per nesting level.
    resolved, by_resolvers = await gql.resolvers_only().counted(DEEP, {"n": 20})
    assert resolved == data
    assert len(by_resolvers) == 12


async def test_a_keyed_read_is_the_key_lookup_and_one_statement(gql: Gql) -> None:
    editor = await gql.key("editor")
    before = planned_count()
    data, statements = await editor.counted(
        "{ incidents(first: 2) { edges { node { id status } } } }"
    )
    assert planned_count() == before + 1
    assert ["from api_key" in s for s in statements] == [True, False]
    assert len(data["incidents"]["edges"]) == 2


async def test_a_record_a_row_needs_is_read_once(gql: Gql) -> None:
    """A participant is shown when its actor is visible, a relation when both its actors
    are: the statement joins each of those actors once, as the visibility check, and builds
    the `actor`, `subject` and `object` fields from that join (no second lookup)."""
    query = (
        "{ incidents(first: 5) { edges { node { participants { role actor { name "
        "relations { kind subject { name } object { name } } } } } } } }"
    )
    data, statements = await gql.counted(query)
    assert len(statements) == 1
    sql = statements[0]
    assert sql.count("join actor ") == 3
    assert "from actor " not in sql
    assert "exists (select 1 from actor" not in sql
    names = [
        p["actor"]["name"] for e in data["incidents"]["edges"] for p in e["node"]["participants"]
    ]
    assert names  # the demo's incidents have participants, all built from the join


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            'mutation { retractIncident(id: "SW5jaWRlbnQ6MQ==", version: 1, reason: "x") '
            "{ __typename } }",
            "UNAUTHENTICATED",
        ),
        ('{ search(text: "drone") { score } }', None),
        ("{ incidents(first: 1) { edges { node { history { at } } } } }", "UNAUTHENTICATED"),
        ("{ incidents(first: 1000) { totalCount } }", "PAGE_SIZE_EXCEEDED"),
        ('{ incident(id: "bm9wZQ==") { id } }', "INVALID_ID"),
    ],
    ids=["mutation", "search", "history", "page-size", "bad-id"],
)
async def test_what_the_planner_leaves_to_the_resolvers(
    gql: Gql, query: str, code: str | None
) -> None:
    before = planned_count()
    body = await gql(query)
    assert planned_count() == before
    if code is None:
        assert "errors" not in body, body
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]


TIMESTAMPS = [
    dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 1, 12, 0, 0, 500000, tzinfo=dt.UTC),
    dt.datetime(2023, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
    dt.datetime(1999, 2, 3, 4, 5, 6, 123456, tzinfo=dt.timezone(dt.timedelta(hours=3))),
]


@pytest.mark.parametrize("value", TIMESTAMPS)
async def test_timestamps_are_written_as_python_writes_them(
    conn: asyncpg.Connection, value: dt.datetime
) -> None:
    stored = await conn.fetchval("select $1::timestamptz", value)
    text = await conn.fetchval(f"select {timestamp_text('$1::timestamptz')}", value)
    assert text == stored.isoformat()


CURSOR_KEYS: list[tuple[str, str, Any]] = [
    ("OCCURRED_ON", "date", dt.date(2024, 1, 1)),
    ("CREATED_AT", "timestamp", TIMESTAMPS[0]),
    ("CREATED_AT", "timestamp", TIMESTAMPS[1]),
    ("NAME", "text", "kata'ib hizballah"),
    ("NAME", "text", 'quote " backslash \\ tab \t newline \n bell \x07 ü 中 \U0001f600'),
    ("NAME", "text", "x" * 300),
]


@pytest.mark.parametrize(("name", "kind", "key"), CURSOR_KEYS)
@pytest.mark.parametrize("descending", [False, True])
async def test_cursors_built_in_sql_equal_the_codec(
    conn: asyncpg.Connection, name: str, kind: Any, key: Any, descending: bool
) -> None:
    order = Order(name, "{t}.x", kind, descending)
    cast = {"date": "date", "timestamp": "timestamptz", "text": "text"}[kind]
    row_id = 9_007_199_254_740_993
    built = await conn.fetchval(
        f"select {cursor_sql(order, f'$1::{cast}', '$2::bigint')}", key, row_id
    )
    stored = await conn.fetchval(f"select $1::{cast}", key)
    assert built == encode_cursor(order, stored, row_id)


async def test_a_source_without_publication_time_has_the_codecs_cursor(
    conn: asyncpg.Connection,
) -> None:
    order = Order("PUBLISHED_AT", "{t}.x", "timestamp", True)
    key = "coalesce(null::timestamptz, '-infinity'::timestamptz)"
    built = await conn.fetchval(f"select {cursor_sql(order, key, '7')}")
    stored = await conn.fetchval(f"select {key}")
    assert built == encode_cursor(order, stored, 7)


@pytest.mark.parametrize("value", [2.0, -2.0, 0.0, 33.8, -44.123456789, 1e-05, 1.5e300, 1e16])
async def test_floats_are_written_as_python_writes_them(db: ConnectionDb, value: float) -> None:
    """As the resolvers' JSON encoder (the standard library's) writes them."""
    text = await db.fetchval(f"select ({float_json('$1::float8')})::text", value)
    assert text == json.dumps(value)
