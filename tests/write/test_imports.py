"""Bulk imports on realistic sample files (quoting, empty fields, `;` lists, non-ASCII,
multi-line notes): created/updated/unchanged/rejected with line numbers, re-import
idempotence, newer versions, UCDP low/best/high, the HTTP and GraphQL uploads, and the
JSON export → import into an empty database → identical export round trip."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from db import demo_data as d
from db.core import ConnectionDb, init_connection
from db.imports.acled_csv_export import export_csv
from db.imports.run import import_lines
from db.imports.sitrep_json import export_json
from db.model import PARTICIPANT_COPIES
from db.viewer import Viewer
from tests.factories import make_key

DATA = Path(__file__).parent / "data"
ADMIN = Viewer(can_see_drafts=True, role="admin", name="test import")


async def _import(db: ConnectionDb, fmt: str, name: str, batch: int = 3) -> dict:
    with (DATA / name).open(newline="", encoding="utf-8") as f:
        report = await import_lines(db, fmt, f, ADMIN, batch_size=batch)
    return report.as_dict()


async def test_acled_import_reimport_and_newer_rows(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    actors_before = await conn.fetchval("select count(*) from actor")
    report = await _import(db, "acled", "acled_sample.csv")
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
    assert inc["notes"] == (
        'On 4 January 2024, the Islamic Resistance in Iraq launched a drone at "Ain al-Asad" '
        "base; intercepted."
    )  # the CSV's doubled quotes, unquoted
    # the demo's air base (alias "Ain Al Asad airbase", 1.6 km away) is the same place
    assert (inc["loc"], inc["country_code"]) == (d.AIN_AL_ASAD, "IQ")
    assert (inc["place_name"], inc["latitude"], inc["admin2_name"]) == (
        "Ain al-Asad Airbase",
        33.8003,
        "Heet",
    )
    roles = await conn.fetch(
        "select a.name, p.role, p.associated from incident_participant p join actor a "
        "on a.id = p.actor_id where p.incident_id = $1 order by a.name",
        inc["id"],
    )
    # "Kata'ib Hizballah" is an alias of the demo actor, ACLED's US forces are the demo's
    # through the crosswalk: reused, not duplicated
    assert [tuple(r) for r in roles] == [
        ("Harakat al-Nujaba", "PERPETRATOR", True),
        ("Islamic Resistance in Iraq", "PERPETRATOR", False),
        (d.KH, "PERPETRATOR", True),
        (d.US_FORCES, "TARGET", False),
    ]
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

    again = await _import(db, "acled", "acled_sample.csv")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert await conn.fetchval("select count(*) from actor") - actors_before == new_actors

    newer = await _import(db, "acled", "acled_newer.csv")
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


async def test_ucdp_import(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    report = await _import(db, "ucdp", "ucdp_sample.csv")
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
    again = await _import(db, "ucdp", "ucdp_sample.csv")
    assert (again["created"], again["unchanged"]) == (0, 2)


async def test_http_upload_needs_admin(conn: asyncpg.Connection, http: httpx.AsyncClient) -> None:
    files = {"file": ("acled.csv", (DATA / "acled_sample.csv").read_bytes(), "text/csv")}
    editor = await make_key(conn, "editor")
    r = await http.post("/import/acled", files=files, headers={"Authorization": f"Bearer {editor}"})
    assert r.status_code == 403
    assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    r = await http.post("/import/acled", files=files)
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (
        await conn.fetchval("select count(*) from incident_external_id where system = 'acled'") == 0
    )
    admin = await make_key(conn, "admin")
    r = await http.post("/import/acled", files=files, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200
    report = r.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (4, 0, 0)
    assert (report["rejected"], [x["line"] for x in report["rejections"]]) == (3, [5, 6, 7])


async def test_graphql_multipart_upload(conn: asyncpg.Connection, http: httpx.AsyncClient) -> None:
    operations = {
        "query": "mutation($file: Upload!) { importFile(format: UCDP, file: $file) "
        "{ created updated unchanged rejected rejections { line reason } } }",
        "variables": {"file": None},
    }

    async def upload(role: str) -> dict[str, Any]:
        token = await make_key(conn, role)
        r = await http.post(
            "/graphql",
            data={
                "operations": orjson.dumps(operations).decode(),
                "map": orjson.dumps({"0": ["variables.file"]}).decode(),
            },
            files={"0": ("ucdp.csv", (DATA / "ucdp_sample.csv").read_bytes(), "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    # a reader (or an editor) may not import
    for role in ("reader", "editor"):
        body = await upload(role)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (
        await conn.fetchval("select count(*) from incident_external_id where system = 'ucdp'") == 0
    )
    report = (await upload("admin"))["data"]["importFile"]
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert (report["rejected"], [x["line"] for x in report["rejections"]]) == (2, [4, 5])


async def test_csv_export_in_acled_order(conn: asyncpg.Connection, db: ConnectionDb) -> None:
    await _import(db, "acled", "acled_sample.csv")
    out = io.StringIO()
    n = await export_csv(db, out.write)
    header, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    with (DATA / "acled_sample.csv").open(newline="", encoding="utf-8") as f:
        assert header == next(csv.reader(f))  # ACLED's own column order
    published = await conn.fetchval("select count(*) from incident where status = 'PUBLISHED'")
    assert n == len(rows) == published
    (row,) = [dict(zip(header, r, strict=True)) for r in rows if r[0] == "IRQ90001"]
    notes = 'On 4 January 2024, the Islamic Resistance in Iraq launched a drone at "Ain al-Asad"'
    assert row == {
        **dict.fromkeys(header, ""),
        "event_id_cnty": "IRQ90001",
        "event_date": "2024-01-04",
        "year": "2024",
        "time_precision": "1",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "disorder_type": "Political violence",
        "actor1": "Islamic Resistance in Iraq",
        "assoc_actor_1": "Kata'ib Hizballah; Harakat al-Nujaba",
        "inter1": "3",
        "actor2": "Military Forces of the United States (2021-)",
        "inter2": "8",
        "interaction": "38",
        "iso": "368",
        "region": "Middle East",
        "country": "Iraq",
        "admin1": "Al Anbar",
        "admin2": "Heet",
        "location": "Ain al-Asad Airbase",
        "latitude": "33.8003",
        "longitude": "42.4411",
        "geo_precision": "1",
        "source": "Reuters; Al Mayadeen",
        "source_scale": "International-National",
        "notes": notes + " base; intercepted.",
        "fatalities": "0",
        "timestamp": "1704500000",  # ACLED's own, not Sitrep's last change
    }


async def test_json_round_trip_is_identical(
    conn: asyncpg.Connection, db: ConnectionDb, fresh_database: Callable[..., str]
) -> None:
    await _import(db, "acled", "acled_sample.csv")
    first = io.StringIO()
    counts = await export_json(db, first.write)
    tables = {
        "Actor": "actor",
        "Location": "location",
        "Source": "source",
        "ActorRelation": "actor_relation",
        "Deployment": "deployment",
        "Incident": "incident",
        "Statement": "statement",
    }
    expected = {t: await conn.fetchval(f"select count(*) from {n}") for t, n in tables.items()}
    expected["Participants"] = await conn.fetchval(
        "select count(distinct incident_id) from incident_participant"
    )
    assert counts == expected
    other = await asyncpg.connect(fresh_database("sitrep_roundtrip"))
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
        assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)
    finally:
        await other.close()


async def test_imported_participations_carry_their_incidents_copies(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    """The bulk import writes each participation's copies of its incident's date, status
    and link flag itself (the triggers of migrations 0010 and 0017 only fill them when a
    writer leaves them out); a second import updates incidents, whose copies the trigger
    reads."""
    before = await conn.fetchval("select coalesce(max(id), 0) from incident_participant")
    copies = ", ".join(f"p.{c}" for c in PARTICIPANT_COPIES)
    own = ", ".join(f"i.{c}" for c in PARTICIPANT_COPIES.values())
    check = (
        f"select ({copies}) = ({own}) as equal from incident_participant p "
        "join incident i on i.id = p.incident_id where p.id > $1"
    )
    await _import(db, "acled", "acled_sample.csv")
    await _import(db, "ucdp", "ucdp_sample.csv")
    rows = await conn.fetch(check, before)
    assert len(rows) >= 8
    assert all(r["equal"] for r in rows)
    await conn.execute(
        "update incident set status = 'DRAFT' where id in (select incident_id from "
        "incident_participant where id > $1)",
        before,
    )
    newer = await _import(db, "acled", "acled_newer.csv")
    assert newer["updated"] == 1
    rows = await conn.fetch(check, before)
    assert len(rows) >= 8
    assert all(r["equal"] for r in rows)
    assert await conn.fetchval(
        "select count(*) from incident_participant p where p.id > $1 "
        "and p.incident_status = 'DRAFT'",
        before,
    ) == await conn.fetchval("select count(*) from incident_participant p where p.id > $1", before)
