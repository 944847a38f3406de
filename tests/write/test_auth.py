"""API keys: 401 for bad keys, roles against mutations, optional keys for reads."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from db.core import ConnectionDb
from db.keys import create_key, find_active, list_keys, revoke_key
from tests.write_factories import KeyedGql, make_key

Q = "{ incidents(first: 1) { totalCount } }"


async def test_key_is_stored_hashed_and_shown_once(conn: asyncpg.Connection) -> None:
    row, token = await create_key(ConnectionDb(conn), "partner A", "reader")
    assert token.startswith("sitrep_")
    assert len(token) > 40
    stored = await conn.fetchrow("select * from api_key where id = $1", row.id)
    assert token.encode() not in bytes(stored["key_hash"])
    assert token not in str(dict(stored))
    assert token.startswith(stored["prefix"])
    assert (await find_active(ConnectionDb(conn), token)) == row
    assert [k.id for k in await list_keys(ConnectionDb(conn))][-1] == row.id


@pytest.mark.parametrize(
    "header",
    ["Bearer sitrep_unknown", "Bearer nonsense", "Basic abc", "Bearer ", "sitrep_x"],
)
async def test_bad_keys_get_401_with_a_code(client: httpx.AsyncClient, header: str) -> None:
    r = await client.post("/graphql", json={"query": Q}, headers={"Authorization": header})
    assert r.status_code == 401
    code = r.json()["errors"][0]["extensions"]["code"]
    assert code in {"INVALID_API_KEY", "UNAUTHENTICATED"}
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_revoked_key_gets_401(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    row, token = await create_key(ConnectionDb(conn), "leaver", "editor")
    ok = await client.post(
        "/graphql", json={"query": Q}, headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200
    await revoke_key(ConnectionDb(conn), row.id)
    r = await client.post(
        "/graphql", json={"query": Q}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "INVALID_API_KEY"


async def test_reads_can_require_a_key(conn: asyncpg.Connection, settings: Settings) -> None:
    strict = settings.model_copy(update={"require_key_for_reads": True})
    app = create_app(strict, db=ConnectionDb(conn))
    token = await make_key(conn, "reader")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.post("/graphql", json={"query": Q})
        assert r.status_code == 401
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        body = await KeyedGql(http, token).data(Q)
        assert body["incidents"]["totalCount"] >= 1


CREATE_ACTOR = """mutation { createActor(input: {name: "Role Test", kind: MILITIA}) {
  __typename ... on Actor { id name status } } }"""
RETRACT_SOURCE = """mutation($id: ID!) { retractSource(id: $id, version: 1, reason: "test") {
  __typename } }"""


@pytest.mark.parametrize(
    ("role", "create", "retract"),
    [
        (None, "UNAUTHENTICATED", "UNAUTHENTICATED"),
        ("reader", "FORBIDDEN", "FORBIDDEN"),
        ("editor", None, "FORBIDDEN"),
        ("admin", None, None),
    ],
)
async def test_roles_against_mutations(
    conn: asyncpg.Connection,
    client: httpx.AsyncClient,
    role: str | None,
    create: str | None,
    retract: str | None,
) -> None:
    from tests.factories import gid, make_source

    gql = KeyedGql(client, await make_key(conn, role) if role else None)
    body = await gql(CREATE_ACTOR)
    if create is None:
        assert body["data"]["createActor"]["status"] == "DRAFT"
    else:
        assert body["errors"][0]["extensions"]["code"] == create
        assert body["data"] is None
    source = await make_source(conn, "Role Wire")
    body = await gql(RETRACT_SOURCE, {"id": gid("Source", source)})
    if retract is None:
        assert body["data"]["retractSource"]["__typename"] == "Removed"
    else:
        assert body["errors"][0]["extensions"]["code"] == retract
    status = await conn.fetchval("select status from source where id = $1", source)
    assert status == ("RETRACTED" if retract is None else "PUBLISHED")


async def test_mutations_over_get_are_refused(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={"query": CREATE_ACTOR})
    assert r.status_code in (400, 405)
