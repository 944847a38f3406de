"""ACLED CSV export → import into the same database changes nothing, and every ACLED
column comes back as it went in; Sitrep's own export re-imported creates no duplicates."""

from __future__ import annotations

import csv
import io

import asyncpg

from db.core import ConnectionDb
from db.imports.acled_csv_export import export_csv
from db.imports.run import import_file
from tests.imports.helpers import ADMIN, DATA, run


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {r["event_id_cnty"]: r for r in csv.DictReader(io.StringIO(text))}


async def _export(db: ConnectionDb) -> str:
    out = io.StringIO()
    await export_csv(db, out.write)
    return out.getvalue()


async def test_every_acled_column_comes_back(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    for name in ("acled_iraq_syria.csv", "acled_2023_numeric_codes.csv"):
        await run(db, "acled", name)
    exported = _rows(await _export(db))
    for name in ("acled_iraq_syria.csv", "acled_2023_numeric_codes.csv"):
        original = _rows((DATA / name).read_text(encoding="utf-8"))
        for ext, row in original.items():
            back = exported[ext]
            for column, value in row.items():
                if column in ("latitude", "longitude"):
                    assert float(back[column]) == float(value), (ext, column)
                else:
                    assert back[column] == value, (ext, column, back[column], value)


async def test_export_then_import_changes_nothing(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    await run(db, "acled", "acled_iraq_syria.csv")
    await run(db, "ucdp", "ged_24_1.csv")
    first = await _export(db)
    incidents = await conn.fetchval("select count(*) from incident")
    changes = await conn.fetchval("select count(*) from change_log")
    report = await import_file(db, "acled", io.BytesIO(first.encode()), ADMIN)
    published = await conn.fetchval("select count(*) from incident where status = 'PUBLISHED'")
    # every row, Sitrep's own (SITREP<id>: the demo's and UCDP's incidents) included
    assert (report.created, report.updated, report.unchanged, report.rejected) == (
        0,
        0,
        published,
        [],
    )
    assert report.possible_duplicates == []
    assert await conn.fetchval("select count(*) from incident") == incidents
    assert await conn.fetchval("select count(*) from change_log") == changes
    assert await _export(db) == first
