"""Reading the change log: a record's history, and the sync feed as a viewer may see it.

Change ids are in commit order (``db.changelog``), so the feed pages on ``id > cursor``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.core import Db, to_rows
from db.images import EVENT_MEMBERS, references
from db.model import ENTITIES
from db.sql import Compiler
from db.viewer import Viewer


@dataclass(frozen=True)
class ChangeRow:
    id: int
    entity: str
    entity_id: int
    operation: str
    author: str
    changed_at: dt.datetime
    published_before: bool
    published_after: bool
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


COLUMNS = (
    "id, entity, entity_id, operation, author, changed_at, published_before, "
    "published_after, before, after, reason"
)


async def feed(db: Db, since: int, first: int, *, all_changes: bool) -> list[ChangeRow]:
    """Changes after ``since`` in commit order. Without ``all_changes`` (readers), only
    those that touch the published data set: a record becoming, staying or ceasing to be
    published."""
    where = "" if all_changes else " and (published_before or published_after)"
    sql = f"select {COLUMNS} from change_log where id > $1{where} order by id limit $2"
    return to_rows(ChangeRow, await db.fetch(sql, since, first))


async def history(db: Db, entity: str, pk: int, first: int) -> list[ChangeRow]:
    """A record's changes, oldest first (merges record both records)."""
    sql = (
        f"select {COLUMNS} from change_log where entity = $1 and entity_id = $2 "
        "order by id limit $3"
    )
    return to_rows(ChangeRow, await db.fetch(sql, entity, pk, first))


async def histories(
    db: Db, entity: str, ids: Sequence[int], first: int
) -> dict[int, list[ChangeRow]]:
    """``history`` for many records of one entity in one statement (a DataLoader batch)."""
    sql = (
        f"select {COLUMNS} from (select *, row_number() over (partition by entity_id "
        "order by id) as n from change_log where entity = $1 and entity_id = any($2::bigint[])) "
        "c where n <= $3 order by entity_id, id"
    )
    out: dict[int, list[ChangeRow]] = {}
    for row in to_rows(ChangeRow, await db.fetch(sql, entity, list(ids), first)):
        out.setdefault(row.entity_id, []).append(row)
    return out


async def last_id(db: Db) -> int:
    return int(await db.fetchval("select coalesce(max(id), 0) from change_log"))


# --- what a viewer of the feed may see of a record -----------------------------------


async def visible(db: Db, viewer: Viewer, wanted: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of the given records the viewer may see now, by each entity's visibility
    rule (``db.model``: a relation, deployment or statement also needs its ends), in one
    statement."""
    if not wanted:
        return set()
    c = Compiler(viewer)
    parts = []
    for entity in sorted({e for e, _ in wanted}):
        e = ENTITIES[entity]
        ids = sorted(pk for x, pk in wanted if x == entity)
        parts.append(
            f"select '{entity}' as e, t.id from {e.table} t "
            f"where t.id = any({c(ids)}::bigint[]) and {e.visible(c, 't')}"
        )
    rows = await db.fetch(" union all ".join(parts), *c.params.args)
    return {(r["e"], r["id"]) for r in rows}


def shown(entity: str, image: dict[str, Any], seen: set[tuple[str, int]]) -> dict[str, Any] | None:
    """The image as a viewer who sees only ``seen`` may see it, as the API shows it: None
    when the record itself is not in ``seen``; else hidden references are dropped
    (participants, sources) or nulled (location, parent, …)."""

    def ok(e: str, pk: Any) -> bool:
        return pk is None or (e, int(pk)) in seen

    def keep(e: str, pk: Any) -> Any:
        return pk if ok(e, pk) else None

    if not ok(entity, image["id"]):
        return None
    out = dict(image)
    if entity == "Incident":
        out["location_id"] = keep("Location", image.get("location_id"))
        out["participants"] = [
            {
                **p,
                "attributed_by_actor_id": keep("Actor", p.get("attributed_by_actor_id")),
                "source_id": keep("Source", p.get("source_id")),
                "statement_id": keep("Statement", p.get("statement_id")),
            }
            for p in image.get("participants") or []
            if ok("Actor", p.get("actor_id"))
        ]
        out["sources"] = [s for s in image.get("sources") or [] if ok("Source", s.get("source_id"))]
        if EVENT_MEMBERS in image:
            # the records of its event the viewer may see (lists show the first of them);
            # linked to nothing the viewer may see: not linked
            members = [m for m in image[EVENT_MEMBERS] if ok("Incident", m)]
            out[EVENT_MEMBERS] = members if len(members) > 1 else []
    elif entity in ("Actor", "Location"):
        out["merged_into_id"] = keep(entity, image.get("merged_into_id"))
        if entity == "Location":
            out["parent_id"] = keep("Location", image.get("parent_id"))
    elif entity in ("ActorRelation", "Deployment"):
        if entity == "ActorRelation":
            out["asserted_by_actor_id"] = keep("Actor", image.get("asserted_by_actor_id"))
        out["source_ids"] = [s for s in image.get("source_ids") or [] if ok("Source", s)]
    return out


@dataclass(frozen=True)
class FeedItem:
    row: ChangeRow
    record: dict[str, Any] | None  # as the viewer may see it; None = a tombstone
    merged_into: int | None  # for merges: the survivor, if the viewer may see it


async def feed_items(db: Db, viewer: Viewer, rows: Sequence[ChangeRow]) -> list[FeedItem]:
    """What a feed page shows ``viewer`` (no draft viewer: the published data set).

    Records and their references are checked against what the viewer may see *now*: a
    record that becomes visible or hidden later gets its own entry, and so does every
    record referring to it (``db.changelog``), so replaying the feed ends with what the
    API shows, and no record the viewer may not see is named, not even by id."""
    alive: list[dict[str, Any] | None] = []
    wanted: set[tuple[str, int]] = set()
    for r in rows:
        if viewer.can_see_drafts:
            ok = r.after is not None and r.after.get("status") != "RETRACTED"
        else:
            ok = r.published_after
        image = r.after if ok else None
        alive.append(image)
        if image is not None:
            wanted.add((r.entity, r.entity_id))
            wanted.update(references(r.entity, image))
        if r.operation == "MERGE" and r.after and r.after.get("merged_into_id") is not None:
            wanted.add((r.entity, int(r.after["merged_into_id"])))
    seen = await visible(db, viewer, wanted)
    out = []
    for r, image in zip(rows, alive, strict=True):
        survivor = (r.after or {}).get("merged_into_id") if r.operation == "MERGE" else None
        out.append(
            FeedItem(
                r,
                shown(r.entity, image, seen) if image is not None else None,
                survivor if survivor is not None and (r.entity, survivor) in seen else None,
            )
        )
    return out
