"""`sitrep sync acled|ucdp|status` and `sitrep link`.

Sync pulls from the sources' APIs page by page with a progress bar (rich), commits each
page with the run's state (an interrupted run resumes where it stopped), links what it
touched to the same events in other datasets, and ends with the import report. Errors
(credentials refused, the API down, a malformed page) are one line on stderr, exit 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from app.database import run_on_data
from app.settings import Settings, get_settings
from db.core import ConnectionDb

sync_cli = typer.Typer(help="Live sync from the ACLED and UCDP APIs (resumable).")

CLI_VIEWER_NAME = "sitrep sync (CLI)"


def register(cli: typer.Typer) -> None:
    cli.add_typer(sync_cli, name="sync")
    cli.command("link")(link_command)


def _viewer() -> Any:
    from db.viewer import Viewer

    return Viewer(can_see_drafts=True, role="admin", name=CLI_VIEWER_NAME)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


Progress = Callable[[int, int | None], None]


async def _with_bar(description: str, work: Callable[[Progress], Awaitable[Any]]) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows ({task.fields[rate]:,.0f}/s)"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(description, total=None, rate=0.0)

        def progress(rows: int, total: int | None) -> None:
            bar.update(task, advance=rows, total=total)
            elapsed = bar.tasks[task].elapsed or 1e-9
            bar.update(task, rate=bar.tasks[task].completed / elapsed)

        return await work(progress)


def _client(settings: Settings) -> Any:
    import httpx

    return httpx.AsyncClient(timeout=settings.sync_timeout_s, follow_redirects=True)


def _print(report: Any, show: int) -> None:
    r = report.imported
    version = f" {report.version}" if report.version else ""
    resumed = (
        f", resumed at page {report.resumed_from_page}"
        if report.resumed_from_page is not None
        else ""
    )
    typer.echo(
        f"{report.source}{version}: created {r.created}, updated {r.updated}, "
        f"unchanged {r.unchanged}, rejected {len(r.rejected)}, retracted {report.retracted} "
        f"— {report.pages} pages{resumed}"
    )
    if report.linked is not None:
        typer.echo(
            f"linked: {report.linked.clusters} events with several records among "
            f"{report.linked.considered} incidents considered"
        )
    for x in r.rejected[:show]:
        typer.echo(f"  record {x.line}: {x.reason}", err=True)
    if len(r.rejected) > show:
        typer.echo(f"  … and {len(r.rejected) - show} more", err=True)


def _run(work: Callable[[ConnectionDb], Awaitable[Any]]) -> Any:
    from db.sync.http import SyncError

    try:
        return run_on_data(work)
    except SyncError as exc:
        _fail(str(exc))


def _run_exclusive(source: str, work: Callable[[ConnectionDb], Awaitable[Any]]) -> Any:
    """``_run`` holding the source's sync lock (``db.sync.run.exclusive``, on a connection
    of its own): a second run of the same source on the same database stops at once with
    a one-line error (exit 1)."""
    from app.database import connected, data_url
    from db.sync.http import SyncError
    from db.sync.run import exclusive

    url = data_url()

    async def main() -> Any:
        async with connected(url) as lock_db, exclusive(lock_db, source), connected(url) as db:
            return await work(db)

    try:
        return asyncio.run(main())
    except SyncError as exc:
        _fail(str(exc))


ShowOpt = Annotated[int, typer.Option(help="Print at most this many rejected records.")]


@sync_cli.command("acled")
def sync_acled(
    full: Annotated[
        bool, typer.Option(help="Read every event again, not only those changed since.")
    ] = False,
    page_size: Annotated[int, typer.Option(help="Rows per page.", min=1, max=5000)] = 5000,
    show: ShowOpt = 50,
) -> None:
    """Events changed since the last run (ACLED `timestamp`), then deletions (retracted)."""
    settings = get_settings()
    username, password = settings.acled_username, settings.acled_password
    if not username or password is None or not password.get_secret_value():
        _fail("set SITREP_ACLED_USERNAME and SITREP_ACLED_PASSWORD (your myACLED account)", 2)
        return

    async def work(db: ConnectionDb) -> Any:
        from db.sync.acled_api import AcledApi, OAuth
        from db.sync.run import sync_acled

        async with _client(settings) as client:
            auth = OAuth(settings.acled_token_url, username, password.get_secret_value())
            api = AcledApi(client, settings.acled_base_url, auth, page_size)
            return await _with_bar(
                "sync acled",
                lambda progress: sync_acled(db, _viewer(), api, full=full, progress=progress),
            )

    _print(_run_exclusive("acled", work), show)


@sync_cli.command("ucdp")
def sync_ucdp(
    version: Annotated[
        list[str],
        typer.Option(help="GED release (25.1) or GED Candidate release (25.0.10); repeatable."),
    ],
    again: Annotated[bool, typer.Option(help="Read a completed release again.")] = False,
    page_size: Annotated[int, typer.Option(help="Events per page.", min=1, max=1000)] = 1000,
    show: ShowOpt = 50,
) -> None:
    """One or more UCDP GED / GED Candidate releases, page by page (1,000 events a page)."""
    settings = get_settings()
    if settings.ucdp_token is None or not settings.ucdp_token.get_secret_value():
        _fail("set SITREP_UCDP_TOKEN (your UCDP API token)", 2)
        return
    token = settings.ucdp_token.get_secret_value()

    async def work(db: ConnectionDb) -> Any:
        from db.sync.run import sync_ucdp
        from db.sync.ucdp_api import UcdpApi, parse_version

        for v in version:
            parse_version(v)  # every version checked before the first request
        reports = []
        async with _client(settings) as client:
            api = UcdpApi(client, settings.ucdp_base_url, token, page_size)
            for v in version:

                def one(progress: Progress, v: str = v) -> Awaitable[Any]:
                    return sync_ucdp(db, _viewer(), api, v, again=again, progress=progress)

                reports.append(await _with_bar(f"sync ucdp {v}", one))
        return reports

    for report in _run_exclusive("ucdp", work):
        _print(report, show)


@sync_cli.command("status")
def sync_status() -> None:
    """Where each source's sync stands."""

    async def work(db: ConnectionDb) -> Any:
        from db.sync.state import all_states

        return await all_states(db)

    for st in _run(work):
        where = f"running, next page {st.next_page}" if st.running else "idle"
        done = (
            f"completed {st.completed_at:%Y-%m-%d %H:%M} UTC"
            if st.completed_at
            else "never completed"
        )
        typer.echo(f"{st.source} {st.version or '-'}: {where}; high water {st.high_water}; {done}")


def link_command() -> None:
    """Link every incident to the same event in other datasets (ACLED, UCDP, hand-entered):
    a cluster per event, counted once by lists and incidentStats."""

    async def work(db: ConnectionDb) -> Any:
        from db.linking import link

        return await link(db, _viewer())

    report = _run(work)
    typer.echo(
        f"linked: {report.clusters} events with several records among {report.considered} "
        f"incidents considered ({report.created} clusters new, {report.removed} removed)"
    )
