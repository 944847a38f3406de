"""Open-loop HTTP load: requests sent on a fixed schedule, whatever the server does.

Reads a JSON spec on stdin (port, bodies — files with POST bodies used in turn, rate
per second, seconds). Keeps up to 64 keep-alive connections; a request whose send time
comes while all 64 are busy is dropped (counted, not queued). Latency is measured from
the scheduled send time, so a slow server cannot hide its queueing (no coordinated
omission). Prints JSON: achieved rate, p50/p90/p99 ms, dropped, errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

MAX_CONNS = 64
SAMPLES: list[str] = []  # the first failures, for the report


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer


async def request(conn: Conn, raw: bytes) -> int:
    conn.writer.write(raw)
    head = await conn.reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        ln.split(":", 1)[0].strip().lower(): ln.split(":", 1)[1].strip()
        for ln in lines[1:]
        if ":" in ln
    }
    if "content-length" in headers:
        body = await conn.reader.readexactly(int(headers["content-length"]))
    else:  # chunked
        chunks = []
        while True:
            size = int((await conn.reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await conn.reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    if status == 200 and b'"errors"' in body[:200]:
        status = 599
    if status != 200 and len(SAMPLES) < 10:
        SAMPLES.append(f"{status}: {body[:300]!r}")
    return status


async def main() -> None:
    spec = json.loads(sys.stdin.read())
    port, rate, seconds = spec["port"], spec["rate"], spec["seconds"]
    raws = []
    for path in spec["bodies"]:
        with open(path, "rb") as f:  # noqa: ASYNC230 - before the clock starts
            body = f.read()
        raws.append(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
    idle: list[Conn] = []
    opened = 0
    latencies: list[float] = []
    dropped = errors = 0
    tasks = set()

    async def one(i: int, due: float) -> None:
        nonlocal opened, errors
        conn = idle.pop() if idle else None
        if conn is None:
            opened += 1
            r, w = await asyncio.open_connection("127.0.0.1", port)
            conn = Conn(r, w)
        try:
            status = await request(conn, raws[i % len(raws)])
            if status != 200:
                errors += 1
            latencies.append(time.perf_counter() - due)
            idle.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors += 1
            if len(SAMPLES) < 10:
                SAMPLES.append(f"{time.perf_counter() - start:.1f} s: {exc!r}")
            opened -= 1

    start = time.perf_counter() + 0.05
    n = max(3, int(rate * seconds))
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not idle and opened >= MAX_CONNS:
            dropped += 1
            continue
        t = asyncio.create_task(one(i, due))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(
        json.dumps(
            {
                "sent": n - dropped,
                "achieved": len(latencies) / elapsed,
                "p50": pct(50),
                "p90": pct(90),
                "p99": pct(99),
                "dropped": dropped,
                "errors": errors,
                "connections": opened,
                "error_samples": SAMPLES,
            }
        )
    )


asyncio.run(main())
