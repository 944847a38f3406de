"""Without DATABASE_URL, Sitrep runs on an embedded PostgreSQL in the data directory.
It stops with the server, and the data is still there when the server starts again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
CREATE = (
    'mutation { createActor(input: {name: "Persisted Militia", kind: MILITIA}) { __typename } }'
)
READ = '{ actors(filter: {name: "Persisted Militia"}) { totalCount } incidents { totalCount } }'


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SITREP_DATABASE_URL"}}
    return env | {"SITREP_DATA_DIR": str(data_dir), "SITREP_LOG_LEVEL": "WARNING"}


def _post(port: int, query: str, token: str) -> dict:
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    body: dict = response.json()
    assert "errors" not in body, body
    return body["data"]


def _run_server(data_dir: Path, query: str, token: str) -> dict:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "server exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        return _post(port, query, token)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_embedded_database_keeps_data_across_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    created = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--role", "editor", "--name", "t"],
        cwd=ROOT,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = re.findall(r"sitrep_\S+", created.stdout)[-1]
    assert not pid_file.exists(), "the CLI left the embedded PostgreSQL running"

    assert _run_server(data_dir, CREATE, token) == {"createActor": {"__typename": "Actor"}}
    assert not pid_file.exists(), "the server left the embedded PostgreSQL running"

    again = _run_server(data_dir, READ, token)
    assert again == {"actors": {"totalCount": 1}, "incidents": {"totalCount": 3}}
    assert not pid_file.exists()
