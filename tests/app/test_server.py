"""The real thing: `sitrep serve` in a subprocess, queried over TCP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.schema.test_headline import HEADLINE

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SITREP_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"server did not start:\n{out}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_headline_over_http(server: str) -> None:
    response = httpx.post(f"{server}/graphql", json={"query": HEADLINE}, timeout=10)
    assert response.status_code == 200
    data = response.json()["data"]["incidents"]
    names = [e["node"]["location"]["name"] for e in data["edges"]]
    assert names == ["Ain al-Asad Air Base", "Erbil International Airport"]


def test_graphiql_is_served_to_browsers(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_health_and_metrics(server: str) -> None:
    assert httpx.get(f"{server}/healthz", timeout=5).json() == {"status": "ok"}
    httpx.post(f"{server}/graphql", json={"query": "{ __typename }"}, timeout=5)
    metrics = httpx.get(f"{server}/metrics", timeout=5).text
    assert 'sitrep_http_requests_total{path="/graphql",status="200"}' in metrics


def test_malformed_json_body_is_a_client_error(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        content=b"{not json",
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert 400 <= response.status_code < 500
