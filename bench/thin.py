"""The thin route: the least a Python HTTP server can do to answer with Sitrep's SQL.

One uvicorn worker (pinned like Sitrep's) with a bare ASGI app that knows, for each request
body the benchmark sends, the statement Sitrep's planner makes for it (bench/statement.py):
it reads the body, looks the statement up, runs it through an asyncpg pool planned as
Sitrep's pools plan it (generic or custom) and answers ``{"data": <its text>}``. No
GraphQL, no checks, no limits, no metrics. bench.py measures it beside Sitrep, so

* thin p50 ÷ statement p50 is the HTTP hop and the event loop (uvicorn, asyncpg's pool),
  which any Python server pays on top of its SQL;
* Sitrep p50 ÷ thin p50 is what Sitrep's own layers add (body checks, the plan cache,
  cost and rate limits, metrics, request ids, error handling).

With ``hop`` it is the HTTP hop alone: the same app answering each body with the
response its statement gave once at start-up, without touching the database. Its p50 is
what an HTTP round trip to a Python server costs on this machine, whatever it does.

Run by bench.py: ``python bench/thin.py URL SPEC PORT [hop]`` (SPEC: a JSON list of
``[body, sql, args, generic]``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn

BENCH = Path(__file__).resolve().parent
sys.path.insert(1, str(BENCH.parent))
from floor import param  # noqa: E402

from db.core import create_pool  # noqa: E402


class Thin:
    def __init__(self, url: str, spec: list[list[Any]], hop: bool = False) -> None:
        self.url = url
        self.hop = hop
        self.answers: dict[bytes, bytes] = {}  # with ``hop``: body → response, at start-up
        self.routes = {
            body.encode(): (sql, [param(a) for a in args], generic)
            for body, sql, args, generic in spec
        }
        self.pools: dict[bool, asyncpg.Pool] = {}

    async def _pool(self, generic: bool) -> asyncpg.Pool:
        if generic not in self.pools:
            # planned as Sitrep's pools plan it (db.core.create_pool: generic or custom
            # plans, statements cached up to 128 KB, no reset query on release)
            self.pools[generic] = await create_pool(self.url, generic_plans=generic)
        return self.pools[generic]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                if self.hop:
                    for body in self.routes:
                        self.answers[body] = await self._answer(body)
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        payload = self.answers.get(body) or await self._answer(body)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, body: bytes) -> bytes:
        found = self.routes.get(body)
        if found is None:  # the servers' start-up check (`{ __typename }`)
            return b'{"data":{"__typename":"Query"}}'
        sql, args, generic = found
        pool = await self._pool(generic)
        async with pool.acquire() as conn:
            data = await conn.fetchval(sql, *args)
        return b'{"data":' + data + b"}"


def main() -> None:
    url, spec_path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    hop = sys.argv[4:] == ["hop"]
    with open(spec_path) as f:
        spec = json.load(f)
    # As `sitrep serve`: uvicorn's defaults (uvloop and httptools where installed).
    uvicorn.run(
        Thin(url, spec, hop), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
