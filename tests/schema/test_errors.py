"""Bad input gets a GraphQL error with a stable extensions.code — never a 500 or a trace."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
import pytest

from tests.client import Gql


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            "{ incidents(filter: {weapon: {in: [LASER]}}) { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            '{ incidents(filter: {occurredOn: {gte: "2024-13-01"}}) { totalCount } }',
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            '{ incidents(filter: {occurredOn: {gte: "yesterday"}}) { totalCount } }',
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ incidents { nosuchfield } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ incidents { ", "GRAPHQL_PARSE_FAILED"),
        ("{ incidents(first: 101) { totalCount } }", "PAGE_SIZE_EXCEEDED"),
        ("{ incidents(first: -1) { totalCount } }", "BAD_USER_INPUT"),
        ("{ incidents(first: 1, last: 1) { totalCount } }", "BAD_USER_INPUT"),
        ('{ incidents(after: "not-a-cursor") { totalCount } }', "INVALID_CURSOR"),
        ('{ node(id: "bm9wZQ==") { id } }', "INVALID_ID"),
        ('{ node(id: "%%%") { id } }', "INVALID_ID"),
        ('{ incident(id: "QWN0b3I6MQ==") { id } }', "INVALID_ID"),
        ('{ incidents(filter: {location: {country: "Iraq"}}) { totalCount } }', "BAD_USER_INPUT"),
        (
            '{ incidents(filter: {occurredOn: {gte: "2024-02-01", lte: "2024-01-01"}}) '
            "{ totalCount } }",
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_bad_input_has_stable_code(gql: Gql, query: str, code: str) -> None:
    body = await gql(query)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert "Traceback" not in str(body)


WEAPONS = "query($w: [Weapon!]) { incidents(filter: {weapon: {in: $w}}) { totalCount } }"
FILTER = "query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }"
FIRST = "query($n: Int!) { incidents(first: $n) { totalCount } }"


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            WEAPONS,
            {"w": ["DRONE", "NOPE"]},
            "Variable '$w' has invalid value at [1]: Value 'NOPE' does not exist in 'Weapon' enum.",
        ),
        (
            WEAPONS,
            {"w": ["LASER"]},
            "Variable '$w' has invalid value at [0]: Value 'LASER' does not exist in 'Weapon' "
            "enum. Did you mean the enum value 'OTHER'?",
        ),
        (
            WEAPONS,
            {"w": ["DRONE", None]},
            "Variable '$w' has invalid value at [1]: Expected value of non-null type 'Weapon!' "
            "not to be None.",
        ),
        (
            FILTER,
            {"f": {"occurredOn": {"gte": "2024-01-01", "lte": "yesterday"}}},
            "Variable '$f' has invalid value at .occurredOn.lte: Value cannot represent a Date: "
            "\"yesterday\". Invalid isoformat string: 'yesterday'",
        ),
        (
            FILTER,
            {"f": {"or": [{"weapon": {"eq": "DRONE"}}, {"outcome": {"in": ["LOST"]}}]}},
            "Variable '$f' has invalid value at .or[1].outcome.in[0]: Value 'LOST' does not "
            "exist in 'Outcome' enum.",
        ),
        (
            FIRST,
            {"n": "x"},
            "Variable '$n' has invalid value: Int cannot represent non-integer value: 'x'",
        ),
    ],
)
async def test_a_bad_variable_value_says_where_in_the_value(
    gql: Gql, query: str, variables: dict[str, Any], message: str
) -> None:
    """The error names the variable and the element or field that is wrong (a request
    error: nothing ran, so there is no data entry)."""
    assert await gql(query, variables) == {
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": 7}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }


async def test_client_errors_are_not_logged(
    gql: Gql, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Errors meant for the client are the client's business: no log record, no trace."""
    caplog.set_level(logging.INFO)
    assert await gql.codes(WEAPONS, {"w": ["DRONE", "NOPE"]}) == ["GRAPHQL_VALIDATION_FAILED"]
    assert await gql.codes(FIRST, {"n": 101}) == ["PAGE_SIZE_EXCEEDED"]
    assert await gql.codes("{ incidents { nosuchfield } }") == ["GRAPHQL_VALIDATION_FAILED"]
    assert await gql.codes('{ node(id: "%%%") { id } }') == ["INVALID_ID"]
    assert [r for r in caplog.records if r.name != "httpx"] == []
    out, err = capfd.readouterr()
    # Only the fast path's debug line for each request, saying why the resolvers answered
    # (the oracle's second app, planner off, says nothing), or that it answered a refusal
    # from memory (the same bytes refused before in this session: app/fastpath.py).
    # Each line carries the request's id (app/request_id.py).
    assert all(re.search(r" request_id=[0-9a-f]{32}$", line) for line in out.splitlines())
    lines = [re.sub(r"^\S+ \S+ | request_id=\w+$", "", line) for line in out.splitlines()]
    remembered = "[debug ] graphql.refused reason=remembered"
    expected = [
        "[debug ] graphql.resolvers reason='variables have errors'",
        "[debug ] graphql.resolvers reason=PageSizeExceeded",
        "[debug ] graphql.resolvers reason='the document has errors'",
        "[debug ] graphql.resolvers reason=InvalidId",
    ]
    got = [re.sub(r"\s+", " ", line) for line in lines]
    assert len(got) == len(expected)
    assert all(line in (want, remembered) for line, want in zip(got, expected, strict=True))
    assert err == ""


async def test_depth_limit(gql: Gql) -> None:
    deep = "{ actors { edges { node { incidents { edges { node { participants { actor {"
    deep += " incidents { edges { node { participants { actor { name } } } } } } } } } } } } } }"
    assert await gql.codes(deep) == ["MAX_DEPTH_EXCEEDED"]


async def test_alias_limit(gql: Gql) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    assert await gql.codes(query) == ["MAX_ALIASES_EXCEEDED"]
    ok = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert await gql.data(ok) == {f"a{i}": "Query" for i in range(30)}


async def test_token_limit(gql: Gql) -> None:
    query = "{ " + " ".join(["__typename"] * 6000) + " }"
    assert await gql.codes(query) == ["MAX_TOKENS_EXCEEDED"]


async def test_unexpected_errors_are_masked_and_logged_once(
    gql: Gql,
    conn: asyncpg.Connection,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A real database failure (lock timeout) reaches the client as a masked error with
    the request's id; the details are logged once, with the traceback and that id."""
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute("lock table incident in access exclusive mode")
            await conn.execute("set local lock_timeout = '50ms'")
            # Once, to the resolvers: the failure aborts the test's transaction, so a second
            # request (the oracle's) or a fallback after the planner's attempt would fail
            # differently.
            body = await gql.resolvers_only()("{ incidents { edges { node { id } } } }")
    finally:
        await other.close()
    request_id = body["errors"][0]["extensions"].get("requestId", "")
    assert re.fullmatch("[0-9a-f]{32}", request_id)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Unexpected error.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["incidents"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        ],
        # incidents 1 + edges 1 + 20 (the default page) x (node 1 + id 1)
        "extensions": {"cost": {"requested": 42, "limit": 50_000}},
    }
    assert [r for r in caplog.records if r.name.startswith("strawberry")] == []
    out, _ = capfd.readouterr()
    assert out.count("unexpected error") == 1
    assert f"request_id={request_id}" in next(
        line for line in out.splitlines() if "unexpected error" in line
    )
    assert "Traceback" in out
    assert "LockNotAvailableError" in out
