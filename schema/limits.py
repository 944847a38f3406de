"""The limits the schema enforces, and the document checks that enforce the static ones.

``Limits`` is a protocol: ``app.settings.Settings`` satisfies it, and ``DEFAULT_LIMITS``
holds the same defaults for callers without settings (the SDL writer, tests). ``schema/``
does not import ``app/``.

``document_errors`` checks a parsed document before graphql-core validates it: query
depth, aliases, selections after fragment expansion and the nesting of literal input
values. Each fragment is measured once (memoised), so a document whose fragments spread
each other twice per level (``fragment F0 on Query { ...F1 ...F1 }`` …) is measured in
time linear in its size, not in the 2^levels paths it expands to; Strawberry's depth and
alias limiters walk every path. ``variable_errors`` checks the request's variables (size,
nesting, NUL characters) before graphql-core coerces them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)

from schema.pagination import PageLimits

T = TypeVar("T")


class Limits(PageLimits, Protocol):
    """Page sizes, document limits, cost and lookup sizes of a deployment."""

    @property
    def max_query_depth(self) -> int: ...

    @property
    def max_aliases(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    @property
    def max_selections(self) -> int: ...

    @property
    def max_field_repeats(self) -> int: ...

    @property
    def max_input_depth(self) -> int: ...

    @property
    def max_input_values(self) -> int: ...

    @property
    def max_input_objects(self) -> int: ...

    @property
    def max_cost(self) -> int: ...

    @property
    def cost_list_size(self) -> int: ...

    @property
    def cost_count(self) -> int: ...

    @property
    def document_cache_size(self) -> int: ...

    @property
    def document_cache_bytes(self) -> int: ...

    @property
    def max_ids_per_lookup(self) -> int: ...

    @property
    def max_stats_buckets(self) -> int: ...

    @property
    def operation_timeout_ms(self) -> int: ...


@dataclass(frozen=True)
class SchemaLimits:
    """A plain ``Limits``; its defaults are ``Settings``' defaults (a test holds them)."""

    default_page_size: int = 20
    max_page_size: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_selections: int = 1_000
    max_field_repeats: int = 20
    max_input_depth: int = 16
    max_input_values: int = 2_000
    max_input_objects: int = 100
    max_cost: int = 50_000
    cost_list_size: int = 5
    cost_count: int = 250
    document_cache_size: int = 256
    document_cache_bytes: int = 32 * 1024 * 1024
    max_ids_per_lookup: int = 100
    max_stats_buckets: int = 10_000
    operation_timeout_ms: int = 10_000


DEFAULT_LIMITS: Limits = SchemaLimits()

# Fragments spreading fragments more deeply than this are refused (graphql-core refuses
# cycles; a chain this long is no real query).
MAX_FRAGMENT_NESTING = 50


def limit_error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


@dataclass(frozen=True)
class _Shape:
    depth: int  # levels of nested selection sets below this one (Strawberry's count)
    aliases: int  # aliased fields, every fragment spread expanded
    selections: int  # fields, every fragment spread expanded
    input_depth: int  # deepest literal input value (argument) in it
    repeats: int  # most fields of one response key in one selection set (merged)


_EMPTY = _Shape(0, 0, 0, 0, 0)


class _Measure:
    """Measures selection sets; each fragment once per document."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, _Shape] = {}
        self.keys_memo: dict[str, Counter[str]] = {}
        self.open: list[str] = []
        self.nul = False  # a literal string argument holds a NUL character

    def selection_set(self, node: SelectionSetNode) -> _Shape:
        depth = aliases = selections = input_depth = 0
        repeats = max(self.keys(node).values(), default=0)
        for sel in node.selections:
            shape = self.selection(sel)
            depth = max(depth, shape.depth)
            aliases += shape.aliases
            selections += shape.selections
            input_depth = max(input_depth, shape.input_depth)
            repeats = max(repeats, shape.repeats)
        return _Shape(depth, aliases, selections, input_depth, repeats)

    def keys(self, node: SelectionSetNode) -> Counter[str]:
        """The response keys of one selection set, fragments merged in, with how many
        fields give each (graphql-core compares those fields pairwise)."""
        keys: Counter[str] = Counter()
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                keys[(sel.alias or sel.name).value] += 1
            elif isinstance(sel, InlineFragmentNode):
                keys.update(self.keys(sel.selection_set))
            elif isinstance(sel, FragmentSpreadNode):
                keys.update(self.fragment_keys(sel.name.value))
        return keys

    def selection(self, sel: Any) -> _Shape:
        if isinstance(sel, FieldNode):
            values = [a.value for a in sel.arguments or ()]
            values += [a.value for d in sel.directives or () for a in d.arguments or ()]
            own_input = max((value_depth(v) for v in values), default=0)
            if any("\x00" in s for v in values for s in literal_strings(v)):
                self.nul = True
            alias = 1 if sel.alias else 0
            if sel.selection_set is None:
                return _Shape(0, alias, 1, own_input, 0)
            inner = self.selection_set(sel.selection_set)
            # Introspection fields' subtrees are not counted (as Strawberry's limiter).
            depth = 0 if sel.name.value.startswith("__") else 1 + inner.depth
            return _Shape(
                depth,
                alias + inner.aliases,
                1 + inner.selections,
                max(own_input, inner.input_depth),
                inner.repeats,
            )
        if isinstance(sel, InlineFragmentNode):
            return self.selection_set(sel.selection_set)
        assert isinstance(sel, FragmentSpreadNode)
        return self.fragment(sel.name.value)

    def fragment(self, name: str) -> _Shape:
        return self._once(name, self.memo, _EMPTY, lambda d: self.selection_set(d.selection_set))

    def fragment_keys(self, name: str) -> Counter[str]:
        return self._once(name, self.keys_memo, Counter(), lambda d: self.keys(d.selection_set))

    def _once(
        self,
        name: str,
        memo: dict[str, T],
        empty: T,
        measure: Callable[[FragmentDefinitionNode], T],
    ) -> T:
        """``measure`` of fragment ``name``, once per document."""
        found = memo.get(name)
        if found is not None:
            return found
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return empty  # unknown or cyclic: graphql-core's rules report it
        if len(self.open) >= MAX_FRAGMENT_NESTING:
            raise _TooDeep
        self.open.append(name)
        try:
            found = memo[name] = measure(definition)
        finally:
            self.open.pop()
        return found


class _TooDeep(Exception):
    pass


def value_depth(node: ValueNode) -> int:
    """How deeply a literal value nests lists and objects (a scalar is 0)."""
    deepest = 0
    stack: list[tuple[ValueNode, int]] = [(node, 0)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, ListValueNode):
            stack.extend((v, depth + 1) for v in value.values)
        elif isinstance(value, ObjectValueNode):
            stack.extend((f.value, depth + 1) for f in value.fields)
    return deepest


def literal_strings(node: ValueNode) -> Iterator[str]:
    stack: list[ValueNode] = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, StringValueNode):
            yield value.value
        elif isinstance(value, ListValueNode):
            stack.extend(value.values)
        elif isinstance(value, ObjectValueNode):
            stack.extend(f.value for f in value.fields)


def document_errors(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """The static limits a document breaks (before graphql-core validates it), in time
    linear in the document's size."""
    measure = _Measure(document)
    errors: list[GraphQLError] = []
    total_aliases = total_selections = input_depth = repeats = 0
    try:
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            shape = measure.selection_set(definition.selection_set)
            name = definition.name.value if definition.name else "anonymous"
            if shape.depth > limits.max_query_depth:
                errors.append(
                    limit_error(
                        f"'{name}' exceeds maximum operation depth of {limits.max_query_depth}",
                        "MAX_DEPTH_EXCEEDED",
                        depth=shape.depth,
                        limit=limits.max_query_depth,
                    )
                )
            total_aliases += shape.aliases
            total_selections += shape.selections
            repeats = max(repeats, shape.repeats)
            defaults = [
                d.default_value for d in definition.variable_definitions or () if d.default_value
            ]
            input_depth = max(input_depth, shape.input_depth, *map(value_depth, defaults))
        for fragment in measure.fragments.values():
            input_depth = max(input_depth, measure.fragment(fragment.name.value).input_depth)
    except _TooDeep:
        return [
            limit_error(
                f"Fragments are nested more than {MAX_FRAGMENT_NESTING} deep.",
                "MAX_DEPTH_EXCEEDED",
                limit=MAX_FRAGMENT_NESTING,
            )
        ]
    over = [
        (
            total_aliases,
            limits.max_aliases,
            f"{total_aliases} aliases found. Allowed: {limits.max_aliases}",
            "MAX_ALIASES_EXCEEDED",
            "aliases",
        ),
        (
            total_selections,
            limits.max_selections,
            f"The document selects {total_selections} fields once its fragments are "
            f"expanded; at most {limits.max_selections} are allowed.",
            "MAX_SELECTIONS_EXCEEDED",
            "selections",
        ),
        (
            # only when the selections are within their limit (the same code)
            repeats if total_selections <= limits.max_selections else 0,
            limits.max_field_repeats,
            f"A selection set asks for the same field {repeats} times; at most "
            f"{limits.max_field_repeats} are allowed.",
            "MAX_SELECTIONS_EXCEEDED",
            "repeats",
        ),
    ]
    for value, limit, message, code, name in over:
        if value > limit:
            errors.append(limit_error(message, code, **{name: value, "limit": limit}))
    if input_depth > limits.max_input_depth:
        errors.append(_input_depth_error(input_depth, limits))
    if measure.nul:
        errors.append(nul_error())
    return errors


def _input_depth_error(depth: int, limits: Limits) -> GraphQLError:
    return limit_error(
        f"An input value is nested {depth} deep; at most {limits.max_input_depth} is allowed.",
        "MAX_INPUT_DEPTH_EXCEEDED",
        depth=depth,
        limit=limits.max_input_depth,
    )


NUL_MESSAGE = "Text must not contain NUL (U+0000) characters."


def variable_errors(variables: dict[str, Any] | None, limits: Limits) -> list[GraphQLError]:
    """The limits the request's variables break: how many values they hold, how deeply
    they nest, and NUL characters in any string (PostgreSQL text cannot hold them).
    Iterative, so a value nested thousands deep is measured, not recursed into."""
    count = 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(v, 0) for v in (variables or {}).values()]
    while stack:
        value, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        if count > limits.max_input_values:
            return [
                limit_error(
                    f"The variables hold more than {limits.max_input_values} values.",
                    "MAX_INPUT_SIZE_EXCEEDED",
                    limit=limits.max_input_values,
                )
            ]
        if depth > limits.max_input_depth:
            return [_input_depth_error(depth, limits)]
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            if any("\x00" in k for k in value):
                return [nul_error()]
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and "\x00" in value:
            return [nul_error()]
    return []


def nul_error() -> GraphQLError:
    return limit_error(NUL_MESSAGE, "BAD_USER_INPUT")
