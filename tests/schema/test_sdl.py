"""The committed SDL is the schema: regenerate with `python -m schema` after a change."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from app.settings import Settings
from schema import build_schema
from schema.__main__ import SDL_PATH, sdl


def test_schema_graphql_is_up_to_date() -> None:
    assert SDL_PATH.read_text() == sdl(), "schema.graphql drifted: run `python -m schema`"


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType):
            for fname, field in t.fields.items():
                if not field.description:
                    missing.append(f"{name}.{fname}")
                missing += [
                    f"{name}.{fname}({a})" for a, arg in field.args.items() if not arg.description
                ]
        elif isinstance(t, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in t.fields.items() if not field.description]
        elif isinstance(t, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, val in t.values.items() if not val.description]
    assert missing == []
