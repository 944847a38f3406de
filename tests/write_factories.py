"""Helpers for write-path tests: API keys and a GraphQL client that sends one.

Rows for read tests come from ``tests/factories.py``; these add what the write path
needs. Everything goes through the test's connection, so it is rolled back.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from db.core import ConnectionDb
from db.keys import create_key


async def make_key(conn: asyncpg.Connection, role: str, name: str | None = None) -> str:
    """A new API key's token."""
    _, token = await create_key(ConnectionDb(conn), name or f"test {role}", role)
    return token


class KeyedGql:
    """Posts GraphQL with ``Authorization: Bearer <token>`` (anonymous when None)."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        assert response.status_code in (200, 400), response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


async def clients(conn: asyncpg.Connection, http: httpx.AsyncClient) -> dict[str, KeyedGql]:
    """One client per kind of viewer: anonymous, reader, editor, admin."""
    out = {"anonymous": KeyedGql(http, None)}
    for role in ("reader", "editor", "admin"):
        out[role] = KeyedGql(http, await make_key(conn, role))
    return out
