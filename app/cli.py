"""The `sitrep` command: serve, migrate, load the demo data."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from app.cluster_cli import cluster_cli
from app.import_cli import register as _register_write_path_commands
from app.settings import get_settings
from app.sync_cli import register as _register_sync_commands

if TYPE_CHECKING:
    from fastapi import FastAPI

cli = typer.Typer(help="Sitrep: a GraphQL API for conflict and incident event data.")
db_cli = typer.Typer(help="Database migrations (Alembic).")
demo_cli = typer.Typer(help="The demo dataset from the seed article.")
cli.add_typer(db_cli, name="db")
cli.add_typer(demo_cli, name="demo")
cli.add_typer(cluster_cli, name="cluster")
_register_write_path_commands(cli)
_register_sync_commands(cli)


def _server_url() -> str:
    from app.database import resolve_database_url

    return resolve_database_url(get_settings())


async def _load_demo(url: str) -> dict[str, int]:
    from app.database import connected
    from db.demo import load_demo

    async with connected(url) as db:
        return await load_demo(db)


@cli.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Load the demo dataset (idempotent).")] = False,
    migrate: Annotated[
        bool | None,
        typer.Option(help="Apply migrations first. Default: yes for the embedded database."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes (uvicorn workers, each with its own pool): about one per core.",
        ),
    ] = 1,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show the embedded PostgreSQL's, the migrations' and uvicorn's start-up output.",
        ),
    ] = False,
) -> None:
    """Serve GraphQL on http://HOST:PORT/graphql (GraphiQL in a browser)."""
    import os

    import uvicorn

    from app import database
    from app.logging import configure
    from app.main import create_app

    settings = get_settings()
    configure(settings.log_level, settings.log_json, verbose=verbose)
    if settings.database_url is None:
        typer.echo(f"database: embedded PostgreSQL in {database.data_directory(settings)}")
    with database.start_lock(settings):
        url = database.resolve_database_url(settings)
        if migrate if migrate is not None else settings.database_url is None:
            database.upgrade(url)
            typer.echo(f"database at revision {database.current_revision(url)}")
        if demo:
            counts = asyncio.run(_load_demo(url))
            typer.echo(f"demo data loaded ({sum(counts.values())} rows written)")
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        # uvicorn's own start-up lines only with --verbose (its warnings and errors always).
        "log_level": settings.log_level.lower() if verbose else "warning",
        "access_log": False,
        # X-Forwarded-For names the client (whose address rate limits count) only from
        # the proxies SITREP_FORWARDED_ALLOW_IPS names; uvicorn would trust it from
        # 127.0.0.1 (or $FORWARDED_ALLOW_IPS) by default.
        "proxy_headers": settings.forwarded_allow_ips is not None,
        "forwarded_allow_ips": settings.forwarded_allow_ips or "",
    }
    typer.echo(
        f"serving http://{options['host']}:{options['port']}/graphql "
        "(GraphiQL in a browser); Ctrl-C stops"
    )
    if workers > 1:
        # Each worker is a fresh process that builds its own app and pool
        # (_worker_app); they find the database through DATABASE_URL, so with the
        # embedded server they connect to the one this process started (and stops).
        # uvicorn's supervisor handles SIGTERM: it stops the workers, then returns.
        os.environ["DATABASE_URL"] = url
        uvicorn.run("app.cli:_worker_app", factory=True, workers=workers, **options)
        return
    app = create_app(settings, database_url=url)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it; with the default
    # handler the process would die without running atexit, leaving the embedded
    # PostgreSQL running. Exiting normally lets it stop (its data stays on disk).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(app, **options)


def _worker_app() -> FastAPI:
    """The app in one `serve --workers N` worker process (DATABASE_URL set by serve)."""
    from app import database
    from app.logging import configure
    from app.main import create_app

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    return create_app(settings, database_url=database.resolve_database_url(settings))


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app import database

    url = _server_url()
    database.upgrade(url, revision)
    typer.echo(f"database at revision {database.current_revision(url)}")


@db_cli.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1.")],
) -> None:
    """Revert migrations down to REVISION (e.g. -1 or base)."""
    from app import database

    url = _server_url()
    database.downgrade(url, revision)
    typer.echo(f"database at revision {database.current_revision(url)}")


@db_cli.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from app import database

    typer.echo(database.current_revision(_server_url()) or "none")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo dataset (idempotent: a second run changes nothing)."""
    from app.database import run_on_data
    from db.demo import load_demo

    counts = run_on_data(load_demo)
    for table, n in counts.items():
        typer.echo(f"{table:24} {n}")


@demo_cli.command("generate")
def demo_generate(
    incidents: Annotated[int, typer.Option(help="How many incidents to make.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same data.")] = 1,
    append: Annotated[bool, typer.Option(help="Add to a database that has incidents.")] = False,
    truncate: Annotated[
        bool, typer.Option(help="Empty all data tables first (restart identity cascade).")
    ] = False,
    batch: Annotated[int, typer.Option(help="Incidents per COPY batch.")] = 50_000,
    fixture: Annotated[
        str | None,
        typer.Option(
            help="Where to write a summary of the run as JSON (seed, size, rows per "
            "table). Default: bench/results/fixture.json in the project (git-ignored)."
        ),
    ] = None,
) -> None:
    """Generate a large synthetic dataset (for benchmarks), loaded with COPY."""
    import json

    from app.database import PROJECT_ROOT, data_url
    from db.generate import RefuseError, run

    if append and truncate:
        raise typer.BadParameter("--append and --truncate exclude each other")
    path = fixture or str(PROJECT_ROOT / "bench" / "results" / "fixture.json")
    try:
        report = run(
            data_url(),
            incidents,
            seed,
            append=append,
            truncate=truncate,
            batch=batch,
            fixture=path,
            echo=typer.echo,
        )
    except RefuseError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(report.fixture, indent=2, default=str))


def main(args: list[str] | None = None) -> None:
    """The `sitrep` command. A mistake in the input (a bad option value, a missing file, an
    empty name) is one line on stderr and exit status 2, never a traceback."""
    # typer.BadParameter's base: Typer's (vendored) click usage error.
    usage_error = cast("type[Exception]", typer.BadParameter.__mro__[1])
    try:
        code = cli(args=args, standalone_mode=False)
    except usage_error as exc:
        message = exc.format_message() if isinstance(exc, typer.BadParameter) else str(exc)
        typer.echo(f"sitrep: error: {message}", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("sitrep: aborted", err=True)
        sys.exit(1)
    except OSError as exc:
        if exc.filename is None:
            raise
        typer.echo(f"sitrep: error: {exc.strerror}: {exc.filename}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
