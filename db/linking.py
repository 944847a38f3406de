"""Cross-dataset linking: finds incidents that describe the same event (ACLED, UCDP,
hand-entered) and stores them as clusters (``event_cluster``, ``event_cluster_member``;
rank 0 is the canonical member). The judgement is ``db.link_score``; this module reads
the candidates and writes the clusters.

``link(touched_since=t)`` relinks the incidents whose dates overlap those changed since
``t`` (what an import or a sync just wrote), with the members of their existing clusters;
``link()`` relinks everything. A cluster whose members did not change keeps its id.
One link runs at a time (an advisory lock), in one transaction. An incident's event is
part of its image (``event_members``, ``db.images``): each incident whose event changes
gets an UPDATE in the change log, so the ``changes`` feed and webhooks carry linking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from db import changelog, geo_sql, images, link_score
from db.core import Db
from db.link_score import DATE_SLACK_DAYS, Record
from db.transaction import Tx, transaction
from db.viewer import Viewer

LINK_LOCK = 0x5173_6C69_6E6B  # pg_advisory_xact_lock key: "sitrep link"
AFFILIATIONS = ("MEMBER_OF", "PART_OF", "FRONT_FOR")

_CASES = " ".join(f"when '{k}' then {v}" for k, v in link_score.TOLERANCE_KM.items())
_UNKNOWN = link_score.TOLERANCE_KM["UNKNOWN"]
# The record's own point and precision where its row gave one (imports keep them on the
# incident), else its location's.
_TOLERANCE = (
    f"case when i.latitude is not null then case i.geo_precision {_CASES} else {_UNKNOWN} end "
    f"else coalesce(greatest(l.precision_km, {link_score.TOLERANCE_KM['EXACT']}), "
    f"case l.geo_precision {_CASES} else {_UNKNOWN} end) end"
)
_LAT = "coalesce(i.latitude, l.latitude)"
_LON = "coalesce(i.longitude, l.longitude)"


def _origin(datasets: str) -> str:
    """The dataset a record comes from: the first of its external-id systems that is one
    of the datasets (the ``text[]`` parameter ``datasets``), or "hand". (The systems are
    tested in ``filter``, not ``where``: a condition on ``system`` there would let
    PostgreSQL scan the primary key's every entry of the dataset for each record.)"""
    return (
        f"coalesce((select min(e.system) filter (where e.system = any({datasets}::text[])) "
        "from incident_external_id e where e.incident_id = i.id), 'hand')"
    )


# The records to judge: not retracted, with a point; origin = the first dataset among
# its external-id systems (or "hand"); actors by id and by normalised name; one affiliation hop.
_RECORDS = f"""
select i.id, i.status = 'PUBLISHED' as published, i.occurred_on, i.date_earliest,
       i.date_latest, i.event_type, i.killed_best,
       {_origin("$3")} as origin,
       {_LAT} as latitude, {_LON} as longitude, {_TOLERANCE} as tolerance,
       coalesce((select array_agg(distinct '#' || p.actor_id) || array_agg(distinct
                 sitrep_norm(a.name)) from incident_participant p join actor a
                 on a.id = p.actor_id where p.incident_id = i.id), '{{}}') as actors,
       coalesce((select array_agg(distinct '#' || case when r.subject_actor_id = p.actor_id
                 then r.object_actor_id else r.subject_actor_id end)
                 from incident_participant p join actor_relation r
                 on p.actor_id in (r.subject_actor_id, r.object_actor_id)
                 where p.incident_id = i.id and r.kind = any($2::text[])
                 and r.status <> 'RETRACTED'), '{{}}') as affiliated
from unnest($1::bigint[]) k(id) join incident i on i.id = k.id
join location l on l.id = i.location_id
where i.status <> 'RETRACTED' and {_LAT} is not null
"""

# Pairs of those records from different datasets on a common day (ranges widened by the
# slack) within reach. Each record meets only the records of the other origins of its
# days: the join's key is (day, origin), so a big import from one dataset costs a probe
# per record and origin present, not a comparison with every record of the same day
# (and nothing when only one origin is present).
_DIST = geo_sql.distance_km("a.latitude", "a.longitude", "b.latitude", "b.longitude")
_PAIRS = f"""
with w as materialized (
    select i.id, {_origin("$2")} as origin, {_LAT} as latitude, {_LON} as longitude,
           {_TOLERANCE} as tolerance,
           i.date_earliest - {DATE_SLACK_DAYS} as lo, i.date_latest + {DATE_SLACK_DAYS} as hi
    from unnest($1::bigint[]) k(id) join incident i on i.id = k.id
    join location l on l.id = i.location_id
    where i.status <> 'RETRACTED' and {_LAT} is not null),
d as materialized (
    select w.id, w.origin, w.latitude, w.longitude, w.tolerance, g::date as day
    from w, generate_series(w.lo, w.hi, interval '1 day') g)
select distinct least(a.id, b.id) as a, greatest(a.id, b.id) as b, {_DIST} as km,
       a.tolerance + b.tolerance as tolerance
from d a cross join (select distinct origin from d) o(other)
join d b on b.day = a.day and b.origin = o.other
where a.origin < o.other and {_DIST} <= a.tolerance + b.tolerance
"""


@dataclass
class LinkReport:
    considered: int = 0  # incidents judged
    clusters: int = 0  # clusters among them after the run
    created: int = 0
    removed: int = 0


async def link(db: Db, viewer: Viewer, *, touched_since: dt.datetime | None = None) -> LinkReport:
    """Relink (see the module's docstring). ``viewer`` is who runs it: the author of the
    change-log entries of the incidents whose event changed (their image's
    ``event_members``); every reader sees the clusters through their own visibility."""
    report = LinkReport()
    async with transaction(db, viewer) as tx:
        # JIT-compiling the pairs query (its estimates are huge) took longer than running it
        await tx.db.execute("set local jit = off")
        await tx.db.execute("select pg_advisory_xact_lock($1)", LINK_LOCK)
        ids = await _scope(tx.db, touched_since)
        if not ids:
            return report
        records, pairs = await _candidates(tx.db, ids)
        report.considered = len(records)
        found = link_score.clusters(records, pairs)
        await _store(tx, ids, found, report)
        report.clusters = len(found)
    return report


async def _scope(db: Db, touched_since: dt.datetime | None) -> list[int]:
    if touched_since is None:
        ids = await db.fetch("select id from incident where status <> 'RETRACTED'")
    else:
        ids = await db.fetch(
            "with t as (select min(date_earliest) - $2::int as lo, max(date_latest) + $2::int "
            "as hi from incident where updated_at >= $1) "
            "select i.id from incident i, t where i.date_latest >= t.lo "
            "and i.date_earliest <= t.hi and i.status <> 'RETRACTED' "
            "union select m.incident_id from event_cluster_member m "
            "join incident i on i.id = m.incident_id where i.updated_at >= $1",
            touched_since,
            2 * DATE_SLACK_DAYS,
        )
    found = [r["id"] for r in ids]
    mates = await db.fetch(
        "select o.incident_id from unnest($1::bigint[]) k(id) join event_cluster_member m "
        "on m.incident_id = k.id join event_cluster_member o on o.cluster_id = m.cluster_id",
        found,
    )
    return sorted(set(found) | {r["incident_id"] for r in mates})


async def _candidates(
    db: Db, ids: list[int]
) -> tuple[dict[int, Record], list[tuple[int, int, float]]]:
    pairs = await db.fetch(_PAIRS, ids, list(link_score.DATASETS))
    involved = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    records = {
        r["id"]: _record(r)
        for r in await db.fetch(_RECORDS, involved, list(AFFILIATIONS), list(link_score.DATASETS))
    }
    scored = []
    for p in pairs:
        a, b = records.get(p["a"]), records.get(p["b"])
        if a is None or b is None:
            continue
        s = link_score.score(a, b, p["km"], p["tolerance"])
        if s > 0:
            scored.append((a.id, b.id, s))
    return records, scored


def _record(r: Any) -> Record:
    return Record(
        id=r["id"],
        origin=r["origin"],
        published=r["published"],
        occurred_on=r["occurred_on"],
        date_earliest=r["date_earliest"],
        date_latest=r["date_latest"],
        event_type=r["event_type"],
        killed=r["killed_best"],
        actors=frozenset(x for x in r["actors"] if x),
        affiliated=frozenset(r["affiliated"]),
    )


async def _store(
    tx: Tx, ids: list[int], found: list[link_score.Cluster], report: LinkReport
) -> None:
    """Replace the clusters that changed. Their members' images change (``event_members``,
    ``db.images``): each incident whose event is not what it was gets an UPDATE in the
    change log, so the ``changes`` feed and webhooks carry linking and unlinking."""
    db = tx.db
    existing: dict[int, list[tuple[int, int, float | None]]] = {}
    for r in await db.fetch(
        "select cluster_id, incident_id, rank, score from event_cluster_member "
        "where cluster_id in (select m.cluster_id from unnest($1::bigint[]) k(id) "
        "join event_cluster_member m on m.incident_id = k.id) order by cluster_id, rank",
        ids,
    ):
        existing.setdefault(r["cluster_id"], []).append((r["incident_id"], r["rank"], r["score"]))
    wanted = {
        tuple((m.id, rank, c.scores.get(m.id)) for rank, m in enumerate(c.ranked())) for c in found
    }
    wanted_keys = {_key(list(w)) for w in wanted}
    keep = {cid for cid, rows in existing.items() if _key(rows) in wanted_keys}
    drop = sorted(set(existing) - keep)
    kept = {_key(existing[cid]) for cid in keep}
    create = sorted(m for m in wanted if _key(list(m)) not in kept)
    # each incident's event (its cluster's members in rank order) before and after; a
    # cluster replaced by one that differs in its scores only changes no image
    was = {row[0]: [m[0] for m in existing[cid]] for cid in drop for row in existing[cid]}
    will = {m[0]: [x[0] for x in members] for members in create for m in members}
    changed = sorted(pk for pk in set(was) | set(will) if was.get(pk, []) != will.get(pk, []))
    befores = await images.snapshots(db, "Incident", changed)
    if drop:
        await db.execute("delete from event_cluster where id = any($1::bigint[])", drop)
        report.removed += len(drop)
    for members in create:
        cid = await db.fetchval("insert into event_cluster default values returning id")
        await db.execute(
            "insert into event_cluster_member (cluster_id, incident_id, rank, score) "
            "select $1, * from unnest($2::bigint[], $3::int[], $4::real[])",
            cid,
            [m[0] for m in members],
            [m[1] for m in members],
            [m[2] for m in members],
        )
        report.created += 1
    # the after images are taken in SQL when the change log is written
    changelog.record_deferred(tx, "Incident", changed, "UPDATE", befores)


def _key(rows: list[tuple[int, int, float | None]]) -> tuple[tuple[int, int, float | None], ...]:
    return tuple((i, r, None if s is None else round(s, 4)) for i, r, s in rows)
