"""Import-rate benchmark: N synthetic ACLED rows through `sitrep import acled`'s engine.

    .venv/bin/python bench/import_bench.py --rows 100000 \
        --server postgresql://postgres@127.0.0.1:5432/postgres [--reimport] [--write-md]

Creates a fresh database on the server (dropped at the end), applies the migrations,
writes a synthetic ACLED CSV (realistic shape: ~2,000 actors, ~5,000 locations, `;`
lists, quoted notes), imports it exactly as the CLI does (streamed, batches of 1,000,
one transaction each, change log included, the file's UTF-8 check first), then
re-imports it (all unchanged).
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
from pathlib import Path

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


async def run_import(url: str, path: Path, batch: int) -> tuple[float, object]:
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        viewer = Viewer(can_see_drafts=True, role="admin", name="import bench")
        t0 = time.perf_counter()
        with path.open("rb") as f:
            report = await import_file(ConnectionDb(conn), "acled", f, viewer, batch_size=batch)
        return time.perf_counter() - t0, report
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
            first, report = asyncio.run(run_import(url, path, args.batch))
            second, again = asyncio.run(run_import(url, path, args.batch))
        lines = [
            f"rows {args.rows:,}, file {size / 1e6:.1f} MB (generated in {gen:.1f}s), "
            f"batch {args.batch}",
            f"first import: {first:.1f}s = {args.rows / first:,.0f} rows/s  "
            f"created={report.created} rejected={len(report.rejected)} "  # type: ignore[attr-defined]
            f"possible duplicates={len(report.possible_duplicates)}",  # type: ignore[attr-defined]
            f"re-import (all unchanged): {second:.1f}s = {args.rows / second:,.0f} rows/s  "
            f"created={again.created} updated={again.updated} unchanged={again.unchanged}",  # type: ignore[attr-defined]
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
