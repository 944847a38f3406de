"""`sitrep sync ucdp` against a local replay of the UCDP API (real HTTP): the token
header, 1,000-event pages (smaller here) followed through `NextPageUrl`, GED and GED
Candidate releases, a later release superseding an earlier one, and resuming."""

from __future__ import annotations

import copy

import asyncpg
import httpx
import pytest

from db.core import ConnectionDb
from db.sync import state as sync_state
from db.sync.http import SyncError
from db.sync.run import sync_ucdp
from db.sync.ucdp_api import PAGE_SIZE, UcdpApi, parse_version
from tests.sync.conftest import ADMIN, ucdp_api
from tests.sync.events import generate
from tests.sync.replay import UCDP_TOKEN, Replay

EVENTS = generate().ucdp[:7]


async def _incidents(conn: asyncpg.Connection, system: str) -> dict[str, tuple[int | None, int]]:
    rows = await conn.fetch(
        "select e.external_id, i.killed_best, e.source_version from incident_external_id e "
        "join incident i on i.id = e.incident_id where e.system = $1",
        system,
    )
    return {r["external_id"]: (r["killed_best"], r["source_version"]) for r in rows}


def _pages(replay: Replay, version: str) -> list[int]:
    return [int(r.query["page"]) for r in replay.requests(f"/ucdp/gedevents/{version}")]


def test_versions_order_releases_and_tell_candidates() -> None:
    assert parse_version("25.1") == (250100, False)
    assert parse_version("25.0.10") == (250010, True)
    assert parse_version("25.0.9") < parse_version("25.0.10") < parse_version("25.1")
    with pytest.raises(SyncError, match="bad UCDP version '25'"):
        parse_version("25")


async def test_a_release_is_read_page_by_page_with_the_token_header(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.ucdp["25.1"] = copy.deepcopy(EVENTS)
    seen: list[tuple[int, int | None]] = []
    report = await sync_ucdp(
        db, ADMIN, ucdp_api(replay, client), "25.1", progress=lambda n, t: seen.append((n, t)),
        link=False,
    )  # fmt: skip
    assert (report.imported.created, report.pages, report.imported.rejected) == (7, 3, [])
    assert seen == [(3, 9), (3, 9), (1, 9)]  # rows of each page, of 3 pages of 3
    requests = replay.requests("/ucdp/gedevents/25.1")
    assert [r.query for r in requests] == [
        {"pagesize": "3", "page": "0"},
        {"pagesize": "3", "page": "1"},
        {"pagesize": "3", "page": "2"},
    ]
    assert {r.headers["x-ucdp-access-token"] for r in requests} == {UCDP_TOKEN}
    found = await _incidents(conn, "ucdp")
    assert found == {str(e["id"]): (e["best"], 250100) for e in EVENTS}
    st = await sync_state.load(db, "ucdp", "25.1")
    assert (st.running, st.total_pages, st.completed_at is not None) == (False, 3, True)


async def test_a_completed_release_is_not_read_again_unless_asked(
    db: ConnectionDb, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.ucdp["25.1"] = copy.deepcopy(EVENTS)
    api = ucdp_api(replay, client)
    await sync_ucdp(db, ADMIN, api, "25.1", link=False)
    replay.log.clear()
    skipped = await sync_ucdp(db, ADMIN, api, "25.1", link=False)
    assert (skipped.pages, replay.log) == (0, [])
    again = await sync_ucdp(db, ADMIN, api, "25.1", again=True, link=False)
    assert (again.pages, again.imported.unchanged, again.imported.created) == (3, 7, 0)


async def test_a_later_release_supersedes_and_candidates_are_their_own_records(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.ucdp["25.0.10"] = copy.deepcopy(EVENTS[:2])
    replay.ucdp["25.1"] = copy.deepcopy(EVENTS)
    replay.ucdp["26.1"] = copy.deepcopy(EVENTS)
    replay.ucdp["26.1"][0]["best"] = replay.ucdp["26.1"][0]["high"] = 40
    api = ucdp_api(replay, client)
    candidate = await sync_ucdp(db, ADMIN, api, "25.0.10", link=False)
    assert candidate.imported.created == 2
    assert set(await _incidents(conn, "ucdp_candidate")) == {str(e["id"]) for e in EVENTS[:2]}
    await sync_ucdp(db, ADMIN, api, "25.1", link=False)
    later = await sync_ucdp(db, ADMIN, api, "26.1", link=False)
    # a later release's record replaces the earlier one's (deaths revised to 40)
    assert (later.imported.created, later.imported.updated) == (0, 7)
    found = await _incidents(conn, "ucdp")
    assert found[str(EVENTS[0]["id"])] == (40, 260100)
    # an earlier release read after a later one changes nothing
    older = await sync_ucdp(db, ADMIN, api, "25.1", again=True, link=False)
    assert (older.imported.updated, older.imported.unchanged) == (0, 7)


async def test_an_interrupted_release_resumes_at_its_next_page(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.ucdp["25.1"] = copy.deepcopy(EVENTS)
    replay.fail.add(("/ucdp/gedevents/25.1", 1))
    api = ucdp_api(replay, client)
    with pytest.raises(SyncError, match="HTTP 500"):
        await sync_ucdp(db, ADMIN, api, "25.1", link=False)
    assert len(await _incidents(conn, "ucdp")) == 3
    assert (await sync_state.load(db, "ucdp", "25.1")).next_page == 1
    replay.fail.clear()
    replay.log.clear()
    report = await sync_ucdp(db, ADMIN, api, "25.1", link=False)
    assert (report.resumed_from_page, _pages(replay, "25.1")) == (1, [1, 2])
    assert (report.imported.created, len(await _incidents(conn, "ucdp"))) == (4, 7)


async def test_a_wrong_token_is_a_clear_error_and_writes_nothing(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.ucdp["25.1"] = copy.deepcopy(EVENTS)
    api = UcdpApi(client, f"{replay.base}/ucdp", "not-the-token")
    with pytest.raises(SyncError, match="HTTP 401"):
        await sync_ucdp(db, ADMIN, api, "25.1", link=False)
    assert await _incidents(conn, "ucdp") == {}
    assert PAGE_SIZE == 1000
    assert replay.requests("/ucdp/gedevents/25.1")[0].query["pagesize"] == "1000"


async def test_an_unknown_release_is_an_error(
    db: ConnectionDb, replay: Replay, client: httpx.AsyncClient
) -> None:
    with pytest.raises(SyncError, match="HTTP 404"):
        await sync_ucdp(db, ADMIN, ucdp_api(replay, client), "24.0.99", link=False)
