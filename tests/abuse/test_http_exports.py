"""Finding 3 of issue 10: clients that start `/export/incidents.geojson` and stop reading
must not hold the pool. A real `sitrep serve` with a pool of 2 connections and 12 exports
allowed: 12 clients with a tiny receive window start an export far larger than the
sockets' buffers and stop reading; GraphQL (both paths), /healthz and /readyz still
answer, a 13th export is refused with 503 ``TOO_MANY_EXPORTS``, the stalled exports are
cut after the idle-write timeout (a broken transfer, not a clean end), and their slots
come back."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.abuse.http_checks import add_incidents, assert_error, metric
from tests.abuse.http_servers import dechunk, read_head, read_to_end, send_head
from tests.conftest import FreshDatabase
from tests.schema.test_headline import HEADLINE
from tests.servers import sitrep_serve

ROWS = 20_000
STALLED = 12
WRITE_TIMEOUT_S = 3
EXPORT = "/export/incidents.geojson"


@pytest.fixture(scope="module")
def bulk_server(fresh_database: FreshDatabase) -> Iterator[str]:
    url = fresh_database("sitrep_exports")
    settings = {
        "SITREP_POOL_MIN_SIZE": "1",
        "SITREP_POOL_MAX_SIZE": "2",
        "SITREP_MAX_CONCURRENT_EXPORTS": str(STALLED),
        "SITREP_MAX_EXPORTS_PER_ADDRESS": "0",  # every client here is 127.0.0.1
        "SITREP_EXPORT_WRITE_TIMEOUT_S": str(WRITE_TIMEOUT_S),
        "SITREP_EXPORT_PAGE_SIZE": "200",
    }
    with sitrep_serve(url, settings, "--demo") as base:
        add_incidents(url, ROWS)
        yield base


def _stall(base: str) -> tuple[socket.socket, bytes]:
    sock = send_head(base, "GET", EXPORT, {}, rcvbuf=4096)
    status, headers, start = read_head(sock)
    assert (status, headers["content-type"]) == (200, "application/geo+json")
    return sock, start


def test_stalled_exports_hold_no_connection(bulk_server: str) -> None:
    base = bulk_server
    stalled = [_stall(base) for _ in range(STALLED)]
    try:
        refused = httpx.get(f"{base}{EXPORT}", timeout=5)
        assert_error(
            refused, 503, "TOO_MANY_EXPORTS", f"{STALLED} exports are running; try again shortly."
        )
        assert refused.headers["retry-after"] == "5"
        time.sleep(1)  # the exports fill their sockets and block on them
        # The pool is free: each of these would wait for a connection (and time out) if
        # the stalled exports held them.
        planned = httpx.post(f"{base}/graphql", json={"query": HEADLINE}, timeout=5)
        edges = planned.json()["data"]["incidents"]["edges"]
        assert [e["node"]["location"]["name"] for e in edges] == [
            "Ain al-Asad Air Base",
            "Erbil International Airport",
        ]
        resolved = httpx.get(
            f"{base}/graphql", params={"query": "{ incidents { totalCount } }"}, timeout=5
        )
        assert resolved.json() == {
            "data": {"incidents": {"totalCount": ROWS + 3}},
            "extensions": {"cost": {"requested": 1 + 250, "limit": 50000}},
        }
        assert httpx.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz", timeout=5).json() == {"status": "ready"}

        # Nobody reads: each export is cut once a write waited WRITE_TIMEOUT_S.
        deadline = time.monotonic() + 120
        while metric(base, "sitrep_exports_aborted_total", reason="stalled") < STALLED:
            assert time.monotonic() < deadline, "the stalled exports were not cut off"
            time.sleep(0.5)
        assert metric(base, "sitrep_exports_aborted_total", reason="stalled") == STALLED
        for sock, start in stalled:
            body, ended = dechunk(read_to_end(sock, start))
            assert not ended
            assert body.startswith(b'{"type":"FeatureCollection","features":[{')
            assert 0 < body.count(b'"type":"Feature"') < ROWS
    finally:
        for sock, _ in stalled:
            sock.close()

    # Their slots are free again, and a client that reads gets the whole export.
    complete = httpx.get(f"{base}{EXPORT}", timeout=60)
    assert complete.status_code == 200
    assert len(complete.json()["features"]) == ROWS + 3
