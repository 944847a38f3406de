"""Field arguments converted to Python values exactly as Strawberry converts them, with
each input type's fields looked up once.

Strawberry's ``convert_arguments`` resolves every input field's GraphQL name and Python
type again on every call, for every field of the type, set or not: two thirds of planning
a ``headline`` request (a filter of some 40 fields) went there. The planner converts a
request's arguments on every new set of variables, so it keeps those lookups per input
type. Only optional values, lists of input objects, plain input objects, and scalars and
enums (which Strawberry returns as they are) are taken here; everything else (global IDs,
lazy types, ``Maybe``, types that build themselves from input) is Strawberry's own
``convert_argument``.
``tests/schema/test_plan_memo.py`` compares both on every argument of generated queries.
"""

from __future__ import annotations

from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import StrawberryArgument, convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    get_object_definition,
)
from strawberry.types.enum import has_enum_definition
from strawberry.types.unset import UNSET

# An input type's fields: those defaulting to None, and (GraphQL name, Python name, type,
# whether it is a ``Maybe``).
_Fields = tuple[dict[str, None], tuple[tuple[str, str, Any, bool], ...]]
_LEAF = (dict[str, None](), ())  # a scalar or enum type: its values are kept as they are


class Converter:
    def __init__(self, schema: Any) -> None:  # a strawberry.Schema
        self.registry = schema.schema_converter.scalar_registry
        self.config = schema.config
        self._inputs: dict[type, _Fields | None] = {}
        # per field definition (kept alive here): (GraphQL name, Python name, type)
        self._arguments: dict[int, tuple[object, tuple[tuple[str, str, Any], ...]]] = {}

    def arguments(
        self, definition: Any, raw: dict[str, Any], arguments: list[StrawberryArgument]
    ) -> dict[str, Any]:
        """``convert_arguments(raw, arguments, …)`` of a field ``definition``."""
        found = self._arguments.get(id(definition))
        if found is None or found[0] is not definition:
            names = self.config.name_converter
            specs = tuple((names.from_argument(a), a.python_name, a.type) for a in arguments)
            found = self._arguments[id(definition)] = (definition, specs)
        return {
            python: self.convert(raw[name], type_)
            for name, python, type_ in found[1]
            if name in raw
        }

    def convert(self, value: Any, type_: Any) -> Any:
        if type(type_) is StrawberryOptional:  # not Maybe (a subclass): Strawberry's
            type_ = type_.of_type
        if value is None:
            return None
        if value is UNSET:
            return UNSET
        if isinstance(type_, StrawberryList):
            item = type_.of_type
            inner = item.of_type if type(item) is StrawberryOptional else item
            if self._fields(inner) not in (None, _LEAF):
                return [self.convert(x, item) for x in value]
        else:
            fields = self._fields(type_)
            if fields is _LEAF:
                return value
            if fields is not None:
                defaults, specs = fields
                kwargs: dict[str, Any] = dict(defaults)
                for name, python, field_type, maybe in specs:
                    if name in value:
                        given = value[name]
                        # (null is null, except in a ``Maybe``: Strawberry's Some(None))
                        kwargs[python] = (
                            None if given is None and not maybe else self.convert(given, field_type)
                        )
                return type_(**kwargs)
        return convert_argument(value, type_, self.registry, self.config)

    def _fields(self, type_: Any) -> _Fields | None:
        """A plain input object type's fields; ``_LEAF`` for a scalar or enum type, whose
        values Strawberry keeps as they are; None for any other type."""
        if not isinstance(type_, type):
            return None
        try:
            return self._inputs[type_]
        except KeyError:
            pass
        definition = get_object_definition(type_)
        found: _Fields | None = None
        if type_ is not GlobalID and (
            is_scalar(type_, self.registry) or has_enum_definition(type_)
        ):
            found = _LEAF
        elif definition is not None and definition.is_input and definition.from_input is None:
            names = self.config.name_converter
            defaults = {
                f.python_name: None
                for f in definition.fields
                if f.default_value is MISSING and f.default_factory is MISSING
            }
            specs = tuple(
                (names.from_field(f), f.python_name, t, isinstance(t, StrawberryMaybe))
                for f in definition.fields
                for t in (f.resolve_type(type_definition=definition),)
            )
            found = (defaults, specs)
        self._inputs[type_] = found
        return found
