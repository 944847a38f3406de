"""The JSON import writes history like every writer: imported into an empty database, the
newest change-log image of every record is the record as the file has it (incidents
with the participants the file lists after them, and linked to no event), and a
re-import records nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import asyncpg
import orjson
import pytest

from db.core import ConnectionDb, init_connection
from db.demo_data import demo_counts
from db.imports.run import import_lines
from db.imports.sitrep_json import export_json
from db.viewer import Viewer

ADMIN = Viewer(can_see_drafts=True, role="admin", name="test import history")


@pytest.fixture(scope="module")
def empty_url(fresh_database: Callable[..., str]) -> str:
    return fresh_database("sitrep_import_history")


def _records(dump: str) -> dict[tuple[str, int], dict[str, Any]]:
    """Every record of an export, as the file has it."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for line in dump.splitlines()[1:]:
        obj = orjson.loads(line)
        data = obj["data"]
        if obj["type"] == "Participants":
            out[("Incident", data["incident_id"])]["participants"] = data["list"]
            continue
        if obj["type"] == "Incident":
            data["participants"] = []
            # linked events are derived, not in the file: an import links nothing
            data["event_members"] = []
        out[(obj["type"], data["id"])] = data
    return out


async def test_json_import_records_every_record_as_the_file_has_it(
    db: ConnectionDb, empty_url: str
) -> None:
    dump = io.StringIO()
    await export_json(db, dump.write)
    expected = _records(dump.getvalue())
    # the test database's demo data: every participant is in the file
    participants = [
        p for (t, _), r in expected.items() if t == "Incident" for p in r["participants"]
    ]
    assert len(participants) == demo_counts()["incident_participant"]
    other = await asyncpg.connect(empty_url)
    try:
        await init_connection(other)
        target = ConnectionDb(other)
        report = await import_lines(target, "json", io.StringIO(dump.getvalue()), ADMIN)
        assert report.rejected == []
        newest = await other.fetch(
            "select distinct on (entity, entity_id) entity, entity_id, after from change_log "
            "order by entity, entity_id, id desc"
        )
        assert {(r["entity"], r["entity_id"]): r["after"] for r in newest} == expected
        count = await other.fetchval("select count(*) from change_log")
        await import_lines(target, "json", io.StringIO(dump.getvalue()), ADMIN)
        assert await other.fetchval("select count(*) from change_log") == count
    finally:
        await other.close()
