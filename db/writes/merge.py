"""Merge two actors or two locations that turn out to be the same.

Every reference to the merged-away record moves to the survivor (dropping links that
would become duplicates), its name and aliases become aliases of the survivor, and it
is retracted with ``merged_into_id`` set, so its ID keeps resolving to the survivor.
Every record whose content changed gets a change entry (the feed stays replayable).
"""

from __future__ import annotations

from db import changelog, images
from db.model import ENTITIES
from db.writes.core import FieldError, Tx, ValidationFailed, lock_version, update

# entity → list of (entity whose rows change, SQL selecting their ids given $1 = merged)
_AFFECTED = {
    "Actor": [
        (
            "Incident",
            "select distinct incident_id from incident_participant "
            "where actor_id = $1 or attributed_by_actor_id = $1",
        ),
        (
            "ActorRelation",
            "select id from actor_relation where subject_actor_id = $1 or object_actor_id = $1 "
            "or asserted_by_actor_id = $1",
        ),
        ("Deployment", "select id from deployment where actor_id = $1"),
        ("Statement", "select id from statement where speaker_actor_id = $1"),
    ],
    "Location": [
        ("Incident", "select id from incident where location_id = $1"),
        ("Location", "select id from location where parent_id = $1"),
        ("Deployment", "select id from deployment where location_id = $1"),
    ],
}

_MOVE_ACTOR = [
    # participants: drop those the survivor already has in the same role
    "delete from incident_participant p where p.actor_id = $1 and exists (select 1 from "
    "incident_participant q where q.incident_id = p.incident_id and q.actor_id = $2 "
    "and q.role = p.role)",
    "update incident_participant set actor_id = $2 where actor_id = $1",
    "update incident_participant set attributed_by_actor_id = $2 where attributed_by_actor_id = $1",
    # relations between the two disappear; duplicates of the survivor's are dropped
    "delete from actor_relation where (subject_actor_id = $1 and object_actor_id = $2) "
    "or (subject_actor_id = $2 and object_actor_id = $1)",
    "delete from actor_relation r where r.subject_actor_id = $1 and exists (select 1 from "
    "actor_relation q where q.subject_actor_id = $2 and q.kind = r.kind and q.object_actor_id = "
    "r.object_actor_id and coalesce(q.valid_from, '-infinity') = "
    "coalesce(r.valid_from, '-infinity'))",
    "delete from actor_relation r where r.object_actor_id = $1 and exists (select 1 from "
    "actor_relation q where q.object_actor_id = $2 and q.kind = r.kind and q.subject_actor_id = "
    "r.subject_actor_id and coalesce(q.valid_from, '-infinity') = "
    "coalesce(r.valid_from, '-infinity'))",
    "update actor_relation set subject_actor_id = $2 where subject_actor_id = $1",
    "update actor_relation set object_actor_id = $2 where object_actor_id = $1",
    "update actor_relation set asserted_by_actor_id = $2 where asserted_by_actor_id = $1",
    "delete from deployment d where d.actor_id = $1 and exists (select 1 from deployment q "
    "where q.actor_id = $2 and q.location_id = d.location_id and "
    "coalesce(q.valid_from, '-infinity') = coalesce(d.valid_from, '-infinity'))",
    "update deployment set actor_id = $2 where actor_id = $1",
    "update statement set speaker_actor_id = $2 where speaker_actor_id = $1",
    "insert into actor_alias (actor_id, alias) select $2::bigint, name from actor where id = $1 "
    "union select $2::bigint, alias from actor_alias where actor_id = $1 on conflict do nothing",
    "delete from actor_alias where $1::bigint is not null and actor_id = $2 and lower(alias) = "
    "lower((select name from actor where id = $2))",
    "update actor set merged_into_id = $2 where merged_into_id = $1",
]

_MOVE_LOCATION = [
    "update incident set location_id = $2 where location_id = $1",
    "update location set parent_id = null where id = $2 and parent_id = $1",
    "update location set parent_id = $2 where parent_id = $1 and id <> $2",
    "delete from deployment d where d.location_id = $1 and exists (select 1 from deployment q "
    "where q.location_id = $2 and q.actor_id = d.actor_id and "
    "coalesce(q.valid_from, '-infinity') = coalesce(d.valid_from, '-infinity'))",
    "update deployment set location_id = $2 where location_id = $1",
    "insert into location_alias (location_id, alias) select $2::bigint, name from location "
    "where id = $1 union select $2::bigint, alias from location_alias where location_id = $1 "
    "on conflict do nothing",
    "delete from location_alias where $1::bigint is not null and location_id = $2 "
    "and lower(alias) = "
    "lower((select name from location where id = $2))",
    "update location set merged_into_id = $2 where merged_into_id = $1",
]


async def merge(
    tx: Tx,
    entity: str,
    survivor: int,
    merged: int,
    survivor_version: int | None,
    merged_version: int | None,
) -> None:
    assert entity in _AFFECTED
    if survivor == merged:
        raise ValidationFailed(
            [FieldError(("mergedId",), "INVALID_VALUE", "Cannot merge a record into itself.")]
        )
    # Lock in id order so that two concurrent merges cannot deadlock.
    for pk, version in sorted([(survivor, survivor_version), (merged, merged_version)]):
        await lock_version(tx, entity, pk, version)
    affected: dict[str, set[int]] = {}
    for kind, sql in _AFFECTED[entity]:
        affected.setdefault(kind, set()).update(r[0] for r in await tx.db.fetch(sql, merged))
    # the two records' own changes are recorded below
    affected.get(entity, set()).difference_update({merged, survivor})
    befores = {
        kind: await images.snapshots(tx.db, kind, sorted(ids)) for kind, ids in affected.items()
    }
    survivor_before = await changelog.track(tx, entity, survivor)
    merged_before = await changelog.track(tx, entity, merged)
    for sql in _MOVE_ACTOR if entity == "Actor" else _MOVE_LOCATION:
        await tx.db.execute(sql, merged, survivor)
    await tx.db.execute(
        f"update {ENTITIES[entity].table} set merged_into_id = $2, status = 'RETRACTED', "
        "version = version + 1 where id = $1",
        merged,
        survivor,
    )
    await update(tx, entity, survivor, None, {})
    if affected.get("Incident"):
        await tx.db.execute(
            "update incident set version = version + 1 where id = any($1::bigint[])",
            sorted(affected["Incident"]),
        )
    await changelog.record_differences(tx, befores)
    await changelog.done(tx, entity, survivor, "UPDATE", survivor_before)
    await changelog.done(tx, entity, merged, "MERGE", merged_before, f"merged into {survivor}")
