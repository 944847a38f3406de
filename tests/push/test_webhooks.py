"""Webhooks against two real servers and a real receiver (an HTTP server in the test):
each event arrives exactly once, signed, across a restart of both servers and the
receiver's own downtime (errors, then refused connections)."""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import FreshDatabase, _load_demo
from tests.push.conftest import (
    ROOT,
    Server,
    StartServer,
    create_incident,
    first_location,
    new_key,
    post,
)

SECRET = "webhook-secret-0123456789"
ENV = {
    "SITREP_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
    "SITREP_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "SITREP_WEBHOOK_RETRY_MAX_SECONDS": "1",
    "SITREP_WEBHOOK_POLL_SECONDS": "0.2",
    "SITREP_WEBHOOK_MAX_ATTEMPTS": "1000",
}
CREATE = """mutation($url: String!, $secret: String!, $f: IncidentFilter) {
  createWebhook(url: $url, secret: $secret, filter: $f) {
    __typename ... on Webhook { id } ... on ValidationFailed { fields { path code } } } }"""
LOG = """{ webhooks { id deliveries(first: 100) { id incidentId action status attempts
  lastError attemptLog { statusCode error } } } }"""


class Receiver:
    """An HTTP server recording every POST; ``status`` is what it answers."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.port = 0
        self.httpd: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status == 200:
                    receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


async def until(receiver: Receiver, count: int, wait: float = 60) -> None:
    deadline = time.monotonic() + wait
    while len(receiver.received) < count:
        assert time.monotonic() < deadline, f"{len(receiver.received)} of {count} received"
        await asyncio.sleep(0.1)


def _signed(headers: dict[str, str], body: bytes) -> bool:
    mac = hmac.new(SECRET.encode(), headers["Sitrep-Timestamp"].encode() + b"." + body, "sha256")
    return hmac.compare_digest(headers["Sitrep-Signature"], "sha256=" + mac.hexdigest())


async def test_each_event_once_signed_across_restart_and_receiver_downtime(
    start_server: StartServer, receiver: Receiver, fresh_database: FreshDatabase
) -> None:
    # A database of its own: every server on it runs with these webhook settings (the
    # session's servers would retry on their own, slower schedule).
    url = fresh_database("sitrep_push_hooks")
    await _load_demo(url)
    keys = {
        role: await new_key(url, role, f"hooks {role}") for role in ("editor", "admin", "reader")
    }
    a, b = start_server(url, **ENV), start_server(url, **ENV)
    summary = "Webhook delivery zebra"
    hook = post(
        a, CREATE, {"url": receiver.url, "secret": SECRET, "f": {"text": summary}}, keys["admin"]
    )
    assert hook["createWebhook"]["__typename"] == "Webhook"
    loc = first_location(a)
    made: list[str] = []

    def write(server: Server, n: int) -> None:
        for _ in range(n):
            made.append(
                create_incident(server, keys["editor"], loc, summary=summary, status="PUBLISHED")[
                    "id"
                ]
            )
        # not matching the filter, or a draft: never delivered
        create_incident(
            server, keys["editor"], loc, summary="Not for the webhook", status="PUBLISHED"
        )
        create_incident(server, keys["editor"], loc, summary=summary)

    # 1. both instances deliver from one queue
    write(a, 3)
    write(b, 3)
    await until(receiver, 6)
    # 2. the receiver fails (503), both servers restart, then it recovers
    receiver.status = 503
    write(a, 3)
    a.stop()
    b.stop()
    a.start()
    b.start()
    await asyncio.sleep(1)
    receiver.status = 200
    await until(receiver, 9)
    # 3. the receiver is down altogether (connections refused), then back
    receiver.stop()
    write(b, 3)
    await asyncio.sleep(1.5)
    receiver.start()
    await until(receiver, 12)
    await asyncio.sleep(1.5)  # anything sent twice would arrive now

    assert all(_signed(h, body) for h, body in receiver.received)
    ids = [h["Sitrep-Delivery"] for h, _ in receiver.received]
    assert len(ids) == len(set(ids)) == 12
    events = receiver.events()
    assert sorted(e["incidentId"] for e in events) == sorted(made)
    assert {(e["action"], e["operation"], e["incident"]["summary"]) for e in events} == {
        ("UPSERT", "CREATE", summary)
    }
    assert [e["deliveryId"] for e in events] == ids
    # the delivery log (admins): all delivered; the failed ones with their attempts
    log = post(a, LOG, key=keys["admin"])["webhooks"]
    deliveries = next(h for h in log if h["id"] == hook["createWebhook"]["id"])["deliveries"]
    assert {d["status"] for d in deliveries} == {"DELIVERED"}
    assert len(deliveries) == 12
    retried = [d for d in deliveries if d["attempts"] > 1]
    assert len(retried) >= 6  # phases 2 and 3 each failed at least once
    assert any(a["statusCode"] == 503 for d in retried for a in d["attemptLog"])
    assert any(a["statusCode"] is None and a["error"] for d in retried for a in d["attemptLog"])
    # readers may not read it
    body = post_raw(a, LOG, keys["reader"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def post_raw(server: Server, query: str, key: str) -> dict[str, Any]:
    import httpx

    return dict(
        httpx.post(
            f"{server.base}/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        ).json()
    )


def test_cli_manages_webhooks(push_db: str, receiver: Receiver) -> None:
    env = {**os.environ, "DATABASE_URL": push_db, **ENV}

    def sitrep(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "webhooks", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    made = sitrep(
        "create", receiver.url, "--secret", SECRET, "--filter", '{"weapon": {"in": ["DRONE"]}}'
    )
    assert made.returncode == 0, made.stderr
    webhook_id = made.stdout.split()[1]
    listed = sitrep("list")
    assert f"{webhook_id}  {receiver.url}" in listed.stdout
    assert '"weapons": ["DRONE"]' in listed.stdout
    refused = sitrep("create", "ftp://example.org/x", "--secret", SECRET)
    assert refused.returncode == 2
    assert "url: Only http:// and https://" in refused.stderr
    bad_filter = sitrep("create", receiver.url, "--secret", SECRET, "--filter", '{"weapon": 1}')
    assert bad_filter.returncode == 2
    assert "error:" in bad_filter.stderr
    assert sitrep("delete", webhook_id).returncode == 0
    assert sitrep("delete", webhook_id).returncode == 1
