"""Issue 10, finding 2 (validation that cannot explode) and the validation half of 8.

Both probes are refused by the static checks of ``schema/limits.py``, which measure each
fragment once, before graphql-core's rules run: in milliseconds (the report and
``bench/`` time them; tests do not assert times).
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
from graphql import parse
from strawberry.extensions import SchemaExtension

from db.core import ConnectionDb
from schema import build_schema
from schema.context import Context
from schema.limits import DEFAULT_LIMITS
from tests.client import Gql


def doubling(levels: int) -> str:
    """Each fragment spreads the next twice: 2^levels paths in about 40 bytes a level."""
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    return " ".join(parts)


async def test_fragment_doubling_is_refused_by_its_expanded_size(gql: Gql) -> None:
    query = doubling(18)
    assert len(query) < 800
    response, statements = await gql.post(query)
    assert response.json() == {
        "errors": [
            {
                "message": f"The document selects {2**18} fields once its fragments are "
                "expanded; at most 1000 are allowed.",
                "extensions": {
                    "code": "MAX_SELECTIONS_EXCEEDED",
                    "selections": 2**18,
                    "limit": 1000,
                },
            }
        ],
    }
    assert statements == []


async def test_fragment_doubling_within_the_limit_runs(gql: Gql) -> None:
    """Four levels expand to 16 selections of one field: valid, answered."""
    body = await gql(doubling(4))
    assert body["data"] == {"__typename": "Query"}


async def test_thousands_of_copies_of_one_field_are_refused(gql: Gql) -> None:
    query = "{ " + " ".join(["__typename"] * 4900) + " }"
    assert await gql.codes(query) == ["MAX_SELECTIONS_EXCEEDED"]


async def test_a_long_chain_of_fragments_is_refused(gql: Gql) -> None:
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(60)]
    parts.append("fragment F60 on Query { __typename }")
    assert await gql.codes(" ".join(parts)) == ["MAX_DEPTH_EXCEEDED"]


async def test_an_unknown_fragment_is_a_validation_error(gql: Gql) -> None:
    """It was `{"message": "'Nope'"}` and a logged KeyError (the depth limiter's)."""
    response, _ = await gql.post("{ incidents { ...Nope } }")
    assert response.json() == {
        "errors": [
            {
                "message": "Unknown fragment 'Nope'.",
                "locations": [{"line": 1, "column": 18}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }


async def test_an_unused_variable_is_a_validation_error(gql: Gql) -> None:
    """It was coded BAD_USER_INPUT."""
    body = await gql("query($x: Int) { __typename }", {"x": 1})
    assert body == {
        "errors": [
            {
                "message": "Variable '$x' is never used.",
                "locations": [{"line": 1, "column": 7}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }


async def test_depth_and_aliases_keep_their_limits_through_fragments(gql: Gql) -> None:
    """The memoised counts are the expanded ones: a fragment with 16 aliases spread twice
    is 32 aliases."""
    query = "{ ...A ...B } fragment A on Query { ...C } fragment B on Query { ...C } "
    query += "fragment C on Query { " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    assert await gql.codes(query) == ["MAX_ALIASES_EXCEEDED"]

    # Each half is depth 6; spread into the other it is 13 (the limit is 12).
    def half(inner: str) -> str:
        return f"incidents {{ edges {{ node {{ participants {{ actor {{ {inner} }} }} }} }} }}"

    deep = f"{{ actors {{ edges {{ node {{ {half('...N')} }} }} }} }}"
    deep += f" fragment N on Actor {{ {half('name')} }}"
    assert await gql.codes(deep) == ["MAX_DEPTH_EXCEEDED"]


async def test_one_field_repeated_in_a_selection_set_is_bounded(gql: Gql) -> None:
    """graphql-core compares fields of one response key pairwise: 4,900 copies took 1-3 s.
    Fragments' fields count in the selection set they are spread into."""
    query = "{ ...A ...A __typename } fragment A on Query { " + "__typename " * 10 + "}"
    body = await gql(query)
    assert body["errors"] == [
        {
            "message": "A selection set asks for the same field 21 times; at most 20 are allowed.",
            "extensions": {"code": "MAX_SELECTIONS_EXCEEDED", "repeats": 21, "limit": 20},
        }
    ]
    assert await gql.data(query.replace("...A ...A", "...A")) == {"__typename": "Query"}


class _Preparsed(SchemaExtension):
    """Hands Strawberry a parsed document, as a persisted-document store would."""

    def on_parse(self) -> Iterator[None]:
        self.execution_context.graphql_document = parse(doubling(18))
        yield


async def test_a_document_given_parsed_is_checked_too(conn: asyncpg.Connection) -> None:
    schema = build_schema(DEFAULT_LIMITS)
    schema.extensions = [_Preparsed, *schema.extensions]
    result = await schema.execute(
        "{ __typename }", context_value=Context(ConnectionDb(conn), DEFAULT_LIMITS)
    )
    assert [e.extensions for e in result.errors or ()] == [
        {"code": "MAX_SELECTIONS_EXCEEDED", "selections": 2**18, "limit": 1000}
    ]
