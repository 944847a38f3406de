"""Abuse costs the abuser (issue 10, the steady client's latency under attack), over real
HTTP against `sitrep serve`: refused requests are charged points, so a flood of them
from one address soon meets 429s; once an address's points are spent its requests are
refused on their head, before the body is read; an address may have only so many
requests in flight; X-Forwarded-For names the client only when the proxy is configured;
a repeated bad request is answered from memory, and a document over the token limit
without parsing it, with the resolvers' own answer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.abuse.http_checks import add_incidents, metric
from tests.abuse.http_servers import port_of, read_head, read_response, send_head
from tests.conftest import FreshDatabase
from tests.servers import sitrep_serve

CHEAP = "{ incidents(first: 1) { totalCount } }"  # cost 2: one point
UNKNOWN_FRAGMENT = "{ ...Nope }"
STATS = (
    '{ incidentStats(filter: { occurredOn: { gte: "0001-01-01", lte: "9999-12-31" } } '
    "interval: DAY, fillEmpty: true) { groups { incidents } } }"
)


@pytest.fixture(scope="module")
def database(fresh_database: FreshDatabase) -> Iterator[str]:
    url = fresh_database("sitrep_admission")
    with sitrep_serve(url, {}, "--demo"):  # loads the demo data once
        pass
    add_incidents(url, 20_000)  # exports far larger than the sockets hold
    return url


def _client(base: str, address: str = "127.0.0.1") -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.0.0.0/8 address is the
    loopback device on Linux: the server sees that address)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, timeout=10)


def _rate_headers(response: httpx.Response) -> dict[str, str]:
    names = ("ratelimit-limit", "ratelimit-remaining", "retry-after")
    return {n: response.headers[n] for n in names if n in response.headers}


def _rate_limited(limit: int, reset: int) -> dict[str, object]:
    return {
        "errors": [
            {
                "message": f"Rate limit of {limit} points per window reached; try again in "
                f"{reset} s.",
                "extensions": {"code": "RATE_LIMITED", "limit": limit, "retryAfter": reset},
            }
        ]
    }


@pytest.mark.parametrize("planner", ["true", "false"])
def test_refused_requests_cost_points_until_the_address_gets_429_before_its_body(
    database: str, planner: str
) -> None:
    env = {
        "SITREP_RATE_LIMIT_ANONYMOUS": "35",
        "SITREP_RATE_LIMIT_REFUSAL_POINTS": "10",
        "SITREP_PLANNER": planner,
    }
    with sitrep_serve(database, env) as base, _client(base, "127.0.0.2") as c:
        ok = c.post("/graphql", json={"query": CHEAP})
        assert ok.status_code == 200
        assert _rate_headers(ok) == {"ratelimit-limit": "35", "ratelimit-remaining": "34"}
        # A validation error (the same document twice: the second from memory on the
        # planner's path), a document over the token limit, a 400 and a field refused
        # as it runs: 10 points each.
        refused = [
            c.post("/graphql", json={"query": UNKNOWN_FRAGMENT}),
            c.post("/graphql", json={"query": UNKNOWN_FRAGMENT}),
            c.post("/graphql", json={"query": "{ " + "__typename " * 5001 + "}"}),
        ]
        assert [r.status_code for r in refused] == [200, 200, 200]
        assert refused[0].json() == refused[1].json()
        codes = [r.json()["errors"][0]["extensions"]["code"] for r in refused]
        assert codes == ["GRAPHQL_VALIDATION_FAILED"] * 2 + ["MAX_TOKENS_EXCEEDED"]
        after = c.post("/graphql", json={"query": CHEAP})
        assert _rate_headers(after) == {"ratelimit-limit": "35", "ratelimit-remaining": "3"}
        # A field refused as it runs: its cost (2 points), then 10 for the refusal (as
        # far as the budget goes).
        stats = c.post("/graphql", json={"query": STATS})
        assert stats.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert _rate_headers(stats) == {"ratelimit-limit": "35", "ratelimit-remaining": "1"}
        # Spent: refused on the head, before a byte of the body is sent.
        sock = socket.create_connection(
            ("127.0.0.1", port_of(base)), source_address=("127.0.0.2", 0)
        )
        sock.settimeout(10)
        head = (
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n"
        )
        started = time.monotonic()
        sock.sendall(head.encode())
        status, headers, body = read_response(sock)
        sock.close()
        # after SITREP_RATE_LIMIT_REFUSAL_DELAY_MS (1 s): one answer a second for a client
        # that asks again at once
        assert 1 <= time.monotonic() - started < 5
        reset = int(headers["retry-after"])
        assert 0 < reset <= 3600
        assert (status, headers["content-type"], headers["connection"]) == (
            429,
            "application/json",
            "close",
        )
        assert (headers["ratelimit-limit"], headers["ratelimit-remaining"]) == ("35", "0")
        assert headers["ratelimit-reset"] == str(reset)
        assert httpx.Response(200, content=body).json() == _rate_limited(35, reset)
        # Another address is counted apart.
        with _client(base, "127.0.0.3") as other:
            fine = other.post("/graphql", json={"query": CHEAP})
            assert _rate_headers(fine) == {"ratelimit-limit": "35", "ratelimit-remaining": "34"}


def test_an_address_gets_429_at_once_past_its_requests_in_flight(database: str) -> None:
    env = {"SITREP_MAX_IN_FLIGHT_PER_ADDRESS": "2"}
    with sitrep_serve(database, env) as base:
        headers = {"Content-Type": "application/json", "Content-Length": "1000"}
        # Two requests whose bodies never come: both in flight.
        held = [send_head(base, "POST", "/graphql", headers) for _ in range(2)]
        time.sleep(0.5)
        third = httpx.post(f"{base}/graphql", json={"query": CHEAP}, timeout=10)
        assert third.status_code == 429
        assert third.headers["retry-after"] == "1"
        assert third.headers["content-type"] == "application/json"
        assert third.json() == {
            "errors": [
                {
                    "message": "More than 2 requests in progress from this address; wait for "
                    "one to finish.",
                    "extensions": {"code": "TOO_MANY_REQUESTS_IN_FLIGHT", "limit": 2},
                }
            ]
        }
        # Not the health checks, and not another address.
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        with _client(base, "127.0.0.4") as other:
            assert other.post("/graphql", json={"query": CHEAP}).status_code == 200
        for sock in held:
            sock.close()
        deadline = time.monotonic() + 10
        while True:  # the server notices the closed connections
            again = httpx.post(f"{base}/graphql", json={"query": CHEAP}, timeout=10)
            if again.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert again.status_code == 200


def _remaining_after(base: str, forwarded_for: str) -> str:
    response = httpx.post(
        f"{base}/graphql",
        json={"query": CHEAP},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=10,
    )
    assert response.status_code == 200
    return response.headers["ratelimit-remaining"]


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_configured(database: str) -> None:
    env = {"SITREP_RATE_LIMIT_ANONYMOUS": "10"}
    with sitrep_serve(database, env) as base:
        # From 127.0.0.1, which uvicorn would trust by default: one budget whatever the
        # header says.
        assert [_remaining_after(base, a) for a in ("198.51.100.1", "198.51.100.2")] == [
            "9",
            "8",
        ]
    with sitrep_serve(database, {**env, "SITREP_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as base:
        assert [_remaining_after(base, a) for a in ("198.51.100.1", "198.51.100.2")] == [
            "9",
            "9",
        ]


def test_a_repeated_refusal_is_answered_from_memory_as_the_resolvers_answer(
    database: str,
) -> None:
    page = "incidents(first: 100) { edges { node { id summary } } }"
    nested = f"incidents(first: 100) {{ edges {{ node {{ location {{ {page} }} }} }} }}"
    cost_bomb = "{ " + " ".join(f"a{i}: {nested}" for i in range(30)) + " }"  # cost > 50,000
    bad = [
        {"query": UNKNOWN_FRAGMENT},
        {"query": cost_bomb},
        {"query": "query($x: Int) { __typename }", "variables": {"x": 1}},
        {"query": STATS},  # refused as it runs, before any statement: data null
        {"query": "{ " + "incidents(first: 1) { totalCount } " * 1300 + "}"},  # > 5,000 tokens
    ]
    answers: dict[str, list[tuple[int, str, object]]] = {}
    for planner in ("false", "true"):
        with sitrep_serve(database, {"SITREP_PLANNER": planner}) as base:
            got = []
            for accept in ("application/json", "application/graphql-response+json"):
                for body in bad:
                    for _ in range(2):
                        r = httpx.post(
                            f"{base}/graphql", json=body, headers={"accept": accept}, timeout=10
                        )
                        got.append((r.status_code, r.headers["content-type"], r.json()))
            answers[planner] = got
            if planner == "true":
                # the second of each pair (but the document over the token limit, which
                # is answered without the resolvers every time) from memory
                assert metric(base, "sitrep_graphql_path_total", path="refused") == 2 * 4 + 4
    assert answers["true"] == answers["false"]
    statuses = {(s, t) for s, t, _ in answers["true"]}
    # request errors are 400 under application/graphql-response+json; the stats refusal
    # is a field error (data null), 200 under both
    assert statuses == {
        (200, "application/json"),
        (400, "application/graphql-response+json"),
        (200, "application/graphql-response+json"),
    }


def _stalled_export(base: str, address: str) -> socket.socket:
    """An export started from ``address`` whose client never reads (it stays in flight)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.bind((address, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port_of(base)))
    sock.sendall(b"GET /export/incidents.geojson HTTP/1.1\r\nHost: x\r\n\r\n")
    return sock


def test_an_address_may_stream_two_exports_at_once(database: str) -> None:
    with sitrep_serve(database, {}) as base:
        held = [_stalled_export(base, "127.0.0.5") for _ in range(2)]
        try:
            assert [read_head(sock)[0] for sock in held] == [200, 200]
            third = _stalled_export(base, "127.0.0.5")
            status, headers, rest = read_head(third)
            while len(rest) < int(headers["content-length"]):
                rest += third.recv(65536)
            third.close()
            assert (status, headers["retry-after"], headers["content-type"]) == (
                429,
                "5",
                "application/json",
            )
            assert httpx.Response(200, content=rest).json() == {
                "errors": [
                    {
                        "message": "More than 2 exports in progress from this address; wait "
                        "for one to finish.",
                        "extensions": {"code": "TOO_MANY_EXPORTS", "limit": 2},
                    }
                ]
            }
            other = _stalled_export(base, "127.0.0.6")  # another address
            assert read_head(other)[0] == 200
            other.close()
        finally:
            for sock in held:
                sock.close()


def _sent(base: str, address: str, body: bytes, *, hold: int = 0) -> socket.socket:
    """A POST /graphql from ``address`` whose body is sent but for its last ``hold`` bytes."""
    sock = socket.socket()
    sock.bind((address, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port_of(base)))
    head = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[: len(body) - hold])
    return sock


def _answered(sock: socket.socket, within: float) -> bool:
    """Whether a response has started to arrive on ``sock`` within ``within`` seconds."""
    sock.settimeout(within)
    try:
        return len(sock.recv(1, socket.MSG_PEEK)) == 1
    except TimeoutError:
        return False
    finally:
        sock.settimeout(10)


def test_an_address_has_so_many_requests_executing_and_the_others_wait_their_turn(
    database: str,
) -> None:
    env = {"SITREP_MAX_ACTIVE_PER_ADDRESS": "2"}
    cheap = orjson.dumps({"query": CHEAP})
    with sitrep_serve(database, env) as base:
        # Two requests whose bodies are not complete: both executing (the fast path
        # waits for their last byte).
        held = [_sent(base, "127.0.0.7", cheap, hold=1) for _ in range(2)]
        time.sleep(0.5)
        # Two more: the first one's body not complete either, the second's complete.
        third = _sent(base, "127.0.0.7", cheap, hold=1)
        time.sleep(0.2)
        fourth = _sent(base, "127.0.0.7", cheap)
        assert not _answered(fourth, 1.0)
        # Another address is not held up.
        with _client(base, "127.0.0.8") as other:
            assert other.post("/graphql", json={"query": CHEAP}).status_code == 200
        # A turn handed over goes to the third request (first come, first served), which
        # waits for its last byte: the fourth still waits.
        held[0].sendall(cheap[-1:])
        assert read_response(held[0])[0] == 200
        assert not _answered(fourth, 0.5)
        third.sendall(cheap[-1:])
        assert read_response(third)[0] == 200
        status, _, body = read_response(fourth)
        assert (status, orjson.loads(body)) == (
            200,
            {
                "data": {"incidents": {"totalCount": 20_003}},
                "extensions": {"cost": {"requested": 1 + 250, "limit": 50_000}},
            },
        )
        held[1].sendall(cheap[-1:])
        assert read_response(held[1])[0] == 200
        for sock in (*held, third, fourth):
            sock.close()


def test_refusals_are_answered_slower_as_they_spend_the_budget_and_say_what_is_left(
    database: str,
) -> None:
    # Each refusal costs 10 of 100 points; its answer waits 3 s times the share of the
    # budget the address's refusals have spent: 0, 0.3 s, 0.6 s.
    env = {
        "SITREP_RATE_LIMIT_ANONYMOUS": "100",
        "SITREP_RATE_LIMIT_REFUSAL_POINTS": "10",
        "SITREP_RATE_LIMIT_REFUSAL_DELAY_MS": "3000",
    }
    with sitrep_serve(database, env) as base, _client(base, "127.0.0.9") as c:
        took = []
        remaining = []
        for _ in range(3):
            started = time.monotonic()
            r = c.post("/graphql", json={"query": UNKNOWN_FRAGMENT})
            took.append(time.monotonic() - started)
            assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            assert r.headers["ratelimit-limit"] == "100"
            remaining.append(r.headers["ratelimit-remaining"])
        # Each answer (the second and third from the fast path's memory) says what the
        # refusal left.
        assert remaining == ["90", "80", "70"]
        assert took[0] < 0.25
        assert 0.3 <= took[1] < 0.55
        assert 0.6 <= took[2] < 0.85
        # A correct request from the same address is not delayed.
        started = time.monotonic()
        ok = c.post("/graphql", json={"query": CHEAP})
        assert time.monotonic() - started < 0.25
        assert _rate_headers(ok) == {"ratelimit-limit": "100", "ratelimit-remaining": "69"}
        # Another address's first refusal is not delayed either.
        with _client(base, "127.0.0.10") as other:
            started = time.monotonic()
            other.post("/graphql", json={"query": UNKNOWN_FRAGMENT})
            assert time.monotonic() - started < 0.25


def test_a_long_new_document_is_checked_off_the_event_loop(database: str) -> None:
    # 10,000 aliased fields and an unknown one (limits raised to let it through): about
    # a second of parsing and validation, refused GRAPHQL_VALIDATION_FAILED.
    env = {
        "SITREP_MAX_TOKENS": "100000",
        "SITREP_MAX_SELECTIONS": "100000",
        "SITREP_MAX_ALIASES": "100000",
    }
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(10_000)) + " nope }"
    with sitrep_serve(database, env) as base:
        answer: list[httpx.Response] = []
        big = threading.Thread(
            target=lambda: answer.append(
                httpx.post(f"{base}/graphql", json={"query": query}, timeout=60)
            )
        )
        started = time.monotonic()
        big.start()
        health = 0
        while big.is_alive():
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            health += 1
        took = time.monotonic() - started
        (response,) = answer
        assert response.json()["errors"][0]["message"] == (
            "Cannot query field 'nope' on type 'Query'. Did you mean 'node' or 'nodes'?"
        )
        # The event loop kept answering while the document was checked (blocked, it
        # would answer one or two before and after).
        assert took > 0.5
        assert health >= 10


def test_what_exists_at_the_start_is_left_out_of_garbage_collection(database: str) -> None:
    with sitrep_serve(database, {}) as base:
        # the modules, the schema, the pools: over 100,000 objects (about 130,000)
        assert metric(base, "sitrep_gc_frozen_objects") > 100_000
