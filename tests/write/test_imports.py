"""Bulk imports on realistic sample files (quoting, empty fields, `;` lists, non-ASCII,
multi-line notes): created/updated/unchanged/rejected with line numbers, re-import
idempotence, newer versions, UCDP low/best/high, the HTTP and GraphQL uploads, and the
JSON export → import into an empty database → identical export round trip."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest

from app import database
from db.core import ConnectionDb, init_connection
from db.imports.acled_csv_export import export_csv
from db.imports.run import import_lines
from db.imports.sitrep_json import export_json
from db.viewer import Viewer
from tests.conftest import create_database, drop_database
from tests.write_factories import KeyedGql, make_key

DATA = Path(__file__).parent / "data"
ADMIN = Viewer(can_see_drafts=True, role="admin", name="test import")


async def _import(conn: asyncpg.Connection, fmt: str, name: str, batch: int = 3) -> dict:
    with (DATA / name).open(newline="", encoding="utf-8") as f:
        report = await import_lines(ConnectionDb(conn), fmt, f, ADMIN, batch_size=batch)
    return report.as_dict()


async def test_acled_import_reimport_and_newer_rows(conn: asyncpg.Connection) -> None:
    actors_before = await conn.fetchval("select count(*) from actor")
    report = await _import(conn, "acled", "acled_sample.csv")
    assert report["created"] == 4
    assert (report["updated"], report["unchanged"]) == (0, 0)
    assert [(r["line"], r["reason"].split()[0]) for r in report["rejections"]] == [
        (5, "bad"),
        (6, "latitude"),
        (7, "missing"),
    ]
    inc = await conn.fetchrow(
        "select i.*, l.name as loc, l.country_code from incident i join incident_external_id e "
        "on e.incident_id = i.id join location l on l.id = i.location_id "
        "where e.system = 'acled' and e.external_id = 'IRQ90001'"
    )
    assert inc["weapon"] == "DRONE"
    assert inc["event_type"] == "EXPLOSIONS_REMOTE_VIOLENCE"
    assert inc["status"] == "PUBLISHED"
    assert '"Ain al-Asad"' in inc["notes"]
    assert (inc["loc"], inc["country_code"]) == ("Ain al-Asad Airbase", "IQ")
    roles = await conn.fetch(
        "select a.name, p.role from incident_participant p join actor a on a.id = p.actor_id "
        "where p.incident_id = $1 order by a.name",
        inc["id"],
    )
    names = [r["name"] for r in roles]
    # "Kata'ib Hizballah" is an alias of the demo actor: reused, not duplicated
    assert "Kataib Hezbollah" in names
    assert await conn.fetchval("select count(*) from actor where name = 'Kata''ib Hizballah'") == 0
    week = await conn.fetchrow(
        "select time_precision, date_earliest, date_latest, tags, killed_best from incident i "
        "join incident_external_id e on e.incident_id = i.id where e.external_id = 'IRQ90002'"
    )
    assert week["time_precision"] == "WEEK"
    assert (week["date_latest"] - week["date_earliest"]).days == 6
    assert week["tags"] == ["counter-drone", "night"]
    # two rows at the same coordinates/name share one location (Baqubah vs Ba'qubah by xy)
    multi = await conn.fetchval(
        "select notes from incident i join incident_external_id e on e.incident_id = i.id "
        "where e.external_id = 'IRQ90006'"
    )
    assert multi == "Clash near Baqubah\n(two-line note)."
    new_actors = await conn.fetchval("select count(*) from actor") - actors_before

    again = await _import(conn, "acled", "acled_sample.csv")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert await conn.fetchval("select count(*) from actor") - actors_before == new_actors

    newer = await _import(conn, "acled", "acled_newer.csv")
    assert (newer["created"], newer["updated"], newer["unchanged"]) == (0, 1, 1)
    row = await conn.fetchrow(
        "select notes, killed_best, version from incident i join incident_external_id e "
        "on e.incident_id = i.id where e.external_id = 'IRQ90001'"
    )
    assert (row["notes"], row["killed_best"], row["version"]) == (
        "Revised: two drones, one struck.",
        1,
        2,
    )
    ops = await conn.fetch(
        "select operation from change_log where entity = 'Incident' and entity_id = "
        "(select incident_id from incident_external_id where external_id = 'IRQ90001') "
        "order by id"
    )
    assert [r[0] for r in ops] == ["CREATE", "UPDATE"]


async def test_ucdp_import(conn: asyncpg.Connection) -> None:
    report = await _import(conn, "ucdp", "ucdp_sample.csv")
    assert report["created"] == 2
    assert [r["line"] for r in report["rejections"]] == [4, 5]
    row = await conn.fetchrow(
        "select killed_low, killed_best, killed_high, time_precision, sub_event_type "
        "from incident i join incident_external_id e on e.incident_id = i.id "
        "where e.system = 'ucdp' and e.external_id = '500001'"
    )
    assert tuple(row) == (4, 4, 6, "DAY", "ARMED_CLASH")
    week = await conn.fetchrow(
        "select time_precision, date_earliest, date_latest, event_type from incident i "
        "join incident_external_id e on e.incident_id = i.id where e.external_id = '500002'"
    )
    assert week["time_precision"] == "WEEK"
    assert week["event_type"] == "VIOLENCE_AGAINST_CIVILIANS"
    again = await _import(conn, "ucdp", "ucdp_sample.csv")
    assert (again["created"], again["unchanged"]) == (0, 2)


async def test_http_upload_needs_admin(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    files = {"file": ("acled.csv", (DATA / "acled_sample.csv").read_bytes(), "text/csv")}
    editor = await make_key(conn, "editor")
    r = await client.post(
        "/import/acled", files=files, headers={"Authorization": f"Bearer {editor}"}
    )
    assert r.status_code == 403
    r = await client.post("/import/acled", files=files)
    assert r.status_code == 401
    admin = await make_key(conn, "admin")
    r = await client.post(
        "/import/acled", files=files, headers={"Authorization": f"Bearer {admin}"}
    )
    assert r.status_code == 200
    assert r.json()["created"] == 4
    assert r.json()["rejected"] == 3


async def test_graphql_multipart_upload(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    admin = await make_key(conn, "admin")
    operations = {
        "query": "mutation($file: Upload!) { importFile(format: UCDP, file: $file) "
        "{ created updated unchanged rejected rejections { line reason } } }",
        "variables": {"file": None},
    }
    r = await client.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps({"0": ["variables.file"]}).decode(),
        },
        files={"0": ("ucdp.csv", (DATA / "ucdp_sample.csv").read_bytes(), "text/csv")},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert r.status_code == 200, r.text
    report = r.json()["data"]["importFile"]
    assert (report["created"], report["rejected"]) == (2, 2)
    assert report["rejections"][0]["line"] == 4
    # and a reader may not
    reader = KeyedGql(client, await make_key(conn, "reader"))
    body = await reader("mutation { __typename }")
    assert body["data"] == {"__typename": "Mutation"}


async def test_csv_export_in_acled_order(conn: asyncpg.Connection) -> None:
    await _import(conn, "acled", "acled_sample.csv")
    out = io.StringIO()
    n = await export_csv(ConnectionDb(conn), out.write)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("event_id_cnty,event_date,year,time_precision,disorder_type")
    assert n >= 4
    assert any(line.startswith("IRQ90001,2024-01-04,2024,1,") for line in lines)


@pytest.fixture(scope="module")
def empty_url() -> object:
    server, url = create_database("sitrep_roundtrip")
    try:
        database.upgrade(url)
        yield url
    finally:
        drop_database(server, url)


async def test_json_round_trip_is_identical(conn: asyncpg.Connection, empty_url: str) -> None:
    await _import(conn, "acled", "acled_sample.csv")
    first = io.StringIO()
    counts = await export_json(ConnectionDb(conn), first.write)
    assert counts["Incident"] >= 4
    other = await asyncpg.connect(empty_url)
    try:
        await init_connection(other)
        lines = io.StringIO(first.getvalue())
        report = await import_lines(ConnectionDb(other), "json", lines, ADMIN)
        assert report.rejected == []
        second = io.StringIO()
        await export_json(ConnectionDb(other), second.write)
        assert second.getvalue() == first.getvalue()
        again = await import_lines(
            ConnectionDb(other), "json", io.StringIO(first.getvalue()), ADMIN
        )
        assert again.created == 0
    finally:
        await other.close()
    await asyncio.sleep(0)
