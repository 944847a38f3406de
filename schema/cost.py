"""Static cost of an operation: the most field values its response can hold.

Computed after validation and before anything runs, the same way on both paths (the
planner's and the resolvers'), from the document, the operation and the request's
variables:

* every selected field counts 1 for each object it can appear in (aliases and repeated
  fragments count each time: they are resolved each time);
* a connection's page size (``first``/``last``, else the default page size, at most the
  maximum page size) multiplies its list's children (``edges``; the groups of
  ``incidentStats``, the changes of the feed); a list field with ``first`` (``search``,
  ``history``) multiplies its children by it, ``nodes(ids:)`` by the number of ids;
  any other list (participants, sources, relations …) by ``cost_list_size``;
* a connection's ``totalCount`` counts ``cost_count`` (250): it is one value, but it reads
  every row it counts, and nested in lists (each actor's count of incidents) it is read
  once per parent;
* ``__schema``/``__type`` count 1 (their size is the schema's, not the data's).

Each fragment is costed once per page context (memoised), so the cost takes time linear
in the document. The cost also counts the input objects the operation's arguments hold,
multiplied the same way (the resolvers convert a field's arguments once per object it
appears in, about a millisecond per filter object in Strawberry).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

from schema.limits import Limits, limit_error

MAX_LIST_SIZE = 10_000  # no list argument the resolvers accept is larger


@dataclass(frozen=True)
class Cost:
    cost: int  # field values the response can hold
    inputs: int  # input objects the resolvers convert


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.limits = limits
        self.variables = dict(variables)
        for d in operation.variable_definitions or ():
            name = d.variable.name.value
            if name not in self.variables and d.default_value is not None:
                self.variables[name] = _literal(d.default_value, {})
        self.objects: dict[str, int] = {}
        self.memo: dict[tuple[str, int | None], tuple[int, int]] = {}
        self.open: set[str] = set()

    def selection_set(
        self, type_: Any, node: SelectionSetNode, page: int | None
    ) -> tuple[int, int]:
        cost = inputs = 0
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                c, i = self.field(type_, sel, page)
            elif isinstance(sel, InlineFragmentNode):
                inner = type_
                if sel.type_condition is not None:
                    inner = self.schema.get_type(sel.type_condition.name.value) or type_
                c, i = self.selection_set(inner, sel.selection_set, page)
            else:
                assert isinstance(sel, FragmentSpreadNode)
                c, i = self.fragment(sel.name.value, page)
            cost += c
            inputs += i
        return cost, inputs

    def fragment(self, name: str, page: int | None) -> tuple[int, int]:
        key = (name, page)
        found = self.memo.get(key)
        if found is not None:
            return found
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return 0, 0  # refused by validation before any cost is computed
        self.open.add(name)
        try:
            type_ = self.schema.get_type(definition.type_condition.name.value)
            result = self.selection_set(type_, definition.selection_set, page)
        finally:
            self.open.discard(name)
        self.memo[key] = result
        return result

    def field(self, parent: Any, node: FieldNode, page: int | None) -> tuple[int, int]:
        name = node.name.value
        fields = getattr(parent, "fields", None)
        definition: GraphQLField | None = fields.get(name) if fields is not None else None
        if definition is None or node.selection_set is None:
            if name == "totalCount" and parent.name.endswith("Connection"):
                return self.limits.cost_count, 0
            return 1, 0  # a leaf, __typename, or __schema/__type
        inputs = sum(self.input_objects(a.value) for a in node.arguments or ())
        size = self.size(definition, node)
        if is_list_type(get_nullable_type(definition.type)):
            if size is not None:
                many = size
            elif page is not None:
                many = page
            else:
                many = self.limits.cost_list_size
            child_page = None
        else:
            many, child_page = 1, size
        cost, child_inputs = self.selection_set(
            get_named_type(definition.type), node.selection_set, child_page
        )
        return 1 + many * cost, inputs + many * child_inputs

    def size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        """The number of items a paged or counted field asks for, if it takes one."""
        given = {a.name.value: _literal(a.value, self.variables) for a in node.arguments or ()}
        if "ids" in definition.args and isinstance(given.get("ids"), list):
            return min(len(given["ids"]), self.limits.max_ids_per_lookup)
        sizes = [given.get(arg) for arg in ("first", "last") if arg in definition.args]
        if not sizes:
            return None
        value = next((s for s in sizes if isinstance(s, int)), None)
        if value is None:
            default = definition.args["first"].default_value if "first" in definition.args else None
            value = default if isinstance(default, int) else self.limits.default_page_size
        connection = get_named_type(definition.type).name.endswith("Connection")
        cap = self.limits.max_page_size if connection else MAX_LIST_SIZE
        return max(0, min(value, cap))

    def input_objects(self, node: ValueNode) -> int:
        count = 0
        stack = [node]
        while stack:
            value = stack.pop()
            if isinstance(value, ObjectValueNode):
                count += 1
                stack.extend(f.value for f in value.fields)
            elif isinstance(value, ListValueNode):
                stack.extend(value.values)
            elif isinstance(value, VariableNode):
                count += self.variable_objects(value.name.value)
        return count

    def variable_objects(self, name: str) -> int:
        found = self.objects.get(name)
        if found is None:
            found = self.objects[name] = _json_objects(self.variables.get(name))
        return found


def _literal(node: ValueNode, variables: dict[str, Any]) -> Any:
    """A literal's value as far as costing needs it: ints, variables and list lengths."""
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, ListValueNode):
        return [None] * len(node.values)
    return None


def _json_objects(value: Any) -> int:
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def operation_cost(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    limits: Limits,
) -> Cost:
    """The cost of a validated operation with these (raw, uncoerced) variables."""
    walk = _Walk(schema, fragments, operation, variables or {}, limits)
    root = schema.get_root_type(operation.operation)
    cost, inputs = walk.selection_set(root, operation.selection_set, None)
    return Cost(cost, inputs)


def cost_inputs(
    operation: OperationDefinitionNode, variables: dict[str, Any] | None
) -> tuple[Any, ...]:
    """All that ``operation_cost`` reads of the variables: of each, an int's value (page
    sizes), a list's length (ids) and the input objects it holds. Two sets of variables
    alike in these cost the same."""
    given = variables or {}
    return tuple(
        _cost_input(given.get(d.variable.name.value, _ABSENT))
        for d in operation.variable_definitions or ()
    )


_ABSENT = object()


def _cost_input(value: Any) -> tuple[Any, ...]:
    if value is _ABSENT:
        return ("absent",)
    return (
        type(value).__name__,
        value if isinstance(value, int) else None,
        len(value) if isinstance(value, list) else None,
        _json_objects(value),
    )


def cost_errors(cost: Cost, limits: Limits) -> list[GraphQLError]:
    """``QUERY_TOO_COMPLEX`` (with the cost and the limit) or too many input objects."""
    if cost.cost > limits.max_cost:
        return [
            limit_error(
                f"The query may return up to {cost.cost} values; the limit is "
                f"{limits.max_cost}. Ask for smaller pages or fewer nested lists (a "
                f"totalCount counts {limits.cost_count}).",
                "QUERY_TOO_COMPLEX",
                cost=cost.cost,
                limit=limits.max_cost,
            )
        ]
    if cost.inputs > limits.max_input_objects:
        return [
            limit_error(
                f"The arguments hold {cost.inputs} input objects once repeated for every "
                f"object they apply to; at most {limits.max_input_objects} are allowed.",
                "MAX_INPUT_SIZE_EXCEEDED",
                inputObjects=cost.inputs,
                limit=limits.max_input_objects,
            )
        ]
    return []


def cost_extension(cost: Cost, limits: Limits) -> dict[str, int]:
    """What a response's ``extensions.cost`` says."""
    return {"requested": cost.cost, "limit": limits.max_cost}
