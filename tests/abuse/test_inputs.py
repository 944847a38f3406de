"""Issue 10, findings 5 and 8 (input side): variables and arguments are bounded and
checked before they are converted or reach SQL, with a code."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_nullable_type,
)

from app.settings import Settings
from schema import build_schema
from tests.client import Gql

FILTER = "query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }"


async def test_a_4096_item_or_list_is_refused_before_conversion(gql: Gql) -> None:
    variables = {"f": {"or": [{"killed": {"gte": i}} for i in range(4096)]}}
    response, statements = await gql.post(FILTER, variables)
    assert response.json() == {
        "errors": [
            {
                "message": "The variables hold more than 2000 values.",
                "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED", "limit": 2000},
            }
        ],
    }
    assert statements == []


async def test_input_objects_are_counted_once_per_use(gql: Gql) -> None:
    """A 40-object filter used by 3 aliases is 120 input objects to convert (limit 100)."""
    items = [{"killed": {"gte": i}} for i in range(19)]  # 1 + 19 x 2 + 1 (or's holder)
    query = "query($f: IncidentFilter) { a: incidents(filter: $f) { totalCount } "
    query += "b: incidents(filter: $f) { totalCount } c: incidents(filter: $f) { totalCount } }"
    variables = {"f": {"or": items, "weapon": {"eq": "DRONE"}}}
    body = await gql(query, variables)
    assert body["errors"][0]["extensions"] == {
        "code": "MAX_INPUT_SIZE_EXCEEDED",
        "inputObjects": 3 * 40,
        "limit": 100,
    }
    two = query.replace("c: incidents(filter: $f) { totalCount } ", "")
    assert "errors" not in await gql(two, variables)


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"killed": {"gte": 1}}
    for _ in range(depth):
        value = {"not": value}
    return value


async def test_a_filter_nested_500_deep_in_variables_is_refused(gql: Gql) -> None:
    # 500 levels are past the JSON nesting limit: refused before the body is parsed.
    response, _ = await gql.post(FILTER, {"f": _nested(500)})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "JSON nests deeper than 64 levels.",
                    "extensions": {"code": "JSON_TOO_DEEP", "maxDepth": 64},
                }
            ]
        },
    )
    # 20 levels pass the JSON limit and meet the input-depth limit.
    body = await gql(FILTER, {"f": _nested(20)})
    assert body == {
        "errors": [
            {
                "message": "An input value is nested 17 deep; at most 16 is allowed.",
                "extensions": {"code": "MAX_INPUT_DEPTH_EXCEEDED", "depth": 17, "limit": 16},
            }
        ],
    }


def _literal(depth: int) -> str:
    nested = "{not: " * depth + "{killed: {gte: 1}}" + "}" * depth
    return "{ incidents(filter: " + nested + ") { totalCount } }"


async def test_a_literal_filter_nested_too_deep_is_refused(gql: Gql) -> None:
    assert await gql.codes(_literal(20)) == ["MAX_INPUT_DEPTH_EXCEEDED"]
    # 500 deep is more than graphql-core's parser nests: still a coded error.
    response, _ = await gql.post(_literal(500))
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Syntax Error: Document is nested too deeply. Parsing aborted."
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}
    assert "errors" not in await gql(_literal(14))


# --- NUL characters and out-of-range ids, in every string and id input ---------------

SCHEMA = build_schema(Settings(environment="test", _env_file=None))._schema
NUL = "a\x00b"


def _text_paths(type_: GraphQLInputObjectType, seen: frozenset[str]) -> list[list[str]]:
    """Paths to every String or ID field (or list of them) below an input type."""
    paths: list[list[str]] = []
    for name, field in type_.fields.items():
        inner: GraphQLInputType = get_nullable_type(field.type)
        if isinstance(inner, GraphQLList):
            inner = get_nullable_type(inner.of_type)
        if isinstance(inner, GraphQLScalarType) and inner.name in {"String", "ID"}:
            paths.append([name])
        elif isinstance(inner, GraphQLInputObjectType) and inner.name not in seen:
            paths += [[name, *p] for p in _text_paths(inner, seen | {inner.name})]
    return paths


def _value(type_: GraphQLInputObjectType, path: list[str]) -> Any:
    field_type: Any = type_.fields[path[0]].type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    many = isinstance(field_type, GraphQLList)
    inner = get_nullable_type(field_type.of_type) if many else field_type
    leaf = NUL if len(path) == 1 else _value(inner, path[1:])
    return {path[0]: [leaf] if many else leaf}


CASES = [
    (root, type_name, path)
    for root, type_name in [
        ("incidents", "IncidentFilter"),
        ("actors", "ActorFilter"),
        ("locations", "LocationFilter"),
        ("sources", "SourceFilter"),
    ]
    for path in _text_paths(SCHEMA.type_map[type_name], frozenset({type_name}))  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("root", "type_name", "path"), CASES, ids=str)
async def test_nul_in_any_text_filter_is_bad_user_input(
    gql: Gql, root: str, type_name: str, path: list[str]
) -> None:
    filter_type = SCHEMA.type_map[type_name]
    assert isinstance(filter_type, GraphQLInputObjectType)
    query = f"query($f: {type_name}) {{ {root}(filter: $f) {{ totalCount }} }}"
    response, statements = await gql.post(query, {"f": _value(filter_type, path)})
    assert response.json()["errors"] == [
        {
            "message": "Text must not contain NUL (U+0000) characters.",
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]
    assert statements == []


def test_the_nul_cases_cover_the_filters() -> None:
    """Every filter's text fields are enumerated (and nested ones, e.g. the location of an
    incident), not a hand-picked few."""
    assert len(CASES) >= 27
    assert ("incidents", "IncidentFilter", ["location", "name"]) in CASES


@pytest.mark.parametrize(
    "query",
    [
        '{ incident(id: "a\\u0000b") { id } }',
        '{ node(id: "a\\u0000b") { id } }',
        '{ nodes(ids: ["a\\u0000b"]) { id } }',
        '{ incidents(filter: {text: "dr\\u0000one"}) { totalCount } }',
    ],
)
async def test_nul_in_literals_is_bad_user_input(gql: Gql, query: str) -> None:
    assert await gql.codes(query) == ["BAD_USER_INPUT"]


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


@pytest.mark.parametrize("pk", [2**63, 2**64 + 5, 10**30])
async def test_ids_past_bigint_are_invalid_ids(gql: Gql, pk: int) -> None:
    gid = _gid("Incident", pk)
    assert await gql.codes("query($id: ID!) { incident(id: $id) { id } }", {"id": gid}) == [
        "INVALID_ID"
    ]
    assert await gql.codes("query($id: ID!) { node(id: $id) { id } }", {"id": gid}) == [
        "INVALID_ID"
    ]
    assert await gql.codes(
        "query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }",
        {"f": {"ids": [gid]}},
    ) == ["INVALID_ID"]
    # The largest bigint is a valid id (of nothing).
    top = _gid("Incident", 2**63 - 1)
    assert await gql.data("query($id: ID!) { incident(id: $id) { id } }", {"id": top}) == {
        "incident": None
    }
