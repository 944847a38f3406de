"""Running a mutation, and the mutations every main record has, made once.

``run`` executes one write in one transaction and answers with the changed record (read
back as the viewer sees it) or a typed error. ``record_mutations`` builds createX,
updateX, retractX (and mergeXs) from a record's GraphQL type and input; each domain
module subclasses the result with its own mutations (participants, relations, …).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from functools import cache
from typing import Annotated, Any, Protocol, TypeVar

import strawberry

from db.writes import core as w
from db.writes import records
from db.writes.merge import merge
from schema.context import Info
from schema.ids import to_global_id
from schema.mutations.common import (
    MergedArg,
    NotFound,
    OptVersion,
    ReasonArg,
    Removed,
    RemoveResult,
    SurvivorArg,
    ValidationFailed,
    VersionArg,
    VersionConflict,
    error_result,
    pk_arg,
    require,
)
from schema.node import load_node

F = TypeVar("F", bound=Callable[..., Any])


async def run(
    info: Info,
    role: str,
    entity: str,
    work: Callable[[w.Tx], Awaitable[int]],
    *,
    removes: bool = False,
) -> Any:
    """Check the role, run ``work`` in one transaction, return the changed record (read
    back as the viewer sees it; ``removes``: its ID) or a typed error (and then nothing
    was written)."""
    require(info, role)
    ctx = info.context
    try:
        async with w.transaction(ctx.db, ctx.viewer) as tx:
            pk = await work(tx)
    except w.WriteError as exc:
        return error_result(entity, exc)
    if removes:
        return Removed(id=to_global_id(entity, pk))
    with suppress(KeyError):  # strawberry's clear() raises for keys never loaded
        ctx.loaders.records[entity].clear(pk)
    found = await load_node(info, entity, pk)
    if found is None:  # e.g. a statement about a draft incident the viewer cannot see
        return NotFound(message="Recorded, but not visible to you.", code="NOT_FOUND", id=None)
    return found


class RecordInput(Protocol):
    """A record's input: its columns and parts (``creating``: with a create's defaults)."""

    def to_db(self, creating: bool) -> tuple[dict[str, Any], records.Parts]: ...


@cache
def result_of(node: type, description: str) -> Any:
    """``IncidentResult``: the record, or why not (one union per record type)."""
    return Annotated[
        node | ValidationFailed | VersionConflict | NotFound,
        strawberry.union(f"{node.__name__}Result", description=description),
    ]


def changed_result(node: type) -> Any:
    """The result of the mutations that change a main record."""
    return result_of(node, f"The changed {node.__name__.lower()}, or why not.")


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _arguments(resolver: F, **types: Any) -> F:
    """Give Strawberry argument types known only at run time (the record's own input and
    ID descriptions): it reads them from the resolver's annotations."""
    resolver.__annotations__.update(types)
    return resolver


def _input(input_type: type, description: str) -> Any:
    return Annotated[input_type, strawberry.argument(description=description)]


def _id(noun: str) -> Any:
    return Annotated[strawberry.ID, strawberry.argument(description=f"The {noun}'s ID.")]


def _create(entity: str, input_arg: Any) -> Callable[..., Awaitable[Any]]:
    """Create a record from ``input`` (editors); answers with the record."""

    async def create(self: Any, info: Info, input: RecordInput) -> Any:
        async def work(tx: w.Tx) -> int:
            return await records.create(tx, entity, *input.to_db(creating=True))

        return await run(info, "editor", entity, work)

    return _arguments(create, input=input_arg)


async def _retract(
    info: Info, role: str, entity: str, id: strawberry.ID, version: int | None, reason: str
) -> Any:
    """Retract the record ``id`` (soft delete); answers with its ID."""

    async def work(tx: w.Tx) -> int:
        pk = pk_arg(id, entity, "id")
        await records.retract(tx, entity, pk, version, reason)
        return pk

    return await run(info, role, entity, work, removes=True)


def record_mutations(
    node: type,
    input_type: type[RecordInput],
    *,
    create_input: str | None = None,
    retract_detail: str = "",
    merge_description: str | None = None,
) -> type:
    """createX, updateX, retractX (and mergeXs) of a main record (``node``: Incident,
    Actor, Location or Source), in that order.

    ``create_input`` describes createX's input (default "The incident."),
    ``retract_detail`` continues retractX's description, and ``merge_description``, when
    given, adds mergeXs.
    """
    entity = node.__name__
    noun = entity.lower()
    result = changed_result(node)

    async def update(
        self: Any, info: Info, id: strawberry.ID, version: VersionArg, input: RecordInput
    ) -> Any:
        async def work(tx: w.Tx) -> int:
            pk = pk_arg(id, entity, "id")
            await records.change(tx, entity, pk, version, *input.to_db(creating=False))
            return pk

        return await run(info, "editor", entity, work)

    async def retract(
        self: Any, info: Info, id: strawberry.ID, version: VersionArg, reason: ReasonArg
    ) -> RemoveResult:
        return await _retract(info, "admin", entity, id, version, reason)

    async def merge_records(
        self: Any,
        info: Info,
        survivor_id: SurvivorArg,
        merged_id: MergedArg,
        survivor_version: OptVersion = None,
        merged_version: OptVersion = None,
    ) -> Any:
        async def work(tx: w.Tx) -> int:
            survivor = pk_arg(survivor_id, entity, "survivorId")
            merged = pk_arg(merged_id, entity, "mergedId")
            await merge(tx, entity, survivor, merged, survivor_version, merged_version)
            return survivor

        return await run(info, "admin", entity, work)

    fields: dict[str, Any] = {
        f"create_{noun}": strawberry.mutation(
            resolver=_create(entity, _input(input_type, create_input or f"The {noun}.")),
            description=f"Record a new {noun} (editor). Drafts by default.",
            graphql_type=result,
        ),
        f"update_{noun}": strawberry.mutation(
            resolver=_arguments(
                update, id=_id(noun), input=_input(input_type, "Fields to change.")
            ),
            description=f"Change {_a(noun)} (editor): only the fields given.",
            graphql_type=result,
        ),
        f"retract_{noun}": strawberry.mutation(
            resolver=_arguments(retract, id=_id(noun)),
            description=f"Retract (soft-delete) {_a(noun)} (admin){retract_detail}.",
        ),
    }
    if merge_description is not None:
        fields[f"merge_{noun}s"] = strawberry.mutation(
            resolver=merge_records, description=merge_description, graphql_type=result
        )
    return strawberry.type(type(f"{entity}RecordMutations", (), fields))


def part_mutations(
    node: type, input_type: type[RecordInput], *, noun: str, add: str, remove: str
) -> type:
    """addX and removeX of a record that links others (``node``: ActorRelation, Deployment
    or Statement; ``noun``: relation, deployment, statement): editors add one from its
    input and remove one by ID, with a reason. ``add`` and ``remove`` describe them.
    Statements have no version: removing one deletes it."""
    entity = node.__name__
    versioned = entity != "Statement"

    async def remove_versioned(
        self: Any,
        info: Info,
        id: strawberry.ID,
        reason: ReasonArg,
        version: OptVersion = None,
    ) -> RemoveResult:
        return await _retract(info, "editor", entity, id, version, reason)

    async def remove_statement(
        self: Any, info: Info, id: strawberry.ID, reason: ReasonArg
    ) -> RemoveResult:
        async def work(tx: w.Tx) -> int:
            pk = pk_arg(id, entity, "id")
            await records.delete_statement(tx, pk, reason)
            return pk

        return await run(info, "editor", entity, work, removes=True)

    removal = remove_versioned if versioned else remove_statement
    fields = {
        f"add_{noun}": strawberry.mutation(
            resolver=_create(entity, _input(input_type, f"The {noun}.")),
            description=add,
            graphql_type=result_of(node, f"The new {noun}, or why not."),
        ),
        f"remove_{noun}": strawberry.mutation(
            resolver=_arguments(removal, id=_id(noun)), description=remove
        ),
    }
    return strawberry.type(type(f"{entity}PartMutations", (), fields))
