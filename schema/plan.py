"""The query planner's GraphQL side: a validated operation → the planner's selection tree.

It walks the operation as graphql-core's executor would (fragments, ``@skip`` /
``@include``, fields merged by response key), converts each field's arguments with the
same Strawberry inputs and checks the resolvers use (filters' ``to_db()``, page
arguments, global IDs), and looks every field up in ``db.model``. Anything the model does
not describe (``history``, ``affiliates``, stats, search, mutations) raises
``NotPlanned``, and the request is answered by the resolvers instead; so does any
argument error, so errors are always the resolvers' own.

An object's selections that hold no variable (no argument or directive of theirs, nor of
any field or fragment below them, names one) plan to the same subtree whatever the
variables: it is built once per document and kept in its memo (``db.planner.Memo``),
so a new set of variables costs only the fields that use them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from db import planner
from db.model import ENTITIES, TYPES, GlobalId, Incidents, Ref, Rows, Struct, Unplanned, Value
from db.pagination import Order
from schema.actor import actor_order
from schema.arguments import Converter
from schema.enums import value
from schema.ids import from_global_id, pk_of
from schema.incident import incident_order
from schema.location import location_order
from schema.pagination import PageLimits, page_args
from schema.source import source_order


class NotPlanned(Exception):
    """The operation (or an argument in it) is left to the resolvers."""


_ROOT_LISTS = {
    "incidents": "Incident",
    "actors": "Actor",
    "locations": "Location",
    "sources": "Source",
}
_ROOT_ONE = {"incident": "Incident", "actor": "Actor", "location": "Location", "source": "Source"}
# The resolvers' own order functions (each applies its input's default order).
_ORDER: dict[str, Callable[[Any], Order]] = {
    "Incident": incident_order,
    "Actor": actor_order,
    "Location": location_order,
    "Source": source_order,
}


class Walker:
    def __init__(
        self,
        schema: Any,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
        limits: PageLimits,
        max_ids: int,
        converter: Converter,
        memo: planner.Memo | None = None,
    ) -> None:
        self.schema = schema  # strawberry.Schema
        self.gql: GraphQLSchema = schema._schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        self.max_ids = max_ids
        self.converter = converter
        self.memo = memo

    # --- collecting fields, as graphql-core's executor does --------------------------

    def collect(
        self, type_: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect(type_, selection_set, fields, visited)
        return fields

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        fields: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for sel in selection_set.selections:
            if not self._included(sel):
                continue
            if isinstance(sel, FieldNode):
                key = sel.alias.value if sel.alias else sel.name.value
                fields.setdefault(key, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                if sel.type_condition is None or self._applies(
                    sel.type_condition.name.value, type_
                ):
                    self._collect(type_, sel.selection_set, fields, visited)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in visited:
                    continue
                visited.add(name)
                frag = self.fragments.get(name)
                if frag is None or not self._applies(frag.type_condition.name.value, type_):
                    continue
                self._collect(type_, frag.selection_set, fields, visited)

    def _included(self, node: Any) -> bool:
        """``@skip`` / ``@include``, as the executor applies them."""
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip["if"] is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include["if"] is False)

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        if condition == type_.name:
            return True
        abstract = self.gql.get_type(condition)
        return abstract is not None and any(i.name == condition for i in type_.interfaces)

    def subfields(
        self, type_: GraphQLObjectType, nodes: list[FieldNode]
    ) -> dict[str, list[FieldNode]]:
        return self.collect(type_, [n.selection_set for n in nodes if n.selection_set])

    def args(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any]:
        raw = get_argument_values(field_def, node, self.variables)
        definition = field_def.extensions.get("strawberry-definition")
        if definition is None:
            raise NotPlanned("field without a Strawberry definition")
        return self.converter.arguments(definition, raw, definition.arguments)

    def constant(self, node: Node) -> bool:
        """Whether nothing in ``node`` (and the fragments it spreads) names a variable."""
        memo = self.memo
        found = memo.constant.get(id(node)) if memo is not None else None
        if found is None:
            found = not _names_variable(node, self.fragments)
            if memo is not None:
                memo.constant[id(node)] = found
        return found

    # --- the operation ---------------------------------------------------------------

    def operation(self, op: OperationDefinitionNode) -> tuple[tuple[str, Any], ...]:
        if op.operation.value != "query":
            raise NotPlanned("not a query")
        query = self.gql.query_type
        assert query is not None
        out = []
        for key, nodes in self.collect(query, [op.selection_set]).items():
            out.append((key, self.root_field(query, nodes)))
        return tuple(out)

    def root_field(self, query: GraphQLObjectType, nodes: list[FieldNode]) -> Any:
        name = nodes[0].name.value
        if name == "__typename":
            return planner.Typename(query.name)
        field_def = query.fields.get(name)
        if field_def is None:
            raise NotPlanned(name)
        if name in _ROOT_LISTS:
            kwargs = self.args(field_def, nodes[0])
            return self.connection(field_def, nodes, _ROOT_LISTS[name], kwargs, None, None)
        if name in _ROOT_ONE:
            type_name = _ROOT_ONE[name]
            pk = pk_of(self.args(field_def, nodes[0])["id"], type_name)
            return self.by_id(type_name, pk, nodes)
        if name == "node":
            type_name, pk = from_global_id(self.args(field_def, nodes[0])["id"])
            return self.by_id(type_name, pk, nodes)
        if name == "nodes":
            ids = self.args(field_def, nodes[0])["ids"]
            if len(ids) > self.max_ids:
                raise NotPlanned("too many ids: the resolver reports it")
            return planner.NodeList(tuple(self.by_id(*from_global_id(gid), nodes) for gid in ids))
        raise NotPlanned(name)

    def by_id(self, type_name: str, pk: int, nodes: list[FieldNode]) -> planner.ById:
        type_ = self.gql.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType)
        return planner.ById(ENTITIES[type_name], pk, self.obj(type_, type_name, nodes))

    def obj(self, type_: GraphQLObjectType, model_type: str, nodes: list[FieldNode]) -> planner.Obj:
        memo = self.memo
        # (the fields' own arguments are the parent's business: only what is below them)
        if memo is None or not all(
            n.selection_set is None or self.constant(n.selection_set) for n in nodes
        ):
            return self._obj(type_, model_type, nodes)
        key = (type_.name, model_type, *map(id, nodes))
        found = memo.trees.get(key)
        if found is None:
            found = memo.pin(key, self._obj(type_, model_type, nodes))
        return found

    def _obj(
        self, type_: GraphQLObjectType, model_type: str, nodes: list[FieldNode]
    ) -> planner.Obj:
        specs = TYPES[model_type]
        out: list[tuple[str, Any]] = []
        for key, fnodes in self.subfields(type_, nodes).items():
            name = fnodes[0].name.value
            if name == "__typename":
                out.append((key, planner.Typename(type_.name)))
                continue
            spec = specs.get(name)
            field_def = type_.fields[name]
            if spec is None or isinstance(spec, Unplanned):
                raise NotPlanned(f"{type_.name}.{name}")
            out.append((key, self.field(spec, field_def, fnodes)))
        return planner.Obj(model_type, tuple(out))

    def field(self, spec: Any, field_def: GraphQLField, nodes: list[FieldNode]) -> Any:
        if isinstance(spec, Value | GlobalId):
            return planner.Leaf(spec)
        sub = get_named_type(field_def.type)
        if isinstance(spec, Struct | Ref):
            assert isinstance(sub, GraphQLObjectType)
            return planner.Nested(spec, self.obj(sub, spec.type, nodes))
        if isinstance(spec, Rows):
            assert isinstance(sub, GraphQLObjectType)
            kwargs = self.args(field_def, nodes[0]) if field_def.args else {}
            args = []
            for name, given in kwargs.items():
                if given is None:
                    continue
                if name not in spec.args:
                    raise NotPlanned(f"argument {name}")
                if isinstance(given, list):
                    given = sorted({value(v) for v in given})  # noqa: PLW2901
                args.append((name, given))
            return planner.ListOf(spec, self.obj(sub, spec.type, nodes), tuple(args))
        if isinstance(spec, Incidents):
            kwargs = self.args(field_def, nodes[0])
            roles = None
            if kwargs.get("role") is not None:
                roles = tuple(sorted({value(r) for r in kwargs["role"]}))
            return self.connection(field_def, nodes, "Incident", kwargs, spec, roles)
        raise NotPlanned(repr(spec))

    def connection(
        self,
        field_def: GraphQLField,
        nodes: list[FieldNode],
        type_name: str,
        kwargs: dict[str, Any],
        link: Incidents | None,
        roles: tuple[str, ...] | None,
    ) -> planner.Connection:
        entity = ENTITIES[type_name]
        f = kwargs.get("filter")
        order_by = kwargs.get("order_by")
        order = _ORDER[type_name](order_by)
        page = page_args(
            order,
            first=kwargs.get("first"),
            after=kwargs.get("after"),
            last=kwargs.get("last"),
            before=kwargs.get("before"),
            settings=self.limits,
        )
        conn_type = get_named_type(field_def.type)
        assert isinstance(conn_type, GraphQLObjectType)
        fields: list[tuple[str, Any]] = []
        for key, fnodes in self.subfields(conn_type, nodes).items():
            fname = fnodes[0].name.value
            if fname == "__typename":
                fields.append((key, planner.Typename(conn_type.name)))
            elif fname == "totalCount":
                fields.append((key, planner.TotalCount()))
            elif fname == "edges":
                fields.append((key, self.edges(conn_type, type_name, fnodes)))
            elif fname == "pageInfo":
                info_type = get_named_type(conn_type.fields["pageInfo"].type)
                assert isinstance(info_type, GraphQLObjectType)
                info: list[tuple[str, Any]] = []
                for ikey, inodes in self.subfields(info_type, fnodes).items():
                    iname = inodes[0].name.value
                    if iname == "__typename":
                        info.append((ikey, planner.Typename(info_type.name)))
                    else:
                        info.append((ikey, planner.PageInfoField(iname)))
                fields.append((key, planner.PageInfo(tuple(info))))
            else:
                raise NotPlanned(f"{conn_type.name}.{fname}")
        return planner.Connection(
            entity,
            f.to_db() if f is not None else None,
            page,
            tuple(fields),
            link,
            roles,
        )

    def edges(
        self, conn_type: GraphQLObjectType, type_name: str, nodes: list[FieldNode]
    ) -> planner.Edges:
        edge_type = get_named_type(conn_type.fields["edges"].type)
        assert isinstance(edge_type, GraphQLObjectType)
        node_type = self.gql.get_type(type_name)
        assert isinstance(node_type, GraphQLObjectType)
        out: list[tuple[str, Any]] = []
        for key, fnodes in self.subfields(edge_type, nodes).items():
            fname = fnodes[0].name.value
            if fname == "__typename":
                out.append((key, planner.Typename(edge_type.name)))
            elif fname == "cursor":
                out.append((key, planner.Cursor()))
            elif fname == "node":
                out.append((key, self.obj(node_type, type_name, fnodes)))
            else:
                raise NotPlanned(f"{edge_type.name}.{fname}")
        return planner.Edges(tuple(out))


def _names_variable(node: Node, fragments: dict[str, FragmentDefinitionNode]) -> bool:
    seen: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, VariableNode):
            return True
        if isinstance(n, FragmentSpreadNode) and n.name.value not in seen:
            seen.add(n.name.value)
            if n.name.value in fragments:
                stack.append(fragments[n.name.value])
        for key in n.keys:
            v = getattr(n, key, None)
            if isinstance(v, Node):
                stack.append(v)
            elif isinstance(v, tuple | list):
                stack.extend(x for x in v if isinstance(x, Node))
    return False


def plan(
    schema: Any,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
    limits: PageLimits,
    max_ids: int,
    converter: Converter,
    memo: planner.Memo | None = None,
) -> tuple[tuple[str, Any], ...]:
    """The selection tree of ``operation``; raises ``NotPlanned`` (or the resolvers' own
    argument errors) when the resolvers must answer it. ``memo``: the document's, whose
    subtrees without variables are built once (they must come from its syntax tree)."""
    return Walker(schema, fragments, variables, limits, max_ids, converter, memo).operation(
        operation
    )
