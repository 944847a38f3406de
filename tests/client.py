"""The one GraphQL test client: POSTs to the session app over HTTP (httpx → ASGI), as an
anonymous reader or with an API key, inside the running test's transaction.

The differential oracle: every request that cannot write (any document without a
mutation, including ones that do not parse or validate) is also sent to the same app
with the planner off (the resolvers only) on the same connection and transaction, with
the same headers, and both responses must be identical: the status code, and the JSON
body with its keys in order and every value of the same JSON type (``2`` and ``2.0``,
``1`` and ``true`` differ).
``ORACLE`` counts the distinct requests compared and how many of them the planner
answered; the suite prints both at the end.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from tests.factories import make_key

if TYPE_CHECKING:
    from tests.conftest import AppDb

ORACLE: dict[str, int] = {"documents": 0, "planned": 0}
_SEEN: set[tuple[str, str, str, str]] = set()


def planned_count() -> float:
    """How many requests the planner has answered in this process (the app's counter)."""
    from app.fastpath import PATHS

    return PATHS.labels("planned")._value.get()  # type: ignore[no-any-return]


def writes(query: str) -> bool:
    """Whether a document could write: it has a mutation (or subscription) operation. A
    document that does not parse executes nothing."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is not OperationType.QUERY
        for d in document.definitions
    )


def _body(response: httpx.Response) -> Any:
    """The JSON body as nested lists of pairs (so key order counts), or the raw text."""
    try:
        return json.loads(response.content, object_pairs_hook=lambda pairs: ("{}", pairs))
    except ValueError:
        return response.text


def _typed(value: Any) -> Any:
    """``value`` with booleans and floats tagged, so that ``true`` and ``1``, ``2.0`` and
    ``2`` differ (in Python they are equal)."""
    if isinstance(value, tuple):
        return ("{}", [(k, _typed(v)) for k, v in value[1]])
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float):
        return ("float", value)
    return value


def comparable(response: httpx.Response) -> tuple[int, Any]:
    """What the oracle compares of a response: its status and its JSON body."""
    return response.status_code, _typed(_body(response))


class Gql:
    """``app`` names the app in the oracle's count (``main`` or ``strict``); ``who``
    names the caller (``anonymous``, a role, or the bad header a test sends), so the
    same request made with a new key of the same role counts once. ``resolvers`` is
    the same app with the planner off; ``None`` makes a client of that app itself (no
    second request)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        app_db: AppDb,
        resolvers: httpx.AsyncClient | None,
        *,
        app: str = "main",
        headers: dict[str, str] | None = None,
        who: str = "anonymous",
    ) -> None:
        self.http = http
        self.app_db = app_db
        self.resolvers = resolvers
        self.app = app
        self.headers = headers or {}
        self.who = who

    async def key(self, role: str, name: str | None = None) -> Gql:
        """A client for the same app with a new API key of ``role`` (rolled back with the
        test)."""
        return self.with_token(await make_key(self.app_db.conn, role, name), role)

    def with_token(self, token: str, who: str) -> Gql:
        return self.with_header(f"Bearer {token}", who)

    def with_header(self, authorization: str, who: str | None = None) -> Gql:
        """A client sending this ``Authorization`` header (``who`` defaults to it)."""
        return Gql(
            self.http,
            self.app_db,
            self.resolvers,
            app=self.app,
            headers={"Authorization": authorization},
            who=who or authorization,
        )

    def resolvers_only(self) -> Gql:
        """The same caller on the app with the planner off, by itself: for tests of the
        resolvers' own behaviour (their statement counts, their error logging)."""
        assert self.resolvers is not None
        return Gql(
            self.resolvers,
            self.app_db,
            None,
            app=f"{self.app} (resolvers)",
            headers=self.headers,
            who=self.who,
        )

    async def post(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[httpx.Response, list[str]]:
        """The response, whatever its status, and the SQL statements the request sent.

        A request that cannot write is sent to the resolvers-only app too, and must get
        the identical response."""
        payload = {"query": query, "variables": variables or {}}
        start = len(self.app_db.requests)
        before = planned_count()
        response = await self.http.post("/graphql", json=payload, headers=self.headers)
        planned = planned_count() > before
        handles = self.app_db.requests[start:]
        statements = [s for h in handles for s in h.counter.statements]
        if self.resolvers is not None and not writes(query):
            other = await self.resolvers.post("/graphql", json=payload, headers=self.headers)
            assert comparable(response) == comparable(other), (
                self.app,
                self.who,
                query,
                variables,
                response.text,
                other.text,
            )
            seen = (self.app, self.who, query, json.dumps(variables or {}, sort_keys=True))
            if seen not in _SEEN:
                _SEEN.add(seen)
                ORACLE["documents"] += 1
                ORACLE["planned"] += planned
        return response, statements

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The response body. GraphQL answers every request with HTTP 200, errors too."""
        response, _ = await self.post(query, variables)
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
        """The data, and the SQL statements the request sent to PostgreSQL (on this
        client's app; not those of the oracle's second request)."""
        response, statements = await self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"], statements
