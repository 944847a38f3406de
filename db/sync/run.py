"""A sync run: read pages from a source's API, import each page with the import engine
(``db.imports``: same mapping, same created/updated/unchanged/rejected report) in one
transaction with the run's state, then link the touched incidents to the same events in
other datasets (``db.linking``).

ACLED: events with ``timestamp`` at or after the last completed run's highest one (all on
the first run), then deletions at or after the last one, each deletion retracting its
incident (a ``RETRACT`` in the change log, a tombstone in the feed). UCDP: one release
(``25.1``, or a Candidate ``25.0.10``) page by page; a record of a later release supersedes
an earlier one's. An interrupted run resumes at the first page it had not committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from db import linking
from db.core import Db
from db.imports import acled, taxonomy, ucdp
from db.imports.core import EventRow, Rejected, Report, import_events
from db.sync import state as sync_state
from db.sync.acled_api import AcledApi, as_csv_row
from db.sync.http import SyncError
from db.sync.ucdp_api import UcdpApi, parse_version
from db.transaction import transaction
from db.viewer import Viewer
from db.writes import records

# (rows just read, total rows when the API says so)
Progress = Callable[[int, int | None], None]

# pg_try_advisory_xact_lock keys: "sitrep sync" + the source's number
SYNC_LOCK = 0x5173_7379_6E00
LOCKED_SOURCES = ("acled", "ucdp")


class SyncBusy(SyncError):
    """Another run of the same source holds its lock on this database."""


@asynccontextmanager
async def exclusive(lock_db: Db, source: str) -> AsyncIterator[None]:
    """One run per source and database at a time: hold the source's lock while the body
    runs, or raise ``SyncBusy`` at once if another run holds it.

    ``lock_db`` is a connection of its own (the run commits page by page on another): it
    keeps a transaction open holding a transaction-level advisory lock. That holds
    through PgBouncer in transaction mode (the transaction keeps its server connection,
    where a session lock could be taken on one server connection and the run go on
    another), and it is released when the run ends or its process dies (the connection
    closes, the server ends the transaction). The transaction writes nothing and, in
    READ COMMITTED, holds no snapshot between statements, so it keeps no rows from being
    vacuumed."""
    key = SYNC_LOCK + LOCKED_SOURCES.index(source)
    async with lock_db.transaction() as conn:
        await conn.execute("set local idle_in_transaction_session_timeout = 0")
        if not await conn.fetchval("select pg_try_advisory_xact_lock($1)", key):
            since = await conn.fetchval(
                "select min(a.xact_start) from pg_locks l join pg_stat_activity a "
                "on a.pid = l.pid where l.locktype = 'advisory' and l.granted "
                "and l.classid = $1 and l.objid = $2 and l.objsubid = 1",
                key >> 32,
                key & 0xFFFF_FFFF,
            )
            started = ""
            if since is not None:
                started = f" (started {since.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)"
            raise SyncBusy(
                f"another `sitrep sync {source}` is running on this database{started}; "
                "wait for it to finish"
            )
        yield


@dataclass
class SyncReport:
    source: str
    version: str = ""
    imported: Report = field(default_factory=Report)
    retracted: int = 0
    pages: int = 0
    resumed_from_page: int | None = None
    linked: linking.LinkReport | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version": self.version,
            **self.imported.as_dict(),
            "retracted": self.retracted,
            "pages": self.pages,
            "resumedFromPage": self.resumed_from_page,
            "clusters": self.linked.clusters if self.linked else None,
        }


def _add(total: Report, page: Report) -> None:
    total.created += page.created
    total.updated += page.updated
    total.unchanged += page.unchanged
    total.rejected.extend(page.rejected)
    total.seconds += page.seconds


def _advance(st: sync_state.State, page: list[dict[str, Any]], key: str, size: int) -> None:
    """The state after an ACLED page: the highest ``key`` timestamp seen, and the next page;
    a short page ends the run, whose highest timestamp becomes the high-water mark."""
    seen = [int(str(r[key])) for r in page if str(r.get(key) or "").strip().isdigit()]
    st.run_max = max([*seen, *([st.run_max] if st.run_max is not None else [])], default=None)
    if len(page) < size:
        st.high_water, st.next_page, st.run_from = st.run_max, None, None
        st.completed_at = dt.datetime.now(dt.UTC)
    else:
        assert st.next_page is not None
        st.next_page += 1


def acled_rows(
    page: list[dict[str, Any]], first_line: int, tax: dict[str, str]
) -> list[EventRow | Rejected]:
    """API records → the ACLED importer's rows; ``line`` is the record's number in the run."""
    out: list[EventRow | Rejected] = []
    for n, record in enumerate(page):
        parsed = acled.parse_row(first_line + n, as_csv_row(record), tax)
        if isinstance(parsed, Rejected):
            ident = record.get("event_id_cnty") or "?"
            parsed = Rejected(parsed.line, f"event {ident}: {parsed.reason}")
        out.append(parsed)
    return out


def ucdp_rows(
    page: list[dict[str, Any]], first_line: int, release: int, candidate: bool
) -> list[EventRow | Rejected]:
    """API records → the UCDP importer's rows, versioned by release; Candidate records are
    their own system (``ucdp_candidate``: their ids are not the final release's)."""
    out: list[EventRow | Rejected] = []
    for n, record in enumerate(page):
        parsed = ucdp.parse_row(first_line + n, as_csv_row(record))
        if isinstance(parsed, EventRow):
            system = "ucdp_candidate" if candidate else parsed.system
            parsed = dataclasses.replace(
                parsed, version=release, version_is_hash=False, system=system
            )
        else:
            parsed = Rejected(parsed.line, f"event {record.get('id') or '?'}: {parsed.reason}")
        out.append(parsed)
    return out


async def _import_page(
    db: Db, viewer: Viewer, rows: list[EventRow | Rejected], st: sync_state.State
) -> Report:
    """The page's rows and the run's state, committed together."""
    async with db.transaction() as conn:
        report = await import_events(conn, rows, viewer=viewer, batch_size=max(len(rows), 1))
        await sync_state.save(conn, st)
    return report


async def sync_acled(
    db: Db,
    viewer: Viewer,
    api: AcledApi,
    *,
    full: bool = False,
    progress: Progress | None = None,
    link: bool = True,
) -> SyncReport:
    started = await db.fetchval("select now()")  # the start of the transactions that follow
    report = SyncReport("acled")
    tax = await taxonomy.load(db)
    st = await sync_state.load(db, "acled")
    if full and not st.running:
        st.high_water = None
    if st.running:
        report.resumed_from_page = st.next_page
    else:
        st.run_from, st.next_page, st.run_max = st.high_water, 1, st.high_water
    while st.next_page is not None:
        page = st.next_page
        records_ = await api.events(page, st.run_from)
        rows = acled_rows(records_, (page - 1) * api.page_size + 1, tax)
        _advance(st, records_, "timestamp", api.page_size)
        _add(report.imported, await _import_page(db, viewer, rows, st))
        report.pages += 1
        if progress is not None:
            progress(len(records_), None)
    report.retracted = await _sync_deleted(db, viewer, api, report)
    if link:
        report.linked = await linking.link(db, viewer, touched_since=started)
    return report


async def _sync_deleted(db: Db, viewer: Viewer, api: AcledApi, report: SyncReport) -> int:
    st = await sync_state.load(db, "acled_deleted")
    if not st.running:
        st.run_from, st.next_page, st.run_max = st.high_water, 1, st.high_water
    retracted = 0
    while st.next_page is not None:
        page = st.next_page
        records_ = await api.deleted(page, st.run_from)
        _advance(st, records_, "deleted_timestamp", api.page_size)
        async with db.transaction() as conn:
            retracted += await retract_deleted(conn, viewer, records_)
            await sync_state.save(conn, st)
        report.pages += 1
    return retracted


async def retract_deleted(db: Db, viewer: Viewer, deleted: list[dict[str, Any]]) -> int:
    """Retract the incidents of deleted ACLED events (those not retracted already)."""
    when = {str(r.get("event_id_cnty") or ""): r.get("deleted_timestamp") for r in deleted}
    found = await db.fetch(
        "select e.external_id, e.incident_id from incident_external_id e "
        "join incident i on i.id = e.incident_id "
        "where e.system = 'acled' and e.external_id = any($1::text[]) "
        "and i.status <> 'RETRACTED' order by e.incident_id",
        sorted(k for k in when if k),
    )
    for r in found:
        stamp = when[r["external_id"]]
        at = ""
        if str(stamp or "").isdigit():
            at = f" at {dt.datetime.fromtimestamp(int(str(stamp)), dt.UTC):%Y-%m-%d %H:%M} UTC"
        async with transaction(db, viewer) as tx:
            await records.retract(tx, "Incident", r["incident_id"], None, f"deleted by ACLED{at}")
    return len(found)


async def sync_ucdp(
    db: Db,
    viewer: Viewer,
    api: UcdpApi,
    version: str,
    *,
    again: bool = False,
    progress: Progress | None = None,
    link: bool = True,
) -> SyncReport:
    release, candidate = parse_version(version)
    started = await db.fetchval("select now()")  # the start of the transactions that follow
    report = SyncReport("ucdp", version)
    st = await sync_state.load(db, "ucdp", version)
    if st.completed_at is not None and not st.running and not again:
        return report
    if st.running:
        report.resumed_from_page = st.next_page
    else:
        st.next_page, st.completed_at = 0, None
    while st.next_page is not None:
        page_no = st.next_page
        page = await api.page(version, page_no)
        if page.next_page is not None and page.next_page <= page_no:
            raise SyncError(f"UCDP NextPageUrl goes back (page {page_no} → {page.next_page})")
        rows = ucdp_rows(page.rows, page_no * api.page_size + 1, release, candidate)
        st.next_page, st.total_pages = page.next_page, page.total_pages
        if page.next_page is None:
            st.completed_at = dt.datetime.now(dt.UTC)
        _add(report.imported, await _import_page(db, viewer, rows, st))
        report.pages += 1
        if progress is not None:
            progress(len(page.rows), page.total_pages * api.page_size)
    if link:
        report.linked = await linking.link(db, viewer, touched_since=started)
    return report
