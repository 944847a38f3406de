"""`sitrep import`, `sitrep actors alias` and `sitrep actors merge` as an operator runs
them, on a fresh database: a bad file is one line and a non-zero exit; the report lists
possible duplicates with the command that merges them, and that command works."""

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

from tests.imports.helpers import DATA

ROOT = Path(__file__).resolve().parents[2]


def _sitrep(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


def test_cli_imports_aliases_and_merges(fresh_database: Callable[..., str], tmp_path: Path) -> None:
    url = fresh_database("sitrep_import_cli")
    binary = tmp_path / "events.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    refused = _sitrep(url, "import", "acled", str(binary))
    assert refused.returncode == 2
    assert refused.stderr == f"error: {binary}: not a text file: a NUL byte on line 3\n"
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((DATA / "acled_iraq_syria.csv").read_text().encode("utf-8") + b"\xe9\n")
    refused = _sitrep(url, "import", "acled", str(latin))
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert _fetch(url, "select count(*) from incident")[0][0] == 0

    done = _sitrep(url, "import", "acled", str(DATA / "acled_iraq_syria.csv"))
    assert done.returncode == 0, done.stderr
    assert "created 18, updated 0, unchanged 0, rejected 0" in done.stdout
    [line] = [x for x in done.stdout.splitlines() if "sitrep actors merge" in x]
    new_id, into = map(int, re.findall(r"sitrep actors merge (\d+) --into (\d+)", line)[0])
    rows = _fetch(url, "select id, name from actor where id = any($1)", [new_id, into])
    names = {r[0]: r[1] for r in rows}
    assert names == {new_id: "Islamic Resistence in Iraq", into: "Islamic Resistance in Iraq"}
    merged = _sitrep(url, "actors", "merge", str(new_id), "--into", str(into))
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout == f"actor {new_id} merged into {into}\n"
    moved = _fetch(
        url,
        "select p.actor_id from incident_participant p join incident_external_id e on "
        "e.incident_id = p.incident_id where e.external_id = 'IRQ33290' and p.side = 1",
    )
    assert [r[0] for r in moved] == [into]

    added = _sitrep(url, "actors", "alias", "add", "Islamic Resistance in Iraq", "IRI (Iraq)")
    assert (added.returncode, added.stdout) == (0, "added 1, already known 0\n")
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("actor,alias\nMilitary Forces of Iraq,Iraqi Army\nNo Such Group,x\n")
    imported = _sitrep(url, "actors", "alias", "import", str(aliases))
    assert imported.returncode == 1
    assert imported.stdout == "added 1, already known 0\n"
    assert imported.stderr == "  line 3: no actor named 'No Such Group'\n"
