"""Abuse probes against a running Sitrep, while a steady client keeps asking `headline`.

    .venv/bin/python bench/abuse.py --db postgresql://postgres@127.0.0.1:5432/sitrep_bench \
        [--rate 20] [--seconds 15] [--only cost,fragments] [--rate-limits on|off] \
        [--out bench/results/abuse.md]

Starts `sitrep serve` (one worker, production settings) on the benchmark database (made by
``bench/run.sh``), then runs a calm phase and one phase per attack from issue 10, each
attack in a process of its own. In every
phase a steady client sends the `headline` query at a fixed rate (open loop: latency from
the scheduled send time) and counts its errors; the attack runs beside it. For each phase
the report gives the steady client's p50/p99 and errors, and what the attack got back
(HTTP status and `extensions.code`, with counts, and its slowest answer).

Goal (issue 10): the steady client's p99 stays under twice its calm value with no errors,
and every attack is refused or bounded with a coded JSON error. A calm phase follows
every attack (``--no-calm-between``: only the first), and each phase is compared with the
calm phase just before it: on a machine shared with other work the load drifts within a
run, and the ratio should measure the attack, not the drift.

Addresses, as on a real deployment: the server runs with its production rate limits ON
(the default budgets). Each attack comes from a loopback address of its own, a fresh one
per phase (127.0.0.11, .12, …: Linux routes all of 127.0.0.0/8 to the loopback device, so
binding the client socket there makes the server see that address), so every attacker
starts the phase with a full anonymous budget, the hardest case. The steady client comes
from 127.0.0.2 with a `reader` API key whose budget is raised
(``SITREP_RATE_LIMIT_READER``) to cover the whole run: a partner that sends 20 requests a
second for minutes has a key and a budget for it, and the anonymous budget of an hour
(5,000 points) would not last it. X-Forwarded-For is not trusted (no
``SITREP_FORWARDED_ALLOW_IPS``), so no client can pose as another. ``--rate-limits off``
runs the earlier setup (no rate limits; every client 127.0.0.1).

CPU: the attackers, the steady client, the server and PostgreSQL share the machine's
cores; the report gives, per phase, the CPU time the server and the attack's process took
(as a share of one core), so that an attacker starving the server of CPU shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))
import servers  # noqa: E402
from fixture import compute_fixture  # noqa: E402
from workloads import QUERIES, variables  # noqa: E402

from db.keys import TOKEN_PREFIX, hash_token, new_token  # noqa: E402

Outcome = tuple[int, str, float]  # status, code, seconds

STEADY_ADDRESS = "127.0.0.2"
STEADY_BUDGET = 10_000_000  # points per window of the steady client's reader key


def attacker_address(phase_index: int) -> str:
    """A loopback address of its own for each phase's attacker."""
    return f"127.0.0.{10 + phase_index}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def code_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"non-JSON {response.headers.get('content-type', '?')}"
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return str((errors[0].get("extensions") or {}).get("code", "no code"))
        if "code" in body:
            return str(body["code"])
        return "ok"
    return "ok"


async def timed(make: Callable[[], Awaitable[httpx.Response]]) -> Outcome:
    start = time.perf_counter()
    try:
        r = await make()
        return r.status_code, code_of(r), time.perf_counter() - start
    except httpx.HTTPError as exc:
        return 0, type(exc).__name__, time.perf_counter() - start


# --- the attacks (issue 10's probes) ----------------------------------------------------


def _gql(client: httpx.AsyncClient, query: str, variables_: Any = None) -> Callable[[], Any]:
    return lambda: client.post("/graphql", json={"query": query, "variables": variables_ or {}})


async def cost_bomb(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """Three nested connections of first: 100, times 30 aliases."""
    leaf = "incidents(first: 100) { edges { node { id summary } } }"
    middle = f"incidents(first: 100) {{ edges {{ node {{ location {{ {leaf} }} }} }} }}"
    actor = f"participants {{ actor {{ {middle} }} }}"
    one = f"incidents(first: 100) {{ edges {{ node {{ {actor} }} }} }}"
    query = "{ " + " ".join(f"a{i}: {one}" for i in range(30)) + " }"
    out = []
    while time.perf_counter() < stop:
        out.append(await timed(_gql(client, query)))
    return out


async def fragments(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """Fragments that each spread the next one twice (18 levels), and 4,900 copies of a field."""
    levels = 18
    frags = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    doubling = f"{{ ...F0 }} {frags} fragment F{levels} on Query {{ __typename }}"
    copies = "{ " + "incidents(first: 1) { totalCount } " * 4900 + "}"
    out = []
    while time.perf_counter() < stop:
        out.append(await timed(_gql(client, doubling)))
        out.append(await timed(_gql(client, copies)))
    return out


async def slow_exports(
    client: httpx.AsyncClient, stop: float, port: int, source: str | None
) -> list[Outcome]:
    """Twenty clients start the GeoJSON export and never read it."""
    socks = []
    for _ in range(20):
        s = socket.create_connection(
            ("127.0.0.1", port), source_address=(source, 0) if source else None
        )
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /export/incidents.geojson HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    for s in socks:
        s.close()
    return [(0, "held open (not read)", 0.0)] * len(socks)


async def huge_stats(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """incidentStats by DAY over 0001-01-01..9999-12-31 with fillEmpty, ten at a time."""
    query = (
        '{ incidentStats(filter: { occurredOn: { gte: "0001-01-01", lte: "9999-12-31" } } '
        "interval: DAY, fillEmpty: true) { groups { incidents } } }"
    )
    out: list[Outcome] = []
    while time.perf_counter() < stop:
        out += await asyncio.gather(*(timed(_gql(client, query)) for _ in range(10)))
    return out


async def big_inputs(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """A 4,096-item `or` list in variables, a 50 MB body, a 5 MB comment-padded document,
    distinct 4 MB documents, a filter nested 500 deep, a JSON body nested 3,000 deep."""
    q = "query($f: IncidentFilter) { incidents(filter: $f, first: 1) { totalCount } }"
    big_or = {"f": {"or": [{"killed": {"gte": i}} for i in range(4096)]}}
    nested: dict[str, Any] = {"killed": {"gte": 1}}
    for _ in range(500):
        nested = {"not": nested}
    deep_json = b'{"query": "{ __typename }", "variables": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    probes: list[Callable[[], Any]] = [
        _gql(client, q, big_or),
        _gql(client, q, {"f": nested}),
        lambda: client.post(
            "/graphql",
            content=b'{"query": "' + b" " * (50 << 20) + b'{ __typename }"}',
            headers={"content-type": "application/json"},
        ),
        _gql(client, "#" + "x" * (5 << 20) + "\n{ __typename }"),
        lambda: client.post(
            "/graphql", content=deep_json, headers={"content-type": "application/json"}
        ),
    ]
    out = []
    i = 0
    while time.perf_counter() < stop:
        out.append(await timed(probes[i % len(probes)]))
        # distinct 4 MB documents (the document caches must not keep them)
        pad = "#" + os.urandom(8).hex() + "y" * (4 << 20) + "\n"
        out.append(await timed(_gql(client, pad + "{ __typename }")))
        i += 1
    return out


async def big_upload(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """A 250 MB anonymous upload to /import/acled."""

    async def body() -> AsyncIterator[bytes]:
        yield b"--b\r\nContent-Disposition: form-data; "
        yield b'name="file"; filename="a.csv"\r\n\r\n'
        chunk = b"x" * (1 << 20)
        for _ in range(250):
            yield chunk
        yield b"\r\n--b--\r\n"

    out = []
    while time.perf_counter() < stop:
        out.append(
            await timed(
                lambda: client.post(
                    "/import/acled",
                    content=body(),
                    headers={"content-type": "multipart/form-data; boundary=b"},
                )
            )
        )
    return out


async def bad_values(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """An unknown fragment, NUL bytes in a string filter, an id ≥ 2^63, an unused variable."""
    probes = [
        _gql(client, "{ ...Nope }"),
        _gql(client, '{ actors(filter: { name: "a\\u0000b" }) { totalCount } }'),
        _gql(client, '{ node(id: "SW5jaWRlbnQ6OTIyMzM3MjAzNjg1NDc3NTgwOA==") { id } }'),
        _gql(client, "query($x: Int) { __typename }", {"x": 1}),
    ]
    out = []
    i = 0
    while time.perf_counter() < stop:
        out.append(await timed(probes[i % len(probes)]))
        i += 1
    return out


async def idle(client: httpx.AsyncClient, stop: float) -> list[Outcome]:
    """The control: an attacker's process starts and makes its client, and sends nothing
    (what the steady client sees of the bench's own start of a phase)."""
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    return []


ATTACKS: dict[str, Callable[..., Awaitable[list[Outcome]]]] = {
    "cost": cost_bomb,
    "fragments": fragments,
    "exports": slow_exports,
    "stats": huge_stats,
    "inputs": big_inputs,
    "upload": big_upload,
    "values": bad_values,
    "idle": idle,  # not an attack: the control (only with --only)
}


# --- the steady client ------------------------------------------------------------------


async def steady(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    rate: float,
    seconds: float,
    headers: dict[str, str],
) -> dict[str, Any]:
    """Open loop: one request every 1/rate s, latency from its scheduled time."""
    latencies: list[float] = []
    slow: list[tuple[float, float]] = []  # (latency, seconds into the phase)
    errors: Counter[str] = Counter()
    start = time.perf_counter()
    tasks = []

    async def one(at: float) -> None:
        try:
            r = await client.post("/graphql", json=body, timeout=60, headers=headers)
            if r.status_code != 200 or "errors" in r.json():
                errors[f"{r.status_code} {code_of(r)}"] += 1
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += 1
        latencies.append(time.perf_counter() - at)
        slow.append((latencies[-1], at - start))

    n = int(rate * seconds)
    for k in range(n):
        at = start + k / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        tasks.append(asyncio.create_task(one(at)))
    await asyncio.gather(*tasks)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    slowest = sorted(slow, reverse=True)[:5]
    return {
        "requests": n,
        "p50": statistics.median(latencies) * 1000,
        "p99": pct(99),
        "errors": dict(errors),
        # when the slowest requests were sent (s into the phase) and took (ms)
        "slowest": [(round(t, 2), round(lat * 1000, 1)) for lat, t in slowest],
    }


def _attack(
    name: str,
    port: int,
    seconds: float,
    source: str | None,
    nice: int = 0,
    cores: set[int] | None = None,
) -> tuple[list[Outcome], float]:
    """One attack, run in a process of its own (so that building its bodies does not
    slow the steady client's process), from ``source`` (a loopback address; None: the
    default): its outcomes and the CPU seconds its process took."""

    async def run() -> list[Outcome]:
        limits = httpx.Limits(max_connections=200)
        base = f"http://127.0.0.1:{port}"
        transport = httpx.AsyncHTTPTransport(limits=limits, local_address=source)
        async with httpx.AsyncClient(base_url=base, timeout=120, transport=transport) as hostile:
            stop = time.perf_counter() + seconds
            fn = ATTACKS[name]
            if name == "exports":
                return await fn(hostile, stop, port, source)
            return await fn(hostile, stop)

    if nice:
        os.nice(nice)  # this pool's process only: it serves one phase
    if cores:
        os.sched_setaffinity(0, cores)
    before = time.process_time()
    outcomes = asyncio.run(run())
    return outcomes, time.process_time() - before


async def phase(
    name: str,
    port: int,
    body: dict[str, Any],
    rate: float,
    seconds: float,
    *,
    server_pid: int,
    source: str | None,
    steady_source: str | None,
    steady_headers: dict[str, str],
    attacker_nice: int = 0,
    attacker_cores: set[int] | None = None,
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=200)
    outcomes: list[Outcome] = []
    attack_cpu = 0.0
    with ProcessPoolExecutor(1) as pool:
        # The attacker's process is started (and has imported httpx) before the phase:
        # a process start is not part of the attack.
        await asyncio.get_running_loop().run_in_executor(pool, int)
        attack = None
        server_before, started = cpu_seconds(server_pid), time.perf_counter()
        if name != "calm":
            attack = asyncio.get_running_loop().run_in_executor(
                pool, _attack, name, port, seconds, source, attacker_nice, attacker_cores
            )
        transport = httpx.AsyncHTTPTransport(limits=limits, local_address=steady_source)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", transport=transport
        ) as calm:
            s = await steady(calm, body, rate, seconds, steady_headers)
        if attack is not None:
            outcomes, attack_cpu = await attack
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(server_pid) - server_before
    codes = Counter(f"{status} {code}" for status, code, _ in outcomes)
    return {
        "phase": name,
        "steady": s,
        "attack": dict(codes),
        "attack_slowest_s": max((o[2] for o in outcomes), default=0.0),
        "server_cpu": server_cpu / elapsed,
        "attack_cpu": attack_cpu / elapsed,
        "load": os.getloadavg()[0],
    }


def _cores(spec: str) -> set[int] | None:
    return {int(c) for c in spec.split(",")} if spec else None


async def warm_up(port: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(50):
            await client.post("/graphql", json=body, headers=headers, timeout=60)


class AbuseServers(servers.Servers):
    """``bench/servers.py``'s servers with this run's settings (rate limits on or off)."""

    def __init__(self, *args: Any, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env = env

    def _command(self, s: servers.Server) -> tuple[list[str], Path, dict[str, str]]:
        cmd, cwd, extra = super()._command(s)
        return cmd, cwd, {**extra, **self.env}


async def steady_key(db: str) -> tuple[int, str]:
    """A reader key for the steady client (committed; deleted at the end)."""
    token = new_token()
    conn = await asyncpg.connect(db)
    try:
        key_id = await conn.fetchval(
            "insert into api_key (name, role, prefix, key_hash) values ($1, 'reader', $2, $3) "
            "returning id",
            "bench-abuse-steady",
            token[: len(TOKEN_PREFIX) + 6],
            hash_token(token),
        )
    finally:
        await conn.close()
    return int(key_id), token


async def delete_key(db: str, key_id: int) -> None:
    conn = await asyncpg.connect(db)
    try:
        await conn.execute("delete from api_key where id = $1", key_id)
    finally:
        await conn.close()


async def fixture(db: str) -> dict[str, Any]:
    conn = await asyncpg.connect(db)
    try:
        return await compute_fixture(conn)
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument(
        "--only",
        default=",".join(a for a in ATTACKS if a != "idle"),
        help="attacks to run, comma-separated; `idle` is the control (an attacker's "
        "process that starts and sends nothing)",
    )
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--attacker-nice",
        type=int,
        default=0,
        help="run the attackers' processes at this niceness (19: they get CPU only when "
        "the server, PostgreSQL and the steady client do not want it, as attackers on "
        "other machines would); 0 (default): they compete for the same cores",
    )
    ap.add_argument(
        "--server-cores", default="", help="taskset CPU list for the server (default: any)"
    )
    ap.add_argument(
        "--attacker-cores",
        default="",
        help="CPU list for the attackers' processes, e.g. 1 with --server-cores 0: the "
        "attackers do not run on the server's core (as attackers elsewhere would not)",
    )
    ap.add_argument(
        "--calm-between",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a calm phase after every attack; each attack is compared with the calm phase "
        "just before it (on a shared machine the load drifts within a run)",
    )
    ap.add_argument(
        "--rate-limits",
        choices=["on", "off"],
        default="on",
        help="on: production rate limits, each client from its own loopback address (default)",
    )
    args = ap.parse_args()
    limited = args.rate_limits == "on"
    fx = asyncio.run(fixture(args.db))
    body = {
        "query": (QUERIES / "sitrep" / "headline.graphql").read_text(),
        "variables": variables(fx)["headline"]["sitrep"],
    }
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / "sitrep-abuse-logs"
    target = servers.Server("sitrep", "Sitrep (1 worker)", args.server_cores)
    env = {"SITREP_RATE_LIMIT": "true", "SITREP_RATE_LIMIT_READER": str(STEADY_BUDGET)}
    srv = AbuseServers(args.db, BENCH.parent, logs, [target], env=env if limited else {})
    key_id, token = asyncio.run(steady_key(args.db))
    steady_headers = {"Authorization": f"Bearer {token}"} if limited else {}
    srv.start()
    results = []
    try:
        # Warm the server (pools, plan and document caches) before the first calm phase,
        # which every attack phase after it is compared with.
        asyncio.run(warm_up(target.port, body, steady_headers))
        phases = ["calm"]
        for name in args.only.split(","):
            phases += [name, "calm"] if args.calm_between and name != "calm" else [name]
        for i, name in enumerate(phases):
            r = asyncio.run(
                phase(
                    name,
                    target.port,
                    body,
                    args.rate,
                    args.seconds,
                    server_pid=target.pid,
                    source=attacker_address(i) if limited else None,
                    steady_source=STEADY_ADDRESS if limited else None,
                    steady_headers=steady_headers,
                    attacker_nice=args.attacker_nice,
                    attacker_cores=_cores(args.attacker_cores),
                )
            )
            results.append(r)
            print(json.dumps(r), flush=True)
    finally:
        srv.stop()
        asyncio.run(delete_key(args.db, key_id))
    load = os.getloadavg()
    calm = results[0]["steady"]  # the calm phase before each attack (below)
    setup = (
        "rate limits on (production budgets), each attacker from its own loopback address, "
        "the steady client from 127.0.0.2 with a reader key"
        if limited
        else "rate limits off, every client 127.0.0.1"
    )
    if args.attacker_nice:
        setup += f"; attackers at nice {args.attacker_nice}"
    if args.server_cores or args.attacker_cores:
        setup += (
            f"; server on CPU {args.server_cores or 'any'}, "
            f"attackers on CPU {args.attacker_cores or 'any'}"
        )
    lines = [
        f"Steady client: `headline` at {args.rate:g}/s for {args.seconds:g} s per phase; "
        f"{setup}. Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"on {os.cpu_count()} cores.",
        "",
        "| phase | steady p50 ms | steady p99 ms | p99 ÷ calm before | steady errors | attack got "
        "(status code: count) | attack's slowest answer s | server CPU | attacker CPU "
        "| load (1 min) |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(_row(r, calm))
        if r["phase"] == "calm":
            calm = r["steady"]  # the next attack is compared with this calm phase
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


def _row(r: dict[str, Any], calm: dict[str, Any]) -> str:
    """A phase's row; its p99 compared with ``calm``'s (the calm phase before it)."""
    s = r["steady"]
    got = ", ".join(f"{k}: {v}" for k, v in sorted(r["attack"].items())) or "-"
    errs = ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "0"
    return (
        f"| {r['phase']} | {s['p50']:.1f} | {s['p99']:.1f} | {s['p99'] / calm['p99']:.2f}x "
        f"| {errs} | {got} | {r['attack_slowest_s']:.2f} | {r['server_cpu']:.0%} "
        f"| {r['attack_cpu']:.0%} | {r['load']:.2f} |"
    )


if __name__ == "__main__":
    main()
