"""Change history and the delta-sync feed.

Every write records, per changed record, a before and after image (``snapshot``). The
rows are buffered in the transaction (``Tx.changes``) and inserted by ``flush`` at its
very end, after taking a transaction-level advisory lock that is held until commit.
So change ids are allocated in commit order: a transaction can only take ids after
every earlier writer has committed (or rolled back) and become visible. A reader that
has seen id N has therefore seen every committed id below N, and the feed can page on
``id > cursor`` without ever skipping a change that committed late or repeating one.
(A plain identity column filled during the transaction would not do: ids would be in
start order, and a long transaction could commit id 10 after a reader moved past 11.)

The lock serialises only the last statement of each writing transaction, not the
work before it.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.core import Db, to_rows
from db.sources import statement_visible
from db.sql import Compiler
from db.viewer import Viewer
from db.writes.core import PendingChange, Tx

# pg_advisory_xact_lock key: "sitrep change log"
CHANGE_LOG_LOCK = 0x5173_6C6F_6700

_TS = "- 'created_at' - 'updated_at'"
# A participant's image: every column of incident_participant except id, incident_id and
# the timestamps (built explicitly: twice as fast as to_jsonb(p) minus those keys).
_PARTICIPANT = ", ".join(
    f"'{c}', p.{c}"
    for c in (
        "actor_id", "role", "basis", "attributed_by_actor_id", "source_id", "statement_id", "note",
    )
)  # fmt: skip

SNAPSHOT_SQL: dict[str, str] = {
    "Incident": f"""
select i.id, i.status = 'PUBLISHED' as published, to_jsonb(i) || jsonb_build_object(
  'external_ids', coalesce((select jsonb_agg(jsonb_build_object('system', e.system,
     'external_id', e.external_id, 'source_version', e.source_version)
     order by e.system, e.external_id)
     from incident_external_id e where e.incident_id = i.id), '[]'::jsonb),
  'sources', coalesce((select jsonb_agg(jsonb_build_object('source_id', x.source_id,
     'note', x.note) order by x.source_id) from incident_source x
     where x.incident_id = i.id), '[]'::jsonb),
  'participants', coalesce((select jsonb_agg(jsonb_build_object({_PARTICIPANT})
     order by p.actor_id, p.role) from incident_participant p where p.incident_id = i.id),
     '[]'::jsonb)) as data
from incident i where i.id in (select unnest($1::bigint[]))""",
    "Actor": """
select a.id, a.status = 'PUBLISHED' as published, to_jsonb(a) || jsonb_build_object(
  'aliases', array(select x.alias from actor_alias x where x.actor_id = a.id order by x.alias))
  as data
from actor a where a.id in (select unnest($1::bigint[]))""",
    "Location": """
select l.id, l.status = 'PUBLISHED' as published, to_jsonb(l) || jsonb_build_object(
  'aliases', array(select x.alias from location_alias x where x.location_id = l.id
  order by x.alias)) as data
from location l where l.id in (select unnest($1::bigint[]))""",
    "Source": f"""
select s.id, s.status = 'PUBLISHED' as published, to_jsonb(s) || jsonb_build_object(
  'media', coalesce((select jsonb_agg(to_jsonb(m) - 'id' - 'source_id' {_TS} order by m.id)
  from source_media m where m.source_id = s.id), '[]'::jsonb)) as data
from source s where s.id in (select unnest($1::bigint[]))""",
    "ActorRelation": """
select r.id, r.status = 'PUBLISHED' as published, to_jsonb(r) || jsonb_build_object(
  'source_ids', array(select x.source_id from actor_relation_source x
  where x.relation_id = r.id order by x.source_id)) as data
from actor_relation r where r.id in (select unnest($1::bigint[]))""",
    "Deployment": """
select d.id, d.status = 'PUBLISHED' as published, to_jsonb(d) || jsonb_build_object(
  'source_ids', array(select x.source_id from deployment_source x
  where x.deployment_id = d.id order by x.source_id)) as data
from deployment d where d.id in (select unnest($1::bigint[]))""",
    "Statement": """
select st.id, exists (select 1 from source s where s.id = st.source_id
  and s.status = 'PUBLISHED') as published, to_jsonb(st) as data
from statement st where st.id in (select unnest($1::bigint[]))""",
}


async def snapshots(db: Db, entity: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Full images of records, whatever their status (for history, feed and export)."""
    if not ids:
        return {}
    rows = await db.fetch(SNAPSHOT_SQL[entity], list(ids))
    return {r["id"]: {**r["data"], "_published": r["published"]} for r in rows}


async def snapshot(db: Db, entity: str, pk: int) -> dict[str, Any] | None:
    return (await snapshots(db, entity, [pk])).get(pk)


def record(
    tx: Tx,
    entity: str,
    pk: int,
    operation: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    """Buffer a change; ``flush`` writes it when the transaction ends."""
    tx.changes.append(PendingChange(entity, pk, operation, before, after, reason))


async def track(tx: Tx, entity: str, pk: int) -> dict[str, Any] | None:
    """The before image of a record about to change (call before changing it)."""
    return await snapshot(tx.db, entity, pk)


async def done(
    tx: Tx,
    entity: str,
    pk: int,
    operation: str,
    before: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    """Record a change whose after image is the record as it is now."""
    after = await snapshot(tx.db, entity, pk)
    record(tx, entity, pk, operation, before, after, reason)


def record_deferred(
    tx: Tx,
    entity: str,
    ids: Sequence[int],
    operation: str,
    befores: dict[int, dict[str, Any]] | None = None,
) -> None:
    """Buffer changes whose after image is taken in SQL by ``flush`` (bulk imports): one
    statement snapshots the whole batch straight into ``change_log``, so the images never
    travel to Python and back. Only for records that do not change again before commit."""
    for pk in ids:
        before = (befores or {}).get(pk)
        tx.changes.append(PendingChange(entity, pk, operation, before, None, deferred=True))


def _published(image: dict[str, Any] | None) -> bool:
    return bool(image and image.get("_published"))


def _strip(image: dict[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {k: v for k, v in image.items() if k != "_published"}


_INSERT = (
    "insert into change_log (entity, entity_id, operation, api_key_id, author, "
    "published_before, published_after, before, after, reason) "
)


async def _insert_images(tx: Tx, cs: Sequence[PendingChange]) -> None:
    await tx.db.execute(
        _INSERT + "select e, i, o, $4, $5, pb, pa, b, a, r from unnest($1::text[], $2::bigint[], "
        "$3::text[], $6::boolean[], $7::boolean[], $8::jsonb[], $9::jsonb[], $10::text[]) "
        "as u(e, i, o, pb, pa, b, a, r)",
        [c.entity for c in cs],
        [c.entity_id for c in cs],
        [c.operation for c in cs],
        tx.viewer.key_id,
        tx.viewer.name,
        [_published(c.before) for c in cs],
        [_published(c.after) for c in cs],
        [_strip(c.before) for c in cs],
        [_strip(c.after) for c in cs],
        [c.reason for c in cs],
    )


async def _insert_deferred(tx: Tx, cs: Sequence[PendingChange]) -> None:
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
        [_published(c.before) for c in cs],
        [_strip(c.before) for c in cs],
        [c.reason for c in cs],
    )


# What is shown of a record depends on the records it references (a participant whose
# actor is hidden is not shown, a relation with a hidden end is hidden, …). entity →
# (referring entity, SQL listing the referring ids given $1 = ids of the entity).
_REFERRERS: dict[str, list[tuple[str, str]]] = {
    "Actor": [
        (
            "Incident",
            "select incident_id from incident_participant where actor_id = any($1::bigint[]) "
            "or attributed_by_actor_id = any($1::bigint[])",
        ),
        (
            "ActorRelation",
            "select id from actor_relation where subject_actor_id = any($1::bigint[]) "
            "or object_actor_id = any($1::bigint[]) or asserted_by_actor_id = any($1::bigint[])",
        ),
        ("Deployment", "select id from deployment where actor_id = any($1::bigint[])"),
        ("Statement", "select id from statement where speaker_actor_id = any($1::bigint[])"),
    ],
    "Location": [
        ("Incident", "select id from incident where location_id = any($1::bigint[])"),
        ("Location", "select id from location where parent_id = any($1::bigint[])"),
        ("Deployment", "select id from deployment where location_id = any($1::bigint[])"),
    ],
    "Source": [
        (
            "Incident",
            "select incident_id from incident_source where source_id = any($1::bigint[]) "
            "union select incident_id from incident_participant "
            "where source_id = any($1::bigint[])",
        ),
        (
            "ActorRelation",
            "select relation_id from actor_relation_source where source_id = any($1::bigint[])",
        ),
        (
            "Deployment",
            "select deployment_id from deployment_source where source_id = any($1::bigint[])",
        ),
        ("Statement", "select id from statement where source_id = any($1::bigint[])"),
    ],
    "Incident": [("Statement", "select id from statement where incident_id = any($1::bigint[])")],
    # a statement's visibility follows its source, incident and speaker; participants cite it
    "Statement": [
        (
            "Incident",
            "select incident_id from incident_participant where statement_id = any($1::bigint[])",
        )
    ],
}


async def referrers(db: Db, entity: str, ids: Sequence[int]) -> dict[str, set[int]]:
    """Records whose shown content depends on the given records being visible."""
    parts = _REFERRERS.get(entity, [])
    if not parts or not ids:
        return {}
    sql = " union all ".join(f"select '{kind}' as e, x from ({q}) q(x)" for kind, q in parts)
    out: dict[str, set[int]] = {}
    for r in await db.fetch(sql, list(ids)):
        out.setdefault(r["e"], set()).add(r["x"])
    return out


async def _knock_on(tx: Tx) -> None:
    """A record that becomes visible or hidden changes what the records referring to it
    show (an incident's participants, location, sources; a relation's ends; …). Each such
    record gets an UPDATE entry, so a partner replaying the feed ends with what the API
    shows. Runs under the commit-order lock: every earlier writer has committed, so a
    reference added concurrently is either seen here or its own entry comes later."""
    own = {(c.entity, c.entity_id) for c in tx.changes}
    flipped: dict[str, set[int]] = {}
    for c in tx.changes:
        if (
            not c.deferred
            and c.operation != "CREATE"
            and _published(c.before) != _published(c.after)
        ):
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


async def flush(tx: Tx) -> None:
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
    tx.changes.clear()


# --- reading -------------------------------------------------------------------------


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


class CursorError(ValueError):
    pass


def encode_cursor(change_id: int) -> str:
    return base64.urlsafe_b64encode(f"change:{change_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        tag, _, value = raw.partition(":")
        pk = int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("not a changes cursor") from exc
    if tag != "change" or not 0 <= pk < 2**63:
        raise CursorError("not a changes cursor")
    return pk


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


def _references(entity: str, image: dict[str, Any]) -> list[tuple[str, int]]:
    """Every (entity, id) an image refers to."""
    refs: list[tuple[str, Any]] = []
    if entity == "Incident":
        refs.append(("Location", image.get("location_id")))
        for p in image.get("participants") or []:
            refs += [("Actor", p.get("actor_id")), ("Actor", p.get("attributed_by_actor_id"))]
            refs += [("Source", p.get("source_id")), ("Statement", p.get("statement_id"))]
        refs += [("Source", s.get("source_id")) for s in image.get("sources") or []]
    elif entity in ("Actor", "Location"):
        refs.append((entity, image.get("merged_into_id")))
        refs.append(("Location", image.get("parent_id")))
    elif entity == "ActorRelation":
        refs += [("Actor", image.get(k)) for k in _RELATION_ACTORS]
        refs += [("Source", s) for s in image.get("source_ids") or []]
    elif entity == "Deployment":
        refs += [("Actor", image.get("actor_id")), ("Location", image.get("location_id"))]
        refs += [("Source", s) for s in image.get("source_ids") or []]
    elif entity == "Statement":
        refs += [("Source", image.get("source_id")), ("Incident", image.get("incident_id"))]
        refs.append(("Actor", image.get("speaker_actor_id")))
    return [(e, int(pk)) for e, pk in refs if pk is not None]


_RELATION_ACTORS = ("subject_actor_id", "object_actor_id", "asserted_by_actor_id")


async def visible(db: Db, viewer: Viewer, wanted: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of the given records the viewer may see now (one statement)."""
    if not wanted:
        return set()
    c = Compiler(viewer)
    ids = {e: sorted(pk for x, pk in wanted if x == e) for e in _VISIBLE_TABLES}
    parts = [
        f"select '{e}' as e, t.id from {table} t where t.id in "
        f"(select unnest({c(ids[e])}::bigint[])) and {c.visible('t')}"
        for e, table in _VISIBLE_TABLES.items()
        if ids[e] and e != "Statement"
    ]
    if ids["Statement"]:
        parts.append(
            "select 'Statement', st.id from statement st join source s on s.id = st.source_id "
            f"where st.id in (select unnest({c(ids['Statement'])}::bigint[])) "
            f"and {statement_visible(c)}"
        )
    rows = await db.fetch(" union all ".join(parts), *c.params.args)
    return {(r["e"], r["id"]) for r in rows}


_VISIBLE_TABLES = {
    "Incident": "incident",
    "Actor": "actor",
    "Location": "location",
    "Source": "source",
    "Statement": "statement",
}


def shown(entity: str, image: dict[str, Any], seen: set[tuple[str, int]]) -> dict[str, Any] | None:
    """The image as a viewer who sees only ``seen`` may see it, as the API shows it: hidden
    references are dropped (participants, sources) or nulled (location, parent, …), and a
    relation, deployment or statement with a hidden end is hidden (None)."""

    def ok(e: str, pk: Any) -> bool:
        return pk is None or (e, int(pk)) in seen

    def keep(e: str, pk: Any) -> Any:
        return pk if ok(e, pk) else None

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
    elif entity in ("Actor", "Location"):
        out["merged_into_id"] = keep(entity, image.get("merged_into_id"))
        if entity == "Location":
            out["parent_id"] = keep("Location", image.get("parent_id"))
    elif entity in ("ActorRelation", "Deployment"):
        ends = (
            [("Actor", image.get("subject_actor_id")), ("Actor", image.get("object_actor_id"))]
            if entity == "ActorRelation"
            else [("Actor", image.get("actor_id")), ("Location", image.get("location_id"))]
        )
        if not all(ok(e, pk) for e, pk in ends):
            return None
        if entity == "ActorRelation":
            out["asserted_by_actor_id"] = keep("Actor", image.get("asserted_by_actor_id"))
        out["source_ids"] = [s for s in image.get("source_ids") or [] if ok("Source", s)]
    elif entity == "Statement":
        ends = [("Source", image.get("source_id")), ("Incident", image.get("incident_id"))]
        if not all(ok(e, pk) for e, pk in [*ends, ("Actor", image.get("speaker_actor_id"))]):
            return None
    return out


@dataclass(frozen=True)
class FeedItem:
    row: ChangeRow
    record: dict[str, Any] | None  # as the viewer may see it; None = a tombstone
    merged_into: int | None  # for merges: the survivor, if the viewer may see it


async def feed_items(db: Db, viewer: Viewer, rows: Sequence[ChangeRow]) -> list[FeedItem]:
    """What a feed page shows ``viewer`` (no draft viewer: the published data set).

    References are checked against what the viewer may see *now*: a record that becomes
    visible or hidden later gets its own entry, and so does every record referring to it
    (``_knock_on``), so replaying the feed ends with what the API shows, and no record the
    viewer may not see is named, not even by id."""
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
            wanted.update(_references(r.entity, image))
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
