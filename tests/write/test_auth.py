"""API keys: 401 for bad keys, roles against mutations, optional keys for reads."""

from __future__ import annotations

import hashlib

import asyncpg
import httpx
import pytest

from db.core import ConnectionDb
from db.keys import TOKEN_PREFIX, create_key, find_active, list_keys, revoke_key
from tests.client import Gql
from tests.factories import gid, make_key, make_source

Q = "{ incidents(first: 1) { totalCount } }"


async def test_key_is_stored_hashed_and_shown_once(
    conn: asyncpg.Connection, db: ConnectionDb
) -> None:
    row, token = await create_key(db, "partner A", "reader")
    # sitrep_ and 32 random bytes in unpadded url-safe base64
    assert token.startswith(TOKEN_PREFIX)
    assert len(token) == len(TOKEN_PREFIX) + 43
    stored = await conn.fetchrow("select * from api_key where id = $1", row.id)
    assert bytes(stored["key_hash"]) == hashlib.sha256(token.encode()).digest()
    assert token not in str(dict(stored))
    assert stored["prefix"] == token[: len(TOKEN_PREFIX) + 6]
    assert (await find_active(db, token)) == row
    assert [k.id for k in await list_keys(db)][-1] == row.id


MALFORMED = "Malformed Authorization header; expected `Bearer <key>`."
UNKNOWN = "Unknown or revoked API key."


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer sitrep_unknown", UNKNOWN),
        ("Bearer nonsense", UNKNOWN),
        ("Basic abc", MALFORMED),
        ("Bearer ", MALFORMED),
        ("sitrep_x", MALFORMED),
    ],
)
async def test_bad_keys_get_401_invalid_api_key(gql: Gql, header: str, message: str) -> None:
    r, _ = await gql.with_header(header).post(Q)
    assert r.status_code == 401
    assert r.json() == {"errors": [{"message": message, "extensions": {"code": "INVALID_API_KEY"}}]}
    assert r.headers["www-authenticate"] == 'Bearer realm="sitrep"'


async def test_revoked_key_gets_401(db: ConnectionDb, gql: Gql) -> None:
    row, token = await create_key(db, "leaver", "editor")
    leaver = gql.with_token(token, "editor")
    published = await db.fetchval("select count(*) from incident where status <> 'RETRACTED'")
    assert await leaver.data(Q) == {"incidents": {"totalCount": published}}
    await revoke_key(db, row.id)
    r, _ = await gql.with_token(token, "revoked key").post(Q)
    assert r.status_code == 401
    assert r.json() == {"errors": [{"message": UNKNOWN, "extensions": {"code": "INVALID_API_KEY"}}]}


async def test_reads_can_require_a_key(conn: asyncpg.Connection, strict_gql: Gql) -> None:
    r, _ = await strict_gql.post(Q)
    assert r.status_code == 401
    required = "This server requires an API key: Authorization: Bearer <key>."
    assert r.json() == {
        "errors": [{"message": required, "extensions": {"code": "UNAUTHENTICATED"}}]
    }
    published = await conn.fetchval("select count(*) from incident where status = 'PUBLISHED'")
    reader = await strict_gql.key("reader")
    assert (await reader.data(Q))["incidents"]["totalCount"] == published
    # A bad key is still a bad key, not a missing one.
    bad, _ = await strict_gql.with_header("Bearer sitrep_unknown").post(Q)
    assert bad.status_code == 401
    assert bad.json() == {
        "errors": [{"message": UNKNOWN, "extensions": {"code": "INVALID_API_KEY"}}]
    }


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
    gql: Gql,
    role: str | None,
    create: str | None,
    retract: str | None,
) -> None:
    client = await gql.key(role) if role else gql
    body = await client(CREATE_ACTOR)
    if create is None:
        assert body["data"]["createActor"]["status"] == "DRAFT"
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [create]
        assert body["data"] is None
    source = await make_source(conn, "Role Wire")
    body = await client(RETRACT_SOURCE, {"id": gid("Source", source)})
    if retract is None:
        assert body == {
            "data": {"retractSource": {"__typename": "Removed"}},
            "extensions": {"cost": {"requested": 2, "limit": 50_000}},
        }
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [retract]
    status = await conn.fetchval("select status from source where id = $1", source)
    assert status == ("RETRACTED" if retract is None else "PUBLISHED")


async def test_mutations_over_get_are_refused(
    conn: asyncpg.Connection, http: httpx.AsyncClient
) -> None:
    admin = await make_key(conn, "admin")
    r = await http.get(
        "/graphql", params={"query": CREATE_ACTOR}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert (r.status_code, r.headers["allow"]) == (405, "POST")
    assert r.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert await conn.fetchval("select count(*) from actor where name = 'Role Test'") == 0
