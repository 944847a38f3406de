"""Bad input gets a GraphQL error with a stable extensions.code — never a 500 or a trace."""

from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import GraphQLClient


def _codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


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
async def test_bad_input_has_stable_code(gql: GraphQLClient, query: str, code: str) -> None:
    body = await gql(query)
    assert _codes(body) == [code]
    assert "Traceback" not in str(body)


async def test_unknown_enum_in_variables_is_rejected(gql: GraphQLClient) -> None:
    body = await gql(
        "query($w: [Weapon!]) { incidents(filter: {weapon: {in: $w}}) { totalCount } }",
        {"w": ["LASER"]},
    )
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "LASER" in body["errors"][0]["message"]


async def test_depth_limit(gql: GraphQLClient) -> None:
    deep = "{ actors { edges { node { incidents { edges { node { participants { actor {"
    deep += " incidents { edges { node { participants { actor { name } } } } } } } } } } } } } }"
    assert _codes(await gql(deep)) == ["MAX_DEPTH_EXCEEDED"]


async def test_alias_limit(gql: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    assert _codes(await gql(query)) == ["MAX_ALIASES_EXCEEDED"]
    ok = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert "errors" not in await gql(ok)


async def test_token_limit(gql: GraphQLClient) -> None:
    query = "{ " + " ".join(["__typename"] * 6000) + " }"
    assert _codes(await gql(query)) == ["MAX_TOKENS_EXCEEDED"]


async def test_unexpected_errors_are_masked(
    gql: GraphQLClient, conn: asyncpg.Connection, database_url: str
) -> None:
    """A real database failure (lock timeout) reaches the client as a masked error."""
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute("lock table incident in access exclusive mode")
            await conn.execute("set local lock_timeout = '50ms'")
            body = await gql("{ incidents { edges { node { id } } } }")
    finally:
        await other.close()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert _codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "lock" not in str(body).lower()
