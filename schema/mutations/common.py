"""What every mutation shares: permission checks, the typed error results and their
arguments, and input fields → columns (``db.model.WRITES``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from typing import Annotated, Any

import strawberry

from db.model import ENTITIES, WRITES, input_field
from db.writes import core as w
from db.writes import records
from schema.context import Info
from schema.enums import value
from schema.errors import InvalidId, SitrepError
from schema.ids import pk_of, to_global_id


class Unauthenticated(SitrepError):
    code = "UNAUTHENTICATED"


class Forbidden(SitrepError):
    code = "FORBIDDEN"


def require(info: Info, role: str) -> None:
    """``editor``: editors and admins; ``admin``: admins only."""
    viewer = info.context.viewer
    if viewer.role is None:
        # also for reads only editors make (history, the change feed, webhooks)
        raise Unauthenticated(
            f"This needs an API key with the {role} role: Authorization: Bearer <key>."
        )
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


VersionArg = Annotated[
    int, strawberry.argument(description="The version your change is based on (else CONFLICT).")
]
OptVersion = Annotated[
    int | None, strawberry.argument(description="If given, the version it must be at.")
]
ReasonArg = Annotated[str, strawberry.argument(description="Why (kept in the history).")]
SurvivorArg = Annotated[strawberry.ID, strawberry.argument(description="The one kept.")]
MergedArg = Annotated[strawberry.ID, strawberry.argument(description="The one merged.")]

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
        gid = to_global_id(exc.entity, exc.pk) if exc.entity in ENTITIES else None
        return NotFound(message=str(exc), code="NOT_FOUND", id=gid)
    raise exc


def ref(gid: Any, type_name: str, path: tuple[str | int, ...]) -> int | None:
    """A global ID argument → database id; a wrong ID is a field error (INVALID_ID)."""
    if gid is None or gid is strawberry.UNSET:
        return None
    try:
        return pk_of(str(gid), type_name)
    except InvalidId as exc:
        raise w.ValidationFailed([w.FieldError(path, "INVALID_ID", str(exc))]) from exc


def pk_arg(gid: strawberry.ID, type_name: str, path: str) -> int:
    """A required global ID argument → database id (a wrong ID is INVALID_ID)."""
    found = ref(gid, type_name, (path,))
    assert found is not None
    return found


def source_refs(ids: Sequence[strawberry.ID] | None) -> list[int]:
    """``input.sourceIds`` → database ids."""
    return [ref(s, "Source", ("input", "sourceIds", n)) or 0 for n, s in enumerate(ids or [])]


def _attribute(field: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), field)


def columns(obj: Any, entity: str) -> dict[str, Any]:
    """The input's given fields (not UNSET) → ``{column: value}``, for the columns
    ``db.model.WRITES`` lists for ``entity``: enums → their values, global IDs → database
    ids, ``killed.low`` read from the nested input ``killed`` (null sets null)."""
    out: dict[str, Any] = {}
    for spec in WRITES[entity]:
        field = input_field(spec)
        outer, _, inner = field.rpartition(".")
        v = getattr(obj, _attribute(outer or inner))
        if v is strawberry.UNSET:
            continue
        if outer:
            v = None if v is None else getattr(v, _attribute(inner))
            if isinstance(v, Enum):
                v = value(v)
        elif spec.ref is not None:
            v = ref(v, spec.ref, ("input", field))
        elif isinstance(v, Enum):
            v = value(v)
        out[spec.column] = v
    return out


def record_values(obj: Any, entity: str, creating: bool) -> tuple[dict[str, Any], records.Parts]:
    """A main record's input → its columns (a create defaults to DRAFT) and aliases."""
    v = columns(obj, entity)
    if creating:
        v.setdefault("status", "DRAFT")
    parts = records.Parts()
    aliases = getattr(obj, "aliases", strawberry.UNSET)
    if aliases is not strawberry.UNSET:
        parts.aliases = list(aliases or [])
    return v, parts


def upper(v: dict[str, Any], *columns: str) -> None:
    """Codes are stored upper-case."""
    for c in columns:
        if isinstance(v.get(c), str):
            v[c] = v[c].upper()


def with_sources(obj: Any, entity: str) -> tuple[dict[str, Any], records.Parts]:
    """A relation's or deployment's input → its columns and the sources supporting it."""
    return columns(obj, entity), records.Parts(source_ids=source_refs(obj.source_ids))
