"""Actor resolution on realistic ACLED and UCDP files: the crosswalk and sitrep_norm make
the dataset spellings of the region's state forces and militias one actor each (the
demo's where it has them); kinds from ACLED's text labels and numeric codes, corrected
by later rows; fuzzy look-alikes reported with the command that merges them."""

from __future__ import annotations

import asyncpg

from db import demo_data as d
from db.core import ConnectionDb
from db.imports.aliases import add_aliases, merge_actors
from tests.imports.helpers import ADMIN, participants, run


async def _actor(conn: asyncpg.Connection, name: str) -> asyncpg.Record:
    rows = await conn.fetch(
        "select id, name, kind, country_code from actor where name = $1 and status <> 'RETRACTED'",
        name,
    )
    assert len(rows) == 1, (name, rows)
    return rows[0]


async def test_dataset_spellings_resolve_to_one_actor(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    actors_before = await conn.fetchval("select count(*) from actor")
    acled = await run(db, "acled", "acled_iraq_syria.csv")
    assert (acled.created, acled.rejected) == (18, [])
    ucdp = await run(db, "ucdp", "ged_24_1.csv")
    assert ucdp.created == 5
    us = await _actor(conn, d.US_FORCES)
    # ACLED's and UCDP's names for the US military are the demo's actor
    us_rows = await conn.fetch(
        "select distinct p.reported_name from incident_participant p where p.actor_id = $1 "
        "and p.reported_name is not null order by 1",
        us["id"],
    )
    assert [r[0] for r in us_rows] == [
        "Government of United States of America",
        "Military Forces of the United States (2021-)",
    ]
    # transliterations: Kataib Hizbullah (ACLED) and Kata'ib Hizballah (UCDP) are the
    # demo's Kataib Hezbollah; Harakat Hezbollah al Nujaba is Harakat al-Nujaba
    kh = await _actor(conn, d.KH)
    han = await _actor(conn, d.HAN)
    assert (await participants(conn, "acled", "IRQ33205"))[0][:3] == (
        d.KH,
        "MILITIA",
        "PERPETRATOR",
    )
    assert (await participants(conn, "ucdp", "512303"))[1][0] == d.KH
    assert (await participants(conn, "acled", "IRQ33220"))[1][0] == d.HAN
    # the Iraqi state's forces: ACLED's "Military Forces of Iraq (2022-)" and UCDP's
    # "Government of Iraq" are one new actor, state forces, with both spellings as aliases
    iraq = await _actor(conn, "Military Forces of Iraq")
    assert (iraq["kind"], iraq["country_code"]) == ("STATE_FORCES", "IQ")
    aliases = await conn.fetch(
        "select alias from actor_alias where actor_id = $1 order by alias", iraq["id"]
    )
    assert [r[0] for r in aliases] == ["Government of Iraq", "Military Forces of Iraq (2022-)"]
    # Iran, Israel, Syria, Turkey: one state-forces actor each
    for name, country in (
        ("Military Forces of Iran", "IR"),
        ("Military Forces of Israel", "IL"),
        ("Military Forces of Syria", "SY"),
        ("Military Forces of Turkey", "TR"),
    ):
        row = await _actor(conn, name)
        assert (row["kind"], row["country_code"]) == ("STATE_FORCES", country), name
    # ACLED's Iran (a target in Syria, a perpetrator in Erbil) and UCDP's Turkey
    assert (await participants(conn, "acled", "SYR22110"))[1][0] == "Military Forces of Iran"
    assert (await participants(conn, "ucdp", "512305"))[0][:2] == (
        "Military Forces of Turkey",
        "STATE_FORCES",
    )
    assert (kh["kind"], han["kind"]) == ("MILITIA", "MILITIA")
    created = {
        r[0]
        for r in await conn.fetch("select name from actor order by id offset $1", actors_before)
    }
    assert created == {
        "Military Forces of Iraq", "Military Forces of Iran", "Military Forces of Israel",
        "Military Forces of Syria", "Military Forces of Turkey", "Islamic State",
        "Hayat Tahrir al-Sham", "PKK: Kurdistan Workers Party", "PKK", "Saraya Awliya al-Dam",
        "Protesters (Iraq)", "Teachers (Iraq)", "Protesters (Turkey)", "Rioters (Iraq)",
        "Civilians (Iraq)", "Civilians", "Unidentified Armed Group (Iraq)",
        "Police Forces of Iraq (2022-) Kurdistan Regional Government",
        "Islamic Resistence in Iraq",
    }  # fmt: skip


async def test_look_alikes_are_reported_not_merged(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    report = await run(db, "acled", "acled_iraq_syria.csv")
    typo = (await participants(conn, "acled", "IRQ33290"))[0]
    assert typo[0] == "Islamic Resistence in Iraq"  # a new actor: not merged silently
    iri = await _actor(conn, d.IRI)
    new = await _actor(conn, "Islamic Resistence in Iraq")
    [dup] = report.possible_duplicates  # similarity >= 0.7: only the typo
    assert (dup.actor_id, dup.candidate_id, dup.candidate) == (new["id"], iri["id"], d.IRI)
    assert dup.command == f"sitrep actors merge {new['id']} --into {iri['id']}"
    assert round(dup.similarity, 2) == 0.79
    assert report.as_dict()["possibleDuplicates"][0]["merge"] == dup.command
    # what the command does: the typo's incident moves to the actor, the name stays findable
    await merge_actors(db, ADMIN, new["id"], iri["id"])
    assert (await participants(conn, "acled", "IRQ33290"))[0][:2] == (d.IRI, "UMBRELLA_GROUP")
    assert (
        await conn.fetchval(
            "select count(*) from actor_alias where actor_id = $1 and alias = $2",
            iri["id"],
            "Islamic Resistence in Iraq",
        )
        == 1
    )


async def test_kinds_from_labels_codes_and_later_rows(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    await run(db, "acled", "acled_iraq_syria.csv", batch=2)
    kinds = dict(
        await conn.fetch(
            "select name, kind from actor where name = any($1::text[])",
            [
                "Protesters (Iraq)", "Rioters (Iraq)", "Civilians (Iraq)", "Islamic State",
                "PKK: Kurdistan Workers Party", "Unidentified Armed Group (Iraq)",
                "Police Forces of Iraq (2022-) Kurdistan Regional Government",
                "Saraya Awliya al-Dam", "Teachers (Iraq)",
            ],
        )
    )  # fmt: skip
    assert kinds == {
        "Protesters (Iraq)": "OTHER",
        "Rioters (Iraq)": "OTHER",
        "Civilians (Iraq)": "CIVILIANS",
        "Islamic State": "REBEL_GROUP",
        "PKK: Kurdistan Workers Party": "REBEL_GROUP",
        "Unidentified Armed Group (Iraq)": "MILITIA",
        "Police Forces of Iraq (2022-) Kurdistan Regional Government": "STATE_FORCES",
        # an associated actor in an earlier batch (no type given), a political militia
        # as actor1 in a later one: corrected
        "Saraya Awliya al-Dam": "MILITIA",
        "Teachers (Iraq)": "OTHER",
    }
    saraya = await _actor(conn, "Saraya Awliya al-Dam")
    ops = await conn.fetch(
        "select operation, before->>'kind' as b, after->>'kind' as a from change_log "
        "where entity = 'Actor' and entity_id = $1 order by id",
        saraya["id"],
    )
    assert [tuple(r) for r in ops] == [("CREATE", None, "OTHER"), ("UPDATE", "OTHER", "MILITIA")]
    # numeric codes (exports before 2024)
    await run(db, "acled", "acled_2023_numeric_codes.csv")
    assert (await _actor(conn, "Ashab al-Kahf"))["kind"] == "MILITIA"
    assert (await participants(conn, "acled", "IRQ31002"))[1][:2] == (
        "Civilians (Iraq)",
        "CIVILIANS",
    )
    # UCDP governments are state forces, and correct the rebel-group kind an earlier
    # import gave one
    await conn.execute(
        "update actor set kind = 'REBEL_GROUP' where name = 'Military Forces of Iraq'"
    )
    await run(db, "ucdp", "ged_24_1.csv")
    assert (await _actor(conn, "Military Forces of Iraq"))["kind"] == "STATE_FORCES"
    assert (await participants(conn, "ucdp", "512305"))[0][1] == "STATE_FORCES"


async def test_user_aliases_extend_the_crosswalk(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    report = await add_aliases(
        db, ADMIN, [(2, d.PMF, "Popular Mobilization Forces"), (3, "Nobody at all", "x")]
    )
    # the crosswalk already knows the spelling as the PMF's; the unknown actor is reported
    assert (report.added, report.unchanged) == (0, 1)
    assert report.problems == ["line 3: no actor named 'Nobody at all'"]
    report = await add_aliases(db, ADMIN, [(2, d.IRI, "Saraya Awliya al-Dam")])
    assert report.added == 1
    await run(db, "acled", "acled_iraq_syria.csv")
    assert (await participants(conn, "acled", "IRQ33295"))[0][:2] == (d.IRI, "UMBRELLA_GROUP")
    assert (
        await conn.fetchval("select count(*) from actor where name = 'Saraya Awliya al-Dam'") == 0
    )
