"""Finding 7 of issue 10: with the database away, every endpoint answers 503
``DATABASE_UNAVAILABLE`` with ``Retry-After`` in JSON (with or without a key, on the
planner's path and the resolvers'), ``/healthz`` stays 200, ``/readyz`` says 503, and
all of it recovers when the database is back, without a restart. Also finding 8's
stream half: a failure after an export started breaks the transfer.

A PostgreSQL server of the test's own (never the system one) is stopped and started."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from db.core import DatabaseUnavailable, PoolDb, create_pool
from tests.abuse.http_checks import add_incidents, create_key, metric
from tests.abuse.http_servers import (
    ThrowawayPostgres,
    dechunk,
    read_head,
    read_to_end,
    send_head,
    throwaway_postgres,
)
from tests.schema.test_headline import HEADLINE
from tests.servers import sitrep_serve

UNAVAILABLE = "The database is unavailable; try again shortly."
ROWS = 20_000


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ThrowawayPostgres, str, str]]:
    settings = {
        "SITREP_POOL_MIN_SIZE": "1",
        "SITREP_POOL_MAX_SIZE": "3",
        "SITREP_EXPORT_PAGE_SIZE": "200",
    }
    with (
        throwaway_postgres() as pg,
        sitrep_serve(pg.url, settings, "--demo", "--migrate") as base,
    ):
        # Enough incidents for an export far larger than the sockets' buffers.
        add_incidents(pg.url, ROWS)
        yield pg, base, create_key(pg.url, "admin")


def _requests(base: str, admin: str) -> dict[str, httpx.Response]:
    bearer = {"Authorization": f"Bearer {admin}"}
    csv = {"file": ("x.csv", b"event_id_cnty\n", "text/csv")}
    return {
        "planned": httpx.post(f"{base}/graphql", json={"query": HEADLINE}, timeout=10),
        "planned with a key": httpx.post(
            f"{base}/graphql", json={"query": HEADLINE}, headers=bearer, timeout=10
        ),
        "resolvers": httpx.get(
            f"{base}/graphql", params={"query": "{ incidents { totalCount } }"}, timeout=10
        ),
        "resolvers with a key": httpx.get(
            f"{base}/graphql",
            params={"query": "{ incidents { totalCount } }"},
            headers=bearer,
            timeout=10,
        ),
        "mutation with a key": httpx.post(
            f"{base}/graphql",
            json={
                "query": 'mutation { createActor(input: {name: "X", kind: MILITIA}) '
                "{ __typename } }"
            },
            headers=bearer,
            timeout=10,
        ),
        "export": httpx.get(f"{base}/export/incidents.geojson", timeout=10),
        "import with a key": httpx.post(
            f"{base}/import/acled", files=csv, headers=bearer, timeout=10
        ),
        "readiness": httpx.get(f"{base}/readyz", timeout=10),
    }


def test_database_away_is_503_everywhere_and_recovers(
    served: tuple[ThrowawayPostgres, str, str],
) -> None:
    pg, base, admin = served
    assert httpx.get(f"{base}/readyz", timeout=10).json() == {"status": "ready"}
    before = httpx.post(f"{base}/graphql", json={"query": HEADLINE}, timeout=10).json()
    assert len(before["data"]["incidents"]["edges"]) == 2
    counted = metric(base, "sitrep_http_errors_total", status="503", code="DATABASE_UNAVAILABLE")

    pg.stop()
    try:
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        answers = _requests(base, admin)
        expected = {
            "errors": [{"message": UNAVAILABLE, "extensions": {"code": "DATABASE_UNAVAILABLE"}}]
        }
        got = {
            name: (r.status_code, r.headers["content-type"], r.headers.get("retry-after"), r.json())
            for name, r in answers.items()
        }
        assert got == dict.fromkeys(answers, (503, "application/json", "5", expected))
        after = metric(base, "sitrep_http_errors_total", status="503", code="DATABASE_UNAVAILABLE")
        assert after - counted == len(answers)
    finally:
        pg.start()

    assert httpx.get(f"{base}/readyz", timeout=10).json() == {"status": "ready"}
    assert httpx.post(f"{base}/graphql", json={"query": HEADLINE}, timeout=10).json() == before
    keyed = httpx.post(
        f"{base}/graphql",
        json={"query": HEADLINE},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    )
    assert keyed.json() == before
    resolved = httpx.get(
        f"{base}/graphql", params={"query": "{ incidents { totalCount } }"}, timeout=10
    )
    assert resolved.json() == {
        "data": {"incidents": {"totalCount": ROWS + 3}},
        "extensions": {"cost": {"requested": 1 + 250, "limit": 50000}},
    }


def test_a_failure_after_the_export_started_breaks_the_transfer(
    served: tuple[ThrowawayPostgres, str, str],
) -> None:
    pg, base, _ = served
    complete = httpx.get(f"{base}/export/incidents.geojson", timeout=60)
    assert complete.status_code == 200
    assert len(complete.json()["features"]) == ROWS + 3

    # A client with a small window: the server blocks on it after a few pages.
    sock = send_head(base, "GET", "/export/incidents.geojson", {}, rcvbuf=4096)
    status, headers, start = read_head(sock)
    assert (status, headers["transfer-encoding"]) == (200, "chunked")
    pg.stop()
    try:
        sock.settimeout(30)
        body, ended = dechunk(read_to_end(sock, start))
        sock.close()
    finally:
        pg.start()
    assert not ended  # no last chunk: the client can tell the export is incomplete
    assert body.startswith(b'{"type":"FeatureCollection","features":[{')
    assert 0 < body.count(b'"type":"Feature"') < ROWS
    assert metric(base, "sitrep_exports_aborted_total", reason="failed") == 1


async def test_transactions_say_database_unavailable_and_pass_other_errors(
    served: tuple[ThrowawayPostgres, str, str],
) -> None:
    """A transaction's own begin/commit on a lost server is ``DatabaseUnavailable``;
    an error of the transaction's body (here a file's) passes as it is."""
    pg, _, _ = served
    pool = await create_pool(pg.url, min_size=1, max_size=1)
    db = PoolDb(pool)

    async def in_transaction(error: Exception | None) -> None:
        async with db.transaction() as tx:
            await tx.fetchval("select 1")
            if error is not None:
                raise error

    try:
        with pytest.raises(FileNotFoundError):
            await in_transaction(FileNotFoundError("not a database error"))
        pg.stop()
        try:
            with pytest.raises(DatabaseUnavailable):
                await in_transaction(None)
            with pytest.raises(DatabaseUnavailable):
                await db.fetchval("select 1")
        finally:
            pg.start()
        assert await db.fetchval("select 1") == 1
    finally:
        await pool.close()
