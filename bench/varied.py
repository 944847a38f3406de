"""Workloads with new variables on every request: Sitrep vs PostGraphile (and Sitrep at an
earlier commit), closed loop, on a database of ``bench/run.sh``.

The six workloads of ``bench.py`` send one body each, again and again, so every server
answers them from its caches after the first request. Clients ask for other incidents
and other weeks: here each of ``node``, ``headline`` and ``count`` cycles through
``--bodies`` different sets of variables (more than Sitrep keeps as known bodies or
plans, 1,024), drawn from the data with a fixed seed: published incidents by id, weeks
of drone attacks on the host actor's bases, date ranges of a few weeks to a year. A
sample of each is verified against the SQL floor's answer on every server first.

    bench/.venv/bin/python bench/varied.py --db postgresql://…/sitrep_bench200k \\
        --before 1e40f66 --out bench/results/2026-12-02-varied-200k.md

Servers are pinned to core 0, wrk to core 1 (PostgreSQL where the kernel puts it), as in
``bench.py``; each target runs 1 and 10 connections after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import asyncpg
import load
import report
import servers
import workloads
from fixture import fixture_at

from bench import CLIENT_CORE, ROOT, SERVER_CORE, export_commit, log, measure

WORKLOADS = ["node", "headline", "count"]


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def draw(url: str, fx: dict[str, Any], n: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """``n`` sets of variables per workload: {"sitrep", "postgraphile", "floor"} each."""
    rng = random.Random(seed)
    conn = await asyncpg.connect(url)
    try:
        ids = [
            r[0]
            for r in await conn.fetch(
                "select id from incident where status = 'PUBLISHED' order by id"
            )
        ]
        first, last = await conn.fetchrow(
            "select min(occurred_on), max(occurred_on) from incident where weapon = 'DRONE'"
        )
    finally:
        await conn.close()
    host = fx["host_actor"]
    types = fx["count"]["event_types"]
    out: dict[str, list[dict[str, Any]]] = {w: [] for w in WORKLOADS}
    span = (last - first).days
    for pk in rng.sample(ids, min(n, len(ids))):
        out["node"].append(
            {"sitrep": {"id": gid("Incident", pk)}, "postgraphile": {"id": str(pk)}, "floor": [pk]}
        )
    for _ in range(n):
        monday = first + dt.timedelta(days=rng.randint(0, span))
        monday -= dt.timedelta(days=monday.weekday())
        sunday = monday + dt.timedelta(days=6)
        f, t = monday.isoformat(), sunday.isoformat()
        out["headline"].append(
            {
                "sitrep": {"actor": host["name"], "from": f, "to": t},
                "postgraphile": {"actorId": str(host["id"]), "from": f, "to": t},
                "floor": [host["name"], monday, sunday],
            }
        )
        start = first + dt.timedelta(days=rng.randint(0, span))
        end = start + dt.timedelta(days=rng.randint(14, 365))
        v = {"from": start.isoformat(), "to": end.isoformat()}
        out["count"].append({"sitrep": v, "postgraphile": v, "floor": [types, start, end]})
    return out


def lines(path: Path, target: str, w: str, sets: list[dict[str, Any]]) -> Path:
    query = workloads.query(target, w)
    kind = workloads.kind(target)
    path.write_text(
        "".join(json.dumps({"query": query, "variables": s[kind]}) + "\n" for s in sets)
    )
    return path


def verify(
    url: str, w: str, sets: list[dict[str, Any]], ports: dict[str, int], sample: int
) -> dict[str, int]:
    """How many of the first ``sample`` sets each server answers as the floor does."""
    agree = dict.fromkeys(ports, 0)
    for s in sets[:sample]:
        expected = workloads.canon(w, asyncio.run(workloads.floor_answer(url, w, s["floor"])))
        for t, port in ports.items():
            got = workloads.answer(t, port, w, s[workloads.kind(t)])
            if got == expected:
                agree[t] += 1
            else:
                log(f"{w} {t} differs from the floor: {workloads.diff_summary(got, expected)}")
    return agree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--bodies", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=6)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--sample", type=int, default=30, help="sets verified per workload")
    ap.add_argument("--before", help="also measure Sitrep at this commit")
    ap.add_argument("--out", type=Path, required=True, help="the report (markdown)")
    args = ap.parse_args()
    db_name = args.db.rsplit("/", 1)[1]
    work = Path(args.out).with_suffix("")
    work = Path("/tmp") / f"sitrep-varied-{work.name}"
    work.mkdir(parents=True, exist_ok=True)
    fx = asyncio.run(fixture_at(args.db))
    sets = asyncio.run(draw(args.db, fx, args.bodies, args.seed))
    targets = [
        servers.Server("sitrep", "Sitrep (1 worker)", SERVER_CORE),
        servers.Server("postgraphile", "PostGraphile v5", SERVER_CORE),
    ]
    srv = servers.Servers(args.db, ROOT, work / "logs", targets)
    before = None
    if args.before:
        src, rev = export_commit(args.before)
        before = servers.Server("sitrep", f"Sitrep at {rev}", SERVER_CORE)
        old = servers.Servers(args.db, src, work / "logs-before", [before])
    results: dict[str, Any] = {"machine": report.machine(), "bodies": args.bodies}
    try:
        srv.start()
        running = {"sitrep": srv["sitrep"], "postgraphile": srv["postgraphile"]}
        if before is not None:
            old.start()
            running["before"] = before
        ports = {t: s.port for t, s in running.items()}
        for w in WORKLOADS:
            agree = verify(args.db, w, sets[w], ports, args.sample)
            log(f"verify {w}: {agree} of {args.sample}")
            results[w] = {"verified": agree, "sample": args.sample}
            for t, server in running.items():
                kind = "postgraphile" if t == "postgraphile" else "sitrep"
                path = lines(work / f"{t}-{w}.lines", kind, w, sets[w])
                for conns in (1, 10):
                    load.run_wrk(server.port, [], conns, args.warmup, CLIENT_CORE, work, path)
                    r = measure(
                        lambda p=path, c=conns, s=server: load.run_wrk(
                            s.port, [], c, args.duration, CLIENT_CORE, work, p
                        ),
                        server,
                        db_name,
                    )
                    results[w][f"{t}-{conns}"] = r
                    log(
                        f"{w:9} {t:12} c={conns:<2} {r['rps']:8.1f} req/s p50 "
                        f"{report.fmt(r['p50'], 2)} ms server CPU "
                        f"{report.fmt(r['server_cpu_ms'], 3)} ms/req errors {r['errors']} "
                        f"other load {r['other_cpu_pct']:.0f}%"
                    )
    finally:
        srv.stop()
        if before is not None:
            old.stop()
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    Path(args.out).write_text(table(results, list(running)))
    log(f"wrote {args.out}")


def table(results: dict[str, Any], targets: list[str]) -> str:
    """The measurements as a markdown table (the report's prose is written by hand)."""
    rows = [
        "| workload | target | verified | req/s, 10 clients | p50 ms, 1 client | "
        "server CPU ms/req, 10 clients | other load % |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for w in WORKLOADS:
        for t in targets:
            r1, r10 = results[w][f"{t}-1"], results[w][f"{t}-10"]
            rows.append(
                f"| {w} | {t} | {results[w]['verified'][t]}/{results[w]['sample']} | "
                f"{r10['rps']:.0f} | {report.fmt(r1['p50'], 2)} | "
                f"{report.fmt(r10['server_cpu_ms'], 3)} | {r10['other_cpu_pct']:.0f} |"
            )
        pg = results[w]["postgraphile-10"]["rps"]
        rows.append(
            f"| {w} | Sitrep ÷ PostGraphile | | {results[w]['sitrep-10']['rps'] / pg:.2f} | | | |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
