"""Typed write errors, and the generic versioned insert/update/retract.

Every mutation runs in one ``Tx`` (``db.transaction``): a single connection inside one
transaction, plus the changes it made, which the change log gets at its end. Only
records the writer may see (``db.model``'s visibility rules) can be changed or referred
to. Column names come only from the allow-lists here (never from input).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from db.model import ENTITIES, WRITES
from db.sql import Compiler
from db.transaction import Tx, transaction  # noqa: F401 (mutations use w.transaction)

# table → the columns a write may set (identity, timestamps and version are managed).
# table → the columns creates and updates may set (from the model)
WRITABLE: dict[str, frozenset[str]] = {
    ENTITIES[entity].table: frozenset(w.column for w in writes) for entity, writes in WRITES.items()
}

# GraphQL type name → table
TABLES = {name: e.table for name, e in ENTITIES.items()}
VERSIONED = {"incident", "actor", "location", "source", "actor_relation", "deployment"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


# Columns whose GraphQL input field is not simply their camelCase name (from the model;
# a participant's attributing actor is an input of its own).
INPUT_NAMES = {
    w.column: w.input
    for writes in WRITES.values()
    for w in writes
    if w.input is not None and "." not in w.input
} | {"attributed_by_actor_id": "attributedById"}


def input_name(column: str) -> str:
    """The input field a column is set from, for error paths."""
    return INPUT_NAMES.get(column) or camel(column)


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field: its path (``["input", "occurredOn"]``), a code
    and a message."""

    path: tuple[str | int, ...]
    code: str
    message: str


class WriteError(Exception):
    code = "WRITE_FAILED"


class ValidationFailed(WriteError):
    code = "VALIDATION_FAILED"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors))
        self.errors = list(errors)


class NotFound(WriteError):
    code = "NOT_FOUND"

    def __init__(self, entity: str, pk: int, path: tuple[str | int, ...] = ("id",)) -> None:
        super().__init__(f"No {entity} with this ID (or it is not visible to you).")
        self.entity, self.pk, self.path = entity, pk, path


class Conflict(WriteError):
    code = "CONFLICT"

    def __init__(self, entity: str, pk: int, expected: int, current: int) -> None:
        super().__init__(
            f"The {entity} changed since version {expected}; it is now at version {current}. "
            "Reload it and apply your change again."
        )
        self.entity, self.pk, self.expected, self.current = entity, pk, expected, current


@dataclass
class Errors:
    """Collects field errors; ``check()`` raises them all at once."""

    prefix: tuple[str | int, ...] = ("input",)
    items: list[FieldError] = field(default_factory=list)

    def add(self, column: str | tuple[str | int, ...], code: str, message: str) -> None:
        path = (input_name(column),) if isinstance(column, str) else column
        self.items.append(FieldError((*self.prefix, *path), code, message))

    def check(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def _assignments(table: str, values: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    allowed = WRITABLE[table]
    bad = set(values) - allowed
    assert not bad, f"not writable on {table}: {bad}"
    cols = sorted(values)
    return cols, [values[c] for c in cols]


async def insert(tx: Tx, table: str, values: Mapping[str, Any]) -> int:
    cols, args = _assignments(table, values)
    placeholders = ", ".join(f"${n}" for n in range(1, len(cols) + 1))
    pk: int = await tx.db.fetchval(
        f"insert into {table} ({', '.join(cols)}) values ({placeholders}) returning id", *args
    )
    return pk


async def lock_version(tx: Tx, entity: str, pk: int, version: int | None) -> int:
    """Lock the row (``for update``) and check its version; returns the current version.

    Only rows the viewer may see can be changed (editors: drafts and published).
    """
    c = Compiler(tx.viewer)
    e = ENTITIES[entity]
    row = await tx.db.fetchrow(
        f"select t.version, {e.visible(c, 't')} as visible from {e.table} t "
        f"where t.id = {c(pk)} for update of t",
        *c.params.args,
    )
    if row is None or not row["visible"]:
        raise NotFound(entity, pk)
    if version is not None and row["version"] != version:
        raise Conflict(entity, pk, version, row["version"])
    return int(row["version"])


async def update(
    tx: Tx, entity: str, pk: int, version: int | None, values: Mapping[str, Any]
) -> None:
    """Set ``values`` and bump the version, if the row is still at ``version``."""
    table = TABLES[entity]
    await lock_version(tx, entity, pk, version)
    cols, args = _assignments(table, values)
    sets = [f"{c} = ${n}" for n, c in enumerate(cols, start=2)]
    await tx.db.execute(
        f"update {table} set {', '.join([*sets, 'version = version + 1'])} where id = $1",
        pk,
        *args,
    )


async def exists(tx: Tx, entity: str, pk: int) -> bool:
    """Whether a record the viewer may see (and so refer to) exists: not retracted, not
    merged away, not a draft for readers, and, for a relation, deployment or statement,
    with its ends visible."""
    c = Compiler(tx.viewer)
    e = ENTITIES[entity]
    sql = f"select exists (select 1 from {e.table} t where t.id = {c(pk)} and {e.visible(c, 't')})"
    return bool(await tx.db.fetchval(sql, *c.params.args))
