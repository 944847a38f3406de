"""The lane for repeated planned reads (``app/lane.py``): a body the fast path has planned
before is answered in front of every other layer, exactly as the whole stack answers it;
every other request reaches the stack with its body intact."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from app.asgi import Receive, Scope, Send
from app.lane import Lane
from app.main import create_app
from app.settings import Settings
from db.core import PoolDb, create_pool
from tests.conftest import AppDb
from tests.pooler import POOLED

QUERY = """query Lane($id: ID!) {
  node(id: $id) { id ... on Incident { occurredOn weapon location { name } } }
}"""
INCIDENT = "SW5jaWRlbnQ6MQ=="  # Incident:1
BODY = orjson.dumps({"query": QUERY, "variables": {"id": INCIDENT}})
JSON = {"content-type": "application/json"}


class Stack:
    """Stands where the lane's inner stack was: records what reaches it (the request's
    headers and its whole body) and answers 204."""

    def __init__(self) -> None:
        self.reached: list[tuple[dict[bytes, bytes], bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.reached.append((dict(scope["headers"]), body))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def lane_app(settings: Settings, app_db: AppDb, conn: object) -> FastAPI:
    # the lane is open where the deployment has no rate limit (admission is left out)
    return create_app(settings.model_copy(update={"rate_limit": False}), db=app_db)


@pytest.fixture
async def client(lane_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=lane_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        yield c


def lane_of(app: FastAPI) -> Lane:
    assert isinstance(app.middleware_stack, Lane)
    return app.middleware_stack


def requests_counted() -> float:
    value = REGISTRY.get_sample_value(
        "sitrep_http_requests_total", {"path": "/graphql", "status": "200"}
    )
    return value or 0.0


async def test_a_repeated_read_is_answered_in_front_as_the_stack_answers_it(
    lane_app: FastAPI, client: httpx.AsyncClient
) -> None:
    first = await client.post("/graphql", content=BODY, headers=JSON)  # the stack plans it
    lane = lane_of(lane_app)
    stack, lane.app = lane.app, Stack()
    try:
        counted = requests_counted()
        again = await client.post("/graphql", content=BODY, headers=JSON)
        echoed = await client.post(
            "/graphql", content=BODY, headers={**JSON, "x-request-id": "client-7"}
        )
        assert lane.app.reached == []  # type: ignore[attr-defined]
        assert requests_counted() == counted + 2
    finally:
        lane.app = stack
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert orjson.loads(again.content)["data"]["node"]["id"] == INCIDENT
    assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert re.fullmatch("[0-9a-f]{32}", again.headers["x-request-id"])
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert echoed.headers["x-request-id"] == "client-7"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({**JSON, "authorization": "Bearer sk_nope"}, BODY),  # a key: the stack checks it
        ({**JSON, "x-sitrep-lsn": "0/16B3748"}, BODY),  # read-your-writes routing
        ({"content-type": "text/plain"}, BODY),  # refused by the GraphQL-over-HTTP checks
        ({**JSON, "accept": "text/html"}, BODY),  # GraphiQL's page
        (JSON, BODY.replace(b"Lane", b"Other")),  # a document not checked before
        # a document checked before, with variables the fast path does not plan
        (JSON, orjson.dumps({"query": QUERY, "variables": {"id": "not an id"}})),
        (JSON, orjson.dumps({"query": QUERY, "variables": {"id": 7}})),
        (JSON, orjson.dumps({"query": QUERY})),
        (JSON, b'{"query": "{ __typename }", "pad": "' + b"x" * 40_000 + b'"}'),  # long
    ],
)
async def test_what_the_lane_does_not_take_reaches_the_stack_with_its_body(
    lane_app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str], body: bytes
) -> None:
    await client.post("/graphql", content=BODY, headers=JSON)
    lane = lane_of(lane_app)
    stack, lane.app = lane.app, Stack()
    try:
        response = await client.post("/graphql", content=body, headers=headers)
        reached = lane.app.reached  # type: ignore[attr-defined]
    finally:
        lane.app = stack
    assert response.status_code == 204
    assert len(reached) == 1
    assert reached[0][1] == body
    for name, value in headers.items():
        assert reached[0][0][name.encode()] == value.encode()


async def test_a_checked_document_with_new_variables_is_answered_in_front(
    lane_app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Other variables for a document checked before are planned in the lane (the same
    statement the stack would run) and answered there, as the stack answers them."""
    await client.post("/graphql", content=BODY, headers=JSON)  # the stack checks it
    other = "SW5jaWRlbnQ6Mg=="  # Incident:2
    body = orjson.dumps({"query": QUERY, "variables": {"id": other}})
    lane = lane_of(lane_app)
    stack, lane.app = lane.app, Stack()
    try:
        counted = requests_counted()
        answered = await client.post("/graphql", content=body, headers=JSON)
        assert lane.app.reached == []  # type: ignore[attr-defined]
        assert requests_counted() == counted + 1
    finally:
        lane.app = stack
    lane.open = False  # the same body through the whole stack
    try:
        expected = await client.post("/graphql", content=body, headers=JSON)
    finally:
        lane.open = True
    assert answered.status_code == expected.status_code == 200
    assert answered.content == expected.content
    assert orjson.loads(answered.content)["data"]["node"]["id"] == other


async def test_a_read_the_database_cannot_answer_goes_to_the_stack(
    lane_app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    await client.post("/graphql", content=BODY, headers=JSON)
    lane = lane_of(lane_app)
    closed = await create_pool(database_url, min_size=1, max_size=1, pooled=POOLED)
    await closed.close()  # its statements raise DatabaseUnavailable

    def unavailable(generic: bool = False) -> Any:
        return PoolDb(closed)

    stack, lane.app = lane.app, Stack()
    get_db, lane.fast.get_db = lane.fast.get_db, unavailable
    try:
        response = await client.post("/graphql", content=BODY, headers=JSON)
        reached = lane.app.reached  # type: ignore[attr-defined]
    finally:
        lane.app, lane.fast.get_db = stack, get_db
    assert response.status_code == 204
    assert [body for _, body in reached] == [BODY]


async def test_with_a_rate_limit_every_read_is_charged(
    settings: Settings, app_db: AppDb, conn: object
) -> None:
    """The lane stays closed: admission and the rate limit see every request."""
    limited = settings.model_copy(update={"rate_limit": True, "rate_limit_anonymous": 10_000})
    app = create_app(limited, db=app_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        answers = [await c.post("/graphql", content=BODY, headers=JSON) for _ in range(3)]
    remaining = [int(a.headers["ratelimit-remaining"]) for a in answers]
    assert remaining[0] > remaining[1] > remaining[2]
    assert (
        answers[2].content.split(b',"extensions"')[0]
        == answers[0].content.split(b',"extensions"')[0]
    )
