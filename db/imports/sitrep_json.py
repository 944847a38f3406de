"""Sitrep's own lossless format: JSON Lines, one record per line, streamed both ways.

The first line is ``{"format": "sitrep", "version": 1}``; then ``{"type": T, "data": …}``
lines in dependency order: actors, locations (parents first), sources, relations,
deployments, incidents, statements, then each incident's participants (they may cite
statements). ``data`` is the record's full image (every column, all statuses, ids,
versions and timestamps) plus its parts (aliases, media, sources, external ids), the
same image the change history keeps. Importing into an empty database and exporting
again gives the same file byte for byte. Importing keeps ids; a record whose id exists
is left unchanged (so a re-import changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from db import changelog
from db.core import Db
from db.images import EVENT_MEMBERS, snapshots, stored
from db.imports.core import Progress, Rejected, Report, chunks
from db.model import ENTITIES
from db.transaction import Tx, transaction
from db.viewer import Viewer

HEADER = {"format": "sitrep", "version": 1}
BATCH = 500

# type → SQL listing its ids in export order
ORDER: list[tuple[str, str]] = [
    ("Actor", "select id from actor order by merged_into_id is not null, id"),
    (
        "Location",
        "with recursive d(id, depth) as (select id, 0 from location where parent_id is null "
        "union select l.id, d.depth + 1 from location l join d on l.parent_id = d.id "
        "where d.depth < 100) select l.id from location l left join (select id, max(depth) "
        "as depth from d group by id) x using (id) "
        "order by l.merged_into_id is not null, coalesce(x.depth, 0), l.id",
    ),
    ("Source", "select id from source order by id"),
    ("ActorRelation", "select id from actor_relation order by id"),
    ("Deployment", "select id from deployment order by id"),
    ("Incident", "select id from incident order by id"),
    ("Statement", "select id from statement order by id"),
]
TABLES = {t: ENTITIES[t].table for t, _ in ORDER}


def _dump(obj: Any) -> str:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


async def export_json(db: Db, write: Callable[[str], Any]) -> dict[str, int]:
    """Write the whole database as JSON Lines; returns counts per type."""
    counts: dict[str, int] = {}
    write(_dump(HEADER) + "\n")
    participants: list[tuple[int, list[Any]]] = []
    for type_name, ids_sql in ORDER:
        ids = [r[0] for r in await db.fetch(ids_sql)]
        counts[type_name] = len(ids)
        for batch in chunks(iter(ids), BATCH):
            images = await snapshots(db, type_name, batch)
            for pk in batch:
                data = stored(images[pk])
                if type_name == "Incident":
                    # linked events are derived (``sitrep link`` finds them again)
                    data.pop(EVENT_MEMBERS)
                    parts = data.pop("participants")
                    if parts:
                        participants.append((pk, parts))
                write(_dump({"type": type_name, "data": data}) + "\n")
    for pk, parts in participants:
        write(_dump({"type": "Participants", "data": {"incident_id": pk, "list": parts}}) + "\n")
    counts["Participants"] = len(participants)
    return counts


_PARTS_SQL: dict[str, list[str]] = {
    "Actor": [
        "insert into actor_alias (actor_id, alias) select (r->>'id')::bigint, a "
        "from jsonb_array_elements($1::jsonb) r, jsonb_array_elements_text(r->'aliases') a "
        "on conflict do nothing"
    ],
    "Location": [
        "insert into location_alias (location_id, alias) select (r->>'id')::bigint, a "
        "from jsonb_array_elements($1::jsonb) r, jsonb_array_elements_text(r->'aliases') a "
        "on conflict do nothing"
    ],
    "Source": [
        "insert into source_media (source_id, kind, caption, credit, url) select "
        "(r->>'id')::bigint, m->>'kind', m->>'caption', m->>'credit', m->>'url' "
        "from jsonb_array_elements($1::jsonb) r, jsonb_array_elements(r->'media') "
        "with ordinality x(m, n) order by (r->>'id')::bigint, n"
    ],
    "ActorRelation": [
        "insert into actor_relation_source (relation_id, source_id) select (r->>'id')::bigint, "
        "s::bigint from jsonb_array_elements($1::jsonb) r, "
        "jsonb_array_elements_text(r->'source_ids') s on conflict do nothing"
    ],
    "Deployment": [
        "insert into deployment_source (deployment_id, source_id) select (r->>'id')::bigint, "
        "s::bigint from jsonb_array_elements($1::jsonb) r, "
        "jsonb_array_elements_text(r->'source_ids') s on conflict do nothing"
    ],
    "Incident": [
        "insert into incident_external_id (system, external_id, incident_id, source_version) "
        "select e->>'system', e->>'external_id', (r->>'id')::bigint, "
        "(e->>'source_version')::bigint from jsonb_array_elements($1::jsonb) r, "
        "jsonb_array_elements(r->'external_ids') e on conflict do nothing",
        "insert into incident_source (incident_id, source_id, note, position) select "
        "(r->>'id')::bigint, (s->>'source_id')::bigint, s->>'note', (s->>'position')::smallint "
        "from jsonb_array_elements($1::jsonb) r, jsonb_array_elements(r->'sources') s "
        "on conflict do nothing",
    ],
    "Statement": [],
}


# Columns the database keeps, absent from images: a new row takes their default (the
# country is the place's, set by a trigger).
_KEPT = {"Incident": {"linked_duplicate": False, "country_code": None}}


async def _insert(tx: Tx, type_name: str, records: list[dict[str, Any]], report: Report) -> None:
    table = TABLES[type_name]
    if type_name in _KEPT:
        records = [{**r, **_KEPT[type_name]} for r in records]
    rows = await tx.db.fetch(
        f"insert into {table} overriding system value select * from "
        f"jsonb_populate_recordset(null::{table}, $1::jsonb) on conflict (id) do nothing "
        "returning id",
        records,
    )
    created = {r["id"] for r in rows}
    report.created += len(created)
    report.unchanged += len(records) - len(created)
    fresh = [r for r in records if r["id"] in created]
    for sql in _PARTS_SQL[type_name]:
        if fresh:
            await tx.db.execute(sql, fresh)
    await changelog.record_differences(tx, {type_name: dict.fromkeys(created)})


async def _participants(tx: Tx, records: list[dict[str, Any]], report: Report) -> None:
    """Participants of incidents imported before (they may cite statements imported
    since): a change of each incident that gains any."""
    ids = sorted({int(r["incident_id"]) for r in records})
    befores = await snapshots(tx.db, "Incident", ids)
    await tx.db.execute(
        "insert into incident_participant (incident_id, actor_id, role, basis, "
        "attributed_by_actor_id, source_id, statement_id, note, associated, side, "
        "reported_name) select (r->>'incident_id')::bigint, p.actor_id, p.role, p.basis, "
        "p.attributed_by_actor_id, p.source_id, p.statement_id, p.note, "
        "coalesce(p.associated, false), p.side, p.reported_name "
        "from jsonb_array_elements($1::jsonb) r, "
        "jsonb_populate_recordset(null::incident_participant, r->'list') p "
        "on conflict do nothing",
        records,
    )
    await changelog.record_differences(tx, {"Incident": befores})


def _parse(lines: Iterable[str], report: Report) -> Iterator[tuple[int, str, dict[str, Any]]]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            report.rejected.append(Rejected(n, f"not JSON: {exc}"))
            continue
        if n == 1:
            if obj != HEADER:
                report.rejected.append(Rejected(1, "not a Sitrep JSON Lines export"))
                return
            continue
        kind, data = obj.get("type"), obj.get("data")
        if (kind not in TABLES and kind != "Participants") or not isinstance(data, dict):
            report.rejected.append(Rejected(n, f"unknown record type {kind!r}"))
            continue
        yield n, kind, data


async def import_json(
    db: Db,
    lines: Iterable[str],
    viewer: Viewer,
    *,
    batch_size: int = BATCH,
    progress: Progress | None = None,
) -> Report:
    report = Report()
    batch: list[dict[str, Any]] = []
    current: str | None = None

    async def flush() -> None:
        if not batch or current is None:
            return
        async with transaction(db, viewer) as tx:
            if current == "Participants":
                await _participants(tx, batch, report)
            else:
                await _insert(tx, current, batch, report)
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for _, kind, data in _parse(lines, report):
        if kind != current or len(batch) >= batch_size:
            await flush()
            current = kind
        batch.append(data)
    await flush()
    async with transaction(db, viewer) as tx:
        for table in [*TABLES.values(), "incident_participant"]:
            await tx.db.execute(
                f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest((select max(id) from {table}), 1))"
            )
    return report
