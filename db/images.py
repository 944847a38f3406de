"""Record images: a record with its parts as one JSON object, as the change log keeps it
(before and after each change), ``history`` and the feed show it and the JSON export
writes it; and the references between images (which records an image names, which
records name a given one).

An image is every column of the record (``to_jsonb``) plus its parts (aliases, media,
external ids, sources, participants, and an incident's linked event: ``event_members``),
with the flag ``_published``: whether the record is published by its own status (a
statement: by its source's). The flag is stored in the change log's own columns, not in
the image (``stored``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from db.core import Db
from db.sql import Compiler
from db.viewer import Viewer

PUBLISHED = "_published"
_ANONYMOUS = Compiler(Viewer())


def _published_by(alias: str) -> str:
    """Published by its own status: what an anonymous reader may see of the row."""
    return f"{_ANONYMOUS.visible(alias)} as published"


_TS = "- 'created_at' - 'updated_at'"
# A participant's image: every column of incident_participant except id, incident_id and
# the timestamps (built explicitly: twice as fast as to_jsonb(p) minus those keys).
_PARTICIPANT = ", ".join(
    f"'{c}', p.{c}"
    for c in (
        "actor_id", "role", "basis", "attributed_by_actor_id", "source_id", "statement_id", "note",
        "associated", "side", "reported_name",
    )
)  # fmt: skip

# An incident's linked event (``db/linking.py``): every record of its cluster, itself
# included, canonical first (rank order); [] when it is linked to nothing.
EVENT_MEMBERS = "event_members"

# entity → the statement taking the images of the records whose ids are in $1
SNAPSHOT_SQL: dict[str, str] = {
    "Incident": f"""
select i.id, {_published_by("i")},
  (to_jsonb(i) - 'linked_duplicate' - 'country_code') || jsonb_build_object(
  'external_ids', coalesce((select jsonb_agg(jsonb_build_object('system', e.system,
     'external_id', e.external_id, 'source_version', e.source_version)
     order by e.system, e.external_id)
     from incident_external_id e where e.incident_id = i.id), '[]'::jsonb),
  'sources', coalesce((select jsonb_agg(jsonb_build_object('source_id', x.source_id,
     'note', x.note, 'position', x.position) order by x.source_id) from incident_source x
     where x.incident_id = i.id), '[]'::jsonb),
  'participants', coalesce((select jsonb_agg(jsonb_build_object({_PARTICIPANT})
     order by p.actor_id, p.role) from incident_participant p where p.incident_id = i.id),
     '[]'::jsonb),
  '{EVENT_MEMBERS}', coalesce((select jsonb_agg(o.incident_id order by o.rank)
     from event_cluster_member m join event_cluster_member o on o.cluster_id = m.cluster_id
     where m.incident_id = i.id), '[]'::jsonb)) as data
from incident i where i.id in (select unnest($1::bigint[]))""",
    "Actor": f"""
select a.id, {_published_by("a")}, to_jsonb(a) || jsonb_build_object(
  'aliases', array(select x.alias from actor_alias x where x.actor_id = a.id order by x.alias))
  as data
from actor a where a.id in (select unnest($1::bigint[]))""",
    "Location": f"""
select l.id, {_published_by("l")}, to_jsonb(l) || jsonb_build_object(
  'aliases', array(select x.alias from location_alias x where x.location_id = l.id
  order by x.alias)) as data
from location l where l.id in (select unnest($1::bigint[]))""",
    "Source": f"""
select s.id, {_published_by("s")}, to_jsonb(s) || jsonb_build_object(
  'media', coalesce((select jsonb_agg(to_jsonb(m) - 'id' - 'source_id' {_TS} order by m.id)
  from source_media m where m.source_id = s.id), '[]'::jsonb)) as data
from source s where s.id in (select unnest($1::bigint[]))""",
    "ActorRelation": f"""
select r.id, {_published_by("r")}, to_jsonb(r) || jsonb_build_object(
  'source_ids', array(select x.source_id from actor_relation_source x
  where x.relation_id = r.id order by x.source_id)) as data
from actor_relation r where r.id in (select unnest($1::bigint[]))""",
    "Deployment": f"""
select d.id, {_published_by("d")}, to_jsonb(d) || jsonb_build_object(
  'source_ids', array(select x.source_id from deployment_source x
  where x.deployment_id = d.id order by x.source_id)) as data
from deployment d where d.id in (select unnest($1::bigint[]))""",
    "Statement": f"""
select st.id, exists (select 1 from source s where s.id = st.source_id
  and {_ANONYMOUS.visible("s")}) as published, to_jsonb(st) as data
from statement st where st.id in (select unnest($1::bigint[]))""",
}


async def snapshots(db: Db, entity: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Full images of records, whatever their status (for history, feed and export)."""
    if not ids:
        return {}
    rows = await db.fetch(SNAPSHOT_SQL[entity], list(ids))
    return {r["id"]: {**r["data"], PUBLISHED: r["published"]} for r in rows}


async def snapshot(db: Db, entity: str, pk: int) -> dict[str, Any] | None:
    return (await snapshots(db, entity, [pk])).get(pk)


def published(image: dict[str, Any] | None) -> bool:
    return bool(image and image.get(PUBLISHED))


@overload
def stored(image: dict[str, Any]) -> dict[str, Any]: ...
@overload
def stored(image: None) -> None: ...
def stored(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """The image as the change log and the export keep it (without the flag)."""
    if image is None:
        return None
    return {k: v for k, v in image.items() if k != PUBLISHED}


# --- references between images -------------------------------------------------------

_RELATION_ACTORS = ("subject_actor_id", "object_actor_id", "asserted_by_actor_id")


def references(entity: str, image: dict[str, Any]) -> list[tuple[str, int]]:
    """Every (entity, id) an image refers to."""
    refs: list[tuple[str, Any]] = []
    if entity == "Incident":
        refs.append(("Location", image.get("location_id")))
        for p in image.get("participants") or []:
            refs += [("Actor", p.get("actor_id")), ("Actor", p.get("attributed_by_actor_id"))]
            refs += [("Source", p.get("source_id")), ("Statement", p.get("statement_id"))]
        refs += [("Source", s.get("source_id")) for s in image.get("sources") or []]
        refs += [("Incident", m) for m in image.get(EVENT_MEMBERS) or [] if m != image.get("id")]
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


# What is shown of a record depends on the records it references (a participant whose
# actor is hidden is not shown, a relation with a hidden end is hidden, …). entity →
# (referring entity, SQL listing the referring ids given $1 = ids of the entity): the
# reverse of ``references``.
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
    "Incident": [
        ("Statement", "select id from statement where incident_id = any($1::bigint[])"),
        # the other records of its linked event list it among their event's members
        (
            "Incident",
            "select o.incident_id from event_cluster_member m join event_cluster_member o "
            "on o.cluster_id = m.cluster_id and o.incident_id <> m.incident_id "
            "where m.incident_id = any($1::bigint[])",
        ),
    ],
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
