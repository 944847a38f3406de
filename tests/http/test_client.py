"""The partner client (sitrep_client) against a real `sitrep serve`: a full sync, a sync
stopped half-way and resumed from its cursor file, writes in between (a create, an
update, a retraction whose tombstone must delete the copy), and a server that goes away
during a sync and comes back (retries with backoff)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.database import connected
from db.keys import create_key
from sitrep_client import SqliteCopy, SyncClient, SyncError, SyncResult, syncing
from tests.conftest import FreshDatabase
from tests.servers import free_port, serving

SERVE = [sys.executable, "-m", "app.cli", "serve", "--demo"]
TYPES = {"Actor": "actors", "Incident": "incidents", "Location": "locations", "Source": "sources"}


def gql(base: str, query: str, key: str | None = None, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def totals(base: str) -> dict[str, int]:
    query = "{ " + " ".join(f"{f}: {f} {{ totalCount }}" for f in TYPES.values()) + " }"
    data = gql(base, query)
    return {t: data[f]["totalCount"] for t, f in TYPES.items()}


def snapshot(copy: SqliteCopy) -> dict[str, dict[str, Any]]:
    return {t: copy.records(t) for t in ("Actor", "Incident", "Location", "Source", "Relation")}


def full_copy(base: str, path: Path) -> dict[str, dict[str, Any]]:
    with syncing(f"{base}/graphql", path) as client:
        assert client.sync().complete
        assert isinstance(client.copy, SqliteCopy)
        return snapshot(client.copy)


async def _keys(url: str) -> tuple[str, str]:
    async with connected(url) as db:
        _, editor = await create_key(db, "client test editor", "editor")
        _, admin = await create_key(db, "client test admin", "admin")
    return editor, admin


def test_sync_resumes_applies_tombstones_and_survives_an_outage(
    fresh_database: FreshDatabase, tmp_path: Path
) -> None:
    url = fresh_database("sitrep_client")
    editor, admin = asyncio.run(_keys(url))
    port = free_port()
    env = {"DATABASE_URL": url}
    copy = SqliteCopy(tmp_path / "copy.db")
    cursor_file = tmp_path / "copy.cursor"

    def client(**options: Any) -> SyncClient:
        return SyncClient(
            f"http://127.0.0.1:{port}/graphql", copy=copy, cursor_file=cursor_file, **options
        )

    with serving(SERVE, env, port=port) as (base, _):
        everything = client(page_size=1000).fetch(None).changes
        # Stopped after two pages (as if the process died) ...
        first = client(page_size=20).sync(max_pages=2)
        assert (first.pages, first.complete, first.upserts) == (2, False, 40)
        assert cursor_file.read_text() == first.cursor
        # ... and resumed by a new client from the cursor file: the rest, once.
        rest = client(page_size=20).sync()
        assert rest.complete
        assert rest.pages == -(-(len(everything) - 40) // 20)
        assert 40 + rest.upserts + rest.tombstones == len(everything)
        assert snapshot(copy) == full_copy(base, tmp_path / "fresh.db")
        assert {t: n for t, n in copy.counts().items() if t in TYPES} == totals(base)
        # Nothing new: one page, no changes, the same cursor.
        assert client().sync() == SyncResult(1, 0, 0, rest.cursor, True)

        # Writes in between: a create, an update, a retraction.
        created = gql(
            base,
            'mutation { createActor(input: {name: "Client Sync Brigade", kind: MILITIA, '
            "status: PUBLISHED}) { ... on Actor { id version } } }",
            editor,
        )["createActor"]
        gql(
            base,
            "mutation($id: ID!, $v: Int!) { updateActor(id: $id, version: $v, "
            'input: {name: "Client Sync Brigades"}) { __typename } }',
            editor,
            id=created["id"],
            v=created["version"],
        )
        victim = gql(
            base, '{ actors(filter: {name: "Peshmerga"}) { edges { node { id version } } } }'
        )["actors"]["edges"][0]["node"]
        assert copy.get(victim["id"]) is not None
        gql(
            base,
            'mutation($id: ID!, $v: Int!) { retractActor(id: $id, version: $v, reason: "test") '
            "{ __typename } }",
            admin,
            id=victim["id"],
            v=victim["version"],
        )
        expected = full_copy(base, tmp_path / "after.db")

    # The server is down when the sync starts, and comes back a little later.
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    up, done = threading.Event(), threading.Event()

    def restart() -> None:
        time.sleep(1.0)
        with serving(SERVE, env, port=port):
            up.set()
            done.wait(300)

    server = threading.Thread(target=restart)
    server.start()
    try:
        result = client(retries=60, backoff=0.2, max_backoff=1.0, sleep=sleep).sync()
        assert up.wait(60)
        assert result.complete
        assert result.tombstones >= 1
        assert len(waits) >= 2  # it retried while the server was away
        assert copy.get(victim["id"]) is None  # the tombstone deleted it
        assert copy.get(created["id"])["name"] == "Client Sync Brigades"  # type: ignore[index]
        assert snapshot(copy) == expected
        assert {t: n for t, n in copy.counts().items() if t in TYPES} == totals(base)

        # A cursor the server does not know is the server's error, raised at once.
        cursor_file.write_text("nonsense")
        with pytest.raises(SyncError) as refused:
            client(retries=5).sync()
        assert refused.value.code == "INVALID_CURSOR"
    finally:
        done.set()
        server.join()
        copy.close()


def test_the_client_gives_up_after_its_retries(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    waits: list[float] = []
    with (
        SyncClient(
            f"http://127.0.0.1:{port}/graphql",
            copy=SqliteCopy(tmp_path / "copy.db"),
            cursor_file=tmp_path / "cursor",
            retries=3,
            backoff=0.01,
            sleep=waits.append,
        ) as client,
        pytest.raises(SyncError, match="gave up after 3 retries: ConnectError"),
    ):
        client.sync()
    assert len(waits) == 3
    assert all(0 <= w <= 0.01 * 2**i for i, w in enumerate(waits))
    assert not (tmp_path / "cursor").exists()
