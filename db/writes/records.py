"""Create, update and retract incidents, actors, locations, sources, relations,
deployments and statements, with their parts (aliases, participants, sources, ids).

Each function runs inside a ``Tx`` (one transaction), validates first (collecting every
field error), checks references, writes, and records the change with before and after
images. Callers get the record's id or a ``WriteError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from db import changelog, images
from db.model import WRITES
from db.writes import validate
from db.writes.core import (
    TABLES,
    VERSIONED,
    Errors,
    FieldError,
    NotFound,
    Tx,
    ValidationFailed,
    exists,
    insert,
    lock_version,
    update,
)


@dataclass(frozen=True)
class Spec:
    required: tuple[str, ...]
    check: Callable[[Mapping[str, Any], Errors], None]
    refs: dict[str, str]  # column → entity it references


def _period(what: str) -> Callable[[Mapping[str, Any], Errors], None]:
    def check(v: Mapping[str, Any], errors: Errors) -> None:
        validate.period(v, errors, what)
        if v.get("subject_actor_id") is not None and v.get("subject_actor_id") == v.get(
            "object_actor_id"
        ):
            errors.add("object_actor_id", "INVALID_VALUE", "An actor cannot relate to itself.")
        validate.non_negative(v, errors, "strength")

    return check


def _statement(v: Mapping[str, Any], errors: Errors) -> None:
    validate.not_blank(v, errors, "text")
    validate.date_in_range(v, errors, "stated_on")


def _spec(entity: str, check: Callable[[Mapping[str, Any], Errors], None]) -> Spec:
    """An entity's required and referencing columns come from the model."""
    writes = WRITES[entity]
    return Spec(
        tuple(w.column for w in writes if w.required),
        check,
        {w.column: w.ref for w in writes if w.ref is not None},
    )


SPECS: dict[str, Spec] = {
    "Incident": _spec("Incident", validate.incident),
    "Actor": _spec("Actor", validate.actor),
    "Location": _spec("Location", validate.location),
    "Source": _spec("Source", validate.source),
    "ActorRelation": _spec("ActorRelation", _period("The relation")),
    "Deployment": _spec("Deployment", _period("The deployment")),
    "Statement": _spec("Statement", _statement),
}

# unique constraint → (input path, message)
DUPLICATES: dict[str, tuple[tuple[str | int, ...], str]] = {
    "source_url_key": (("url",), "Another source has this URL."),
    "actor_relation_natural_key": (
        ("objectId",),
        "This relation already exists for this start date.",
    ),
    "deployment_natural_key": (("validFrom",), "This deployment already exists for this date."),
    "statement_natural_key": (("text",), "This statement is already recorded for the source."),
    "incident_participant_incident_id_actor_id_role_key": (
        ("actorId",),
        "The actor already has this role in the incident.",
    ),
    "incident_external_id_pkey": (("externalIds",), "Another incident has this external ID."),
}


@dataclass
class Parts:
    """The parts of a record written with it; None = leave as they are (on update)."""

    aliases: list[str] | None = None
    participants: list[dict[str, Any]] | None = None
    source_ids: list[int] | None = None
    external_ids: list[tuple[str, str]] | None = None
    extra_errors: list[FieldError] = field(default_factory=list)
    # addParticipant: the one participant *is* the input (paths input.actorId, not
    # input.participants.0.actorId)
    one_participant: bool = False


async def _taxonomy(tx: Tx, v: Mapping[str, Any], errors: Errors) -> None:
    if v.get("event_type") and v.get("sub_event_type"):
        parent = await tx.db.fetchval(
            "select event_type from event_taxonomy where sub_event_type = $1", v["sub_event_type"]
        )
        if parent != v["event_type"]:
            errors.add(
                "sub_event_type", "INVALID_VALUE", f"Not a sub-event type of {v['event_type']}."
            )


async def _check(
    tx: Tx,
    entity: str,
    merged: Mapping[str, Any],
    given: Mapping[str, Any],
    parts: Parts,
    pk: int | None,
) -> None:
    spec = SPECS[entity]
    errors = Errors()
    errors.items.extend(parts.extra_errors)
    validate.required(merged, errors, *spec.required)
    spec.check(merged, errors)
    if entity == "Incident":
        await _taxonomy(tx, merged, errors)
        if merged.get("status") == "RETRACTED":
            errors.add("status", "INVALID_VALUE", "Use the retract mutation to retract.")
    elif merged.get("status") == "RETRACTED":
        errors.add("status", "INVALID_VALUE", "Use the retract mutation to retract.")
    for column, target in spec.refs.items():
        ref = given.get(column)
        if ref is not None and not await exists(tx, target, ref):
            errors.add(column, "NOT_FOUND", f"No {target} with this ID.")
    if entity == "Location" and pk is not None and given.get("parent_id") == pk:
        errors.add("parent_id", "INVALID_VALUE", "A location cannot be its own parent.")
    links: set[tuple[Any, Any]] = set()
    for n, p in enumerate(parts.participants or []):
        at: tuple[str | int, ...] = () if parts.one_participant else ("participants", n)
        for column, target in (
            ("actor_id", "Actor"),
            ("attributed_by_actor_id", "Actor"),
            ("source_id", "Source"),
            ("statement_id", "Statement"),
        ):
            if p.get(column) is not None and not await exists(tx, target, p[column]):
                errors.add((*at, validate_camel(column)), "NOT_FOUND", f"No {target}.")
        if (p.get("actor_id"), p.get("role")) in links:
            errors.add((*at, "actorId"), "DUPLICATE", "The actor already has this role.")
        links.add((p.get("actor_id"), p.get("role")))
    for n, sid in enumerate(parts.source_ids or []):
        if not await exists(tx, "Source", sid):
            errors.add(("sourceIds", n), "NOT_FOUND", "No Source with this ID.")
    if parts.external_ids:
        validate.external_ids(parts.external_ids, errors)
        taken = await tx.db.fetch(
            "select e.system, e.external_id from incident_external_id e "
            "join unnest($1::text[], $2::text[]) x(system, external_id) "
            "using (system, external_id) where e.incident_id is distinct from $3",
            [s for s, _ in parts.external_ids],
            [e for _, e in parts.external_ids],
            pk,
        )
        clash = {(r["system"], r["external_id"]) for r in taken}
        for n, pair in enumerate(parts.external_ids):
            if pair in clash:
                errors.add(("externalIds", n, "id"), "DUPLICATE", "Another incident has this ID.")
    for n, alias in enumerate(parts.aliases or []):
        if not alias.strip():
            errors.add(("aliases", n), "REQUIRED", "Must not be empty.")
    errors.check()


def validate_camel(column: str) -> str:
    from db.writes.core import input_name

    return input_name(column)


async def _write_parts(tx: Tx, entity: str, pk: int, parts: Parts) -> None:
    if parts.aliases is not None:
        table, fk = (
            ("actor_alias", "actor_id")
            if entity == "Actor"
            else (
                "location_alias",
                "location_id",
            )
        )
        await tx.db.execute(f"delete from {table} where {fk} = $1", pk)
        await tx.db.execute(
            f"insert into {table} ({fk}, alias) select $1, a from unnest($2::text[]) a "
            "on conflict do nothing",
            pk,
            sorted({a.strip() for a in parts.aliases}),
        )
    if parts.external_ids is not None:
        await tx.db.execute("delete from incident_external_id where incident_id = $1", pk)
        for system, ext in parts.external_ids:
            await tx.db.execute(
                "insert into incident_external_id (system, external_id, incident_id) "
                "values ($1, $2, $3)",
                system,
                ext,
                pk,
            )
    if parts.source_ids is not None:
        link, fk = {
            "Incident": ("incident_source", "incident_id"),
            "ActorRelation": ("actor_relation_source", "relation_id"),
            "Deployment": ("deployment_source", "deployment_id"),
        }[entity]
        await tx.db.execute(
            f"delete from {link} where {fk} = $1 and source_id <> all($2::bigint[])",
            pk,
            parts.source_ids,
        )
        await tx.db.execute(
            f"insert into {link} ({fk}, source_id) select $1, s from unnest($2::bigint[]) s "
            "on conflict do nothing",
            pk,
            parts.source_ids,
        )
    if parts.participants is not None:
        await tx.db.execute("delete from incident_participant where incident_id = $1", pk)
        for p in parts.participants:
            await add_participant_row(tx, pk, p)


async def add_participant_row(tx: Tx, incident_id: int, p: Mapping[str, Any]) -> None:
    await tx.db.execute(
        "insert into incident_participant (incident_id, actor_id, role, basis, "
        "attributed_by_actor_id, source_id, statement_id, note) "
        "values ($1, $2, $3, coalesce($4, 'REPORTED'), $5, $6, $7, $8)",
        incident_id,
        p["actor_id"],
        p["role"],
        p.get("basis"),
        p.get("attributed_by_actor_id"),
        p.get("source_id"),
        p.get("statement_id"),
        p.get("note"),
    )


def _duplicate(exc: asyncpg.UniqueViolationError) -> ValidationFailed:
    path, message = DUPLICATES.get(
        exc.constraint_name or "", (("input",), "A record with these values already exists.")
    )
    return ValidationFailed([FieldError(("input", *path), "DUPLICATE", message)])


def _defaults(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    if entity == "Incident" and values.get("occurred_on") is not None:
        values.setdefault("date_earliest", values["occurred_on"])
        values.setdefault("date_latest", values["occurred_on"])
    return values


async def create(tx: Tx, entity: str, values: Mapping[str, Any], parts: Parts | None = None) -> int:
    parts = parts or Parts()
    data = _defaults(entity, {k: v for k, v in values.items() if v is not None})
    await _check(tx, entity, data, data, parts, None)
    try:
        pk = await insert(tx, TABLES[entity], data)
        await _write_parts(tx, entity, pk, parts)
    except asyncpg.UniqueViolationError as exc:
        raise _duplicate(exc) from exc
    await changelog.done(tx, entity, pk, "CREATE", None)
    return pk


async def current(tx: Tx, entity: str, pk: int) -> dict[str, Any]:
    row = await tx.db.fetchrow(f"select * from {TABLES[entity]} where id = $1", pk)
    if row is None:
        raise NotFound(entity, pk)
    return dict(row)


async def change(
    tx: Tx,
    entity: str,
    pk: int,
    version: int | None,
    values: Mapping[str, Any],
    parts: Parts | None = None,
) -> None:
    """Update the given columns (None clears a column) if the record is at ``version``."""
    parts = parts or Parts()
    if TABLES[entity] in VERSIONED:
        await lock_version(tx, entity, pk, version)
    before = await changelog.track(tx, entity, pk)
    merged = {**(await current(tx, entity, pk)), **values}
    await _check(tx, entity, merged, values, parts, pk)
    try:
        if TABLES[entity] in VERSIONED:
            await update(tx, entity, pk, None, values)
        await _write_parts(tx, entity, pk, parts)
    except asyncpg.UniqueViolationError as exc:
        raise _duplicate(exc) from exc
    except asyncpg.CheckViolationError as exc:
        raise ValidationFailed(
            [FieldError(("input",), "INVALID_VALUE", "The values are inconsistent.")]
        ) from exc
    await changelog.done(tx, entity, pk, "UPDATE", before)


async def retract(tx: Tx, entity: str, pk: int, version: int | None, reason: str) -> None:
    """Soft delete: the record stays (for history) but is hidden from every read."""
    if not reason.strip():
        raise ValidationFailed([FieldError(("reason",), "REQUIRED", "Give a reason.")])
    await lock_version(tx, entity, pk, version)
    before = await changelog.track(tx, entity, pk)
    await update(tx, entity, pk, None, {"status": "RETRACTED"})
    await changelog.done(tx, entity, pk, "RETRACT", before, reason)


async def delete_statement(tx: Tx, pk: int, reason: str | None) -> None:
    """Statements have no status of their own: removing one deletes it (a tombstone)."""
    before = await changelog.track(tx, "Statement", pk)
    if before is None:
        raise NotFound("Statement", pk)
    # participants citing it lose the citation (on delete set null): their incidents change
    citing = [
        r[0]
        for r in await tx.db.fetch(
            "select distinct incident_id from incident_participant where statement_id = $1 "
            "order by 1",
            pk,
        )
    ]
    befores = await images.snapshots(tx.db, "Incident", citing)
    await tx.db.execute("delete from statement where id = $1", pk)
    changelog.record(tx, "Statement", pk, "RETRACT", before, None, reason)
    if citing:
        await tx.db.execute(
            "update incident set version = version + 1 where id = any($1::bigint[])", citing
        )
        await changelog.record_differences(tx, {"Incident": befores})


async def set_participant(
    tx: Tx, incident_id: int, version: int | None, p: Mapping[str, Any], *, remove: bool
) -> None:
    """Add (or remove) one participant; a new version of the incident either way."""
    await lock_version(tx, "Incident", incident_id, version)
    before = await changelog.track(tx, "Incident", incident_id)
    if remove:
        status = await tx.db.execute(
            "delete from incident_participant where incident_id = $1 and actor_id = $2 "
            "and role = $3",
            incident_id,
            p["actor_id"],
            p["role"],
        )
        if status.endswith(" 0"):
            raise NotFound("Participant", p["actor_id"], ("actorId",))
    else:
        await _check(
            tx,
            "Incident",
            {**(await current(tx, "Incident", incident_id))},
            {},
            Parts(participants=[dict(p)], one_participant=True),
            incident_id,
        )
        try:
            await add_participant_row(tx, incident_id, p)
        except asyncpg.UniqueViolationError as exc:
            raise _duplicate(exc) from exc
    await update(tx, "Incident", incident_id, None, {})
    await changelog.done(tx, "Incident", incident_id, "UPDATE", before)
