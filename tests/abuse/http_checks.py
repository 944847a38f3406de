"""What the HTTP abuse tests check in every answer: the JSON error shape, and metrics."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.database import connected
from db import keys


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": code}}]}


def metric(base: str, name: str, **labels: str) -> float:
    """A sample's value in the server's /metrics (0 when it has none yet)."""
    text = httpx.get(f"{base}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def create_key(database_url: str, role: str) -> str:
    """A committed API key (for a server in another process to see)."""

    async def create() -> str:
        async with connected(database_url) as db:
            _, token = await keys.create_key(db, f"abuse-{role}", role)
            return token

    return asyncio.run(create())


def add_incidents(database_url: str, n: int) -> None:
    """``n`` published incidents with 400-character summaries (committed): an export of
    them is far larger than the sockets' buffers."""

    async def run() -> None:
        async with connected(database_url) as db:
            await db.execute(
                "insert into incident (occurred_on, date_earliest, date_latest, location_id, "
                "event_type, sub_event_type, summary, tags) select d, d, d, "
                "(select min(id) from location), 'EXPLOSIONS_REMOTE_VIOLENCE', "
                "'AIR_DRONE_STRIKE', repeat('x', 400), array['bulk'] "
                "from (select date '1990-01-01' + (g % 9000) as d "
                "from generate_series(1, $1) g) x",
                n,
            )

    asyncio.run(run())
