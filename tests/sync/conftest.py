"""Fixtures of the sync tests: the replay server of ACLED's and UCDP's APIs, API clients
pointed at it, and the actors of the generated events with both datasets' names."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest

from db.sync.acled_api import AcledApi, OAuth
from db.sync.ucdp_api import UcdpApi
from db.viewer import Viewer
from tests.factories import make_actor
from tests.sync.events import ACTORS
from tests.sync.replay import PASSWORD, UCDP_TOKEN, USERNAME, Replay, serve

ADMIN = Viewer(can_see_drafts=True, role="admin", name="test sync")
# Existing demo actors that the datasets' names resolve to.
DEMO = {
    "iraq": "Government of Iraq",
    "us": "United States Armed Forces",
    "iri": "Islamic Resistance in Iraq",
}


@pytest.fixture
def replay() -> Iterator[Replay]:
    with serve(Replay()) as r:
        yield r


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def acled_api(replay: Replay, client: httpx.AsyncClient, page_size: int = 4) -> AcledApi:
    auth = OAuth(f"{replay.base}/oauth/token", USERNAME, PASSWORD)
    return AcledApi(client, f"{replay.base}/api", auth, page_size=page_size)


def ucdp_api(replay: Replay, client: httpx.AsyncClient, page_size: int = 3) -> UcdpApi:
    return UcdpApi(client, f"{replay.base}/ucdp", UCDP_TOKEN, page_size=page_size)


@pytest.fixture
async def actors(conn: asyncpg.Connection) -> dict[str, int]:
    """Each actor of the generated events, known by its ACLED and its UCDP name (as the
    import's crosswalk resolves them)."""
    out = {}
    for key, (acled_name, _, ucdp_name) in ACTORS.items():
        if key in DEMO:
            pk = await conn.fetchval("select id from actor where name = $1", DEMO[key])
            assert pk is not None, DEMO[key]
            for alias in {acled_name, ucdp_name} - {DEMO[key]}:
                await conn.execute(
                    "insert into actor_alias (actor_id, alias) values ($1, $2) "
                    "on conflict do nothing",
                    pk,
                    alias,
                )
        else:
            aliases = [ucdp_name] if ucdp_name != acled_name else []
            pk = await make_actor(conn, acled_name, aliases=aliases)
        out[key] = pk
    return out
