"""Reads on a streaming replica, writes on the primary, read-your-writes, and a replica
leaving and rejoining the rotation, against a real primary + replica pair and a real
`sitrep serve` (tests/scale/conftest.py)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import httpx
import pytest

from db.core import PoolDb, create_pool
from db.replicas import Replica, Replicas, parse_lsn
from tests.scale.conftest import Api, Pair

CREATE = """mutation($url: String!) { createSource(input: {kind: NEWS_ARTICLE,
  publisher: "Scale Wire", url: $url}) { ... on Source { id } } }"""
READ = "query($id: ID!) { source(id: $id) { id publisher } }"
LIST = "{ incidents(first: 3) { totalCount edges { node { id } } } }"
_urls = itertools.count()


@contextmanager
def replay_paused(pair: Pair) -> Iterator[None]:
    asyncio.run(pair.sql(pair.replica, "select pg_wal_replay_pause()"))
    try:
        yield
    finally:
        try:
            asyncio.run(pair.sql(pair.replica, "select pg_wal_replay_resume()"))
        except (asyncpg.SerializationError, asyncpg.ConnectionDoesNotExistError) as exc:
            # Replay, once resumed, may end the very session that resumed it: cleanup
            # records held back during the pause conflict with its snapshot
            # ("terminating connection due to conflict with recovery").
            if "conflict with recovery" not in str(exc):
                raise
        assert asyncio.run(pair.sql(pair.replica, "select pg_is_wal_replay_paused()")) is False


def write(api: Api) -> tuple[str, str]:
    """A new source through the API: its id and the WAL position the response carries."""
    response = api.gql(
        CREATE, {"url": f"https://scale.test/{next(_urls)}"}, authorization=f"Bearer {api.editor}"
    )
    assert response.status_code == 200
    body = response.json()
    lsn = response.headers["x-sitrep-lsn"]
    assert body["extensions"]["lsn"] == lsn
    return body["data"]["createSource"]["id"], lsn


def read(api: Api, source_id: str, **headers: str) -> object:
    response = api.gql(READ, {"id": source_id}, authorization=f"Bearer {api.editor}", **headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]["source"]


def replica_health(api: Api) -> dict[str, object]:
    health = api.health()
    replicas = health["replicas"]
    assert isinstance(replicas, list)
    assert len(replicas) == 1
    found: dict[str, object] = replicas[0]
    return found


def wait_for(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def served_by_replica(api: Api, pair: Pair) -> bool:
    """Whether a read without a position goes to the replica: with replay paused, a fresh
    write is invisible there and visible on the primary."""
    with replay_paused(pair):
        source_id, _ = write(api)
        seen = read(api, source_id)
    pair.caught_up()
    return seen is None


def test_reads_go_to_the_replica_and_the_writer_reads_its_write(api: Api, pair: Pair) -> None:
    wait_for(lambda: replica_health(api)["healthy"] is True)
    with replay_paused(pair):
        source_id, lsn = write(api)
        # Others read the replica, which has not replayed the write yet ...
        assert read(api, source_id) is None
        # ... the writer, echoing the position, waits for it or gets the primary.
        assert read(api, source_id, **{"X-Sitrep-LSN": lsn}) == {
            "id": source_id,
            "publisher": "Scale Wire",
        }
        # Other reads keep flowing meanwhile.
        listed = api.gql(LIST).json()
        assert listed["data"]["incidents"]["totalCount"] > 0
    pair.caught_up()
    # Replayed: the replica serves the writer's read too.
    assert read(api, source_id, **{"X-Sitrep-LSN": lsn}) == {
        "id": source_id,
        "publisher": "Scale Wire",
    }
    assert read(api, source_id) == {"id": source_id, "publisher": "Scale Wire"}


def test_instances_share_nothing_but_the_databases(api: Api, other_api: Api, pair: Pair) -> None:
    """Written through one instance, read through another (with 2 workers) that echoes the
    position: the second instance knows nothing of the write but what the client sends."""
    wait_for(lambda: replica_health(other_api)["healthy"] is True)
    with replay_paused(pair):
        source_id, lsn = write(api)
        assert read(other_api, source_id) is None
        for _ in range(4):  # whichever worker answers
            assert read(other_api, source_id, **{"X-Sitrep-LSN": lsn}) == {
                "id": source_id,
                "publisher": "Scale Wire",
            }
    pair.caught_up()


SEARCH = "query($t: String!) { search(text: $t, types: [SOURCE]) { type score } }"
TITLED = """mutation($url: String!, $title: String!) { createSource(input: {kind: NEWS_ARTICLE,
  publisher: "Scale Wire", url: $url, title: $title}) { ... on Source { id } } }"""


def test_resolver_reads_follow_the_same_routing(api: Api, pair: Pair) -> None:
    """Search is answered by the resolvers, not the planner: its reads are routed alike."""
    wait_for(lambda: replica_health(api)["healthy"] is True)
    n = next(_urls)
    title = f"Replicated dispatch number {n}"
    with replay_paused(pair):
        response = api.gql(
            TITLED,
            {"url": f"https://scale.test/{n}", "title": title},
            authorization=f"Bearer {api.editor}",
        )
        lsn = response.headers["x-sitrep-lsn"]

        def hits(**headers: str) -> int:
            r = api.gql(SEARCH, {"t": title}, authorization=f"Bearer {api.editor}", **headers)
            assert r.status_code == 200, r.text
            return len(r.json()["data"]["search"])

        assert hits() == 0
        assert hits(**{"X-Sitrep-LSN": lsn}) == 1
    pair.caught_up()
    assert hits() == 1


def test_a_malformed_position_is_a_client_error(api: Api) -> None:
    response = api.gql(LIST, **{"X-Sitrep-LSN": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_LSN"


def test_a_lagging_replica_leaves_the_rotation_and_returns(api: Api, pair: Pair) -> None:
    wait_for(lambda: replica_health(api)["healthy"] is True)
    with replay_paused(pair):
        source_id, _ = write(api)
        assert read(api, source_id) is None
        # Past the bound (3 s), the replica is out and the primary serves everyone.
        wait_for(lambda: replica_health(api)["healthy"] is False)
        status = replica_health(api)
        assert str(status["error"]).startswith("lagging")
        assert read(api, source_id) == {"id": source_id, "publisher": "Scale Wire"}
    wait_for(lambda: replica_health(api)["healthy"] is True)
    assert served_by_replica(api, pair)


def test_replica_stopped_and_restarted_mid_run(api: Api, pair: Pair) -> None:
    wait_for(lambda: replica_health(api)["healthy"] is True)
    failures: list[str] = []
    done = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal done
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                r = client.post(f"{api.base}/graphql", json={"query": LIST})
                body = (
                    r.json()
                    if r.headers.get("content-type", "").startswith("application/json")
                    else {}
                )
                if r.status_code != 200 or "errors" in body:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                done += 1

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        pair.replica.stop("fast")
        wait_for(lambda: replica_health(api)["healthy"] is False)
        time.sleep(1)  # reads keep going to the primary
        before_restart = done
        pair.replica.start()
        wait_for(lambda: replica_health(api)["healthy"] is True, timeout=30)
        time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    assert done > before_restart > 0
    pair.caught_up()
    assert served_by_replica(api, pair)


@pytest.mark.parametrize("path", ["/export/incidents.geojson"])
def test_export_reads_the_replica(api: Api, pair: Pair, path: str) -> None:
    with replay_paused(pair):
        response = httpx.get(f"{api.base}{path}", timeout=30)
        assert response.status_code == 200
        assert response.json()["type"] == "FeatureCollection"


async def test_a_position_ahead_of_the_primary_is_not_waited_for(pair: Pair) -> None:
    """A made-up position beyond the primary's WAL goes to the primary at once, instead of
    polling the replica for the whole wait; a real one not yet replayed is waited for."""
    pools = [await create_pool(pair.primary.url(pair.database), min_size=1)]
    pools.append(await create_pool(pair.replica.url(pair.database), min_size=1))
    replicas = Replicas(PoolDb(pools[0]), wait_s=3.0)
    replicas.replicas.append(Replica("replica", PoolDb(pools[1])))
    try:
        await replicas.check()
        assert replicas.replicas[0].healthy
        start = time.monotonic()
        assert await replicas.pick(parse_lsn("FFFFFFFF/0")) is None
        assert time.monotonic() - start < 1.5
        await pools[1].execute("select pg_wal_replay_pause()")
        try:
            await pools[0].execute("create temporary table t as select 1")
            await pools[0].execute("select pg_switch_wal()")
            target = parse_lsn(await replicas.primary_lsn())
            start = time.monotonic()
            assert await replicas.pick(target) is None  # not replayed: waited, then primary
            assert time.monotonic() - start >= 3.0
        finally:
            await pools[1].execute("select pg_wal_replay_resume()")
        assert await replicas.pick(target) is replicas.replicas[0]
    finally:
        for pool in pools:
            await pool.close()
