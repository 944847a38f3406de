"""Import-rate benchmark: N synthetic ACLED rows through `sitrep import acled`'s engine.

    .venv/bin/python bench/import_bench.py --rows 100000 \
        --server postgresql://postgres@127.0.0.1:5432/postgres [--reimport] [--write-md]

Creates a fresh database on the server (dropped at the end), applies the migrations,
writes a synthetic ACLED CSV (realistic shape: ~2,000 actors, ~5,000 locations, `;`
lists, quoted notes), imports it exactly as the CLI does (streamed, batches of 1,000,
one transaction each, change log included, the file's UTF-8 check first, linking after),
then re-imports it (all unchanged). Each import also reports the CPU seconds of this
process and of its PostgreSQL backend (when the server runs on this machine, read from
/proc: less sensitive to a busy machine than the wall clock) and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from app import database
from db.core import ConnectionDb, init_connection
from db.imports.acled import COLUMNS
from db.imports.run import import_file
from db.viewer import Viewer
from tests.conftest import create_database, drop_database

TYPES = [
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
    ("Protests", "Peaceful protest"),
    ("Strategic developments", "Disrupted weapons use"),
]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    actors = [f"Armed Group {i} (Iraq)" for i in range(2000)]
    places = [(f"Place {i}", 29 + rng.random() * 8, 39 + rng.random() * 9) for i in range(5000)]
    start = dt.date(2018, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for n in range(rows):
            et, sub = rng.choice(TYPES)
            place, lat, lon = rng.choice(places)
            day = start + dt.timedelta(days=rng.randrange(2000))
            assoc = "; ".join(rng.sample(actors, rng.randrange(3)))
            values = {
                "event_id_cnty": f"SYN{n}",
                "event_date": day.isoformat(),
                "year": day.year,
                "time_precision": rng.choice("1112"),
                "event_type": et,
                "sub_event_type": sub,
                "actor1": rng.choice(actors),
                "assoc_actor_1": assoc,
                "inter1": rng.choice("1238"),
                "actor2": rng.choice(actors),
                "inter2": rng.choice("1237"),
                "iso": 368,
                "country": "Iraq",
                "admin1": f"Province {hash(place) % 18}",
                "location": place,
                "latitude": f"{lat:.4f}",
                "longitude": f"{lon:.4f}",
                "geo_precision": rng.choice("123"),
                "source": rng.choice(["Reuters", "AFP; Rudaw", "Shafaq News", "INA; Kurdistan 24"]),
                "notes": f'On {day:%d %B %Y}, a "synthetic" event {n}, with drones; or not.',
                "fatalities": rng.choice([0, 0, 0, 1, 2, 5]),
                "tags": rng.choice(["", "", "crowd size=no report"]),
                "timestamp": 1_700_000_000 + n,
            }
            w.writerow([values.get(c, "") for c in COLUMNS])


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a server process, when it runs on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    seconds: float
    report: Any
    python_cpu: float  # this process (the event loop and the parser's thread)
    server_cpu: float | None  # the PostgreSQL backend of the import's connection
    load: tuple[float, float]  # 1-minute load average before and after

    def cpu(self) -> str:
        server = "n/a" if self.server_cpu is None else f"{self.server_cpu:.1f}s"
        return (
            f"cpu: python {self.python_cpu:.1f}s, postgres {server}; "
            f"load {self.load[0]:.2f} → {self.load[1]:.2f}"
        )


async def run_import(url: str, path: Path, batch: int) -> Run:
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        viewer = Viewer(can_see_drafts=True, role="admin", name="import bench")
        backend = await conn.fetchval("select pg_backend_pid()")
        load0, server0, cpu0 = os.getloadavg()[0], _backend_cpu(backend), time.process_time()
        t0 = time.perf_counter()
        with path.open("rb") as f:
            report = await import_file(ConnectionDb(conn), "acled", f, viewer, batch_size=batch)
        seconds = time.perf_counter() - t0
        server1 = _backend_cpu(backend)
        server = None if server0 is None or server1 is None else server1 - server0
        load = (load0, os.getloadavg()[0])
        return Run(seconds, report, time.process_time() - cpu0, server, load)
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL"))
    ap.add_argument("--write-md", action="store_true", help="Append the result to IMPORT.md")
    args = ap.parse_args()
    if args.server:
        os.environ["TEST_DATABASE_URL"] = args.server
    server, url = create_database("sitrep_import_bench")
    try:
        database.upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "acled.csv"
            t0 = time.perf_counter()
            write_csv(path, args.rows)
            gen = time.perf_counter() - t0
            size = path.stat().st_size
            a = asyncio.run(run_import(url, path, args.batch))
            b = asyncio.run(run_import(url, path, args.batch))
        report, again = a.report, b.report
        lines = [
            f"rows {args.rows:,}, file {size / 1e6:.1f} MB (generated in {gen:.1f}s), "
            f"batch {args.batch}",
            f"first import: {a.seconds:.1f}s = {args.rows / a.seconds:,.0f} rows/s  "
            f"created={report.created} rejected={len(report.rejected)} "
            f"possible duplicates={len(report.possible_duplicates)}",
            f"  {a.cpu()}",
            f"re-import (all unchanged): {b.seconds:.1f}s = {args.rows / b.seconds:,.0f} rows/s  "
            f"created={again.created} updated={again.updated} unchanged={again.unchanged}",
            f"  {b.cpu()}",
        ]
        print("\n".join(lines))
        if args.write_md:
            md = Path(__file__).with_name("IMPORT.md")
            with md.open("a") as f:
                f.write(
                    f"\n## {dt.date.today()} — {platform.machine()}, {os.cpu_count()} CPUs, "
                    f"Python {platform.python_version()}\n\n```text\n"
                    + "\n".join(lines)
                    + "\n```\n"
                )
    finally:
        drop_database(server, url)


if __name__ == "__main__":
    main()
