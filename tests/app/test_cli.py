"""The `sitrep` CLI on a real database, as an operator runs it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from db.core import pooler_options
from db.demo_data import demo_counts
from tests.pooler import POOLED

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


def test_data_commands_need_a_migrated_database_and_then_work(
    fresh_database: Callable[..., str],
) -> None:
    url = fresh_database("sitrep_cli", migrate=False)
    refused = _sitrep(url, "keys", "list")
    assert refused.returncode == 2
    assert "run `sitrep db upgrade` first" in refused.stderr
    assert "Traceback" not in refused.stderr

    assert _sitrep(url, "db", "upgrade").returncode == 0
    loaded = _sitrep(url, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    # one line per table: the rows written, here every row of the demo data
    written = dict(line.split() for line in loaded.stdout.splitlines())
    assert written == {table: str(n) for table, n in demo_counts().items()}
    created = _sitrep(url, "keys", "create", "--role", "editor", "--name", "Newsdesk")
    assert created.returncode == 0, created.stderr
    (token,) = re.findall(r"sitrep_[A-Za-z0-9_-]{43}", created.stdout)
    assert created.stdout == (
        f"key 1 (editor) for 'Newsdesk' created. Token (shown once):\n{token}\n"
    )
    listed = _sitrep(url, "keys", "list")
    assert listed.returncode == 0, listed.stderr
    made = asyncio.run(_fetchval(url, "select created_at from api_key where id = 1"))
    assert listed.stdout.split() == [
        "1", "editor", token[:13] + "…", f"{made:%Y-%m-%d}", "active", "Newsdesk"
    ]  # fmt: skip


async def _fetchval(url: str, sql: str) -> Any:
    conn = await asyncpg.connect(url, **pooler_options(POOLED))
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()
