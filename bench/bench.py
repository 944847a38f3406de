"""The Sitrep benchmark: Sitrep vs PostGraphile v5 vs the SQL floor, on one database.

Run through ``bench/run.sh`` (which prepares the tools); see bench/README.md. Steps:

1. data: create the database, migrate it, ``sitrep demo generate`` (COPY) unless it
   already holds this dataset (``--reuse``), then find the workloads' names and ids in it
   (``fixture.py``);
2. servers (``servers.py``): Sitrep (``sitrep serve``, 1 worker) and PostGraphile v5,
   both pinned to the server core, and with ``--workers N`` Sitrep with N workers (not
   pinned), each on a free port that nothing else answers on;
3. verify (``workloads.py``): every workload's answer from every server, brought to one
   canonical form, must equal the SQL floor's answer;
4. closed loop (``load.py``): wrk on the client core with 1 and 10 connections; the floor
   runs the same SQL through asyncpg in a tight loop (``floor.py``, same core); warm-up,
   repeats, medians; CPU per request of the server's processes and of the PostgreSQL
   processes serving the benchmark database, peak RSS, and the CPU used by every other
   process on the machine meanwhile (``procstat.py``);
5. open loop: a fixed arrival rate at 50% and 80% of the slower pinned server's
   closed-loop maximum, latency from the scheduled send time (``openloop.py``);
6. profile (``profiling.py``): py-spy on the 1-worker Sitrep under the workload where it is
   furthest from the floor, with PostgreSQL pinned to the other core;
7. a new dated directory under results/: RESULTS.md, results.json, chart.png,
   fixture.json, the profile's stacks (``report.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import load
import procstat
import profiling
import report
import servers
import workloads
from fixture import fixture_at

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SERVER_CORE, CLIENT_CORE = "0", "1"
SCALES = {"50k": 50_000, "200k": 200_000, "1M": 1_000_000}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def scale_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def new_run_dir(parent: Path, incidents: int, quick: bool) -> Path:
    """results/2026-11-30T1400-200k/ (…-quick for --quick); never an existing one."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M")
    name = f"{stamp}-{scale_label(incidents)}{'-quick' if quick else ''}"
    path, n = parent / name, 1
    while path.exists():
        n += 1
        path = parent / f"{name}-{n}"
    path.mkdir(parents=True)
    return path


# --- data -----------------------------------------------------------------------------


def generator_version() -> str:
    """A hash of the generator's source: data made by another generator is not reused."""
    h = hashlib.sha256()
    for f in sorted((ROOT / "db" / "generate").glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


async def _create_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        if not await admin.fetchval("select 1 from pg_database where datname = $1", name):
            await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()


async def _dataset(url: str) -> tuple[dict[str, Any] | None, int]:
    """The dataset marker (a comment on the database) and the number of incidents."""
    conn = await asyncpg.connect(url)
    try:
        comment = await conn.fetchval(
            "select shobj_description(oid, 'pg_database') from pg_database "
            "where datname = current_database()"
        )
        n = int(await conn.fetchval("select count(*) from incident"))
        with contextlib.suppress(TypeError, ValueError):
            return json.loads(comment), n
        return None, n
    finally:
        await conn.close()


async def _mark_dataset(url: str, marker: dict[str, Any]) -> None:
    conn = await asyncpg.connect(url)
    try:
        name = url.rsplit("/", 1)[1]
        text = json.dumps(marker).replace("'", "''")
        await conn.execute(f"comment on database \"{name}\" is '{text}'")
    except asyncpg.PostgresError as exc:
        log(f"could not mark the dataset on the database ({exc}); --reuse will not find it")
    finally:
        await conn.close()


def planner_statements(src: Path, files: list[Path]) -> list[dict[str, Any]]:
    """Sitrep's planned statement for each body file (bench/statement.py, run with the
    project's Python on the Sitrep source being measured)."""
    proc = subprocess.run(
        [str(servers.PY), str(BENCH / "statement.py")],
        input=json.dumps([str(f) for f in files]),
        cwd=src,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def prepare_data(
    url: str, incidents: int, seed: int, reuse: bool, work: Path
) -> tuple[dict[str, Any], list[str] | None]:
    """Migrate, generate unless ``reuse`` finds this dataset; the fixture and load summary."""
    asyncio.run(_create_database(url))
    subprocess.run(
        [str(servers.PY), "-c", f"from app.database import upgrade; upgrade({url!r})"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    marker = {"incidents": incidents, "seed": seed, "generator": generator_version()}
    summary = None
    if reuse and asyncio.run(_dataset(url)) == (marker, incidents):
        log(f"reusing the {incidents:,} incidents already in the database")
    else:
        log(f"generating {incidents:,} incidents (seed {seed})")
        # What `sitrep demo generate --truncate` does (db.generate.run), without the CLI.
        code = (
            "from db.generate import run; "
            f"run({url!r}, {incidents}, {seed}, truncate=True, echo=lambda s: print(s, flush=True))"
        )
        proc = subprocess.run(
            [str(servers.PY), "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        (work / "generate.log").write_text(proc.stdout)
        summary = [ln for ln in proc.stdout.splitlines() if ln and not ln.startswith(" ")]
        log(summary[-1])
        asyncio.run(_mark_dataset(url, marker))
    fx = asyncio.run(fixture_at(url))
    return {**fx, "seed": seed, "incidents": incidents}, summary


# Connections each part of a run may hold at once: Sitrep's worker (a pool of custom and
# one of generic plans, SITREP_POOL_MAX_SIZE each), the thin route (the same two pools),
# PostGraphile's pool, and the floor's or the statements' clients (one per client).
POOL_MAX = 10
PER_SITREP_WORKER = 2 * POOL_MAX
FIXED_CONNECTIONS = PER_SITREP_WORKER + 2 * POOL_MAX + POOL_MAX + 10
MIN_POOL = 5


async def free_connections(url: str) -> int:
    """Connections the server can still accept from ordinary roles."""
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "select current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
                " - (select count(*) from pg_stat_activity where backend_type = 'client backend')"
                " + 1"  # this connection
            )
        )
    finally:
        await conn.close()


def pool_for_workers(workers: int, free: int) -> int | None:
    """Each pool's size for the ``workers``-worker server so that the whole run fits in
    ``free`` connections: 10 (as every other server) if it fits, else the most that
    does, at least MIN_POOL; None if even that does not fit."""
    if workers <= 1 or FIXED_CONNECTIONS + workers * PER_SITREP_WORKER <= free:
        return POOL_MAX
    size = (free - FIXED_CONNECTIONS) // (2 * workers)
    return size if size >= MIN_POOL else None


async def _pg_version(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("select version()")).split(" on ")[0]
    finally:
        await conn.close()


# --- measuring --------------------------------------------------------------------------


def measure(run: Any, server: servers.Server | None, db_name: str) -> dict[str, Any]:
    """One measured run: its load tool's numbers plus CPU per request and other load."""
    window = procstat.Window(db_name)
    window.start()
    r = run()
    window.stop()
    server_ticks = window.tree(server.pid) if server else None
    floor_pg = r.pop("pg_ticks", None)  # the floor measures its own backends
    pg_ticks = floor_pg if floor_pg is not None else window.postgres()
    r.update(window.load(extra_ours=floor_pg or 0))
    per_req = 1000 / procstat.CLK_TCK / r["requests"] if r["requests"] else None
    r["server_cpu_ms"] = server_ticks * per_req if per_req and server_ticks is not None else None
    r["pg_cpu_ms"] = pg_ticks * per_req if per_req else None
    return r


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"repeats": len(runs)}
    for key in (
        "rps",
        "p50",
        "p90",
        "p99",
        "server_cpu_ms",
        "pg_cpu_ms",
        "other_cpu_pct",
        "unattributed_cpu_pct",
        "busy_cpu_pct",
        "pause_ms",
    ):
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = statistics.median(values) if values else None
    out["errors"] = sum(r.get("errors", 0) for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    out["other_top"] = max(runs, key=lambda r: r.get("other_cpu_pct") or 0).get("other_top")
    return out


# --- main -------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--scale",
        choices=list(SCALES),
        help="dataset size: 50k, 200k (Python's cost shows) or 1M (the database's); "
        "default 1M (50k with --quick)",
    )
    ap.add_argument("--incidents", type=int, help="dataset size as a number (overrides --scale)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/sitrep_bench")
    ap.add_argument(
        "--quick", action="store_true", help="50k incidents, 1 repeat, short runs: a few minutes"
    )
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--open-duration", type=float, default=10)
    ap.add_argument("--no-open", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also measure Sitrep with this many uvicorn workers (not pinned), reported "
        "beside the 1-worker server, e.g. 2",
    )
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data if the database already holds this dataset (size, seed, generator)",
    )
    ap.add_argument("--workloads", default=",".join(workloads.WORKLOADS))
    ap.add_argument(
        "--commit", help="benchmark Sitrep at this git revision (default: the working tree)"
    )
    ap.add_argument("--sitrep-port", type=int, default=0, help="default: a free port")
    ap.add_argument("--postgraphile-port", type=int, default=0, help="default: a free port")
    ap.add_argument(
        "--notes", type=Path, help="a Markdown file written for this run, appended to RESULTS.md"
    )
    ap.add_argument(
        "--results", type=Path, default=BENCH / "results", help="where the run's directory goes"
    )
    args = ap.parse_args()
    if args.incidents is None:
        args.incidents = SCALES[args.scale or ("50k" if args.quick else "1M")]
    if args.quick:
        args.duration, args.warmup, args.repeats, args.open_duration = 4, 1, 1, 4
    return args


def export_commit(commit: str) -> tuple[Path, str]:
    """The tree of ``commit`` in a temporary directory (read-only for the repository)."""
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    src = Path(tempfile.mkdtemp(prefix=f"sitrep-bench-src-{rev}-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    return src, rev


def main() -> None:
    args = parse_args()
    for tool, how in (
        ("wrk", "apt-get install -y wrk"),
        ("taskset", "apt-get install -y util-linux"),
    ):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: {how} (bench/run.sh does it when run as root)")
    names = [w for w in args.workloads.split(",") if w]
    db_name = args.db.rsplit("/", 1)[1]
    run_dir = new_run_dir(args.results, args.incidents, args.quick)
    work = run_dir / "work"  # request bodies, logs: not committed
    work.mkdir()
    log(f"results in {run_dir}")
    res: dict[str, Any] = {
        "argv": sys.argv[1:],
        "incidents": args.incidents,
        "seed": args.seed,
        "workloads": names,
        "duration": args.duration,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "open_duration": args.open_duration,
        "cores": {"server": SERVER_CORE, "client": CLIENT_CORE, "postgres": CLIENT_CORE},
        "loadavg_start": procstat.loadavg(),
        "closed": {},
        "open": {},
    }
    res["fixture"], res["load_summary"] = prepare_data(
        args.db, args.incidents, args.seed, args.reuse, work
    )
    (run_dir / "fixture.json").write_text(json.dumps(res["fixture"], indent=2, default=str))
    res["machine"] = report.machine()
    res["postgres_server"] = asyncio.run(_pg_version(args.db))
    src = ROOT
    if args.commit:
        src, res["commit"] = export_commit(args.commit)
        log(f"Sitrep from commit {res['commit']} (exported to a temporary directory)")
    free = asyncio.run(free_connections(args.db))
    pool = pool_for_workers(args.workers, free)
    if pool is None:
        sys.exit(
            f"PostgreSQL accepts {free} more connections; with {args.workers} Sitrep workers "
            f"this run needs at least {FIXED_CONNECTIONS + args.workers * 2 * MIN_POOL} "
            "(raise max_connections, or measure fewer workers)"
        )
    targets = [
        *servers.sitrep_targets(args.workers, SERVER_CORE, args.sitrep_port, pool),
        servers.Server("postgraphile", "PostGraphile v5", SERVER_CORE, args.postgraphile_port),
    ]
    res["targets"] = [
        {"name": t.name, "label": t.label, "cores": t.cores, "workers": t.workers} for t in targets
    ]
    res["connections"] = {"free": free, "multi_worker_pool": pool}
    srv = servers.Servers(args.db, src, work / "logs", targets)
    json_path = run_dir / "results.json"
    thin_srv: servers.Servers | None = None
    try:
        log("starting the servers")
        srv.start()
        ports = {t.name: t.port for t in targets}
        bodies, res["verify"] = workloads.verify(
            args.db, res["fixture"], names, ports, work / "bodies", log
        )

        statements = {w: planner_statements(src, bodies[w]["sitrep"]) for w in names}
        # The thin route (bench/thin.py): Sitrep's statements behind a bare ASGI app.
        spec = [
            [f.read_text(), st["sql"], st["args"], st["generic"]]
            for w in names
            for f, st in zip(bodies[w]["sitrep"], statements[w], strict=True)
        ]
        (work / "thin.json").write_text(json.dumps(spec, default=str))
        thin = servers.Server("thin", "Thin route (bare ASGI + asyncpg)", SERVER_CORE)
        # The HTTP hop alone: the thin route answering from memory (no database).
        hop = servers.Server("hop", "HTTP hop alone (thin route, no database)", SERVER_CORE)
        thin_srv = servers.Servers(
            args.db, src, work / "logs", [thin, hop], thin=work / "thin.json"
        )
        thin_srv.start()
        res["thin"] = {"label": thin.label, "cores": thin.cores}
        res["hop"] = {"label": hop.label, "cores": hop.cores}

        def closed(
            target: str, w: str, conns: int, seconds: float, pause: float = 0
        ) -> dict[str, Any]:
            if target in ("statement", "paced"):
                return load.run_statements(
                    args.db, statements[w], conns, seconds, CLIENT_CORE, pause
                )
            if target == "floor":
                sql = workloads.floor_sql(w)
                return load.run_floor(args.db, sql, bodies[w]["floor"], conns, seconds, CLIENT_CORE)
            if target in ("thin", "hop"):
                port = thin_srv[target].port
                return load.run_wrk(port, bodies[w]["sitrep"], conns, seconds, CLIENT_CORE, work)
            port = srv[target].port
            return load.run_wrk(port, bodies[w][target], conns, seconds, CLIENT_CORE, work)

        # "paced": the statement alone at 1 client, idle between statements for as long as
        # the HTTP hop alone took (its p50 just measured): as PostgreSQL's connection idles
        # while a server's answer travels and the next request arrives (floor.py).
        every = [*ports, "thin", "hop", "floor", "statement", "paced"]
        running = {**{t: srv[t] for t in ports}, "thin": thin, "hop": hop}  # servers measured
        for w in names:
            res["closed"][w] = {t: {} for t in every}
            for conns in (1, 10):
                targets_now = [t for t in every if conns == 1 or t != "paced"]
                runs: dict[str, list[dict[str, Any]]] = {t: [] for t in targets_now}
                for rep in range(args.repeats):
                    for t in targets_now:
                        server = running.get(t)
                        if server and rep == 0 and conns == 1:
                            procstat.reset_peak_rss(server.pid)
                        pause = runs["hop"][-1]["p50"] / 1000 if t == "paced" else 0
                        closed(t, w, conns, args.warmup, pause)
                        r = measure(
                            lambda t=t, c=conns, w=w, p=pause: closed(t, w, c, args.duration, p),
                            server,
                            db_name,
                        )
                        if pause:
                            r["pause_ms"] = pause * 1000
                        runs[t].append(r)
                        log(
                            f"{w:12} {t:12} c={conns:<2} rep {rep + 1}: {r['rps']:8.1f} req/s "
                            f"p50 {report.fmt(r['p50'], 2)} ms p99 {report.fmt(r['p99'], 2)} ms "
                            f"errors {r.get('errors', 0)} other load {r['other_cpu_pct']:.0f}%"
                        )
                for t, rs in runs.items():
                    res["closed"][w][t][str(conns)] = median_of(rs)
            for t, server in running.items():
                res["closed"][w][t]["rss_mb"] = procstat.peak_rss_mb(server.pid)
            json_path.write_text(json.dumps(res, indent=1, default=str))
        if not args.no_open:
            pinned = ["sitrep", "postgraphile"]
            for w in names:
                slowest = min(res["closed"][w][t]["10"]["rps"] for t in pinned)
                res["open"][w] = {}
                if not slowest:
                    log(f"open {w:12} skipped: a server completed no request in the closed loop")
                    continue
                for pct in (50, 80):
                    for t in pinned:
                        rate = slowest * pct / 100
                        r = load.run_open(
                            srv[t].port, bodies[w][t], rate, args.open_duration, CLIENT_CORE
                        )
                        r["rate"] = rate
                        res["open"][w][f"{t}@{pct}%"] = r
                        log(
                            f"open {w:12} {t:12} {pct}% = {rate:7.1f}/s: achieved "
                            f"{r['achieved']:7.1f} p50 {report.fmt(r['p50'], 2)} "
                            f"p99 {report.fmt(r['p99'], 2)} dropped {r['dropped']}"
                        )
        if not args.no_profile:

            def gap(w: str) -> float:
                floor = res["closed"][w]["floor"]["10"]["rps"]
                return float(res["closed"][w]["sitrep"]["10"]["rps"] / floor) if floor else 1.0

            worst = min(names, key=gap)
            log(f"profiling Sitrep on {worst}, PostgreSQL pinned to core {CLIENT_CORE}")
            port = srv["sitrep"].port
            res["profile"] = profiling.profile(
                srv["sitrep"].pid,
                args.db,
                lambda secs: load.run_wrk(
                    port, bodies[worst]["sitrep"], 10, secs, CLIENT_CORE, work
                ),
                max(8, args.duration),
                int(CLIENT_CORE),
                run_dir / "profile-sitrep.txt.gz",
            )
            res["profile"]["workload"] = worst
            if not res["profile"]["postgres_pinned"]:
                log(f"PostgreSQL was not pinned: {res['profile']['postgres_pin_error']}")
    finally:
        srv.stop()
        if thin_srv is not None:
            thin_srv.stop()
        if args.commit:
            shutil.rmtree(src, ignore_errors=True)
    res["loadavg_end"] = procstat.loadavg()
    if args.notes:
        res["notes"] = args.notes.read_text().splitlines()
    json_path.write_text(json.dumps(res, indent=1, default=str))
    report.write_report(res, run_dir)
    report.chart(res, run_dir)
    log(f"wrote {run_dir / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
