"""The shared bulk-import engine for external event datasets (ACLED, UCDP).

Parsers turn each CSV row into an ``EventRow`` (or a rejection with its line number).
``import_events`` consumes them as a stream, in batches; each batch is one transaction
of set-based statements (``unnest``), so memory stays flat and the rate does not
depend on per-row round trips. Actors, locations and sources already known are reused
(by name or alias; locations also by coordinates), and an incident already imported
(same ``(system, external_id)``) is updated only when the row's ``version`` (ACLED
``timestamp``) is newer: re-importing the same file changes nothing. Every created or
updated record is recorded in the change log, like a mutation.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from db import changelog, images
from db.core import Db
from db.transaction import Tx, transaction
from db.viewer import Viewer

BATCH_SIZE = 1000

INCIDENT_COLUMNS = (
    "occurred_on", "date_earliest", "date_latest", "time_precision", "location_id",
    "event_type", "sub_event_type", "weapon", "killed_low", "killed_best", "killed_high",
    "summary", "notes", "tags", "status",
)  # fmt: skip
_TYPES = (
    "date", "date", "date", "text", "bigint", "text", "text", "text", "int", "int", "int",
    "text", "text", "text", "text",
)  # fmt: skip


@dataclass(frozen=True)
class LocationSpec:
    name: str
    country_code: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: str = "UNKNOWN"
    admin1_name: str | None = None
    admin2_name: str | None = None
    kind: str = "TOWN"

    def match_keys(self) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = [("name", self.name.lower(), self.country_code)]
        if self.latitude is not None and self.longitude is not None:
            out.append(("xy", round(self.latitude, 4), round(self.longitude, 4), self.country_code))
        return out


@dataclass(frozen=True)
class SourceSpec:
    publisher: str
    title: str | None = None
    note: str | None = None
    published_at: dt.datetime | None = None
    kind: str = "NEWS_ARTICLE"

    def key(self) -> tuple[str, str]:
        return (self.publisher.lower(), (self.title or "").lower())


@dataclass(frozen=True)
class EventRow:
    line: int
    system: str
    external_id: str
    version: int | None
    incident: dict[str, Any]  # INCIDENT_COLUMNS except location_id and status
    location: LocationSpec
    participants: list[tuple[str, str, str]]  # (actor name, actor kind, role)
    sources: list[SourceSpec]


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def as_dict(self, max_rejections: int = 1000) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "rejections": [
                {"line": r.line, "reason": r.reason} for r in self.rejected[:max_rejections]
            ],
        }


Progress = Callable[[int], None]


@dataclass
class _Caches:
    actors: dict[str, int] = field(default_factory=dict)
    locations: dict[tuple[Any, ...], int] = field(default_factory=dict)
    sources: dict[tuple[str, str], int] = field(default_factory=dict)


async def _actor_ids(tx: Tx, caches: _Caches, wanted: dict[str, str]) -> None:
    """Resolve actor names (name or alias, case-insensitive); create the unknown ones."""
    missing = [n for n in wanted if n.lower() not in caches.actors]
    if not missing:
        return
    lowered = sorted({n.lower() for n in missing})
    for r in await tx.db.fetch(
        "select lower(name) as k, min(id) as id from actor where lower(name) = any($1::text[]) "
        "and status <> 'RETRACTED' group by 1 union all "
        "select lower(x.alias), min(x.actor_id) from actor_alias x join actor a on a.id = "
        "x.actor_id where lower(x.alias) = any($1::text[]) and a.status <> 'RETRACTED' group by 1",
        lowered,
    ):
        caches.actors.setdefault(r["k"], r["id"])
    new: dict[str, tuple[str, str]] = {}
    for n in missing:
        if n.lower() not in caches.actors:
            new.setdefault(n.lower(), (n, wanted[n]))
    if not new:
        return
    names = [v[0] for v in new.values()]
    kinds = [v[1] for v in new.values()]
    rows = await tx.db.fetch(
        "insert into actor (name, kind) select * from unnest($1::text[], $2::text[]) "
        "returning id, lower(name) as k",
        names,
        kinds,
    )
    for r in rows:
        caches.actors[r["k"]] = r["id"]
    await _record_created(tx, "Actor", [r["id"] for r in rows])


async def _location_ids(tx: Tx, caches: _Caches, specs: list[LocationSpec]) -> None:
    todo = [s for s in specs if not any(k in caches.locations for k in s.match_keys())]
    if not todo:
        return
    names = sorted({s.name.lower() for s in todo})
    for r in await tx.db.fetch(
        "select l.id, lower(l.name) as k, l.country_code, l.latitude, l.longitude from location l "
        "where l.status <> 'RETRACTED' and (lower(l.name) = any($1::text[]) or l.id in "
        "(select location_id from location_alias where lower(alias) = any($1::text[]))) "
        "order by l.id",
        names,
    ):
        caches.locations.setdefault(("name", r["k"], r["country_code"]), r["id"])
        if r["latitude"] is not None:
            xy = ("xy", round(r["latitude"], 4), round(r["longitude"], 4), r["country_code"])
            caches.locations.setdefault(xy, r["id"])
    aliases = await tx.db.fetch(
        "select x.location_id, lower(x.alias) as k, l.country_code from location_alias x "
        "join location l on l.id = x.location_id where lower(x.alias) = any($1::text[]) "
        "and l.status <> 'RETRACTED'",
        names,
    )
    for r in aliases:
        caches.locations.setdefault(("name", r["k"], r["country_code"]), r["location_id"])
    create: dict[tuple[Any, ...], LocationSpec] = {}
    for s in todo:
        if not any(k in caches.locations for k in s.match_keys()):
            create.setdefault(s.match_keys()[0], s)
    if not create:
        return
    specs_new = list(create.values())
    rows = await tx.db.fetch(
        "insert into location (name, kind, country_code, latitude, longitude, geo_precision, "
        "admin1_name, admin2_name) select a, b, c, d, e, f, g, h from unnest($1::text[], "
        "$2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[], "
        "$8::text[]) with ordinality as u(a, b, c, d, e, f, g, h, n) order by n returning id",
        [s.name for s in specs_new],
        [s.kind for s in specs_new],
        [s.country_code for s in specs_new],
        [s.latitude for s in specs_new],
        [s.longitude for s in specs_new],
        [s.geo_precision for s in specs_new],
        [s.admin1_name for s in specs_new],
        [s.admin2_name for s in specs_new],
    )
    # RETURNING follows the insertion order of the ordered select.
    for s, r in zip(specs_new, rows, strict=True):
        for k in s.match_keys():
            caches.locations.setdefault(k, r["id"])
    await _record_created(tx, "Location", [r["id"] for r in rows])


def _location_id(caches: _Caches, spec: LocationSpec) -> int:
    for k in spec.match_keys():
        if k in caches.locations:
            return caches.locations[k]
    raise KeyError(spec)


async def _source_ids(tx: Tx, caches: _Caches, specs: list[SourceSpec]) -> None:
    todo = {s.key(): s for s in specs if s.key() not in caches.sources}
    if not todo:
        return
    for r in await tx.db.fetch(
        "select min(id) as id, lower(publisher) as p, lower(coalesce(title, '')) as t "
        "from source where lower(publisher) = any($1::text[]) and status <> 'RETRACTED' "
        "group by 2, 3",
        sorted({k[0] for k in todo}),
    ):
        caches.sources.setdefault((r["p"], r["t"]), r["id"])
    new = [s for k, s in todo.items() if k not in caches.sources]
    if not new:
        return
    rows = await tx.db.fetch(
        "insert into source (kind, publisher, title, note, published_at) select a, b, c, d, e "
        "from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) "
        "with ordinality as u(a, b, c, d, e, n) order by n returning id",
        [s.kind for s in new],
        [s.publisher for s in new],
        [s.title for s in new],
        [s.note for s in new],
        [s.published_at for s in new],
    )
    for s, r in zip(new, rows, strict=True):
        caches.sources[s.key()] = r["id"]
    await _record_created(tx, "Source", [r["id"] for r in rows])


async def _record_created(tx: Tx, entity: str, ids: list[int]) -> None:
    changelog.record_deferred(tx, entity, ids, "CREATE")


def _columns(rows: list[EventRow], location_ids: list[int]) -> list[list[Any]]:
    cols: list[list[Any]] = []
    for c in INCIDENT_COLUMNS:
        if c == "location_id":
            cols.append(location_ids)
        elif c == "status":
            cols.append(["PUBLISHED"] * len(rows))
        elif c == "tags":
            # text[][] cannot be ragged: pass each list as one text and split it in SQL.
            cols.append(["\x1f".join(r.incident.get("tags") or []) for r in rows])
        else:
            cols.append([r.incident.get(c) for r in rows])
    return cols


def _select(first_param: int) -> str:
    """``select n, c0, c1, …`` over the batch's column arrays (``$first_param`` onwards)."""
    parts = []
    for n, c in enumerate(INCIDENT_COLUMNS):
        expr = f"u.c{n}"
        if c == "tags":
            expr = f"coalesce(string_to_array(nullif(u.c{n}, ''), E'\\x1f'), '{{}}')"
        parts.append(f"{expr} as c{n}")
    unnest = ", ".join(f"${first_param + n}::{t}[]" for n, t in enumerate(_TYPES))
    names = ", ".join(f"c{n}" for n in range(len(INCIDENT_COLUMNS)))
    return f"select u.n, {', '.join(parts)} from unnest({unnest}) with ordinality u({names}, n)"


_VALUES = ", ".join(f"v.c{n}" for n in range(len(INCIDENT_COLUMNS)))


async def _batch(tx: Tx, caches: _Caches, rows: list[EventRow], report: Report) -> None:
    # Statistics lag behind a fast-growing table: JIT-compiling these short statements
    # costs more than running them.
    await tx.db.execute("set local jit = off")
    # 1. references
    wanted: dict[str, str] = {}
    for r in rows:
        for name, kind, _ in r.participants:
            wanted.setdefault(name, kind)
    await _actor_ids(tx, caches, wanted)
    await _location_ids(tx, caches, [r.location for r in rows])
    await _source_ids(tx, caches, [s for r in rows for s in r.sources])
    # 2. which rows are new, newer, or unchanged (the last row wins within a file)
    latest: dict[tuple[str, str], EventRow] = {}
    for r in rows:
        key = (r.system, r.external_id)
        if key in latest and (latest[key].version or 0) > (r.version or 0):
            report.unchanged += 1
            continue
        if key in latest:
            report.unchanged += 1
        latest[key] = r
    existing = {
        (x["system"], x["external_id"]): (x["incident_id"], x["source_version"])
        for x in await tx.db.fetch(
            "select e.system, e.external_id, e.incident_id, e.source_version "
            "from incident_external_id e join unnest($1::text[], $2::text[]) k(s, x) "
            "on e.system = k.s and e.external_id = k.x",
            [k[0] for k in latest],
            [k[1] for k in latest],
        )
    }
    new = [r for k, r in latest.items() if k not in existing]
    newer = [
        (existing[k][0], r)
        for k, r in latest.items()
        if k in existing and (r.version or 0) > (existing[k][1] or 0)
    ]
    report.unchanged += len(latest) - len(new) - len(newer)
    # 3. incidents
    new_ids: list[int] = []
    if new:
        new_ids = [
            x[0]
            for x in await tx.db.fetch(
                "select nextval(pg_get_serial_sequence('incident', 'id')) "
                "from generate_series(1, $1)",
                len(new),
            )
        ]
        loc_ids = [_location_id(caches, r.location) for r in new]
        await tx.db.execute(
            f"insert into incident (id, {', '.join(INCIDENT_COLUMNS)}) overriding system value "
            f"select k.id, {_VALUES} from unnest($1::bigint[]) with ordinality k(id, n) "
            f"join ({_select(2)}) v using (n)",
            new_ids,
            *_columns(new, loc_ids),
        )
        await tx.db.execute(
            "insert into incident_external_id (system, external_id, incident_id, source_version) "
            "select * from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])",
            [r.system for r in new],
            [r.external_id for r in new],
            new_ids,
            [r.version for r in new],
        )
    befores: dict[int, dict[str, Any]] = {}
    if newer:
        ids = [pk for pk, _ in newer]
        befores = await images.snapshots(tx.db, "Incident", ids)
        rows_ = [r for _, r in newer]
        sets = ", ".join(f"{c} = v.c{n}" for n, c in enumerate(INCIDENT_COLUMNS) if c != "status")
        await tx.db.execute(
            f"update incident i set {sets}, version = i.version + 1 "
            f"from unnest($1::bigint[]) with ordinality k(id, n) join ({_select(2)}) v using (n) "
            "where i.id = k.id",
            ids,
            *_columns(rows_, [_location_id(caches, r.location) for r in rows_]),
        )
        await tx.db.execute(
            "update incident_external_id e set source_version = v.version from "
            "unnest($1::bigint[], $2::bigint[]) v(id, version) where e.incident_id = v.id "
            "and e.system = $3",
            ids,
            [r.version for r in rows_],
            rows_[0].system,
        )
        await tx.db.execute(
            "delete from incident_participant where incident_id = any($1::bigint[])", ids
        )
        await tx.db.execute(
            "delete from incident_source where incident_id = any($1::bigint[])", ids
        )
    # 4. participants and sources of new and updated incidents
    pairs = list(zip(new_ids, new, strict=True)) + newer
    p_inc, p_actor, p_role = [], [], []
    s_inc, s_src = [], []
    for pk, r in pairs:
        seen: set[tuple[int, str]] = set()
        for name, _, role in r.participants:
            link = (caches.actors[name.lower()], role)
            if link not in seen:
                seen.add(link)
                p_inc.append(pk)
                p_actor.append(link[0])
                p_role.append(role)
        for sid in sorted({caches.sources[s.key()] for s in r.sources}):
            s_inc.append(pk)
            s_src.append(sid)
    if p_inc:
        await tx.db.execute(
            "insert into incident_participant (incident_id, actor_id, role) "
            "select * from unnest($1::bigint[], $2::bigint[], $3::text[])",
            p_inc,
            p_actor,
            p_role,
        )
    if s_inc:
        await tx.db.execute(
            "insert into incident_source (incident_id, source_id) "
            "select * from unnest($1::bigint[], $2::bigint[])",
            s_inc,
            s_src,
        )
    # 5. history: the after images are taken by the change-log insert itself (flush)
    changelog.record_deferred(tx, "Incident", new_ids, "CREATE")
    changelog.record_deferred(tx, "Incident", [pk for pk, _ in newer], "UPDATE", befores)
    report.created += len(new)
    report.updated += len(newer)


async def _batches(
    items: Iterable[EventRow | Rejected] | AsyncIterator[EventRow | Rejected], size: int
) -> AsyncIterator[list[EventRow | Rejected]]:
    """Batches of ``size`` rows. A plain iterable (a parser over an open file) is read in
    a worker thread, one batch ahead: parsing the next batch overlaps with the database
    writing the current one."""
    if hasattr(items, "__aiter__"):
        batch: list[EventRow | Rejected] = []
        async for item in items:
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    it = iter(items)
    ahead = asyncio.ensure_future(asyncio.to_thread(lambda: list(itertools.islice(it, size))))
    try:
        while batch := await ahead:
            ahead = asyncio.ensure_future(
                asyncio.to_thread(lambda: list(itertools.islice(it, size)))
            )
            yield batch
    finally:
        if not ahead.done():
            # the consumer stopped early: let the worker finish its batch, then drop it
            with contextlib.suppress(Exception):
                await ahead


async def import_events(
    db: Db,
    items: Iterable[EventRow | Rejected],
    *,
    viewer: Viewer,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Report:
    """Import a stream of parsed rows, one transaction per batch."""
    import time

    start = time.perf_counter()
    report = Report()
    caches = _Caches()
    async for batch in _batches(items, batch_size):
        good = [x for x in batch if isinstance(x, EventRow)]
        report.rejected.extend(x for x in batch if isinstance(x, Rejected))
        if good:
            try:
                async with transaction(db, viewer) as tx:
                    await _batch(tx, caches, good, report)
            except (asyncpg.PostgresError, KeyError):
                # The batch failed as a whole (a row the parser let through but the
                # database refused): redo it row by row, rejecting only the bad rows.
                caches = _Caches()
                for row in good:
                    try:
                        async with transaction(db, viewer) as tx:
                            await _batch(tx, caches, [row], report)
                    except (asyncpg.PostgresError, KeyError) as exc:
                        caches = _Caches()
                        report.rejected.append(Rejected(row.line, f"database: {exc}"))
        if progress is not None:
            progress(len(batch))
    report.rejected.sort(key=lambda r: r.line)
    report.seconds = time.perf_counter() - start
    return report


def chunks(lines: Iterator[Any], n: int) -> Iterator[list[Any]]:
    batch = []
    for x in lines:
        batch.append(x)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch
