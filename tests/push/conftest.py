"""Real servers for the push tests: `sitrep serve` subprocesses on one fresh database,
and a Python graphql-transport-ws client (the ``websockets`` package)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets

from db.core import ConnectionDb
from db.keys import create_key
from tests.conftest import FreshDatabase, _load_demo, direct_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `sitrep serve` process (restartable on the same port)."""

    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    options: tuple[str, ...] = ()  # more `sitrep serve` options, e.g. ("--workers", "2")
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self) -> Server:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SITREP_DIRECT_DATABASE_URL": direct_url(self.database_url),
            "SITREP_LOG_LEVEL": "WARNING",
            "SITREP_ENVIRONMENT": "test",
            **self.env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port), *self.options],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                pytest.fail(f"server did not start:\n{out}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def push_db(fresh_database: FreshDatabase) -> str:
    """A database of its own for the push tests (migrated, demo data loaded): servers
    in subprocesses commit to it for real."""
    url = fresh_database("sitrep_push")
    import asyncio as _asyncio

    _asyncio.run(_load_demo(url))
    return url


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(push_db: str) -> Iterator[StartServer]:
    """``start_server(**env)`` → a running server on ``push_db`` (or on ``database``);
    all stopped at the end."""
    started: list[Server] = []

    def start(database: str | None = None, **env: str) -> Server:
        server = Server(database or push_db, env).start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def server_a(push_db: str) -> Iterator[Server]:
    server = Server(push_db).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_b(push_db: str) -> Iterator[Server]:
    server = Server(push_db).start()
    yield server
    server.stop()


async def new_key(url: str, role: str, name: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        _, token = await create_key(ConnectionDb(conn), name, role)
    finally:
        await conn.close()
    return token


@pytest.fixture(scope="session")
def keys(push_db: str) -> dict[str, str]:
    return {
        role: asyncio.run(new_key(push_db, role, f"push {role}"))
        for role in ("reader", "editor", "admin")
    }


class GqlError(Exception):
    pass


def post(
    server: Server, query: str, variables: dict[str, Any] | None = None, key: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = httpx.post(
        f"{server.base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    ).json()
    if body.get("errors"):
        raise GqlError(body["errors"])
    return dict(body["data"])


CREATE = """mutation($i: IncidentInput!) { createIncident(input: $i) { __typename
  ... on Incident { id version }
  ... on ValidationFailed { fields { path code message } } } }"""
UPDATE = """mutation($id: ID!, $v: Int!, $i: IncidentInput!) {
  updateIncident(id: $id, version: $v, input: $i) { __typename ... on Incident { id version } } }"""


def first_location(server: Server) -> str:
    data = post(server, "{ locations(first: 1) { edges { node { id } } } }")
    return str(data["locations"]["edges"][0]["node"]["id"])


def incident_input(location: str, **extra: Any) -> dict[str, Any]:
    return {
        "occurredOn": "2024-01-02",
        "locationId": location,
        "eventType": "EXPLOSIONS_REMOTE_VIOLENCE",
        "subEventType": "AIR_DRONE_STRIKE",
        "weapon": "DRONE",
        "summary": "Push test incident.",
        **extra,
    }


def create_incident(server: Server, key: str, location: str, **extra: Any) -> dict[str, Any]:
    result = post(server, CREATE, {"i": incident_input(location, **extra)}, key)["createIncident"]
    assert result["__typename"] == "Incident", result
    return dict(result)


class WsClient:
    """A graphql-transport-ws client on the ``websockets`` package."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.ids = 0

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self.ids += 1
        op = str(self.ids)
        payload = {"query": query, "variables": variables or {}}
        await self.ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))
        return op

    async def complete(self, op: str) -> None:
        await self.ws.send(json.dumps({"id": op, "type": "complete"}))

    async def message(self, wait: float = 10) -> dict[str, Any]:
        """The next message other than a ping (answered with a pong)."""
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), wait))
            if msg["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return dict(msg)

    async def next(self, op: str | None = None, wait: float = 10) -> dict[str, Any]:
        msg = await self.message(wait)
        assert msg["type"] == "next", msg
        if op is not None:
            assert msg["id"] == op, msg
        assert "errors" not in msg["payload"], msg
        return dict(msg["payload"]["data"])

    async def quiet(self, seconds: float) -> list[dict[str, Any]]:
        """Every message received within ``seconds`` (pings answered, not returned)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(await self.message(left))
            except TimeoutError:
                break
        return got


def connect(server: Server) -> websockets.connect:
    return websockets.connect(
        server.ws, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    )


async def close_code(ws: websockets.ClientConnection) -> int | None:
    """Read until the server closes the socket; the code it closed with."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 15)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


@asynccontextmanager
async def ws_client(
    server: Server, key: str | None = None, params: dict[str, Any] | None = None
) -> AsyncIterator[WsClient]:
    async with connect(server) as ws:
        payload = (
            params if params is not None else ({"Authorization": f"Bearer {key}"} if key else {})
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        yield WsClient(ws)


def metric(server: Server, name: str, labels: str = "") -> float:
    """A sample of the server's Prometheus metrics (0 when absent)."""
    text = httpx.get(f"{server.base}/metrics", timeout=10).text
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[-1])
    return 0.0


async def until_subscribed(server: Server, kind: str, count: int, wait: float = 10) -> None:
    """Wait until the server holds ``count`` subscriptions of ``kind``."""
    deadline = time.monotonic() + wait
    while metric(server, "sitrep_push_subscriptions", f'kind="{kind}"') != count:
        assert time.monotonic() < deadline, f"{kind} subscriptions never reached {count}"
        await asyncio.sleep(0.05)


@pytest.fixture
async def editor(gql: Any) -> Any:
    """An in-process editor client (tests/client.py), rolled back with the test."""
    return await gql.key("editor", "Push Editor")


@pytest.fixture
async def admin(gql: Any) -> Any:
    return await gql.key("admin", "Push Admin")


def end_cursor(server: Server) -> str:
    """The `changes` feed's cursor after everything committed so far."""
    since = None
    while True:
        page = post(
            server,
            "query($s: String) { changes(since: $s, first: 1000) { endCursor hasMore } }",
            {"s": since},
        )["changes"]
        since = page["endCursor"]
        if not page["hasMore"]:
            return str(since)
