"""A new UCDP release is an update; files with a BOM, `;` or tab delimiters import the
same; files that are not UTF-8 text are refused whole (CLI, HTTP, GraphQL) with one line;
missing optional columns stay null."""

from __future__ import annotations

import io

import asyncpg
import httpx
import pytest

from db.core import ConnectionDb
from db.imports.acled_csv_export import export_csv
from db.imports.rows import InvalidFile
from db.imports.run import import_file
from tests.factories import make_key
from tests.imports.helpers import ADMIN, DATA, incident, run


async def test_a_new_ged_release_updates_changed_rows(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    first = await run(db, "ucdp", "ged_24_1.csv")
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    again = await run(db, "ucdp", "ged_24_1.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    release = await run(db, "ucdp", "ged_25_1.csv")
    # one event's deaths were revised: an update, not "unchanged"
    assert (release.created, release.updated, release.unchanged) == (0, 1, 4)
    row = await incident(conn, "ucdp", "512301")
    assert (row["deaths_b"], row["killed_low"], row["killed_best"], row["killed_high"]) == (
        3, 2, 3, 4,
    )  # fmt: skip
    assert row["version"] == 2
    # country=Turkey resolves (pycountry calls it Türkiye)
    hakkari = await conn.fetchrow(
        "select l.country_code, i.country_name from incident i join location l "
        "on l.id = i.location_id join incident_external_id e on e.incident_id = i.id "
        "where e.external_id = '512305'"
    )
    assert tuple(hakkari) == ("TR", "Turkey")


def _variant(text: str, delimiter: str, bom: bool) -> bytes:
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


async def _snapshot(conn: asyncpg.Connection) -> list[tuple[object, ...]]:
    rows = await conn.fetch(
        "select e.external_id, i.occurred_on, i.weapon, i.killed_best, i.notes, i.place_name, "
        "i.interaction, array(select a.name || '/' || p.role from incident_participant p "
        "join actor a on a.id = p.actor_id where p.incident_id = i.id order by p.id) "
        "from incident i join incident_external_id e on e.incident_id = i.id "
        "where e.system = 'acled' order by e.external_id"
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(("delimiter", "bom"), [(",", True), (";", False), ("\t", True)])
async def test_bom_and_delimiters(
    conn: asyncpg.Connection, db: ConnectionDb, delimiter: str, bom: bool
) -> None:
    text = (DATA / "acled_iraq_syria.csv").read_text(encoding="utf-8")
    await conn.execute("savepoint plain")
    await run(db, "acled", "acled_iraq_syria.csv")
    expected = await _snapshot(conn)
    await conn.execute("rollback to savepoint plain")
    report = await import_file(db, "acled", io.BytesIO(_variant(text, delimiter, bom)), ADMIN)
    assert (report.created, report.rejected) == (18, [])
    assert await _snapshot(conn) == expected


BAD_FILES = [
    (b"event_id_cnty,event_date\n\x00\x01\x02PK\x03\x04", "not a text file: a NUL byte on line 2"),
    (
        "event_id_cnty,location\nIRQ1,Qayyáreh\n".encode("latin-1"),
        "not UTF-8 text: invalid byte 0xe1 on line 2 (save the file as CSV UTF-8)",
    ),
    (
        b"id;when;who\n1;2024-01-01;x\n",
        "not an ACLED CSV: missing columns event_id_cnty, event_date, event_type, "
        "sub_event_type, country, location (found: id, when, who)",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
async def test_unreadable_files_are_refused_whole(
    conn: asyncpg.Connection, db: ConnectionDb, content: bytes, message: str
) -> None:
    before = await conn.fetchval("select count(*) from change_log")
    with pytest.raises(InvalidFile) as exc:
        await import_file(db, "acled", io.BytesIO(content), ADMIN)
    assert str(exc.value) == message
    assert await conn.fetchval("select count(*) from change_log") == before


async def test_a_file_that_turns_binary_halfway_writes_nothing(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    good = (DATA / "acled_iraq_syria.csv").read_bytes()
    before = await conn.fetchval("select count(*) from incident")
    with pytest.raises(InvalidFile, match="NUL byte on line 20"):
        await import_file(db, "acled", io.BytesIO(good + b"\x00" * 64), ADMIN, batch_size=2)
    assert await conn.fetchval("select count(*) from incident") == before


async def test_http_upload_of_a_binary_file_is_a_400(
    conn: asyncpg.Connection, http: httpx.AsyncClient
) -> None:
    admin = await make_key(conn, "admin")
    r = await http.post(
        "/import/acled",
        files={"file": ("events.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv")},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert r.status_code == 400
    assert r.json() == {
        "errors": [
            {
                "message": "not a text file: a NUL byte on line 3",
                "extensions": {"code": "INVALID_FILE"},
            }
        ]
    }


async def test_missing_optional_columns_stay_null(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    # an export with only the columns Sitrep needs: no fatalities, coding or timestamp
    text = (
        "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,country,location,"
        "latitude,longitude,notes\n"
        "IRQ40001,2024-01-21,Explosions/Remote violence,Air/drone strike,"
        "Islamic Resistance in Iraq,Military Forces of the United States (2021-),Iraq,"
        "Ain Al Asad Airbase,33.7856,42.4411,Drones targeted Ain al-Asad airbase.\n"
    )
    report = await import_file(db, "acled", io.BytesIO(text.encode()), ADMIN)
    assert (report.created, report.rejected) == (1, [])
    row = await incident(conn, "acled", "IRQ40001")
    assert (row["killed_best"], row["civilian_targeting"], row["disorder_type"]) == (
        None,
        None,
        None,
    )
    out = io.StringIO()
    await export_csv(db, out.write)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("IRQ40001,"))
    values = dict(zip(out.getvalue().splitlines()[0].split(","), line.split(","), strict=False))
    assert (values["fatalities"], values["civilian_targeting"], values["inter1"]) == ("", "", "")


async def test_graphql_upload_of_a_latin1_file_is_invalid_file(
    conn: asyncpg.Connection, http: httpx.AsyncClient
) -> None:
    import orjson

    token = await make_key(conn, "admin")
    operations = {
        "query": "mutation($file: Upload!) { importFile(format: ACLED, file: $file) "
        "{ created possibleDuplicates { merge } } }",
        "variables": {"file": None},
    }
    content = (DATA / "acled_iraq_syria.csv").read_text().replace("Sulaymaniyah", "Süleymaniye")
    r = await http.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps({"0": ["variables.file"]}).decode(),
        },
        files={"0": ("events.csv", content.encode("latin-1"), "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = r.json()
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (
            "not UTF-8 text: invalid byte 0xfc on line 9 (save the file as CSV UTF-8)",
            "INVALID_FILE",
        )
    ]
    assert (
        await conn.fetchval("select count(*) from incident_external_id where system = 'acled'") == 0
    )
