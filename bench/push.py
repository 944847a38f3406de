"""Push benchmark: N subscribers on one `sitrep serve` (1 or 2 workers), writes at a fixed
rate, latency from commit to receipt, memory per subscriber, CPU per delivered event.

    .venv/bin/python bench/push.py --subscribers 1000 10000 --workers 1 2 \
        --rate 50 --seconds 20 --server postgresql://postgres@127.0.0.1:5432/postgres

For each (subscribers, workers): a fresh database (migrated, demo data), the server on a
free port, and client processes holding the subscriptions over graphql-transport-ws
(``--per-connection`` subscriptions per WebSocket). Subscriber ``i`` asks for
``incidentEvents(filter: {tags: {any: ["t<i mod K>"]}})`` with a nested selection
(``K = --topics``). A writer creates published incidents through the API at ``--rate``
per second, each tagged with one topic in turn, so each write reaches N/K subscribers.

* latency: client receipt time minus the incident's ``createdAt`` (PostgreSQL's ``now()``
  in the writing transaction, a few milliseconds before its commit, so this slightly
  overstates latency); p50/p99 over every delivered event;
* memory per subscriber: the server processes' RSS with everyone subscribed, minus
  before anyone connected, over N;
* CPU per delivered event: the server processes' CPU time (user + system) during the
  writes, over the events delivered.

Everything runs on this machine: the clients, the writer and PostgreSQL compete with the
server for its cores. The machine's load (``uptime`` and /proc/stat) is recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import websockets

from app import database
from tests.conftest import _load_demo, create_database, drop_database
from tests.push.conftest import Server

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
QUERY = """subscription($t: String!) { incidentEvents(filter: {tags: {any: [$t]}}) {
  cursor action incidentId
  incident { id summary occurredOn weapon tags createdAt location { name } } } }"""
CREATE = """mutation($i: IncidentInput!) { createIncident(input: $i) {
  ... on Incident { id } ... on ValidationFailed { fields { path message } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree(pid: int) -> list[int]:
    """The process and its descendants."""
    out = [pid]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if ppid == pid:
                out += tree(int(p.name))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12])
    return total / CLK_TCK


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = f[3] + f[4]
    return sum(f) - idle, sum(f)


# --- the clients (each in its own process) ---------------------------------------------


def client_process(*args: Any) -> None:
    """A client process: ``_client``'s arguments."""
    asyncio.run(_client(*args))


async def _client(
    ws_url: str,
    first: int,
    count: int,
    per_connection: int,
    topics: int,
    ready: Any,
    stop: Any,
    out: Any,
) -> None:
    received: list[tuple[str, float, str]] = []
    errors: list[str] = []
    opened = 0
    sem = asyncio.Semaphore(50)

    async def connection(start: int, n: int) -> None:
        nonlocal opened
        async with sem:
            ws = await websockets.connect(
                ws_url,
                subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
                open_timeout=120,
                ping_interval=None,
                max_size=None,
            )
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await ws.recv()
            for k in range(n):
                tag = f"t{(start + k) % topics}"
                payload = {"query": QUERY, "variables": {"t": tag}}
                await ws.send(json.dumps({"id": str(k), "type": "subscribe", "payload": payload}))
            opened += 1
        try:
            async for raw in ws:
                msg = json.loads(raw)
                if msg["type"] == "next":
                    if "errors" in msg["payload"]:
                        errors.append(json.dumps(msg["payload"]["errors"])[:300])
                        continue
                    event = msg["payload"]["data"]["incidentEvents"]
                    created = event["incident"]["createdAt"]
                    received.append((event["incidentId"], time.time(), created))
                elif msg["type"] == "ping":
                    await ws.send('{"type":"pong"}')
                elif msg["type"] == "error":
                    errors.append(json.dumps(msg["payload"])[:300])
        except websockets.ConnectionClosed as exc:
            errors.append(f"closed {exc}")

    tasks = []
    for start in range(first, first + count, per_connection):
        n = min(per_connection, first + count - start)
        tasks.append(asyncio.create_task(connection(start, n)))
    while opened < len(tasks):
        await asyncio.sleep(0.1)
        for t in tasks:
            if t.done() and t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
    ready.set()
    await asyncio.to_thread(stop.wait)
    for t in tasks:
        t.cancel()
    out.send({"received": received, "errors": errors[:20], "error_count": len(errors)})


# --- one configuration -------------------------------------------------------------------


async def write(
    base: str, location: str, tags: list[str], rate: float
) -> dict[str, tuple[float, str]]:
    """One write per tag, at ``rate`` per second. → incident id → (response time, tag)."""
    sent: dict[str, tuple[float, str]] = {}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=HEADERS) as http:
        start = time.monotonic()
        pending = set()
        # at most a few writes in flight: when the server cannot keep up, the achieved rate
        # drops (and is reported) instead of writes queueing inside it, where the time from
        # a transaction's start (createdAt) to its commit would grow
        in_flight = asyncio.Semaphore(4)

        async def one(tag: str) -> None:
            variables = {
                "i": {
                    "occurredOn": "2024-01-02",
                    "locationId": location,
                    "eventType": "EXPLOSIONS_REMOTE_VIOLENCE",
                    "subEventType": "AIR_DRONE_STRIKE",
                    "weapon": "DRONE",
                    "summary": f"Benchmark write on {tag}.",
                    "tags": [tag],
                    "status": "PUBLISHED",
                }
            }
            async with in_flight:
                r = await http.post("/graphql", json={"query": CREATE, "variables": variables})
            done = time.time()
            sent[r.json()["data"]["createIncident"]["id"]] = (done, tag)

        for n, tag in enumerate(tags):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(tag))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
    return sent


HEADERS: dict[str, str] = {}


def run_one(args: argparse.Namespace, subscribers: int, workers: int) -> dict[str, Any]:
    server, url = create_database("sitrep_pushbench")
    try:
        database.upgrade(url)
        asyncio.run(_load_demo(url))
        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "keys",
                "create",
                "--role",
                "editor",
                "--name",
                "bench",
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        HEADERS["Authorization"] = f"Bearer {token}"
        env = {
            "SITREP_PUSH_MAX_SUBSCRIPTIONS_PER_CONNECTION": str(args.per_connection),
        }
        serving = Server(url, env, options=("--workers", str(workers))).start()
        assert serving.proc is not None
        try:
            return _measure(args, subscribers, workers, serving.proc, serving.base)
        finally:
            serving.stop()
    finally:
        drop_database(server, url)


def _measure(
    args: argparse.Namespace, subscribers: int, workers: int, proc: Any, base: str
) -> dict[str, Any]:
    time.sleep(2)
    pids = tree(proc.pid)
    rss_before = rss_mb(pids)
    location = httpx.post(
        f"{base}/graphql", json={"query": "{ locations(first: 1) { edges { node { id } } } }"}
    ).json()["data"]["locations"]["edges"][0]["node"]["id"]

    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    clients = []
    per_process = -(-subscribers // args.client_processes)
    connect_start = time.monotonic()
    for n in range(args.client_processes if subscribers else 0):
        first = n * per_process
        count = min(per_process, subscribers - first)
        ready = ctx.Event()
        recv_end, send_end = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=client_process,
            args=(
                base.replace("http", "ws") + "/graphql",
                first,
                count,
                args.per_connection,
                args.topics,
                ready,
                stop,
                send_end,
            ),
        )
        process.start()
        clients.append((process, ready, recv_end))
    for process, ready, _ in clients:
        while not ready.wait(1):
            assert process.is_alive(), "a client process died"
    connect_seconds = time.monotonic() - connect_start
    # every subscription is registered once a warm-up write per topic reaches... we cannot
    # see into the clients here, so wait for the server side to settle instead
    time.sleep(3)
    pids = tree(proc.pid)
    rss_after = rss_mb(pids)

    warm = [f"t{k}" for k in range(args.topics)]
    asyncio.run(write(base, location, warm, args.rate))
    time.sleep(3)
    tags = [f"t{k % args.topics}" for k in range(int(args.rate * args.seconds))]
    uptime_before = subprocess.run(
        ["uptime"], capture_output=True, text=True, check=False
    ).stdout.strip()
    busy0, total0 = machine_busy()
    cpu0 = cpu_seconds(pids)
    t0 = time.monotonic()
    sent = asyncio.run(write(base, location, tags, args.rate))
    write_seconds = time.monotonic() - t0
    time.sleep(args.drain)
    cpu1 = cpu_seconds(pids)
    busy1, total1 = machine_busy()
    uptime_after = subprocess.run(
        ["uptime"], capture_output=True, text=True, check=False
    ).stdout.strip()
    stop.set()
    results = [recv.recv() for _, _, recv in clients]
    for process, _, _ in clients:
        process.join(timeout=30)

    per_topic = [0] * args.topics
    for i in range(subscribers):
        per_topic[i % args.topics] += 1
    expected = sum(per_topic[int(tag[1:])] for _, tag in sent.values())
    # from the incident's createdAt (PostgreSQL's now() in the writing transaction, so
    # a little before its commit) to receipt, on the same machine's clock
    latencies = sorted(
        t - dt.datetime.fromisoformat(created).timestamp()
        for r in results
        for gid, t, created in r["received"]
        if gid in sent
    )
    delivered = len(latencies)
    # a lower bound: from the writer's receipt of the mutation's response (after commit)
    after_response = sorted(
        t - sent[gid][0] for r in results for gid, t, _ in r["received"] if gid in sent
    )

    def pct(q: float, values: list[float] = latencies) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")

    return {
        "subscribers": subscribers,
        "workers": workers,
        "per_connection": args.per_connection,
        "connections": -(-subscribers // args.per_connection),
        "topics": args.topics,
        "rate": args.rate,
        "writes": len(sent),
        "write_seconds": round(write_seconds, 1),
        "expected_events": expected,
        "delivered_events": delivered,
        "deliveries_per_second": round(delivered / write_seconds, 1),
        "latency_ms_p50": round(pct(0.50), 1),
        "latency_ms_p99": round(pct(0.99), 1),
        "latency_ms_max": round(latencies[-1] * 1000, 1) if latencies else None,
        "after_response_ms_p50": round(pct(0.50, after_response), 1),
        "after_response_ms_p99": round(pct(0.99, after_response), 1),
        "writes_per_second": round(len(sent) / write_seconds, 1),
        "multiplex": os.environ.get("SITREP_PUSH_MULTIPLEX", "true"),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "connect_seconds": round(connect_seconds, 1),
        "server_rss_mb_before": round(rss_before, 1),
        "server_rss_mb_subscribed": round(rss_after, 1),
        "kb_per_subscriber": round((rss_after - rss_before) * 1024 / subscribers, 1)
        if subscribers
        else None,
        "server_cpu_seconds": round(cpu1 - cpu0, 2),
        "server_cpu_ms_per_event": round((cpu1 - cpu0) * 1000 / delivered, 3)
        if delivered
        else None,
        "machine_busy_percent": round(100 * (busy1 - busy0) / (total1 - total0), 1),
        "uptime_before": uptime_before,
        "uptime_after": uptime_after,
        "client_errors": sum(r["error_count"] for r in results),
        "client_error_samples": [e for r in results for e in r["errors"]][:5],
    }


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"# Push benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"`bench/push.py {' '.join(sys.argv[1:])}` on {os.cpu_count()} cores "
        "(clients, writer and PostgreSQL on the same machine).",
        "",
        "| Subscribers | Workers | Connections | Writes/s offered / achieved | "
        "Events expected / delivered | Deliveries/s | p50 ms | p99 ms | max ms | "
        "After the response: p50 / p99 ms | KB per subscriber | Server CPU; ms per event "
        "(net of the writes)"
        "| Machine busy | Load (uptime, before → after) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    base = {r["workers"]: r for r in rows if r["subscribers"] == 0}
    for r in rows:
        load = lambda s: s.split("load average:")[-1].strip()  # noqa: E731
        zero = base.get(r["workers"])
        if r["subscribers"] and r["delivered_events"] and zero is not None:
            # the writes themselves cost the same with or without subscribers
            per_write = zero["server_cpu_seconds"] / zero["writes"]
            net = r["server_cpu_seconds"] - per_write * r["writes"]
            r["server_cpu_ms_per_event_net"] = round(net * 1000 / r["delivered_events"], 3)
        lines.append(
            f"| {r['subscribers']:,} | {r['workers']} | {r['connections']} | "
            f"{r['rate']:g} / {r['writes_per_second']} | "
            f"{r['expected_events']:,} / {r['delivered_events']:,} | "
            f"{r['deliveries_per_second']:,} | "
            f"{r['latency_ms_p50']} | {r['latency_ms_p99']} | {r['latency_ms_max']} | "
            f"{r['after_response_ms_p50']} / {r['after_response_ms_p99']} | "
            f"{r['kb_per_subscriber']} | {r['server_cpu_seconds']} s; "
            f"{r.get('server_cpu_ms_per_event_net', '-')} | "
            f"{r['machine_busy_percent']}% | "
            f"{load(r['uptime_before'])} → {load(r['uptime_after'])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--per-connection", type=int, default=20)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--drain", type=float, default=5, help="seconds to wait after writing")
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    args = parser.parse_args()
    os.environ["TEST_DATABASE_URL"] = args.server
    rows = []
    for subscribers in args.subscribers:
        for workers in args.workers:
            row = run_one(args, subscribers, workers)
            print(json.dumps(row), flush=True)
            rows.append(row)
    text = report(rows, args)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
        (args.out / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
