"""`sitrep sync acled` against a local replay of ACLED's API (real HTTP): OAuth password
grant, refresh on expiry and on 401, 5,000-row pages (smaller here), incremental runs by
`timestamp`, deletions becoming retractions, and a run interrupted mid-way resuming at the
first page it had not committed."""

from __future__ import annotations

import copy

import asyncpg
import httpx
import pytest

from db.core import ConnectionDb
from db.sync import state as sync_state
from db.sync.acled_api import PAGE_SIZE, AcledApi, OAuth
from db.sync.http import SyncError
from db.sync.run import sync_acled
from tests.sync.conftest import ADMIN, acled_api
from tests.sync.events import generate
from tests.sync.replay import USERNAME, Replay

EVENTS = generate().acled[:11]


async def _incidents(conn: asyncpg.Connection) -> dict[str, tuple[str, int | None]]:
    rows = await conn.fetch(
        "select e.external_id, i.status, i.killed_best from incident_external_id e "
        "join incident i on i.id = e.incident_id where e.system = 'acled' "
        "and e.external_id like 'IRQ%'"
    )
    return {r["external_id"]: (r["status"], r["killed_best"]) for r in rows}


def _grants(replay: Replay) -> list[str]:
    return [r.form["grant_type"] for r in replay.requests("/oauth/token")]


def _pages(replay: Replay, endpoint: str = "/api/acled/read") -> list[int]:
    return [int(r.query["page"]) for r in replay.requests(endpoint)]


async def test_first_sync_reads_every_page_and_refreshes_an_expired_token(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    api = acled_api(replay, client)

    def after_page(rows: int, total: int | None) -> None:
        if len(replay.requests("/api/acled/read")) == 1:
            replay.expire_access_tokens()  # the server revokes the token after page 1

    report = await sync_acled(db, ADMIN, api, progress=after_page, link=False)
    assert (report.imported.created, report.imported.updated) == (11, 0)
    assert (report.imported.unchanged, report.imported.rejected) == (0, [])
    assert report.pages == 4  # 3 pages of events (4 + 4 + 3) and 1 of deletions
    assert _pages(replay) == [1, 2, 2, 3]  # page 2 again after the 401
    assert _grants(replay) == ["password", "refresh_token"]
    first = replay.requests("/oauth/token")[0].form
    assert (first["username"], first["client_id"]) == (USERNAME, "acled")
    events = replay.requests("/api/acled/read")
    assert [r.headers["authorization"] for r in events] == [
        "Bearer access-1",
        "Bearer access-1",
        "Bearer access-2",
        "Bearer access-2",
    ]
    assert events[0].query == {"_format": "json", "limit": "4", "page": "1"}
    assert set(await _incidents(conn)) == {e["event_id_cnty"] for e in EVENTS}
    st = await sync_state.load(db, "acled")
    assert (st.running, st.high_water) == (False, max(e["timestamp"] for e in EVENTS))


async def test_a_token_about_to_expire_is_refreshed_before_the_request(
    db: ConnectionDb, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    replay.expires_in = 30  # under the client's one-minute margin: renewed every time
    await sync_acled(db, ADMIN, acled_api(replay, client), link=False)
    assert _grants(replay) == ["password"] + ["refresh_token"] * 3


async def test_pages_are_5000_rows_by_default(
    db: ConnectionDb, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    auth = OAuth(f"{replay.base}/oauth/token", USERNAME, "correct horse battery staple")
    api = AcledApi(client, f"{replay.base}/api", auth)
    report = await sync_acled(db, ADMIN, api, link=False)
    assert PAGE_SIZE == 5000
    assert [r.query["limit"] for r in replay.requests("/api/acled/read")] == ["5000"]
    assert report.imported.created == 11


async def test_an_interrupted_run_resumes_at_the_first_uncommitted_page(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    replay.fail.add(("/api/acled/read", 3))
    api = acled_api(replay, client)
    with pytest.raises(SyncError, match="HTTP 500"):
        await sync_acled(db, ADMIN, api, link=False)
    # pages 1 and 2 are committed with the state saying where to go on
    assert len(await _incidents(conn)) == 8
    st = await sync_state.load(db, "acled")
    assert (st.next_page, st.run_from, st.high_water) == (3, None, None)
    assert _pages(replay) == [1, 2, 3, 3, 3]  # three tries of page 3
    replay.fail.clear()
    replay.log.clear()
    report = await sync_acled(db, ADMIN, api, link=False)
    assert report.resumed_from_page == 3
    assert _pages(replay) == [3]
    assert (report.imported.created, report.imported.unchanged) == (3, 0)
    assert len(await _incidents(conn)) == 11
    assert (await sync_state.load(db, "acled")).running is False


async def test_next_run_reads_only_changes_and_updates_them(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    api = acled_api(replay, client)
    await sync_acled(db, ADMIN, api, link=False)
    high = max(e["timestamp"] for e in EVENTS)
    # ACLED revises two events (new fatalities, new timestamp) and adds one
    revised = [EVENTS[0]["event_id_cnty"], EVENTS[5]["event_id_cnty"]]
    for e in replay.acled_events:
        if e["event_id_cnty"] in revised:
            e["fatalities"], e["timestamp"] = "21", high + 100
    added = {**copy.deepcopy(EVENTS[1]), "event_id_cnty": "IRQ7999", "timestamp": high + 50}
    replay.acled_events.append(added)
    replay.log.clear()
    report = await sync_acled(db, ADMIN, api, link=False)
    event_reads = replay.requests("/api/acled/read")
    # 4 changed rows fill a page of 4: page 2 (empty) ends the run
    assert [
        (r.query["page"], r.query["timestamp"], r.query["timestamp_where"]) for r in event_reads
    ] == [
        ("1", str(high), ">="),
        ("2", str(high), ">="),
    ]
    # the event stamped exactly at the high-water mark comes again, unchanged
    assert (report.imported.created, report.imported.updated) == (1, 2)
    assert report.imported.unchanged == 1
    found = await _incidents(conn)
    assert [found[x][1] for x in revised] == [21, 21]
    assert "IRQ7999" in found
    assert (await sync_state.load(db, "acled")).high_water == high + 100


async def test_deleted_events_are_retracted_with_a_reason_in_the_change_log(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    api = acled_api(replay, client)
    await sync_acled(db, ADMIN, api, link=False)
    gone = EVENTS[2]["event_id_cnty"]
    replay.acled_deleted = [
        {"event_id_cnty": gone, "deleted_timestamp": 1_706_000_000},
        {"event_id_cnty": "SYR0000000", "deleted_timestamp": 1_706_000_005},  # never imported
    ]
    replay.log.clear()
    report = await sync_acled(db, ADMIN, api, link=False)
    assert report.retracted == 1
    assert (await _incidents(conn))[gone][0] == "RETRACTED"
    change = await conn.fetchrow(
        "select c.operation, c.reason, c.author, c.published_after from change_log c "
        "join incident_external_id e on e.incident_id = c.entity_id and c.entity = 'Incident' "
        "where e.external_id = $1 order by c.id desc limit 1",
        gone,
    )
    assert dict(change) == {
        "operation": "RETRACT",
        "reason": "deleted by ACLED at 2024-01-23 08:53 UTC",
        "author": "test sync",
        "published_after": False,
    }
    # the next run asks only for deletions since the last one, and retracts nothing again
    replay.log.clear()
    again = await sync_acled(db, ADMIN, api, link=False)
    deleted_reads = replay.requests("/api/deleted/read")
    assert [r.query["deleted_timestamp"] for r in deleted_reads] == ["1706000005"]
    assert again.retracted == 0


async def test_refused_credentials_stop_the_sync_before_any_write(
    db: ConnectionDb, conn: asyncpg.Connection, replay: Replay, client: httpx.AsyncClient
) -> None:
    replay.acled_events = copy.deepcopy(EVENTS)
    auth = OAuth(f"{replay.base}/oauth/token", USERNAME, "wrong password")
    api = AcledApi(client, f"{replay.base}/api", auth, page_size=4)
    with pytest.raises(SyncError, match="HTTP 400 \\(credentials refused\\)") as err:
        await sync_acled(db, ADMIN, api, link=False)
    assert "wrong password" not in str(err.value)
    assert await _incidents(conn) == {}
    assert replay.requests("/api/acled/read") == []
