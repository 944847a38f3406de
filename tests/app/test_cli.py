"""The `sitrep` CLI on a real database, as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]


def _sitrep(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_data_commands_need_a_migrated_database_and_then_work() -> None:
    server, url = create_database("sitrep_cli")
    try:
        refused = _sitrep(url, "keys", "list")
        assert refused.returncode == 2
        assert "run `sitrep db upgrade` first" in refused.stderr
        assert "Traceback" not in refused.stderr

        assert _sitrep(url, "db", "upgrade").returncode == 0
        loaded = _sitrep(url, "demo", "load")
        assert loaded.returncode == 0, loaded.stderr
        assert "incident" in loaded.stdout
        created = _sitrep(url, "keys", "create", "--role", "editor", "--name", "Newsdesk")
        assert created.returncode == 0, created.stderr
        assert "sitrep_" in created.stdout
        listed = _sitrep(url, "keys", "list")
        assert "Newsdesk" in listed.stdout
        assert "editor" in listed.stdout
    finally:
        drop_database(server, url)
