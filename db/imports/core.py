"""The shared bulk-import engine for external event datasets (ACLED, UCDP).

Parsers turn each CSV row into an ``EventRow`` (or a rejection with its line number).
``import_events`` consumes them as a stream, in batches; each batch is one transaction
of set-based statements (``unnest``), so memory stays flat and the rate does not
depend on per-row round trips. References are resolved by ``db/imports/resolve.py``
(actors through the crosswalk and ``sitrep_norm``, locations by name and distance,
sources by publisher and title). An incident already imported (same ``(system,
external_id)``) is updated only when the row's ``version`` is newer (ACLED
``timestamp``) or, for datasets without one (UCDP), different: re-importing the same
file changes nothing. Every created or updated record is recorded in the change log,
like a mutation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import asyncpg

from db import changelog, images
from db.core import Db
from db.imports.resolve import Caches, actor_ids, location_ids, source_ids
from db.imports.rows import (  # re-exported: the parsers' and importers' types
    EventRow,
    InvalidFile,
    LocationSpec,
    ParticipantSpec,
    Rejected,
    Report,
    SourceSpec,
)
from db.transaction import Tx, transaction
from db.viewer import Viewer

BATCH_SIZE = 1000

INCIDENT_COLUMNS = (
    "occurred_on", "date_earliest", "date_latest", "time_precision", "location_id",
    "event_type", "sub_event_type", "weapon", "outcome", "killed_low", "killed_best",
    "killed_high", "summary", "notes", "tags", "status",
    "latitude", "longitude", "geo_precision", "admin1_code", "admin1_name", "admin2_name",
    "admin3_name", "place_name", "country_name", "region", "where_description",
    "disorder_type", "inter1", "inter2", "interaction", "civilian_targeting", "source_scale",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "date_prec", "where_prec",
    "event_clarity", "conflict_id", "dyad_id", "side_a_id", "side_b_id", "relid",
    "number_of_sources",
)  # fmt: skip
_TYPES = (
    "date", "date", "date", "text", "bigint", "text", "text", "text", "text", "int", "int",
    "int", "text", "text", "text", "text",
    "float8", "float8", "text", "text", "text", "text",
    "text", "text", "text", "text", "text",
    "text", "text", "text", "text", "boolean", "text",
    "int", "int", "int", "int", "smallint", "smallint",
    "smallint", "int", "int", "int", "int", "text",
    "int",
)  # fmt: skip
_DEFAULTS = {"outcome": "UNKNOWN"}
# Statistics lag behind tables that grow during an import. JIT-compiling these short
# statements costs more than running them; a small-looking table would be scanned,
# normalising every name (``unaccent``) for every name looked up, instead of using the
# ``sitrep_norm`` btree indexes (a bitmap scan would pick the trigram index, slow for
# equality). Every statement of an import finds its rows by key or normalised name.
PLANNER_SETTINGS = (
    "set local jit = off; set local enable_seqscan = off; set local enable_bitmapscan = off"
)

Progress = Callable[[int], None]
__all__ = [
    "BATCH_SIZE", "EventRow", "InvalidFile", "LocationSpec", "ParticipantSpec", "Progress",
    "Rejected", "Report", "SourceSpec", "chunks", "import_events",
]  # fmt: skip


IMPORTED_STATUS = "PUBLISHED"  # an imported incident is published


def _values(r: EventRow, location_id: int) -> list[Any]:
    """A row's incident columns (``INCIDENT_COLUMNS``), ``tags`` as a list."""
    values: list[Any] = []
    for c in INCIDENT_COLUMNS:
        if c == "location_id":
            values.append(location_id)
        elif c == "status":
            values.append(IMPORTED_STATUS)
        elif c == "tags":
            values.append(r.incident.get("tags") or [])
        else:
            values.append(r.incident.get(c, _DEFAULTS.get(c)))
    return values


_TAGS = INCIDENT_COLUMNS.index("tags")


def _columns(rows: list[EventRow], location_ids: list[int]) -> list[list[Any]]:
    """The rows' incident columns as arrays for ``_SELECT``."""
    cols = [list(c) for c in zip(*map(_values, rows, location_ids), strict=True)]
    # text[][] cannot be ragged: pass each list as one text and split it in SQL.
    cols[_TAGS] = ["\x1f".join(tags) for tags in cols[_TAGS]]
    return cols


def _select() -> str:
    """``select id, c0, c1, …`` over the batch's id array ($1) and column arrays ($2 on):
    one ``unnest`` of them all (no join of ordinalities)."""
    parts = []
    for n, c in enumerate(INCIDENT_COLUMNS):
        expr = f"u.c{n}"
        if c == "tags":
            expr = f"coalesce(string_to_array(nullif(u.c{n}, ''), E'\\x1f'), '{{}}')"
        parts.append(f"{expr} as c{n}")
    unnest = ", ".join(f"${2 + n}::{t}[]" for n, t in enumerate(_TYPES))
    names = ", ".join(f"c{n}" for n in range(len(INCIDENT_COLUMNS)))
    return f"select u.id, {', '.join(parts)} from unnest($1::bigint[], {unnest}) u(id, {names})"


_SELECT = _select()


def _is_newer(row: EventRow, stored: int | None) -> bool:
    if row.version_is_hash:
        return row.version is not None and row.version != stored
    return (row.version or 0) > (stored or 0)


async def _existing(tx: Tx, latest: dict[tuple[str, str], EventRow]) -> dict[Any, Any]:
    """(system, external id) → (incident id, stored version) of rows already imported;
    a Sitrep export's own ids are this database's incidents."""
    found = {
        (x["system"], x["external_id"]): (x["incident_id"], x["source_version"])
        for x in await tx.db.fetch(
            "select e.system, e.external_id, e.incident_id, e.source_version "
            "from incident_external_id e join unnest($1::text[], $2::text[]) k(s, x) "
            "on e.system = k.s and e.external_id = k.x",
            [k[0] for k in latest],
            [k[1] for k in latest],
        )
    }
    own = {k: r.own_id for k, r in latest.items() if r.own_id is not None and k not in found}
    if own:
        known = {
            x[0]
            for x in await tx.db.fetch(
                "select id from incident where id = any($1::bigint[])", list(own.values())
            )
        }
        # our own export: the incident is what it was; the row changes nothing
        found.update({k: (pk, None) for k, pk in own.items() if pk in known})
    return found


async def _batch(tx: Tx, caches: Caches, rows: list[EventRow], report: Report) -> None:
    await tx.db.execute(PLANNER_SETTINGS)
    # 1. which rows are new, newer, or unchanged (the last row wins within a file)
    latest: dict[tuple[str, str], EventRow] = {}
    for r in rows:
        key = (r.system, r.external_id)
        if key in latest and not _is_newer(r, latest[key].version):
            report.unchanged += 1
            continue
        if key in latest:
            report.unchanged += 1
        latest[key] = r
    existing = await _existing(tx, latest)
    new = [r for k, r in latest.items() if k not in existing]
    newer = [
        (existing[k][0], r)
        for k, r in latest.items()
        if k in existing and r.own_id is None and _is_newer(r, existing[k][1])
    ]
    report.unchanged += len(latest) - len(new) - len(newer)
    # 2. references of the rows that are written (an unchanged row creates nothing)
    written = new + [r for _, r in newer]
    wanted: dict[str, str] = {}
    for r in written:
        for p in r.participants:
            if wanted.get(p.name, "OTHER") == "OTHER":
                wanted[p.name] = p.kind
    await actor_ids(tx, caches, wanted, report)
    await location_ids(tx, caches, [r.location for r in written])
    await source_ids(tx, caches, [s for r in written for s in r.sources])
    # 3. incidents
    new_ids: list[int] = []
    if new:
        new_ids = [
            x[0]
            for x in await tx.db.fetch(
                # the sequence looked up once (an initplan), not once per id (19 ms a batch)
                "select nextval((select pg_get_serial_sequence('incident', 'id')::regclass)) "
                "from generate_series(1, $1)",
                len(new),
            )
        ]
        # COPY: the cheapest insert for PostgreSQL and for asyncpg's encoding (the
        # identity column takes the allocated ids as given)
        await tx.db.copy_records(
            "incident",
            ("id", *INCIDENT_COLUMNS),
            [
                (pk, *_values(r, caches.locations[r.location]))
                for pk, r in zip(new_ids, new, strict=True)
            ],
        )
        await tx.db.copy_records(
            "incident_external_id",
            ("system", "external_id", "incident_id", "source_version"),
            [(r.system, r.external_id, pk, r.version) for pk, r in zip(new_ids, new, strict=True)],
        )
    befores: dict[int, dict[str, Any]] = {}
    if newer:
        ids = [pk for pk, _ in newer]
        befores = await images.snapshots(tx.db, "Incident", ids)
        rows_ = [r for _, r in newer]
        sets = ", ".join(f"{c} = v.c{n}" for n, c in enumerate(INCIDENT_COLUMNS) if c != "status")
        await tx.db.execute(
            f"update incident i set {sets}, version = i.version + 1 "
            f"from ({_SELECT}) v where i.id = v.id",
            ids,
            *_columns(rows_, [caches.locations[r.location] for r in rows_]),
        )
        await tx.db.execute(
            "update incident_external_id e set source_version = v.version from "
            "unnest($1::bigint[], $2::bigint[], $3::text[]) v(id, version, system) "
            "where e.incident_id = v.id and e.system = v.system",
            ids,
            [r.version for r in rows_],
            [r.system for r in rows_],
        )
        await tx.db.execute(
            "delete from incident_participant where incident_id = any($1::bigint[])", ids
        )
        await tx.db.execute(
            "delete from incident_source where incident_id = any($1::bigint[])", ids
        )
    # 4. participants and sources of new and updated incidents
    pairs = list(zip(new_ids, new, strict=True)) + newer
    participants: list[tuple[Any, ...]] = []
    sources: list[tuple[int, int, int]] = []
    for n, (pk, r) in enumerate(pairs):
        seen: set[tuple[int, str]] = set()
        # The copies of its incident's date, status and linked-record flag a participation
        # carries (migrations 0010, 0017): a new incident's are known; an updated one's
        # (None) the trigger reads, as it does a missing date.
        copies: tuple[Any, ...] = (None, None, None)
        if n < len(new):
            copies = (r.incident.get("occurred_on"), IMPORTED_STATUS, False)
        for p in r.participants:
            link = (caches.actors[p.name], p.role)
            if link not in seen:
                seen.add(link)
                participants.append((pk, link[0], p.role, p.side, p.associated, p.name, *copies))
        taken: set[int] = set()
        for position, s in enumerate(r.sources, start=1):
            sid = caches.sources[s.key()]
            if sid not in taken:
                taken.add(sid)
                sources.append((pk, sid, position))
    if participants:
        # in the file's order (their ids give the order of associated actors), each with
        # its incident's copies (else the trigger looks them up row by row)
        await tx.db.copy_records(
            "incident_participant",
            ("incident_id", "actor_id", "role", "side", "associated", "reported_name",
             "occurred_on", "incident_status", "incident_linked_duplicate"),
            participants,
        )  # fmt: skip
    if sources:
        await tx.db.copy_records(
            "incident_source", ("incident_id", "source_id", "position"), sources
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


# While the parser runs in its worker thread, the event loop waits for the GIL each time
# PostgreSQL answers: up to the switch interval (5 ms by default), some twenty times a
# batch (trivial statements took 5-10 ms). An import shortens the interval to 1 ms.
SWITCH_INTERVAL = 0.001
# imports under way in this process that shortened it, and the interval before the first
_switch = {"imports": 0, "saved": 0.005}


@contextlib.contextmanager
def _quick_gil_handoff() -> Iterator[None]:
    if _switch["imports"] == 0:
        _switch["saved"] = sys.getswitchinterval()
        sys.setswitchinterval(min(_switch["saved"], SWITCH_INTERVAL))
    _switch["imports"] += 1
    try:
        yield
    finally:
        _switch["imports"] -= 1
        if _switch["imports"] == 0:
            sys.setswitchinterval(_switch["saved"])


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
    with _quick_gil_handoff():
        await _import_batches(db, items, viewer, batch_size, progress, report)
    report.rejected.sort(key=lambda r: r.line)
    report.seconds = time.perf_counter() - start
    return report


async def _import_batches(
    db: Db,
    items: Iterable[EventRow | Rejected],
    viewer: Viewer,
    batch_size: int,
    progress: Progress | None,
    report: Report,
) -> None:
    caches = Caches()
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
                caches = Caches()
                for row in good:
                    try:
                        async with transaction(db, viewer) as tx:
                            await _batch(tx, caches, [row], report)
                    except (asyncpg.PostgresError, KeyError) as exc:
                        caches = Caches()
                        report.rejected.append(Rejected(row.line, f"database: {exc}"))
        if progress is not None:
            progress(len(batch))


def chunks(lines: Iterator[Any], n: int) -> Iterator[list[Any]]:
    batch = []
    for x in lines:
        batch.append(x)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch
