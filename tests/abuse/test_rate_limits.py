"""Rate limits in points per window, per caller, on both paths (issue 10, "What to build").

Apps of their own on the session connection (so their counters start empty), with small
budgets; requests inside the test's transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from schema.ratelimit import RateLimiter
from tests.client import planned_count
from tests.conftest import AppDb
from tests.factories import gid, make_actor, make_key

CHEAP = "{ incidents(first: 1) { totalCount } }"  # cost 2: one point
WINDOW = 3600


@asynccontextmanager
async def client(
    app_db: AppDb, settings: Settings, address: str = "203.0.113.7"
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db=app_db)
    transport = httpx.ASGITransport(app=app, client=(address, 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        yield c


def _limited(settings: Settings, **budgets: int) -> Settings:
    return settings.model_copy(
        update={f"rate_limit_{role}": points for role, points in budgets.items()}
    )


def _headers(response: httpx.Response) -> dict[str, str]:
    names = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after")
    return {n: response.headers[n] for n in names if n in response.headers}


@pytest.mark.parametrize("planner", [True, False])
async def test_an_anonymous_address_gets_429_when_its_points_are_spent(
    conn: asyncpg.Connection, app_db: AppDb, settings: Settings, planner: bool
) -> None:
    limited = _limited(settings, anonymous=3).model_copy(update={"planner": planner})
    async with client(app_db, limited) as c:
        for remaining in (2, 1, 0):
            response = await c.post("/graphql", json={"query": CHEAP})
            assert response.status_code == 200
            assert "errors" not in response.json()
            headers = _headers(response)
            assert headers["ratelimit-limit"] == "3"
            assert headers["ratelimit-remaining"] == str(remaining)
            assert 0 < int(headers["ratelimit-reset"]) <= WINDOW
            assert "retry-after" not in headers
        refused = await c.post("/graphql", json={"query": CHEAP})
    assert refused.status_code == 429
    reset = int(refused.headers["retry-after"])
    assert 0 < reset <= WINDOW
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == str(reset)
    assert refused.json() == {
        "errors": [
            {
                "message": f"Rate limit of 3 points per window reached; try again in {reset} s.",
                "extensions": {"code": "RATE_LIMITED", "limit": 3, "retryAfter": reset},
            }
        ],
    }


async def test_points_follow_the_cost_and_addresses_are_counted_apart(
    conn: asyncpg.Connection, app_db: AppDb, settings: Settings
) -> None:
    limited = _limited(settings, anonymous=10)
    # incidents 1 + edges (1 + 100 x (node 1 + location 1 + incidents 1 + edges (1 + 20 x
    # (node 1 + id 1)))) = 4,402: 5 points at 1,000 per point.
    heavy = "{ incidents(first: 100) { edges { node { location { incidents { edges { node "
    heavy += "{ id } } } } } } } }"
    async with client(app_db, limited) as c:
        first = await c.post("/graphql", json={"query": heavy})
        assert first.json()["extensions"]["cost"]["requested"] == 4_402
        assert first.headers["ratelimit-remaining"] == "5"
        second = await c.post("/graphql", json={"query": heavy})
        assert second.headers["ratelimit-remaining"] == "0"
        assert (await c.post("/graphql", json={"query": CHEAP})).status_code == 429
    async with client(app_db, limited, address="198.51.100.9") as other:
        response = await other.post("/graphql", json={"query": CHEAP})
    assert response.status_code == 200
    assert response.headers["ratelimit-remaining"] == "9"


async def test_keys_have_their_role_s_budget(
    conn: asyncpg.Connection, app_db: AppDb, settings: Settings
) -> None:
    """A key is counted by key id, with its role's budget, whatever its address."""
    limited = _limited(settings, anonymous=1, reader=2, editor=5)
    reader = {"Authorization": f"Bearer {await make_key(conn, 'reader')}"}
    editor = {"Authorization": f"Bearer {await make_key(conn, 'editor')}"}
    async with client(app_db, limited) as c:
        assert (await c.post("/graphql", json={"query": CHEAP})).status_code == 200
        assert (await c.post("/graphql", json={"query": CHEAP})).status_code == 429
        statuses = [
            (await c.post("/graphql", json={"query": CHEAP}, headers=reader)).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        response = await c.post("/graphql", json={"query": CHEAP}, headers=editor)
    assert response.status_code == 200
    assert response.headers["ratelimit-limit"] == "5"
    assert response.headers["ratelimit-remaining"] == "4"


def test_a_request_that_does_not_fit_is_not_charged() -> None:
    limiter = RateLimiter({"anonymous": 10}, window_seconds=60, cost_per_point=1000, max_callers=10)
    assert limiter.charge("a", "anonymous", 8_000).remaining == 2
    refused = limiter.charge("a", "anonymous", 3_000)
    assert (refused.allowed, refused.remaining) == (False, 2)
    assert limiter.charge("a", "anonymous", 2_000).remaining == 0


def test_windows_reset_and_memory_is_bounded() -> None:
    now = [1_000.0]
    limiter = RateLimiter(
        {"anonymous": 2},
        window_seconds=60,
        cost_per_point=1000,
        max_callers=2,
        clock=lambda: now[0],
    )
    assert limiter.charge("a", "anonymous", 1).reset == 20  # the window ends at 1,020
    limiter.charge("a", "anonymous", 1)
    assert not limiter.charge("a", "anonymous", 1).allowed
    limiter.charge("b", "anonymous", 1)
    limiter.charge("c", "anonymous", 1)  # the third caller: "a" is forgotten
    assert len(limiter.used) == 2
    assert limiter.charge("a", "anonymous", 1).remaining == 1
    now[0] = 1_020.0  # the next window: every counter starts again
    assert limiter.charge("b", "anonymous", 1).remaining == 1
    assert list(limiter.used) == ["b"]


async def test_a_request_the_planner_hands_back_is_charged_once(
    conn: asyncpg.Connection, app_db: AppDb, settings: Settings
) -> None:
    """The planner charges, runs its statement, sees a merged record's id and hands the
    request to the resolvers, which follow the redirect without charging again."""
    survivor = await make_actor(conn, "Charged Once Survivor")
    merged = await make_actor(conn, "Charged Once Merged")
    admin = {"Authorization": f"Bearer {await make_key(conn, 'admin')}"}
    limited = _limited(settings, anonymous=10)
    merge = (
        "mutation($s: ID!, $m: ID!) { mergeActors(survivorId: $s, mergedId: $m) { __typename } }"
    )
    node = "query($id: ID!) { node(id: $id) { id } }"
    async with client(app_db, limited) as c:
        variables = {"s": gid("Actor", survivor), "m": gid("Actor", merged)}
        done = await c.post(
            "/graphql", json={"query": merge, "variables": variables}, headers=admin
        )
        assert done.json()["data"] == {"mergeActors": {"__typename": "Actor"}}
        before = planned_count()
        response = await c.post(
            "/graphql", json={"query": node, "variables": {"id": gid("Actor", merged)}}
        )
        assert planned_count() == before  # handed back to the resolvers
    assert response.json()["data"] == {"node": {"id": gid("Actor", survivor)}}
    assert response.headers["ratelimit-remaining"] == "9"
