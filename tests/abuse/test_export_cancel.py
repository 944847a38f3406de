"""An export whose client has gone stops at once (issue 10: the steady client's latency
after the `exports` attack of ``bench/abuse.py``).

Once uvicorn knows the client is gone, every ``send`` returns at once. On Python 3.11,
``asyncio.wait_for`` around such a send swallows a cancellation that arrives as the send
completes (the inner future is done, so it returns its result instead of raising), so
the export, told to stop when the disconnect came, read every remaining page for nobody:
seconds of CPU and statements per abandoned export, after the attack had ended. A race
over real HTTP; here the same ASGI calls, made deterministic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from app.geojson import ExportResponse

PAGES = 500


async def test_an_export_stops_when_its_client_disconnects() -> None:
    read = 0
    gone = asyncio.Event()

    async def pages() -> AsyncGenerator[list[Any]]:
        nonlocal read
        for _ in range(PAGES):
            read += 1
            if read == 10:
                gone.set()  # the client leaves while the export streams
            await asyncio.sleep(0)  # the page's statement
            yield []

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        return None  # uvicorn, the client gone: nothing to wait for

    released = []
    response = ExportResponse([], pages(), release=lambda: released.append(True), write_timeout=30)
    await asyncio.wait_for(response({"type": "http"}, receive, send), 10)
    assert released == [True]
    assert read < 20  # not all PAGES
