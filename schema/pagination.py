"""Relay cursor connections: ``edges { cursor node }``, ``pageInfo``, lazy ``totalCount``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

import strawberry

from db import listing
from db.pagination import CursorError, Order, Page, PageArgs, decode_cursor, encode_cursor
from schema.enums import Direction
from schema.errors import BadUserInput, InvalidCursor, PageSizeExceeded

N = TypeVar("N")


class PageLimits(Protocol):
    """The page sizes a deployment allows (``schema.limits.Limits`` adds the rest)."""

    @property
    def default_page_size(self) -> int: ...

    @property
    def max_page_size(self) -> int: ...


@strawberry.type(description="Where a page sits in the whole list (Relay PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow `endCursor` (forward paging); with `before`, true."
    )
    has_previous_page: bool = strawberry.field(
        description="Items precede `startCursor` (backward paging); with `after`, true."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="An item and its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Pass as `after`/`before` to page from here.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="A page of items in a stable order, with cursors (Relay).")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    count_fn: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="How many items match in all (not only this page). Computed only when "
        "asked for: a COUNT over the filter."
    )
    async def total_count(self) -> int:
        return await self.count_fn()


def connection(
    page: Page[Any],
    order: Order,
    make_node: Callable[[Any], N],
    count_fn: Callable[[], Awaitable[int]],
) -> Connection[N]:
    edges = [
        Edge(cursor=encode_cursor(order, key, row.id), node=make_node(row))
        for row, key in zip(page.rows, page.keys, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_fn=count_fn,
    )


def page_args(
    order: Order,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    settings: PageLimits,
) -> PageArgs:
    """Validate Relay arguments; the page size is ``first`` or ``last`` (default when none)."""
    default_size, max_size = settings.default_page_size, settings.max_page_size
    if first is not None and last is not None:
        raise BadUserInput("Pass either `first` or `last`, not both.", field="last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and size < 0:
            raise BadUserInput(f"`{name}` must not be negative.", field=name)
        if size is not None and size > max_size:
            raise PageSizeExceeded(
                f"`{name}` is {size}; the maximum page size is {max_size}.",
                field=name,
                maxPageSize=max_size,
            )
    try:
        after_c = decode_cursor(order, after) if after is not None else None
        before_c = decode_cursor(order, before) if before is not None else None
    except CursorError as exc:
        raise InvalidCursor(str(exc)) from exc
    if last is None and first is None:
        if before is not None:
            last = default_size
        else:
            first = default_size
    return PageArgs(order=order, first=first, after=after_c, last=last, before=before_c)


def is_descending(direction: Direction) -> bool:
    return direction == Direction.DESC


async def list_connection(
    ctx: Any,
    table: listing.Table[Any, Any],
    f: Any,
    order: Order,
    make_node: Callable[[Any], N],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[N]:
    """A root list: one page of ``table`` under filter ``f``; the count runs if asked."""
    args = page_args(
        order, first=first, after=after, last=last, before=before, settings=ctx.settings
    )
    page = await listing.page(ctx.db, table, ctx.viewer, f, args)
    return connection(page, order, make_node, lambda: listing.count(ctx.db, table, ctx.viewer, f))
