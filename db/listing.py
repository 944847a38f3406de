"""Generic list reads shared by the domain modules: one page, pages per parent, counts.

A ``Table`` says how to select a domain's rows; the functions here add visibility,
the filter, keyset conditions and the order, so every domain paginates the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from db.core import Db, to_rows
from db.model import Entity
from db.pagination import (
    KeyKind,
    Order,
    Page,
    PageArgs,
    make_page,
    nested_page_sql,
    page_sql,
)
from db.sql import Compiler
from db.viewer import Viewer

R = TypeVar("R")
Links = Callable[[Compiler, str], str]  # (compiler, SQL of one parent id) → child ids SQL
F = TypeVar("F")


@dataclass(frozen=True)
class Table(Generic[R, F]):
    """How to read a domain's rows: table, alias, columns (``{t}`` = alias), row type,
    filter compiler, and the allow-listed orders ``name → (SQL expression, key kind)``."""

    name: str
    alias: str
    columns: str
    row: type[R]
    where: Callable[[F, Compiler, str], str]
    orders: dict[str, tuple[str, KeyKind]]
    # Column pointing a merged-away row at its survivor: ids of such rows resolve to it.
    redirect: str | None = None
    default_filter: F | None = None

    @classmethod
    def of(
        cls, entity: Entity, row: type[R], derived: dict[str, str] | None = None
    ) -> Table[R, Any]:
        """The table of a model entity (``db.model``), read into ``row``: each field of the
        row type is the column of that name, or the SQL in ``derived`` (over ``{t}``)."""
        assert entity.where is not None
        derived = derived or {}
        columns = ", ".join(
            f"{derived[f.name]} as {f.name}" if f.name in derived else f"{{t}}.{f.name}"
            for f in dataclasses.fields(row)  # type: ignore[arg-type]
        )
        return cls(
            entity.table,
            entity.alias,
            columns,
            row,
            entity.where,
            entity.orders,
            entity.redirect,
            entity.default_filter,
        )

    def select(self, t: str | None = None) -> str:
        """The select list over the alias ``t`` (default: the table's own)."""
        t = t or self.alias
        return self.columns.format(t=t, u=f"{t}u")

    def order(self, name: str, descending: bool) -> Order:
        expr, kind = self.orders[name]
        return Order(name, expr, kind, descending)


def _where(table: Table[R, F], c: Compiler, f: F | None) -> str:
    t = table.alias
    clause = c.visible(t)
    f = f if f is not None else table.default_filter
    if f is not None:
        clause += " and " + table.where(f, c, t)
    return clause


async def by_ids(db: Db, table: Table[R, F], viewer: Viewer, ids: Sequence[int]) -> dict[int, R]:
    c = Compiler(viewer)
    t = table.alias
    if table.redirect is not None:
        m = c.alias("m")
        sql = (
            f"select {table.select()}, req.id as _requested "
            f"from unnest({c(list(ids))}::bigint[]) req(id) join {table.name} {t} on {t}.id = "
            f"coalesce((select {m}.{table.redirect} from {table.name} {m} where {m}.id = req.id), "
            f"req.id) where {c.visible(t)}"
        )
        records = await db.fetch(sql, *c.params.args)
        found = to_rows(table.row, records)
        return {r["_requested"]: row for r, row in zip(records, found, strict=True)}
    sql = (
        f"select {table.select()} from {table.name} {t} "
        f"where {t}.id = any({c(list(ids))}::bigint[]) and {c.visible(t)}"
    )
    rows = to_rows(table.row, await db.fetch(sql, *c.params.args))
    return {row.id: row for row in rows}  # type: ignore[attr-defined]


async def page(db: Db, table: Table[R, F], viewer: Viewer, f: F | None, args: PageArgs) -> Page[R]:
    c = Compiler(viewer)
    t = table.alias
    sql = page_sql(
        c,
        args,
        columns=table.select(),
        source=f"{table.name} {t}",
        t=t,
        where=_where(table, c, f),
    )
    records = await db.fetch(sql, *c.params.args)
    return make_page(to_rows(table.row, records), [r["_sort_key"] for r in records], args)


async def count(db: Db, table: Table[R, F], viewer: Viewer, f: F | None) -> int:
    c = Compiler(viewer)
    sql = f"select count(*) from {table.name} {table.alias} where {_where(table, c, f)}"
    return int(await db.fetchval(sql, *c.params.args))


async def pages_by_parent(
    db: Db,
    table: Table[R, F],
    viewer: Viewer,
    links: Links,
    parent_ids: Sequence[int],
    f: F | None,
    args: PageArgs,
) -> dict[int, Page[R]]:
    """One page per parent in one statement (a LATERAL top-N per parent).

    ``links`` builds SQL selecting the child ids of one parent, given the SQL of its id.
    """
    c = Compiler(viewer)
    t = table.alias
    if len(parent_ids) == 1:
        # One parent (the common `actor(id) { incidents }`): a plain page whose parent is
        # a parameter, so the planner sees its real selectivity (a busy actor is best
        # served by walking the date index, a quiet one by its links).
        parent = c(parent_ids[0])
        where = f"{t}.id in ({links(c, parent)}) and {_where(table, c, f)}"
        sql = page_sql(
            c,
            args,
            columns=f"{table.select()}, {parent}::bigint as _parent_id",
            source=f"{table.name} {t}",
            t=t,
            where=where,
        )
    else:
        sql = nested_page_sql(
            c,
            args,
            parent_ids=c(list(parent_ids)),
            columns=table.select(),
            children=links(c, "lk.parent_id"),
            table=table.name,
            t=t,
            where=_where(table, c, f),
        )
    records = await db.fetch(sql, *c.params.args)
    grouped: dict[int, tuple[list[Any], list[Any]]] = {pid: ([], []) for pid in parent_ids}
    for rec in records:
        rows, keys = grouped[rec["_parent_id"]]
        rows.extend(to_rows(table.row, [rec]))
        keys.append(rec["_sort_key"])
    return {pid: make_page(rows, keys, args) for pid, (rows, keys) in grouped.items()}


async def counts_by_parent(
    db: Db,
    table: Table[R, F],
    viewer: Viewer,
    links: Links,
    parent_ids: Sequence[int],
    f: F | None,
) -> dict[int, int]:
    c = Compiler(viewer)
    ids = c(list(parent_ids))
    t = table.alias
    sql = (
        f"select lk.parent_id, (select count(*) from {table.name} {t} "
        f"where {t}.id in ({links(c, 'lk.parent_id')}) and {_where(table, c, f)}) "
        f"from unnest({ids}::bigint[]) as lk(parent_id)"
    )
    found = {r[0]: int(r[1]) for r in await db.fetch(sql, *c.params.args)}
    return {pid: found.get(pid, 0) for pid in parent_ids}
