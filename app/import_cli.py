"""`sitrep import acled|ucdp|json FILE`, `sitrep export json|csv`, and `sitrep keys …`.

Imports stream the file (never all in memory), commit in batches, show a progress bar
with rate and ETA (rich), and end with a report: created, updated, unchanged, rejected
(each rejection with its line number and reason).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from app.database import run_on_data
from db.core import Db

import_cli = typer.Typer(help="Bulk import: ACLED CSV, UCDP GED CSV, Sitrep JSON Lines.")
export_cli = typer.Typer(help="Export: Sitrep JSON Lines (lossless) or ACLED-style CSV.")

CLI_VIEWER_NAME = "sitrep import (CLI)"


def register(cli: typer.Typer) -> None:
    from app.actors_cli import actors_cli
    from app.keys_cli import keys_cli

    cli.add_typer(keys_cli, name="keys")
    cli.add_typer(actors_cli, name="actors")
    from app.webhooks_cli import webhooks_cli

    cli.add_typer(webhooks_cli, name="webhooks")
    cli.add_typer(import_cli, name="import")
    cli.add_typer(export_cli, name="export")


async def _import(db: Db, fmt: str, path: Path, size: int, batch: int) -> Any:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from db.imports.run import import_file
    from db.viewer import Viewer

    viewer = Viewer(can_see_drafts=True, role="admin", name=CLI_VIEWER_NAME)
    rows = 0
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]:>9,} rows ({task.fields[rate]:,.0f}/s)"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as bar, path.open("rb") as raw:
        task = bar.add_task(f"import {fmt}", total=size, rows=0, rate=0.0)

        def progress(n: int) -> None:
            nonlocal rows
            rows += n
            elapsed = bar.tasks[task].elapsed or 1e-9
            # the file position is read ahead by a batch: near enough for a progress bar
            bar.update(task, rows=rows, rate=rows / elapsed, completed=raw.tell())

        return await import_file(db, fmt, raw, viewer, batch_size=batch, progress=progress)


def _run(fmt: str, path: Path, batch: int, show: int) -> None:
    from db.imports.rows import InvalidFile

    try:
        report = run_on_data(lambda db: _import(db, fmt, path, path.stat().st_size, batch))
    except InvalidFile as exc:
        typer.echo(f"error: {path}: {exc}", err=True)
        raise typer.Exit(2) from None
    rate = report.rows / report.seconds if report.seconds else 0.0
    typer.echo(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)} — {report.rows} rows in {report.seconds:.1f}s "
        f"({rate:,.0f} rows/s)"
    )
    for r in report.rejected[:show]:
        typer.echo(f"  line {r.line}: {r.reason}", err=True)
    if len(report.rejected) > show:
        typer.echo(f"  … and {len(report.rejected) - show} more", err=True)
    if report.possible_duplicates:
        typer.echo(f"possible duplicates ({len(report.possible_duplicates)}), not merged:")
        for d in report.possible_duplicates[:show]:
            typer.echo(
                f"  {d.name!r} (new, {d.actor_id}) ~ {d.candidate!r} ({d.candidate_id}), "
                f"similarity {d.similarity:.2f}: {d.command}"
            )


FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file.")]
BatchOpt = Annotated[int, typer.Option(help="Rows per transaction.", min=1)]
ShowOpt = Annotated[int, typer.Option(help="Print at most this many rejected rows.")]


@import_cli.command("acled")
def import_acled(file: FileArg, batch: BatchOpt = 1000, show: ShowOpt = 50) -> None:
    """Import an ACLED CSV export (31 columns). Re-importing changes nothing; rows with a
    newer `timestamp` update their incident."""
    _run("acled", file, batch, show)


@import_cli.command("ucdp")
def import_ucdp(file: FileArg, batch: BatchOpt = 1000, show: ShowOpt = 50) -> None:
    """Import a UCDP GED CSV (low/best/high deaths kept)."""
    _run("ucdp", file, batch, show)


@import_cli.command("json")
def import_json(file: FileArg, batch: BatchOpt = 500, show: ShowOpt = 50) -> None:
    """Import a Sitrep JSON Lines export (ids kept; existing ids left unchanged)."""
    _run("json", file, batch, show)


async def _export(db: Db, fmt: str, out: IO[str]) -> Any:
    # one snapshot of the whole database
    async with db.transaction(isolation="repeatable_read", readonly=True) as tx:
        if fmt == "json":
            from db.imports.sitrep_json import export_json

            return await export_json(tx, out.write)
        from db.imports.acled_csv_export import export_csv

        return await export_csv(tx, out.write)


OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout).")]


def _export_to(fmt: str, output: Path | None) -> None:
    if output is None:
        result = run_on_data(lambda db: _export(db, fmt, sys.stdout))
    else:
        with output.open("w", encoding="utf-8", newline="") as f:
            result = run_on_data(lambda db: _export(db, fmt, f))
    typer.echo(f"exported: {result}", err=True)


@export_cli.command("json")
def export_json(output: OutOpt = None) -> None:
    """Everything (all statuses), lossless, as JSON Lines; `import json` restores it."""
    _export_to("json", output)


@export_cli.command("csv")
def export_csv(output: OutOpt = None) -> None:
    """Published incidents as CSV in ACLED's column order."""
    _export_to("csv", output)
