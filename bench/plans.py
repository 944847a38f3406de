"""Which plan each planned statement takes, and that a busy actor and a quiet one are both
fast: runs against a benchmark database (``bench/run.sh`` made it) and a Sitrep server.

    bench/.venv/bin/python bench/plans.py --db postgresql://postgres@127.0.0.1:5432/sitrep_bench \
        --url http://127.0.0.1:PORT --fixture bench/results/<run>/fixture.json

For each workload: the plan kind PostgreSQL used (from ``sitrep_planned_statements_total``
on /metrics: generic = planned once per connection, custom = planned per call), and the
p50 of 50 sequential requests. Then the ``deep`` query for the busiest actor and for a
quiet one (a few incidents), both on the planned path (one generic plan serves both: the
first entries of the participations' date index, whichever the actor).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workloads import QUERIES, WORKLOADS, gid, variables


def post(url: str, query: str, variables_: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables_}).encode()
    request = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def plans(url: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("sitrep_planned_statements_total{"):
            kind = line.split('plan="')[1].split('"')[0]
            out[kind] = float(line.rsplit(" ", 1)[1])
    return out


def p50(url: str, query: str, variables_: dict[str, Any], n: int = 50) -> float:
    post(url, query, variables_)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        body = post(url, query, variables_)
        times.append((time.perf_counter() - start) * 1000)
        assert "errors" not in body, body
    return statistics.median(times)


async def actors(db: str) -> tuple[tuple[int, int], tuple[int, int]]:
    conn = await asyncpg.connect(db)
    try:
        rows = await conn.fetch(
            "select p.actor_id, count(*) from incident_participant p join actor a "
            "on a.id = p.actor_id where a.status = 'PUBLISHED' group by p.actor_id "
            "having count(*) >= 5 order by count(*) desc"
        )
    finally:
        await conn.close()
    busy, quiet = rows[0], rows[-1]
    return (busy[0], busy[1]), (quiet[0], quiet[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--fixture", required=True)
    args = ap.parse_args()
    fx = json.loads(Path(args.fixture).read_text())
    vs = variables(fx)
    print("| workload | plan | p50 ms (1 client, sequential) |")
    print("|---|---|---:|")
    for w in WORKLOADS:
        query = (QUERIES / "sitrep" / f"{w}.graphql").read_text()
        before = plans(args.url)
        ms = p50(args.url, query, vs[w]["sitrep"])
        after = plans(args.url)
        kinds = [k for k in after if after[k] > before.get(k, 0)]
        print(f"| {w} | {', '.join(kinds)} | {ms:.2f} |")
    (busy, n_busy), (quiet, n_quiet) = asyncio.run(actors(args.db))
    deep = (QUERIES / "sitrep" / "deep.graphql").read_text()
    print()
    print("| `deep` for | incidents | p50 ms |")
    print("|---|---:|---:|")
    for name, pk, n in (("busiest actor", busy, n_busy), ("a quiet actor", quiet, n_quiet)):
        ms = p50(args.url, deep, {"id": gid("Actor", pk)})
        print(f"| {name} (id {pk}) | {n:,} | {ms:.2f} |")


if __name__ == "__main__":
    main()
