"""The query planner's SQL side: a selection tree (from ``schema/plan.py``) → one statement
whose single text result is the JSON of the whole ``data`` object.

Objects are ``json_build_object`` over a row alias, related records and lists are
correlated subqueries (PostgreSQL runs them as nested loops over indexes, like a LATERAL
join), and connections take one keyset page with the ``limit + 1`` row, so ``pageInfo``
is computed in SQL. Every value is formatted here exactly as the resolvers format it
(global IDs, cursors, ISO timestamps). Filters, visibility, orders and keyset conditions
come from the same code as the resolvers' reads (``db.filters``, ``db.model``,
``db.pagination``); field descriptions come from ``db.model``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from db import model
from db.cursors import encode_key_sql
from db.filters import (
    IncidentFilter,
    participants_by_date,
    shown_matches,
)
from db.model import ENTITIES, TYPES, Entity, GlobalId, Incidents, Ref, Rows, Struct, Value
from db.pagination import Order, PageArgs, order_by, page_conditions
from db.sql import Compiler
from db.viewer import Viewer

# PostgreSQL functions take at most 100 arguments: 50 key/value pairs.
_MAX_PAIRS = 50


# --- the selection tree ----------------------------------------------------------------


@dataclass(frozen=True)
class Typename:
    name: str


@dataclass(frozen=True)
class Leaf:
    """A scalar field of the model type (``Value`` or ``GlobalId``)."""

    spec: Value | GlobalId


@dataclass(frozen=True)
class Nested:
    """An object field: built from the same row (``Struct``) or a related record (``Ref``)."""

    spec: Struct | Ref
    obj: Obj


@dataclass(frozen=True)
class ListOf:
    """A list of related rows, with the field's argument values (already SQL-ready)."""

    spec: Rows
    obj: Obj
    args: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Cursor:
    pass


@dataclass(frozen=True)
class PageInfoField:
    name: str  # hasNextPage, hasPreviousPage, startCursor, endCursor


@dataclass(frozen=True)
class Connection:
    """A page of ``entity``: ``fields`` are the connection's selections (``edges`` holding
    ``Cursor`` and the node ``Obj``, ``pageInfo``, ``totalCount``, ``__typename``)."""

    entity: Entity
    filter: Any
    page: PageArgs
    fields: tuple[tuple[str, Any], ...]
    # For a nested list: the link to the parent and the roles it is restricted to.
    link: Incidents | None = None
    roles: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Edges:
    fields: tuple[tuple[str, Typename | Cursor | Obj], ...]


@dataclass(frozen=True)
class PageInfo:
    fields: tuple[tuple[str, Typename | PageInfoField], ...]


@dataclass(frozen=True)
class TotalCount:
    pass


@dataclass(frozen=True)
class Obj:
    """An object of model type ``type`` (a key of ``db.model.TYPES``)."""

    type: str
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ById:
    """One record by id (``incident(id:)``, ``node(id:)``); null if not visible."""

    entity: Entity
    pk: int
    obj: Obj


@dataclass(frozen=True)
class NodeList:
    """``nodes(ids:)``: one item per requested id, in order (null where none)."""

    items: tuple[ById | None, ...]


@dataclass
class Statement:
    """The SQL and its arguments. ``generic``: its plan does not depend on the argument
    values (ids, date ranges, enums), so a cached generic plan serves every call; else
    PostgreSQL plans each call for its values (an actor's or a country's incidents, a name,
    a text search: the data is skewed)."""

    sql: str
    args: list[Any] = field(default_factory=list)
    generic: bool = True


class Memo:
    """What planning one document keeps from one request to the next (one per document
    and deployment limits, dropped with the document: ``schema/documents.py``):

    * ``trees``: each selection subtree that holds no variable, built once
      (``schema/plan.py``), so the same ``Obj`` comes back for every request; ``pinned``
      holds those objects by ``id`` (alive as long as the memo);
    * ``sql``: the SQL of such a subtree at each place of a statement it was compiled at
      (the same parent, aliases and parameters before it, and visibility: then the same
      text, aliases, parameters and plan choice, ``Planner.obj``);
    * ``costs``: the operation's cost by the variables' sizes (``app/fastpath.py``).

    Only ``sql`` grows with the variables (a subtree at another place): at most
    ``MAX_SQL`` texts, ``MAX_BYTES`` of them in all."""

    MAX_SQL = 32
    MAX_BYTES = 128 * 1024

    def __init__(self) -> None:
        self.trees: dict[tuple[Any, ...], Obj] = {}
        self.pinned: dict[int, Obj] = {}
        self.constant: dict[int, bool] = {}  # a syntax node's id → holds no variable
        self.sql: dict[tuple[Any, ...], tuple[str, int, tuple[Any, ...], bool]] = {}
        self.costs: dict[tuple[Any, ...], Any] = {}
        self.bytes = 0

    def pin(self, key: tuple[Any, ...], obj: Obj) -> Obj:
        self.trees[key] = obj
        self.pinned[id(obj)] = obj
        return obj

    def keep(self, key: tuple[Any, ...], found: tuple[str, int, tuple[Any, ...], bool]) -> None:
        size = len(found[0])
        if len(self.sql) < self.MAX_SQL and self.bytes + size <= self.MAX_BYTES:
            self.sql[key] = found
            self.bytes += size


# What a merged-away record's lookup returns: the request goes to the resolvers, which
# follow the redirect. (A text that happens to hold this only costs a trip to them.)
MERGED = "\\u0000sitrep:merged-record"


# --- JSON formatting -------------------------------------------------------------------


def timestamp_text(expr: str) -> str:
    """Python's ``isoformat()`` of a UTC timestamp: microseconds only when not zero."""
    utc = f"({expr}) at time zone 'UTC'"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || case when "
        f"date_part('microseconds', {expr})::bigint % 1000000 <> 0 then to_char({utc}, '.US') "
        f"else '' end || '+00:00')"
    )


def _time_text(expr: str) -> str:
    ts = f"(date '2000-01-01' + ({expr}))"
    return (
        f"(to_char({ts}, 'HH24:MI:SS') || case when date_part('microseconds', {expr})::bigint "
        f"% 1000000 <> 0 then to_char({ts}, '.US') else '' end)"
    )


def _formatted(spec: Value, t: str, c: Compiler) -> str:
    sql = spec.sql.format(t=t, u=c.alias("u")) if "{u}" in spec.sql else spec.sql.format(t=t)
    if spec.format == "timestamp":
        return timestamp_text(sql)
    if spec.format == "time":
        return _time_text(sql)
    if spec.format in ("float", "float4"):
        return float_json(f"({sql})::float8")
    return sql


def float_json(v: str) -> str:
    """A double as Python's JSON writes it: PostgreSQL writes the same shortest digits, but
    a whole number without the ``.0`` (below 1e16, where Python switches to exponents)."""
    return (
        f"case when {v} is null then null when {v} = trunc({v}) and abs({v}) < 1e16 "
        f"then ({v}::text || '.0')::json else {v}::text::json end"
    )


def global_id(type_name: str, pk: str) -> str:
    return f"encode(convert_to('{type_name}:' || {pk}, 'UTF8'), 'base64')"


def _key_json(order: Order, key: str) -> str:
    """The sort key as the cursor codec writes it (``db.pagination.encode_cursor``)."""
    if order.kind == "timestamp":
        # -infinity (a source without a publication time) is asyncpg's naive datetime.min.
        text = (
            f"case when {key} = '-infinity'::timestamptz then '0001-01-01T00:00:00' "
            f"else {timestamp_text(key)} end"
        )
        return f"to_json({text})::text"
    return f"to_json({key})::text"


def cursor_sql(order: Order, key: str, pk: str) -> str:
    """``db.pagination.encode_cursor`` in SQL."""
    return encode_key_sql(order.tag, _key_json(order, key), pk)


def build_object(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object with keys in order. Keys are GraphQL names (``[_A-Za-z0-9]``)."""
    if not pairs:
        return "json_build_object()"
    if len(pairs) <= _MAX_PAIRS:
        return "json_build_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"
    parts = [f"'\"{k}\":' || coalesce(to_json({v})::text, 'null')" for k, v in pairs]
    return "('{' || " + " || ',' || ".join(parts) + " || '}')::json"


def skewed(f: Any) -> bool:
    """Whether a filter's selectivity depends on its values beyond ranges and enums: it
    names actors, places, sources, text or ids, whose frequencies differ by orders of
    magnitude. Not when it also bounds incidents to a short window (``WINDOW_DAYS``): the
    date index then decides the plan, whatever the other values."""
    if not dataclasses.is_dataclass(f):
        return False
    window = getattr(f, "occurred_on", None)
    if (
        window is not None
        and not window.overlaps  # the occurred_on index bounds only WITHIN matches
        and window.gte is not None
        and window.lte is not None
        and (window.lte - window.gte).days <= WINDOW_DAYS
    ):
        return False
    return _skewed(f)


# A date window this short reads few enough incidents that one plan serves all values.
WINDOW_DAYS = 31


def _skewed(f: Any) -> bool:
    if not dataclasses.is_dataclass(f):
        return False
    for name in (x.name for x in dataclasses.fields(f)):
        v = getattr(f, name)
        if v is None or v == () or v is False:
            continue
        if name in _VALUE_INDEPENDENT:
            continue
        if name in ("and_", "or_"):
            if any(_skewed(sub) for sub in v):
                return True
            continue
        if name == "not_":
            if _skewed(v):
                return True
            continue
        return True
    return False


# Filter fields whose plans do not depend on the values: ranges and enum sets.
_VALUE_INDEPENDENT = frozenset(
    {
        "occurred_on",
        "event_types",
        "sub_event_types",
        "weapons",
        "outcomes",
        "claim_statuses",
        "time_precisions",
        # not ``killed``/``injured``: most incidents kill no one, a few kill hundreds
        # (``killed >= 100`` is 1 incident in 1,000), and a generic plan, taking a third
        # of the rows to match, counted by scanning every incident (250 ms, not 1 ms)
        "updated_since",
        "kinds",
        "published",
        "duplicates",  # COLLAPSE or INCLUDE: a fixed clause, not a value
    }
)


# --- compiling -------------------------------------------------------------------------


class Planner:
    def __init__(self, viewer: Viewer, memo: Memo | None = None) -> None:
        self.c = Compiler(viewer, hoist=True)
        # Set when a value decides the plan (whose incidents, which place, what text).
        self.skewed = False
        self.memo = memo
        self._inside = False  # compiling a subtree that will be kept

    def statement(self, root: Sequence[tuple[str, Any]]) -> Statement:
        pairs = [(key, self.root_item(item)) for key, item in root]
        # bytea: the driver hands over the UTF-8 bytes as they are, to be written as they are.
        sql = f"{self.c.with_clause()}select convert_to({build_object(pairs)}::text, 'UTF8')"
        return Statement(sql, self.c.params.args, generic=not self.skewed)

    def root_item(self, item: Any) -> str:
        if isinstance(item, Typename):
            return self.c(item.name) + "::text"
        if isinstance(item, Connection):
            return self.connection(item, None)
        if isinstance(item, ById):
            return self.by_id(item)
        if isinstance(item, NodeList):
            parts = [
                "'null'" if one is None else f"coalesce({self.by_id(one)}::text, 'null')"
                for one in item.items
            ]
            if not parts:
                return "'[]'::json"
            return "('[' || " + " || ',' || ".join(parts) + " || ']')::json"
        raise TypeError(item)

    def by_id(self, item: ById) -> str:
        e, c = item.entity, self.c
        t = c.alias(e.alias)
        pk = c(item.pk) + "::bigint"
        # The parent's id is the parameter itself: nested incident pages see its value, so
        # PostgreSQL plans a busy actor's page differently from a quiet one's.
        obj = self.obj(item.obj, t, parent_key=pk)
        found = f"(select {obj} from {e.table} {t} where {t}.id = {pk} and {e.visible(c, t)})"
        if e.redirect is None:
            return found
        # A merged-away id resolves to its survivor: rare, and left to the resolvers.
        m = c.alias("m")
        return (
            f"coalesce({found}, (select to_json({c(MERGED)}::text) from {e.table} {m} "
            f"where {m}.id = {pk} and {m}.{e.redirect} is not null))"
        )

    def obj(
        self,
        obj: Obj,
        t: str,
        parent_key: str | None = None,
        joins: dict[str, tuple[str, str]] | None = None,
    ) -> str:
        """``joins``: records already joined (and checked visible) by their key column.

        A subtree without variables (pinned in the memo) compiled at a place it was
        compiled at before is the text kept then: the same aliases, parameters and plan
        choice follow. Not when it used hoisted values (``Compiler.uses``): those depend
        on what came before."""
        memo, c = self.memo, self.c
        if memo is None or self._inside or memo.pinned.get(id(obj)) is not obj:
            return self._obj(obj, t, parent_key, joins)
        key = (
            id(obj),
            t,
            parent_key,
            tuple(joins.items()) if joins else (),
            c.aliases,
            len(c.params.args),
            c.viewer.can_see_drafts,
        )
        found = memo.sql.get(key)
        if found is not None:
            text, c.aliases, args, skewed = found
            c.params.args.extend(args)
            self.skewed = self.skewed or skewed
            return text
        start, uses, before = len(c.params.args), c.uses, self.skewed
        self.skewed, self._inside = False, True
        try:
            text = self._obj(obj, t, parent_key, joins)
        finally:
            self._inside = False
        skewed, self.skewed = self.skewed, before or self.skewed
        if c.uses == uses:
            memo.keep(key, (text, c.aliases, tuple(c.params.args[start:]), skewed))
        return text

    def _obj(
        self,
        obj: Obj,
        t: str,
        parent_key: str | None,
        joins: dict[str, tuple[str, str]] | None,
    ) -> str:
        specs = TYPES[obj.type]
        pairs: list[tuple[str, str]] = []
        for key, item in obj.fields:
            pairs.append((key, self.field(specs, item, t, parent_key, joins or {})))
        return build_object(pairs)

    def field(
        self,
        specs: dict[str, Any],
        item: Any,
        t: str,
        parent_key: str | None,
        joins: dict[str, tuple[str, str]],
    ) -> str:
        c = self.c
        if isinstance(item, Typename):
            return c(item.name) + "::text"
        if isinstance(item, Leaf):
            if isinstance(item.spec, GlobalId):
                return global_id(item.spec.type, f"{t}.id")
            return _formatted(item.spec, t, c)
        if isinstance(item, Nested):
            spec = item.spec
            if isinstance(spec, Struct):
                built = self.obj(item.obj, t)
                if spec.null_if is None:
                    return built
                return f"case when {spec.null_if.format(t=t)} then null else {built} end"
            e = ENTITIES[spec.type]
            key = spec.key.format(t=t)
            joined = joins.get(key)
            if joined is not None and joined[0] == e.table and e.visible == model.status_visible:
                return self.obj(item.obj, joined[1])
            x = c.alias(e.alias)
            return (
                f"(select {self.obj(item.obj, x)} from {e.table} {x} "
                f"where {x}.id = {key} and {e.visible(c, x)})"
            )
        if isinstance(item, ListOf):
            return self.rows(item, t)
        if isinstance(item, Connection):
            return self.connection(item, parent_key or f"{t}.id", keyed=parent_key is not None)
        raise TypeError(item)

    def rows(self, item: ListOf, t: str) -> str:
        c, spec = self.c, item.spec
        x, lk = c.alias("x"), c.alias("lk")
        source = spec.source.format(x=x, t=t, l=lk)
        conds = []
        joins: dict[str, tuple[str, str]] = {}  # key column SQL → (table, alias) joined on it
        rule = model.visibility(spec.type)
        if rule is not None:
            # Each record the row needs is joined once: the join is the visibility check,
            # and a field that shows that record is built from it.
            own = model.Rule(rule.own, tuple(n for n in rule.needs if n[2]))
            for table, key, _ in (n for n in rule.needs if not n[2]):
                j = c.alias(table[0] + "j")
                joins[f"{x}.{key}"] = (table, j)
                head, sep, tail = source.partition(" where ")
                assert sep, spec.source
                source = (
                    f"{head} join {table} {j} on {j}.id = {x}.{key} and {c.visible(j)}{sep}{tail}"
                )
            if own.own or own.needs:
                conds.append(own(c, x))
        for name, raw in item.args:
            arg = spec.args[name]
            conds.append(arg.sql.format(x=x, v=f"{c(raw)}::{arg.cast}"))
        where = "".join(f" and {cond}" for cond in conds)
        order = spec.order.format(x=x)
        return (
            f"coalesce((select json_agg({self.obj(item.obj, x, joins=joins)} order by {order}) "
            f"{source}{where}), '[]'::json)"
        )

    def _where(self, e: Entity, f: Any, t: str) -> str:
        """Visibility and filter of ``e``'s rows aliased ``t``."""
        where = self.c.visible(t) if e.visible is model.status_visible else e.visible(self.c, t)
        if f is not None:
            assert e.where is not None
            where += " and " + e.where(f, self.c, t)
        return where

    def connection(self, conn: Connection, parent: str | None, *, keyed: bool = False) -> str:
        """A page of ``conn.entity``; ``parent`` is the SQL of the parent's id for a nested
        list (``keyed``: a parameter, the id of a record looked up by id)."""
        c, e, page = self.c, conn.entity, conn.page
        t = c.alias(e.alias)
        paged = any(isinstance(item, Edges | PageInfo) for _, item in conn.fields)
        link = dated = None  # the parent's incidents: ids; (occurred_on, id) rows by date
        exact = None  # (occurred_on, id) rows that are the list's records: counted alone
        f = conn.filter if conn.filter is not None else e.default_filter
        dated_filter = f  # what the dated rows' incidents are tested against
        each: tuple[str, str] | None = None  # several actors' ids, and the dated rows of one
        by_date = paged and page.order.name == "OCCURRED_ON"
        counted = any(isinstance(item, TotalCount) for _, item in conn.fields)
        if conn.link is not None:
            assert parent is not None
            roles = ""
            if conn.roles is not None:
                roles = f" and {{l}}.role = any({c(list(conn.roles))}::text[])"
            lk = c.alias("lk")
            link = conn.link.link.replace("{roles}", roles).format(id=parent, l=lk)
            if conn.link.dated is not None:
                rows = conn.link.dated.replace("{roles}", roles).format(id=parent, l=lk)
                dated = rows if by_date else None
                if counted and isinstance(f, IncidentFilter):
                    # the rows of the incidents the viewer sees in a list, tested on the
                    # participations' copies (and a window, if the filter asks that alone)
                    shown = shown_matches(f, c, lk)
                    exact = None if shown is None else f"{rows} and {shown}"
        if conn.filter is not None:
            self.skewed = self.skewed or skewed(conn.filter)
            if (
                link is None
                and (by_date or counted)
                and e.type == "Incident"
                and isinstance(conn.filter, IncidentFilter)
            ):
                # An actor's incidents asked for with a filter: read like Actor.incidents.
                by_actor = participants_by_date(conn.filter, c, exact_only=not by_date)
                if by_actor is not None:
                    if by_date:
                        dated, dated_filter, each = by_actor.rows, by_actor.rest, by_actor.each
                    if counted:
                        exact = by_actor.counted
        if keyed and (
            dated is None or conn.roles is not None or conn.filter is not None or counted
        ):
            # The list of one record (an actor's incidents) whose size is its value's: a
            # busy actor's and a quiet one's are planned each for its own. Not its first
            # incidents by date alone: they are the first entries of the dated index
            # whatever the actor (a generic plan: 40% less work than planning each call).
            self.skewed = True
        where = ""  # compiled only where used: a parameter bound but unused has no type
        if (paged and dated is None) or (counted and exact is None):
            where = self._where(e, f, t)
            if conn.link is not None and conn.link.column is not None:
                where = f"{t}.{conn.link.column} = {parent} and {where}"
            elif link is not None:
                where = f"{t}.id in ({link}) and {where}"
        if exact is not None:
            # an actor's incidents, counted from its participations' index entries alone
            total = f"(select count(*) from ({exact}) {c.alias('n')})"
        else:
            total = f"(select count(*) from {e.table} {t} where {where})"
        if not paged:
            # No page to read (totalCount, __typename alone).
            alone = [
                (key, total) if isinstance(item, TotalCount) else (key, c(item.name) + "::text")
                for key, item in conn.fields
            ]
            return f"(select {build_object(alone)})"
        order = page.order
        rank_dir = "desc" if order.descending != page.backward else "asc"
        # The page size is written into the statement (a checked int, and part of the plan
        # cache's key with the variables): a generic plan that sees ``limit $n`` guesses
        # it keeps a tenth of the rows, and prefers walking an ordered index it can stop
        # early to the selective index and a sort (``headline``: 2,700 rows read for 16).
        size = int(page.limit)
        y, p = c.alias("y"), c.alias(e.alias)
        out = "desc" if page.backward else "asc"  # the order edges are returned in
        shown = f"{p}._r <= {size}"
        cursor = cursor_sql(order, f"{p}._k", f"{p}.id")
        more = f"count(*) > {size}"
        pairs: list[tuple[str, str]] = []
        counted_rows = False  # whether a cursor of pageInfo needs the rows' count, ``_n``
        for key, item in conn.fields:
            if isinstance(item, Typename):
                pairs.append((key, c(item.name) + "::text"))
            elif isinstance(item, TotalCount):
                pairs.append((key, total))
            elif isinstance(item, Edges):
                edge: list[tuple[str, str]] = []
                for ekey, eitem in item.fields:
                    if isinstance(eitem, Typename):
                        edge.append((ekey, c(eitem.name) + "::text"))
                    elif isinstance(eitem, Cursor):
                        edge.append((ekey, cursor))
                    else:
                        edge.append((ekey, self.obj(eitem, p)))
                pairs.append(
                    (
                        key,
                        f"coalesce(json_agg({build_object(edge)} order by {p}._r {out}) "
                        f"filter (where {shown}), '[]'::json)",
                    )
                )
            elif isinstance(item, PageInfo):
                info: list[tuple[str, str]] = []
                for ikey, iitem in item.fields:
                    if isinstance(iitem, Typename):
                        info.append((ikey, c(iitem.name) + "::text"))
                        continue
                    name = iitem.name
                    if name == "hasNextPage":
                        sql = ("true" if page.before else "false") if page.backward else more
                    elif name == "hasPreviousPage":
                        sql = more if page.backward else ("true" if page.after else "false")
                    else:
                        # start = first edge shown, end = last edge shown: the cursor of
                        # that one row (``_n``: the rows read, ``size`` + 1 at most).
                        first = (name == "startCursor") != page.backward
                        rank = "1" if first else f"least({p}._n, {size})"
                        sql = f"min(case when {p}._r = {rank} and {shown} then {cursor} end)"
                        counted_rows = True
                    info.append((ikey, sql))
                pairs.append((key, build_object(info)))
            else:
                raise TypeError(item)
        built = build_object(pairs)
        # The page's rows carry only the columns the selection reads (and ``id``): fewer
        # bytes through the window and the aggregate.
        read = {"id", *re.findall(rf"\b{p}\.(\w+)", built)} - {"_k", "_r", "_n"}
        columns = ", ".join(f"{t}.{name}" for name in sorted(read))
        if dated is None:
            inner = (
                f"select {columns}, {order.sql(t)} as _k from {e.table} {t} "
                f"where {' and '.join([where, *page_conditions(c, page, t)])} "
                f"order by {order_by(page, t)} limit {size + 1}"
            )
        else:
            # Read in the dated link's order (its index), each incident joined by id;
            # the cursor's bounds apply to the link's rows, the filter to the incident.
            d = c.alias("d")
            dated_where = self._where(e, dated_filter, t)
            if each is not None:
                # several actors: the page of each, read in its index's order, then
                # merged (an incident of two of them once)
                u, w = c.alias("u"), c.alias("w")
                dated = each[1].replace("{actor}", f"{u}.id")
            inner = (
                f"select {columns}, {d}.occurred_on as _k "
                f"from ({dated} order by 1 {rank_dir}, 2 {rank_dir}) {d} "
                f"join {e.table} {t} on {t}.id = {d}.id "
                f"where {' and '.join([dated_where, *page_conditions(c, page, d)])} "
                f"order by {order_by(page, d)} limit {size + 1}"
            )
            if each is not None:
                inner = (
                    f"select distinct on ({w}._k, {w}.id) {w}.* "
                    f"from {each[0]} {u} cross join lateral ({inner}) {w} "
                    f"order by {w}._k {rank_dir}, {w}.id {rank_dir} limit {size + 1}"
                )
        count = ", count(*) over () as _n" if counted_rows else ""
        ranked = (
            f"select {y}.*, row_number() over (order by {y}._k {rank_dir}, {y}.id {rank_dir}) "
            f"as _r{count} from ({inner}) {y}"
        )
        # ``group by ()``: one row of aggregates, also when the page is empty.
        return f"(select {built} from ({ranked}) {p} group by ())"
