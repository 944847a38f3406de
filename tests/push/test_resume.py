"""Resuming by cursor: a `changes` subscriber that drops its connection twice during a
burst of 1,000 writes and reconnects with its last cursor gets every change once; a
subscriber that stops reading is dropped with close code 4413 (and resumes the same way)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct

import httpx

from tests.push.conftest import (
    CREATE,
    Server,
    StartServer,
    end_cursor,
    first_location,
    incident_input,
    metric,
    post,
    until_subscribed,
    ws_client,
)

CHANGES = "subscription($s: String) { changes(since: $s) { cursor recordId operation } }"
WRITES = 1000


async def _burst(server: Server, key: str, location: str, n: int, summary: str) -> None:
    """``n`` createIncident mutations, 8 at a time."""
    async with httpx.AsyncClient(
        base_url=server.base, headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as http:
        todo = iter(range(n))

        async def writer() -> None:
            for _ in todo:
                variables = {"i": incident_input(location, summary=summary, status="PUBLISHED")}
                response = await http.post(
                    "/graphql", json={"query": CREATE, "variables": variables}
                )
                assert response.json()["data"]["createIncident"]["__typename"] == "Incident"

        await asyncio.gather(*(writer() for _ in range(8)))


def _feed(server: Server, since: str) -> list[str]:
    """Every change after ``since``, by the feed query."""
    out: list[str] = []
    while True:
        page = post(
            server,
            "query($s: String) { changes(since: $s, first: 1000) { changes { cursor } "
            "endCursor hasMore } }",
            {"s": since},
        )["changes"]
        out += [c["cursor"] for c in page["changes"]]
        since = page["endCursor"]
        if not page["hasMore"]:
            return out


async def test_reconnect_with_last_cursor_during_a_burst_loses_nothing(
    server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    start = {"endCursor": end_cursor(server_a)}
    loc = first_location(server_a)
    writes = asyncio.create_task(_burst(server_a, keys["editor"], loc, WRITES, "burst"))
    received: list[str] = []
    cursor = start["endCursor"]
    # twice: read a while, drop the connection without a word, resume from the last cursor
    for stop_after in (250, 500):
        async with ws_client(server_b) as client:
            await client.subscribe(CHANGES, {"s": cursor})
            while len(received) < stop_after:
                change = (await client.next(wait=60))["changes"]
                received.append(change["cursor"])
                cursor = change["cursor"]
            client.ws.transport.abort()
    assert not writes.done()  # the drops happened during the burst
    async with ws_client(server_b) as client:
        await client.subscribe(CHANGES, {"s": cursor})
        await writes
        expected = _feed(server_a, start["endCursor"])
        while len(received) < len(expected):
            received.append((await client.next(wait=60))["changes"]["cursor"])
        assert await client.quiet(1.0) == []
    assert len(expected) == WRITES
    assert received == expected


def _frame(text: str) -> bytes:
    """A masked WebSocket text frame (what a client sends)."""
    data, mask = text.encode(), os.urandom(4)
    size = bytes([0x80 | len(data)]) if len(data) < 126 else b"\xfe" + struct.pack("!H", len(data))
    return b"\x81" + size + mask + bytes(b ^ mask[n % 4] for n, b in enumerate(data))


def _close_code(stream: bytes) -> int | None:
    """The code of the close frame in a stream of server frames (None: none)."""
    at = 0
    while at + 2 <= len(stream):
        opcode, size = stream[at] & 0x0F, stream[at + 1] & 0x7F
        at += 2
        if size == 126:
            size, at = struct.unpack("!H", stream[at : at + 2])[0], at + 2
        elif size == 127:
            size, at = struct.unpack("!Q", stream[at : at + 8])[0], at + 8
        if opcode == 0x8:
            return int(struct.unpack("!H", stream[at : at + 2])[0])
        at += size
    return None


async def test_a_subscriber_that_stops_reading_is_dropped_with_4413(
    start_server: StartServer, keys: dict[str, str]
) -> None:
    server = start_server(SITREP_PUSH_QUEUE_SIZE="5")
    summary = "Slow consumer " + "x" * 2000
    selection = " ".join(f"s{n}: incident {{ summary }}" for n in range(20))
    query = (
        "subscription($f: IncidentFilter) { incidentEvents(filter: $f) { cursor "
        + selection
        + " } }"
    )
    # A raw WebSocket client with a small receive buffer, which stops reading after the
    # handshake (client libraries keep reading into memory in the background).
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /graphql HTTP/1.1\r\nHost: sitrep\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n".encode()
    )
    assert sock.recv(4096).startswith(b"HTTP/1.1 101 ")
    sock.sendall(_frame(json.dumps({"type": "connection_init", "payload": {}})))
    assert b"connection_ack" in sock.recv(4096)
    payload = {"query": query, "variables": {"f": {"text": "Slow consumer"}}}
    sock.sendall(_frame(json.dumps({"id": "1", "type": "subscribe", "payload": payload})))
    await until_subscribed(server, "incidentEvents", 1)
    loc = first_location(server)
    for _ in range(20):
        await _burst(server, keys["editor"], loc, 20, summary)
        if metric(server, "sitrep_push_overflows_total") == 1:
            break
    assert metric(server, "sitrep_push_overflows_total") == 1
    assert metric(server, "sitrep_push_subscriptions", 'kind="incidentEvents"') == 0
    # reading again, the client gets what was sent before, then the close frame: 4413
    received = b""
    sock.settimeout(30)
    while chunk := await asyncio.to_thread(sock.recv, 1 << 20):
        received += chunk
        if _close_code(received) is not None:
            break
    sock.close()
    assert _close_code(received) == 4413
