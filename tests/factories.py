"""Test rows, inserted with plain SQL through the test's connection (rolled back afterwards).

Every helper returns the new row's database id; ``gid`` turns it into a global ID.
Defaults make a minimal valid, published row; pass only what a test is about. Writes
through the API (mutations, imports) are what the tests exercise; these helpers only set
the scene, so they write no change-log rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg

from db.core import ConnectionDb
from db.keys import create_key
from schema.ids import to_global_id

Estimate = int | tuple[int, int, int] | None


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


def _estimate(value: Estimate) -> tuple[int | None, int | None, int | None]:
    """An int sets low, best and high alike; a tuple sets them one by one; None = not
    reported."""
    if value is None or isinstance(value, int):
        return (value, value, value)
    return value


async def make_key(conn: asyncpg.Connection, role: str, name: str | None = None) -> str:
    """A new API key's token."""
    _, token = await create_key(ConnectionDb(conn), name or f"test {role}", role)
    return token


async def make_actor(
    conn: asyncpg.Connection,
    name: str,
    kind: str = "MILITIA",
    aliases: Sequence[str] = (),
    country: str | None = None,
    status: str = "PUBLISHED",
    updated_at: dt.datetime | None = None,
) -> int:
    actor_id: int = await conn.fetchval(
        "insert into actor (name, kind, country_code, status, updated_at) "
        "values ($1, $2, $3, $4, coalesce($5, now())) returning id",
        name,
        kind,
        country,
        status,
        updated_at,
    )
    for alias in aliases:
        await conn.execute(
            "insert into actor_alias (actor_id, alias) values ($1, $2)", actor_id, alias
        )
    return actor_id


async def make_location(
    conn: asyncpg.Connection,
    name: str,
    kind: str = "TOWN",
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    country: str | None = None,
    admin1_code: str | None = None,
    admin1_name: str | None = None,
    admin2_name: str | None = None,
    parent_id: int | None = None,
    aliases: Sequence[str] = (),
    status: str = "PUBLISHED",
) -> int:
    location_id: int = await conn.fetchval(
        "insert into location (name, kind, latitude, longitude, country_code, admin1_code, "
        "admin1_name, admin2_name, parent_id, status) "
        "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
        name,
        kind,
        latitude,
        longitude,
        country,
        admin1_code,
        admin1_name,
        admin2_name,
        parent_id,
        status,
    )
    for alias in aliases:
        await conn.execute(
            "insert into location_alias (location_id, alias) values ($1, $2)", location_id, alias
        )
    return location_id


async def make_source(
    conn: asyncpg.Connection,
    publisher: str = "Test Wire",
    *,
    kind: str = "NEWS_ARTICLE",
    title: str | None = None,
    url: str | None = None,
    published_at: dt.datetime | None = None,
    note: str | None = None,
    language: str | None = None,
    status: str = "PUBLISHED",
) -> int:
    source_id: int = await conn.fetchval(
        "insert into source (kind, publisher, title, url, published_at, note, language, status) "
        "values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        kind,
        publisher,
        title,
        url,
        published_at,
        note,
        language,
        status,
    )
    return source_id


async def make_incident(
    conn: asyncpg.Connection,
    location_id: int,
    occurred_on: dt.date,
    *,
    date_earliest: dt.date | None = None,
    date_latest: dt.date | None = None,
    time_precision: str = "DAY",
    event_type: str = "EXPLOSIONS_REMOTE_VIOLENCE",
    sub_event_type: str = "AIR_DRONE_STRIKE",
    weapon: str = "DRONE",
    outcome: str = "UNKNOWN",
    claim_status: str = "UNKNOWN",
    projectiles: int | None = None,
    killed: Estimate = None,
    injured: Estimate = None,
    summary: str = "A test incident.",
    notes: str | None = None,
    tags: Sequence[str] = (),
    participants: Sequence[tuple[int, str, str]] = (),
    source_ids: Sequence[int] = (),
    external_ids: Sequence[tuple[str, str]] = (),
    status: str = "PUBLISHED",
    created_at: dt.datetime | None = None,
    updated_at: dt.datetime | None = None,
) -> int:
    """``participants`` are ``(actor_id, role, basis)``; ``killed``/``injured`` are an
    int (low = best = high) or a ``(low, best, high)`` tuple, ``None`` = not reported."""
    incident_id: int = await conn.fetchval(
        "insert into incident (occurred_on, date_earliest, date_latest, time_precision, "
        "location_id, event_type, sub_event_type, weapon, outcome, claim_status, "
        "projectile_count, killed_low, killed_best, killed_high, injured_low, injured_best, "
        "injured_high, summary, notes, tags, status, created_at, updated_at) values ($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
        "$21, coalesce($22, now()), coalesce($23, now())) returning id",
        occurred_on,
        date_earliest or occurred_on,
        date_latest or occurred_on,
        time_precision,
        location_id,
        event_type,
        sub_event_type,
        weapon,
        outcome,
        claim_status,
        projectiles,
        *_estimate(killed),
        *_estimate(injured),
        summary,
        notes,
        list(tags),
        status,
        created_at,
        updated_at,
    )
    for actor_id, role, basis in participants:
        await conn.execute(
            "insert into incident_participant (incident_id, actor_id, role, basis) "
            "values ($1, $2, $3, $4)",
            incident_id,
            actor_id,
            role,
            basis,
        )
    for source_id in source_ids:
        await conn.execute(
            "insert into incident_source (incident_id, source_id) values ($1, $2)",
            incident_id,
            source_id,
        )
    for system, external_id in external_ids:
        await conn.execute(
            "insert into incident_external_id (system, external_id, incident_id) "
            "values ($1, $2, $3)",
            system,
            external_id,
            incident_id,
        )
    return incident_id


async def make_deployment(
    conn: asyncpg.Connection,
    location_id: int,
    actor_id: int,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    status: str = "PUBLISHED",
) -> int:
    deployment_id: int = await conn.fetchval(
        "insert into deployment (location_id, actor_id, valid_from, valid_to, status) "
        "values ($1, $2, $3, $4, $5) returning id",
        location_id,
        actor_id,
        valid_from,
        valid_to,
        status,
    )
    return deployment_id


async def make_relation(
    conn: asyncpg.Connection,
    subject_id: int,
    kind: str,
    object_id: int,
    basis: str = "REPORTED",
    status: str = "PUBLISHED",
    *,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> int:
    relation_id: int = await conn.fetchval(
        "insert into actor_relation (subject_actor_id, kind, object_actor_id, basis, status, "
        "valid_from, valid_to) values ($1, $2, $3, $4, $5, $6, $7) returning id",
        subject_id,
        kind,
        object_id,
        basis,
        status,
        valid_from,
        valid_to,
    )
    return relation_id


async def demo_incident_ids(conn: asyncpg.Connection) -> dict[str, str]:
    """Global IDs of the demo incidents, by their ``sitrep-demo`` external id."""
    rows = await conn.fetch(
        "select external_id, incident_id from incident_external_id where system = 'sitrep-demo'"
    )
    return {r["external_id"]: gid("Incident", r["incident_id"]) for r in rows}


async def id_by_name(conn: asyncpg.Connection, table: str, name: str) -> int:
    """The id of the demo actor or location called ``name``."""
    assert table in {"actor", "location"}
    pk: int | None = await conn.fetchval(f"select id from {table} where name = $1", name)
    assert pk is not None, name
    return pk
