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
from db.writes.core import PendingChange, Tx

# pg_advisory_xact_lock key: "sitrep change log"
CHANGE_LOG_LOCK = 0x5173_6C6F_6700

_TS = "- 'created_at' - 'updated_at'"

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
  'participants', coalesce((select jsonb_agg(to_jsonb(p) - 'id' - 'incident_id' {_TS}
     order by p.actor_id, p.role) from incident_participant p where p.incident_id = i.id),
     '[]'::jsonb)) as data
from incident i where i.id = any($1::bigint[])""",
    "Actor": """
select a.id, a.status = 'PUBLISHED' as published, to_jsonb(a) || jsonb_build_object(
  'aliases', array(select x.alias from actor_alias x where x.actor_id = a.id order by x.alias))
  as data
from actor a where a.id = any($1::bigint[])""",
    "Location": """
select l.id, l.status = 'PUBLISHED' as published, to_jsonb(l) || jsonb_build_object(
  'aliases', array(select x.alias from location_alias x where x.location_id = l.id
  order by x.alias)) as data
from location l where l.id = any($1::bigint[])""",
    "Source": f"""
select s.id, s.status = 'PUBLISHED' as published, to_jsonb(s) || jsonb_build_object(
  'media', coalesce((select jsonb_agg(to_jsonb(m) - 'id' - 'source_id' {_TS} order by m.id)
  from source_media m where m.source_id = s.id), '[]'::jsonb)) as data
from source s where s.id = any($1::bigint[])""",
    "ActorRelation": """
select r.id, r.status = 'PUBLISHED' as published, to_jsonb(r) || jsonb_build_object(
  'source_ids', array(select x.source_id from actor_relation_source x
  where x.relation_id = r.id order by x.source_id)) as data
from actor_relation r where r.id = any($1::bigint[])""",
    "Deployment": """
select d.id, d.status = 'PUBLISHED' as published, to_jsonb(d) || jsonb_build_object(
  'source_ids', array(select x.source_id from deployment_source x
  where x.deployment_id = d.id order by x.source_id)) as data
from deployment d where d.id = any($1::bigint[])""",
    "Statement": """
select st.id, exists (select 1 from source s where s.id = st.source_id
  and s.status = 'PUBLISHED') as published, to_jsonb(st) as data
from statement st where st.id = any($1::bigint[])""",
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


def _published(image: dict[str, Any] | None) -> bool:
    return bool(image and image.get("_published"))


def _strip(image: dict[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {k: v for k, v in image.items() if k != "_published"}


async def flush(tx: Tx) -> None:
    """Insert the buffered changes under the commit-order lock (see the module doc)."""
    if not tx.changes:
        return
    await tx.db.execute("select pg_advisory_xact_lock($1)", CHANGE_LOG_LOCK)
    cs = tx.changes
    # One statement per transaction, whatever the number of changes (bulk imports).
    await tx.db.execute(
        "insert into change_log (entity, entity_id, operation, api_key_id, author, "
        "published_before, published_after, before, after, reason) "
        "select e, i, o, $4, $5, pb, pa, b, a, r from unnest($1::text[], $2::bigint[], "
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


async def last_id(db: Db) -> int:
    return int(await db.fetchval("select coalesce(max(id), 0) from change_log"))
