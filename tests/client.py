"""The one GraphQL test client: POSTs to the session app over HTTP (httpx → ASGI), as an
anonymous reader or with an API key, inside the running test's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from tests.factories import make_key

if TYPE_CHECKING:
    from tests.conftest import AppDb


class Gql:
    def __init__(self, http: httpx.AsyncClient, app_db: AppDb, token: str | None = None) -> None:
        self.http = http
        self.app_db = app_db
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def key(self, role: str, name: str | None = None) -> Gql:
        """A client for the same app with a new API key of ``role`` (rolled back with the
        test)."""
        return self.with_token(await make_key(self.app_db.conn, role, name))

    def with_token(self, token: str | None) -> Gql:
        return Gql(self.http, self.app_db, token)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The response body. GraphQL answers every request with HTTP 200, errors too."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def codes(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        """The ``extensions.code`` of each error (the request must fail)."""
        body = await self(query, variables)
        assert body.get("errors"), body
        return [e["extensions"]["code"] for e in body["errors"]]

    async def counted(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[Any, list[str]]:
        """The data, and the SQL statements the request sent to PostgreSQL."""
        start = len(self.app_db.requests)
        data = await self.data(query, variables)
        handles = self.app_db.requests[start:]
        return data, [s for h in handles for s in h.counter.statements]
