"""What every mutation shares: permission checks, the typed error results, and `run`,
which executes one write in one transaction and turns write errors into results."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Annotated, Any, TypeVar

import strawberry

from db import listing
from db.writes import core as w
from schema.context import Info
from schema.enums import value
from schema.errors import InvalidId, SitrepError
from schema.ids import pk_of, to_global_id

T = TypeVar("T")


class Unauthenticated(SitrepError):
    code = "UNAUTHENTICATED"


class Forbidden(SitrepError):
    code = "FORBIDDEN"


def require(info: Info, role: str) -> None:
    """``editor``: editors and admins; ``admin``: admins only."""
    viewer = info.context.viewer
    if viewer.role is None:
        raise Unauthenticated("Changing data needs an API key: Authorization: Bearer <key>.")
    allowed = viewer.can_edit if role == "editor" else viewer.is_admin
    if not allowed:
        raise Forbidden(f"This needs the {role} role; your key has the {viewer.role} role.")


@strawberry.interface(description="Why a mutation did not apply. Nothing was changed.")
class MutationError:
    message: str = strawberry.field(description="What went wrong, for people.")
    code: str = strawberry.field(
        description="Stable code: VALIDATION_FAILED, CONFLICT or NOT_FOUND."
    )


@strawberry.type(description="A problem with one input field.")
class FieldError:
    path: list[str] = strawberry.field(
        description='Where in the arguments, e.g. ["input", "participants", "0", "actorId"].'
    )
    code: str = strawberry.field(
        description="REQUIRED, OUT_OF_RANGE, INVALID_RANGE, INVALID_VALUE, INVALID_ID, "
        "NOT_FOUND (a referenced record) or DUPLICATE."
    )
    message: str = strawberry.field(description="What is wrong, for people.")


@strawberry.type(description="The input was invalid; every problem is listed per field.")
class ValidationFailed(MutationError):
    fields: list[FieldError] = strawberry.field(description="One entry per problem.")


@strawberry.type(
    description="The record changed since the version the update was based on (optimistic "
    "concurrency): reload it and apply the change again."
)
class VersionConflict(MutationError):
    id: strawberry.ID = strawberry.field(description="The record.")
    expected_version: int = strawberry.field(description="The version you sent.")
    current_version: int = strawberry.field(description="The version it is at now.")


@strawberry.type(description="The record to change does not exist or is not visible to you.")
class NotFound(MutationError):
    id: strawberry.ID | None = strawberry.field(description="The ID that was not found.")


@strawberry.type(description="The record was removed (a tombstone appears in the changes feed).")
class Removed:
    id: strawberry.ID = strawberry.field(description="The removed record's ID.")


RemoveResult = Annotated[
    Removed | ValidationFailed | VersionConflict | NotFound,
    strawberry.union("RemoveResult", description="The removed record's ID, or why not."),
]


def error_result(entity: str, exc: w.WriteError) -> Any:
    if isinstance(exc, w.ValidationFailed):
        return ValidationFailed(
            message="The input is invalid.",
            code="VALIDATION_FAILED",
            fields=[
                FieldError(path=[str(p) for p in e.path], code=e.code, message=e.message)
                for e in exc.errors
            ],
        )
    if isinstance(exc, w.Conflict):
        return VersionConflict(
            message=str(exc),
            code="CONFLICT",
            id=to_global_id(exc.entity, exc.pk),
            expected_version=exc.expected,
            current_version=exc.current,
        )
    if isinstance(exc, w.NotFound):
        gid = to_global_id(exc.entity, exc.pk) if exc.entity in TYPE_NAMES else None
        return NotFound(message=str(exc), code="NOT_FOUND", id=gid)
    raise exc


TYPE_NAMES = set(w.TABLES)


def ref(gid: Any, type_name: str, path: tuple[str | int, ...]) -> int | None:
    """A global ID argument → database id; a wrong ID is a field error (INVALID_ID)."""
    if gid is None or gid is strawberry.UNSET:
        return None
    try:
        return pk_of(str(gid), type_name)
    except InvalidId as exc:
        raise w.ValidationFailed([w.FieldError(path, "INVALID_ID", str(exc))]) from exc


def given(obj: Any, mapping: dict[str, str]) -> dict[str, Any]:
    """Input attributes that were given (not UNSET) → ``{column: value}``; enums → str."""
    out: dict[str, Any] = {}
    for attr, column in mapping.items():
        v = getattr(obj, attr)
        if v is strawberry.UNSET:
            continue
        if hasattr(v, "value") and not isinstance(v, (str, int, float)):
            v = value(v)
        out[column] = v
    return out


async def run(
    info: Info,
    role: str,
    entity: str,
    work: Callable[[w.Tx], Awaitable[int]],
    load: Callable[[int], Awaitable[Any]] | None = None,
) -> Any:
    """Check the role, run ``work`` in one transaction, return the changed object (read
    back as the viewer sees it) or a typed error (and then nothing was written)."""
    require(info, role)
    ctx = info.context
    try:
        async with w.transaction(ctx.db, ctx.viewer) as tx:
            pk = await work(tx)
    except w.WriteError as exc:
        return error_result(entity, exc)
    if load is not None:
        return await load(pk)
    return Removed(id=to_global_id(entity, pk))


async def reload(
    info: Info, table: listing.Table[Any, Any], pk: int, make: Callable[[Any], T]
) -> T:
    """The record as the viewer now sees it (and drop any stale copy from the loader)."""
    with suppress(KeyError):  # strawberry's clear() raises for keys never loaded
        getattr(info.context.loaders, table.name).clear(pk)
    rows = await listing.by_ids(info.context.db, table, info.context.viewer, [pk])
    return make(rows[pk])
