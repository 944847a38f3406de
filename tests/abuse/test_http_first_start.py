"""Finding 9 of issue 10: two `sitrep serve --demo` started at once on a fresh embedded
data directory both come up (the second waits on the data directory's file lock while
the first runs initdb, creates the database, migrates and loads the demo), instead of the
second crashing with a ``UniqueViolationError``; the demo is loaded once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.schema.test_headline import HEADLINE
from tests.servers import ROOT, free_port, wait_until_up


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SITREP_DATABASE_URL"}}
    return env | {"SITREP_DATA_DIR": str(data_dir), "SITREP_LOG_LEVEL": "WARNING"}


def test_two_first_starts_at_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=_env(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}", proc, timeout=180)
        answers = [
            httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": HEADLINE}, timeout=10)
            for port in ports
        ]
        assert answers[0].json() == answers[1].json()
        edges = answers[0].json()["data"]["incidents"]["edges"]
        assert [e["node"]["location"]["name"] for e in edges] == [
            "Ain al-Asad Air Base",
            "Erbil International Airport",
        ]
        count = httpx.post(
            f"http://127.0.0.1:{ports[1]}/graphql",
            json={"query": "{ incidents { totalCount } }"},
            timeout=10,
        )
        assert count.json() == {
            "data": {"incidents": {"totalCount": 3}},
            "extensions": {"cost": {"requested": 1 + 250, "limit": 50000}},
        }
    finally:
        outputs = []
        for proc in reversed(procs):  # the first stops the embedded server it started
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
            outputs.append(out.decode())
    assert not any("Traceback" in out for out in outputs), outputs
    assert [p.returncode for p in procs] == [0, 0], outputs
