"""Scaling out: the headline workload through 2 instances + a streaming replica vs 1
instance, and a failover drill (a replica and an instance killed during a fixed-rate run).

    .venv/bin/python bench/scale.py --incidents 20000          # the project's venv

Everything runs on throwaway servers (app/cluster.py: a PostgreSQL 15 primary and
replica on free ports, PgBouncer in transaction mode, `sitrep serve` instances and the
round-robin proxy); nothing touches the server on 5432. Steps:

1. data: `sitrep demo generate --incidents N` on the primary, then the replica is made
   from it with `pg_basebackup -R`; the headline's variables come from ``fixture.py``;
2. ratio: wrk (closed loop, ``--conns`` connections, ``--seconds`` per run) against 1
   instance on the primary alone and against 2 instances reading from the replica (two
   wrk, one per instance, half the connections each; their rates added), in turns,
   ``--repeats`` times each; the ratio of the medians;
3. drill: the 2 instances behind PgBouncer and the round-robin proxy, the open-loop
   generator (``openloop.py``) at ``--rate`` requests/s, first for half of
   ``--drill-seconds`` with nothing killed (the baseline), then for ``--drill-seconds``; at 1/4 of
   the run one instance is killed (SIGKILL), at 1/2 the replica is stopped (immediate
   shutdown). Failed requests (non-200, GraphQL errors, socket errors) and latency
   percentiles from the scheduled send times;
4. results/<UTC date>-scale-out/: RESULTS.md and results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import load
import workloads
from fixture import fixture_at

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from app import cluster  # noqa: E402


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def uptime() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def wrk_many(ports: list[int], body: Path, conns: int, seconds: float, tmp: Path) -> dict[str, Any]:
    """wrk against each port at once (``conns`` split between them); rates added."""
    results: list[dict[str, Any]] = [{} for _ in ports]

    def one(i: int, port: int) -> None:
        sub = tmp / f"wrk{i}"
        sub.mkdir(exist_ok=True)
        results[i] = load.run_wrk(port, [body], max(1, conns // len(ports)), seconds, "0-1", sub)

    threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(ports)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "rps": sum(r["rps"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "p50": max(r["p50"] or 0 for r in results),
        "p99": max(r["p99"] or 0 for r in results),
        "per_instance": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--conns", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rate", type=float, default=50, help="the drill's requests per second")
    parser.add_argument("--drill-seconds", type=float, default=60)
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--drill-only", action="store_true", help="skip the ratio (no results)")
    parser.add_argument("--keep-logs", type=Path, help="copy the servers' logs here")
    args = parser.parse_args()

    reason = cluster.install_binaries()
    if reason is not None:
        sys.exit(f"cannot run: {reason}")
    home = Path(tempfile.mkdtemp(prefix="sitrep-scale-bench-"))
    home.chmod(0o755)
    os.environ.setdefault("SITREP_CLUSTER_FSYNC", "off")
    primary = cluster.Postgres(home / "primary", cluster.free_port())
    replica = cluster.Postgres(home / "replica", cluster.free_port())
    bouncer = cluster.PgBouncer(home / "pgbouncer", cluster.free_port())
    procs: list[subprocess.Popen[bytes]] = []
    out: dict[str, Any] = {
        "incidents": args.incidents,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_before": uptime(),
        "cores": os.cpu_count(),
    }
    try:
        log(f"primary on {primary.port}, data in {home}")
        primary.init_primary()
        primary.start()
        asyncio.run(_create(primary.url()))
        direct = primary.url("sitrep")
        out["direct"] = direct
        env = {**os.environ, "DATABASE_URL": direct}
        sitrep = [sys.executable, "-m", "app.cli"]
        subprocess.run([*sitrep, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        log(f"generating {args.incidents} incidents")
        subprocess.run(
            [
                *sitrep,
                "demo",
                "generate",
                "--incidents",
                str(args.incidents),
                "--seed",
                "1",
                "--fixture",
                str(home / "fixture.json"),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        fx = asyncio.run(fixture_at(direct))
        variables = workloads.variables(fx)["headline"]["sitrep"]
        body = workloads.body_file(home / "bodies", "sitrep", "headline", variables)
        log("replica: pg_basebackup -R")
        replica.init_replica(primary)
        replica.start()
        bouncer.configure(primary.port, replica_port=replica.port, database="sitrep")
        bouncer.start()

        def api(read: str | None, database: str, pooled: bool) -> int:
            port = cluster.free_port()
            e = {
                "DATABASE_URL": database,
                "SITREP_LOG_LEVEL": "WARNING",
                "SITREP_REPLICA_CHECK_INTERVAL_SECONDS": "0.5",
            }
            if read:
                e["SITREP_READ_DATABASE_URLS"] = read
            if pooled:
                e["SITREP_POOLER"] = "true"
            procs.append(cluster.start_api(port, e, home / f"api-{port}.log"))
            cluster.wait_http(f"http://127.0.0.1:{port}")
            return port

        def stop_all() -> None:
            for p in reversed(procs):  # the proxy first, then the instances
                if p.poll() is None:
                    p.terminate()
                    try:
                        p.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
            procs.clear()

        # --- ratio ------------------------------------------------------------------
        if args.drill_only:
            out["ratio"] = None
        else:
            ratio(out, args, api, stop_all, body, home, replica)

        # --- drill --------------------------------------------------------------------
        pooled = f"postgresql://postgres@127.0.0.1:{bouncer.port}/sitrep"
        pair = [api(f"{pooled}_replica", pooled, True) for _ in range(2)]
        proxy_port = cluster.free_port()
        procs.append(cluster.start_proxy(proxy_port, pair, home / "proxy.log"))
        cluster.wait_http(f"http://127.0.0.1:{proxy_port}")
        rate = args.rate
        log(f"baseline: {rate}/s for {args.drill_seconds / 2} s through the proxy, nothing killed")
        out["baseline"] = load.run_open(proxy_port, [body], rate, args.drill_seconds / 2, "0-1")
        events: list[str] = []
        t0 = time.monotonic()

        def kill_instance() -> None:
            time.sleep(args.drill_seconds / 4)
            procs[0].send_signal(signal.SIGKILL)
            events.append(f"{time.monotonic() - t0:.1f} s: instance on {pair[0]} killed (SIGKILL)")

        def stop_replica() -> None:
            time.sleep(args.drill_seconds / 2)
            replica.stop("immediate")
            events.append(f"{time.monotonic() - t0:.1f} s: replica stopped (immediate)")

        killers = [threading.Thread(target=kill_instance), threading.Thread(target=stop_replica)]
        for k in killers:
            k.start()
        log(f"drill: {rate}/s for {args.drill_seconds} s through the proxy")
        drill = load.run_open(proxy_port, [body], rate, args.drill_seconds, "0-1")
        for k in killers:
            k.join()
        health = json.loads(
            subprocess.run(
                ["curl", "-s", f"http://127.0.0.1:{pair[1]}/healthz"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            or "{}"
        )
        out["drill"] = {
            "rate": rate,
            "seconds": args.drill_seconds,
            **drill,
            "events": events,
            "healthz_after": health,
        }
        log(f"drill: {drill}")
        stop_all()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for f in home.glob("*.log"):
                shutil.copy(f, args.keep_logs / f.name)
        bouncer.stop()
        replica.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)
    out["load_after"] = uptime()
    out.pop("direct", None)
    if out["ratio"] is None:
        print(json.dumps(out["drill"], indent=2))
        return
    write(out, args.results)


def ratio(
    out: dict[str, Any],
    args: argparse.Namespace,
    api: Any,
    stop_all: Any,
    body: Path,
    home: Path,
    replica: cluster.Postgres,
) -> None:
    """1 instance on the primary vs 2 instances reading from the replica (wrk), measured
    in turns (A, B, A, B, …) so that the other load on the machine falls on both alike;
    the ratio of the medians."""
    direct = out["direct"]
    single = [api(None, direct, False)]
    pair = [api(replica.url("sitrep"), direct, False) for _ in range(2)]
    runs: dict[str, list[dict[str, Any]]] = {"one": [], "two": []}
    for i in range(args.repeats):
        for name, ports in (("one", single), ("two", pair)):
            wrk_many(ports, body, args.conns, args.warmup, home)
            result = wrk_many(ports, body, args.conns, args.seconds, home)
            result["load"] = uptime()
            runs[name].append(result)
            log(f"repeat {i + 1}, {name}: {result['rps']:.1f}/s, load {result['load']}")
    stop_all()

    def median(name: str) -> dict[str, Any]:
        ordered = sorted(runs[name], key=lambda r: r["rps"])
        return ordered[len(ordered) // 2]

    one, two = median("one"), median("two")
    out["ratio"] = {
        "one_instance": one,
        "two_instances_and_replica": two,
        "ratio": two["rps"] / one["rps"],
        "conns": args.conns,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "runs": runs,
    }
    log(f"ratio of medians {two['rps']:.1f} / {one['rps']:.1f} = {two['rps'] / one['rps']:.2f}")


async def _create(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("create database sitrep")
    finally:
        await conn.close()


def write(out: dict[str, Any], results: Path) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M")
    target = results / f"{stamp}-scale-out"
    target.mkdir(parents=True, exist_ok=True)
    (target / "results.json").write_text(json.dumps(out, indent=2, default=str))
    r, d = out["ratio"], out["drill"]
    one, two = r["one_instance"], r["two_instances_and_replica"]
    lines = [
        "# Scaling out: 2 instances + a streaming replica vs 1 instance, and a failover drill",
        "",
        f"Run {out['started']} by `bench/scale.py`, {out['incidents']} generated incidents, "
        f"headline workload (`bench/queries/sitrep/headline.graphql`). Machine: "
        f"{out['cores']} cores shared with other work; load average before "
        f"{out['load_before']}, after {out['load_after']}. Throwaway PostgreSQL 15 primary "
        "and replica with fsync off, on the same machine as everything else.",
        "",
        "## Throughput (wrk, closed loop)",
        "",
        "| Setup | Requests/s | p50 ms | p99 ms | Errors |",
        "|---|---|---|---|---|",
        f"| 1 instance, primary only | {one['rps']:.1f} | {one['p50']:.1f} | "
        f"{one['p99']:.1f} | {one['errors']} |",
        f"| 2 instances, reads on the replica | {two['rps']:.1f} | {two['p50']:.1f} | "
        f"{two['p99']:.1f} | {two['errors']} |",
        "",
        f"**Ratio: {r['ratio']:.2f}x** (medians of {r['repeats']} runs each, taken in turns; "
        f"{r['conns']} connections in all, {r['seconds']} s per run). Each run: "
        + "; ".join(
            f"{a['rps']:.0f} vs {b['rps']:.0f} (load {a['load']})"
            for a, b in zip(r["runs"]["one"], r["runs"]["two"], strict=True)
        )
        + ".",
        "",
        "## Failover drill (open loop, through PgBouncer and the round-robin proxy)",
        "",
        f"{d['rate']} requests/s for {d['seconds']} s. Events: " + "; ".join(d["events"]) + ".",
        "",
        "| Run | Sent | Failed | Dropped (all 64 connections busy) | p50 ms | p90 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {name} | {x['sent']} | {x['errors']} | {x['dropped']} | {x['p50']:.1f} | "
            f"{x['p90']:.1f} | {x['p99']:.1f} |"
            for name, x in (
                (f"baseline, nothing killed ({d['seconds'] / 2:.0f} s)", out["baseline"]),
                (f"drill ({d['seconds']:.0f} s)", d),
            )
        ),
        "",
        f"The surviving instance's /healthz afterwards: `{json.dumps(d['healthz_after'])}`",
        "",
    ]
    (target / "RESULTS.md").write_text("\n".join(lines))
    log(f"wrote {target}")


if __name__ == "__main__":
    main()
