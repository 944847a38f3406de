"""Keyset pagination: stable orders, opaque cursors, and page queries (root and per parent).

An order is ``(sort expression, id)``; a cursor carries the order it was made for and
the last row's key, so a page never skips or repeats rows when others are inserted.
Pages fetch one row more than asked to know whether another page follows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from db.cursors import CursorError, decode_key, encode_key
from db.sql import Compiler

KeyKind = Literal["date", "timestamp", "text", "int"]
_MAX_INT = 2**31  # an ``int`` key is a PostgreSQL integer
T = TypeVar("T")


@dataclass(frozen=True)
class Order:
    """An allow-listed sort: ``expr`` is SQL over the table alias ``{t}``."""

    name: str
    expr: str
    kind: KeyKind
    descending: bool

    def sql(self, t: str) -> str:
        return self.expr.format(t=t)

    @property
    def tag(self) -> str:
        return f"{self.name}:{'DESC' if self.descending else 'ASC'}"


@dataclass(frozen=True)
class Cursor:
    value: Any
    id: int


@dataclass(frozen=True)
class PageArgs:
    order: Order
    first: int | None = None
    after: Cursor | None = None
    last: int | None = None
    before: Cursor | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def limit(self) -> int:
        size = self.last if self.backward else self.first
        assert size is not None
        return size


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _decode_value(kind: KeyKind, raw: Any) -> Any:
    if kind == "int":  # never null (an unknown death toll is -1)
        if not isinstance(raw, int) or isinstance(raw, bool) or not -_MAX_INT <= raw < _MAX_INT:
            raise TypeError("integer key expected")
        return raw
    if raw is None:
        return None
    if kind == "date":
        return dt.date.fromisoformat(raw)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(raw)
    if not isinstance(raw, str):
        raise TypeError("text key expected")
    if "\x00" in raw:
        raise ValueError("PostgreSQL text cannot hold NUL")
    return raw


def encode_cursor(order: Order, value: Any, row_id: int) -> str:
    return encode_key(order.tag, _encode_value(value), row_id)


def decode_cursor(order: Order, cursor: str) -> Cursor:
    """The position a cursor made for ``order`` stands for (``CursorError`` if it is
    malformed or was made for another order)."""
    tag, raw, row_id = decode_key(cursor)
    try:
        value = _decode_value(order.kind, raw)
    except (ValueError, TypeError) as exc:
        raise CursorError("The cursor is malformed.") from exc
    if tag != order.tag:
        raise CursorError(f"The cursor was made for order {tag}, not {order.tag}.")
    return Cursor(value, row_id)


def _keyset(c: Compiler, order: Order, t: str, cursor: Cursor, *, after: bool) -> str:
    # Rows after the cursor in the order's direction: (key, id) > (v, id) ascending.
    greater = after != order.descending
    op = ">" if greater else "<"
    key = order.sql(t)
    if cursor.value is None:
        return f"({key} is null and {t}.id {op} {c(cursor.id)})"
    return f"(({key}, {t}.id) {op} ({c(cursor.value)}, {c(cursor.id)}))"


def page_conditions(c: Compiler, page: PageArgs, t: str) -> list[str]:
    conds = []
    if page.after is not None:
        conds.append(_keyset(c, page.order, t, page.after, after=True))
    if page.before is not None:
        conds.append(_keyset(c, page.order, t, page.before, after=False))
    return conds


def order_by(page: PageArgs, t: str) -> str:
    descending = page.order.descending != page.backward
    direction = "desc" if descending else "asc"
    return f"{page.order.sql(t)} {direction}, {t}.id {direction}"


def page_sql(c: Compiler, page: PageArgs, *, columns: str, source: str, t: str, where: str) -> str:
    """One page of rows from ``source`` (``table alias`` or a join) ordered by ``page``."""
    conds = [where, *page_conditions(c, page, t)]
    return (
        f"select {columns}, {page.order.sql(t)} as _sort_key from {source} "
        f"where {' and '.join(conds)} order by {order_by(page, t)} limit {c(page.limit + 1)}"
    )


def nested_page_sql(
    c: Compiler,
    page: PageArgs,
    *,
    parent_ids: str,
    columns: str,
    children: str,
    table: str,
    t: str,
    where: str,
) -> str:
    """Pages for many parents in one statement.

    For each parent id in ``parent_ids`` (a placeholder), a LATERAL subquery takes the
    first ``limit + 1`` rows among ``children`` (a subquery over ``lk.parent_id``) in the
    page's order, so PostgreSQL can stop early on an index instead of ranking every child
    of a busy parent. A LATERAL join is a nested loop, so each parent's rows come out in
    the subquery's order.
    """
    conds = [f"{t}.id in ({children})", where, *page_conditions(c, page, t)]
    return (
        f"select x.* from unnest({parent_ids}::bigint[]) as lk(parent_id) "
        f"cross join lateral (select {columns}, {page.order.sql(t)} as _sort_key, "
        f"lk.parent_id as _parent_id from {table} {t} where {' and '.join(conds)} "
        f"order by {order_by(page, t)} limit {c(page.limit + 1)}) x"
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    keys: list[Any]
    has_next: bool
    has_previous: bool


def make_page(rows: list[T], keys: list[Any], page: PageArgs) -> Page[T]:
    """Trim the extra row and restore the requested order for backward pages."""
    more = len(rows) > page.limit
    rows, keys = rows[: page.limit], keys[: page.limit]
    if page.backward:
        rows.reverse()
        keys.reverse()
        return Page(rows, keys, has_next=page.before is not None, has_previous=more)
    return Page(rows, keys, has_next=more, has_previous=page.after is not None)
