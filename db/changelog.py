"""The change-log writer: every writer records its changes here, and they are written
to ``change_log`` when its transaction ends (``db.transaction``).

Every write records, per changed record, a before and after image (``db.images``). The
rows are buffered in the transaction (``Tx.changes``) and inserted by ``flush`` at its
very end, after taking a transaction-level advisory lock that is held until commit.
So change ids are allocated in commit order: a transaction can only take ids after
every earlier writer has committed (or rolled back) and become visible. A reader that
has seen id N has therefore seen every committed id below N, and the feed can page on
``id > cursor`` without ever skipping a change that committed late or repeating one.
(A plain identity column filled during the transaction would not do: ids would be in
start order, and a long transaction could commit id 10 after a reader moved past 11.)

The lock serialises only the last statement of each writing transaction, not the
work before it. The same place notifies the API processes (``db.notify``), so every
writer — mutations, imports, the CLI, the demo loader — wakes push delivery on commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from db.core import Db
from db.images import SNAPSHOT_SQL, published, referrers, snapshot, snapshots, stored
from db.notify import NOTIFY_SQL
from db.viewer import Viewer

# pg_advisory_xact_lock key: "sitrep change log"
CHANGE_LOG_LOCK = 0x5173_6C6F_6700

Image = dict[str, Any]


@dataclass(frozen=True)
class PendingChange:
    entity: str
    entity_id: int
    operation: str
    before: Image | None
    after: Image | None
    reason: str | None = None
    # True: the after image is taken in SQL when the change is flushed (bulk imports:
    # the image never travels to Python and back).
    deferred: bool = False


class Writing(Protocol):
    """What the writer needs of a writing transaction (``db.transaction.Tx`` is one):
    where to read images, who writes, and the changes buffered so far."""

    @property
    def db(self) -> Db: ...

    @property
    def viewer(self) -> Viewer: ...

    @property
    def changes(self) -> list[PendingChange]: ...


def record(
    tx: Writing,
    entity: str,
    pk: int,
    operation: str,
    before: Image | None,
    after: Image | None,
    reason: str | None = None,
) -> None:
    """Buffer a change; ``flush`` writes it when the transaction ends."""
    tx.changes.append(PendingChange(entity, pk, operation, before, after, reason))


async def track(tx: Writing, entity: str, pk: int) -> Image | None:
    """The before image of a record about to change (call before changing it)."""
    return await snapshot(tx.db, entity, pk)


async def done(
    tx: Writing,
    entity: str,
    pk: int,
    operation: str,
    before: Image | None,
    reason: str | None = None,
) -> None:
    """Record a change whose after image is the record as it is now."""
    after = await snapshot(tx.db, entity, pk)
    record(tx, entity, pk, operation, before, after, reason)


async def record_differences(
    tx: Writing, befores: Mapping[str, Mapping[int, Image | None]]
) -> None:
    """Record every record whose image differs from its before image (entity → id →
    image, None for a record created since): CREATE, UPDATE, or RETRACT when the record
    is gone. Records that are as they were get no entry, so a writer that may or may not
    change what it touches (the demo loader, a merge) records exactly what it changed."""
    for entity, before_images in befores.items():
        ids = sorted(before_images)
        afters = await snapshots(tx.db, entity, ids)
        for pk in ids:
            before, after = before_images[pk], afters.get(pk)
            if before == after:
                continue
            op = "CREATE" if before is None else "UPDATE" if after is not None else "RETRACT"
            record(tx, entity, pk, op, before, after)


def record_deferred(
    tx: Writing,
    entity: str,
    ids: Sequence[int],
    operation: str,
    befores: Mapping[int, Image] | None = None,
) -> None:
    """Buffer changes whose after image is taken in SQL by ``flush`` (bulk imports): one
    statement snapshots the whole batch straight into ``change_log``, so the images never
    travel to Python and back. Only for records that do not change again before commit."""
    for pk in ids:
        before = (befores or {}).get(pk)
        tx.changes.append(PendingChange(entity, pk, operation, before, None, deferred=True))


_INSERT = (
    "insert into change_log (entity, entity_id, operation, api_key_id, author, "
    "published_before, published_after, before, after, reason) "
)


async def _insert_images(tx: Writing, cs: Sequence[PendingChange]) -> None:
    await tx.db.execute(
        _INSERT + "select e, i, o, $4, $5, pb, pa, b, a, r from unnest($1::text[], $2::bigint[], "
        "$3::text[], $6::boolean[], $7::boolean[], $8::jsonb[], $9::jsonb[], $10::text[]) "
        "as u(e, i, o, pb, pa, b, a, r)",
        [c.entity for c in cs],
        [c.entity_id for c in cs],
        [c.operation for c in cs],
        tx.viewer.key_id,
        tx.viewer.name,
        [published(c.before) for c in cs],
        [published(c.after) for c in cs],
        [stored(c.before) for c in cs],
        [stored(c.after) for c in cs],
        [c.reason for c in cs],
    )


async def _insert_deferred(tx: Writing, cs: Sequence[PendingChange]) -> None:
    """One entity and operation: the after images come from ``SNAPSHOT_SQL`` (its $1 is
    the id array) inside the insert, in the order the changes were recorded."""
    await tx.db.execute(
        _INSERT + "select $2, s.id, $3, $4, $5, k.pb, s.published, k.b, s.data, k.r "
        "from unnest($1::bigint[], $6::boolean[], $7::jsonb[], $8::text[]) "
        f"with ordinality k(id, pb, b, r, n) join ({SNAPSHOT_SQL[cs[0].entity]}) s "
        "on s.id = k.id order by k.n",
        [c.entity_id for c in cs],
        cs[0].entity,
        cs[0].operation,
        tx.viewer.key_id,
        tx.viewer.name,
        [published(c.before) for c in cs],
        [stored(c.before) for c in cs],
        [c.reason for c in cs],
    )


async def _knock_on(tx: Writing) -> None:
    """A record that becomes visible or hidden changes what the records referring to it
    show (an incident's participants, location, sources; a relation's ends; …). Each such
    record gets an UPDATE entry, so a partner replaying the feed ends with what the API
    shows. Runs under the commit-order lock: every earlier writer has committed, so a
    reference added concurrently is either seen here or its own entry comes later."""
    own = {(c.entity, c.entity_id) for c in tx.changes}
    flipped: dict[str, set[int]] = {}
    for c in tx.changes:
        if not c.deferred and c.operation != "CREATE" and published(c.before) != published(c.after):
            flipped.setdefault(c.entity, set()).add(c.entity_id)
    if not flipped:
        return
    found: dict[str, set[int]] = {}
    for entity, ids in flipped.items():
        for kind, refs in (await referrers(tx.db, entity, sorted(ids))).items():
            found.setdefault(kind, set()).update(refs)
    # statements are themselves referenced (by participants): one more level
    statements = found.get("Statement", set()) - flipped.get("Statement", set())
    for kind, refs in (await referrers(tx.db, "Statement", sorted(statements))).items():
        found.setdefault(kind, set()).update(refs)
    for kind in sorted(found):
        todo = sorted(pk for pk in found[kind] if (kind, pk) not in own)
        images = await snapshots(tx.db, kind, todo)
        for pk in todo:
            if pk in images:
                record(
                    tx,
                    kind,
                    pk,
                    "UPDATE",
                    images[pk],
                    images[pk],
                    "A record it references was published, unpublished, retracted or removed.",
                )


async def flush(tx: Writing) -> None:
    """Insert the buffered changes under the commit-order lock (see the module doc)."""
    if not tx.changes:
        return
    await tx.db.execute("select pg_advisory_xact_lock($1)", CHANGE_LOG_LOCK)
    await _knock_on(tx)
    # Few statements per transaction, whatever the number of changes (bulk imports): one
    # for the images already taken, one per entity and operation of deferred ones.
    runs: list[list[PendingChange]] = []
    for c in tx.changes:
        last = runs[-1][-1] if runs else None
        if last is not None and (
            (not c.deferred and not last.deferred)
            or (
                c.deferred
                and last.deferred
                and (c.entity, c.operation) == (last.entity, last.operation)
            )
        ):
            runs[-1].append(c)
        else:
            runs.append([c])
    for run in runs:
        await (_insert_deferred if run[0].deferred else _insert_images)(tx, run)
    # Push delivery (``db.notify``): every listening process is woken when this commits.
    await tx.db.execute(NOTIFY_SQL)
    tx.changes.clear()
