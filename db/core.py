"""The one way SQL is run: a ``Db`` handle that counts statements.

``PoolDb`` takes a pooled connection per statement, so concurrent resolvers (and
DataLoader batches) never share one asyncpg connection. ``ConnectionDb`` runs on a
single connection (a test transaction, a migration, a loader) and serialises access
with a lock, because asyncpg refuses concurrent operations on one connection.

A handle may carry a ``deadline`` (``time.monotonic()``): every statement then gets what
is left of it as its timeout (asyncpg cancels the statement on the server when it
expires, raising ``TimeoutError``, and the connection goes back to the pool), and waiting
for a pooled connection counts too. The GraphQL paths set it from the operation's time
budget.

Both give a transaction the same way: ``async with db.transaction() as tx_db`` yields a
``ConnectionDb`` on the transaction's connection (a pooled connection in a new
transaction, or the handle's own connection in a savepoint when one is already open).

When the server cannot be reached (down, restarting, a connection cut), every handle
raises ``DatabaseUnavailable``: the HTTP layer answers it with 503
``DATABASE_UNAVAILABLE``, GraphQL with that code. The pool reconnects by itself once
the server is back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any, Literal, Protocol, TypeVar, cast

import asyncpg
import orjson

T = TypeVar("T")
Isolation = Literal["read_committed", "repeatable_read", "serializable"]


class DatabaseUnavailable(Exception):
    """The database server cannot be reached; the request may succeed if retried later."""


_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def stuck(exc: BaseException) -> bool:
    """Whether ``exc`` is asyncpg refusing a connection whose protocol still waits for the
    end of an earlier statement's error: the server dropped it mid-reply (a replica or
    primary shutting down) and the pool lent it out before the socket's close arrived.
    asyncpg refuses before sending anything."""
    return isinstance(exc, asyncpg.InternalClientError) and "another operation" in str(exc)


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the server is unreachable (not that a statement failed or
    timed out)."""
    if isinstance(exc, (DatabaseUnavailable, *_CONNECTION_LOST)) or stuck(exc):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return "closed" in str(exc)
    return isinstance(exc, OSError) and not isinstance(exc, TimeoutError)


@contextmanager
def reachable() -> Iterator[None]:
    """Turn the errors of an unreachable server into ``DatabaseUnavailable``."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        if is_unavailable(exc):
            raise DatabaseUnavailable(str(exc) or type(exc).__name__) from exc
        raise


class QueryCounter:
    """Counts the statements sent to PostgreSQL (used by tests and request metrics)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def record(self, sql: str) -> None:
        self.count += 1
        self.statements.append(sql)


def _left(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (None: no deadline); ``TimeoutError`` if none."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


class Db(Protocol):
    counter: QueryCounter
    deadline: float | None

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]: ...

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...

    async def execute(self, sql: str, *args: Any) -> str: ...

    def transaction(
        self, *, isolation: Isolation | None = None, readonly: bool = False
    ) -> AbstractAsyncContextManager[ConnectionDb]:
        """A transaction (a savepoint inside an open one, where the isolation and
        read-only options of the outer transaction apply), as a handle on its connection."""
        ...


class Pool(asyncpg.Pool):
    """asyncpg's pool, which also keeps up to ``keep`` connections lent out between single
    statements (``PoolDb``'s): a statement on a kept connection skips asyncpg's acquire
    and release, about 80 us of CPU and two turns of the event loop (a timeout, a
    shielded task, an inactivity timer, a proxy), a third of a small planned read's own
    time. A connection is kept only after a statement that succeeded (idle, outside any
    transaction: what the pool's release would check and reset), and only while fewer
    than ``keep`` are: half the pool, so transactions and other borrowers always find
    the other half. A kept connection the server has closed goes back to the pool, which
    replaces it. ``close()`` and ``terminate()`` give the kept ones back first."""

    def __init__(self, *args: Any, keep: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep = keep
        self.kept: list[Any] = []  # asyncpg's connection proxies, the last kept on top

    async def borrow(self, wait: float | None) -> Any:
        """A kept connection, else one acquired from the pool (waiting at most ``wait``
        seconds)."""
        while self.kept:
            conn = self.kept.pop()
            if not closed(conn):
                return conn
            await self.release(conn)  # nothing if the pool has taken it back already
        return await self.acquire(timeout=wait)

    async def give_back(self, conn: Any, succeeded: bool) -> None:
        """Keep ``conn`` after a statement that succeeded, if there is room; else release
        it (the pool deals with a cancelled, failed or closed connection)."""
        if (
            succeeded
            and len(self.kept) < self.keep
            and not closed(conn)
            and not conn.is_in_transaction()
        ):
            self.kept.append(conn)
            return
        await self.release(conn)

    async def close(self) -> None:
        kept, self.kept = self.kept, []
        for conn in kept:
            await self.release(conn)
        await super().close()

    def terminate(self) -> None:
        self.kept = []
        super().terminate()


def closed(conn: Any) -> bool:
    """Whether a lent connection is closed; asyncpg gives back to the pool, by itself, a
    connection the server closed (its proxy then refuses every call)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


class PoolDb:
    def __init__(self, pool: Pool, counter: QueryCounter | None = None) -> None:
        self.pool = pool
        self.counter = counter or QueryCounter()
        self.deadline: float | None = None

    def for_request(self) -> PoolDb:
        """A handle with its own statement counter, sharing the pool."""
        return PoolDb(self.pool)

    async def _run(self, method: str, sql: str, *args: Any) -> Any:
        """``method`` of a pooled connection (a kept one if there is one, see ``Pool``). A
        connection the server dropped mid-reply (``stuck``) is closed, and the statement,
        never sent, runs once more on another; a second one is the server going away
        (``DatabaseUnavailable``)."""
        self.counter.record(sql)
        with reachable():
            for again in (True, False):
                conn = await self.pool.borrow(_left(self.deadline))
                done = False
                try:
                    result = await getattr(conn, method)(sql, *args, timeout=_left(self.deadline))
                    done = True
                    return result
                except asyncpg.InternalClientError as exc:
                    if not stuck(exc):
                        raise
                    conn.terminate()
                    if not again:
                        raise
                finally:
                    await self.pool.give_back(conn, done)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(await self._run("fetch", sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        result: asyncpg.Record | None = await self._run("fetchrow", sql, *args)
        return result

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._run("fetchval", sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        return str(await self._run("execute", sql, *args))

    @asynccontextmanager
    async def transaction(
        self, *, isolation: Isolation | None = None, readonly: bool = False
    ) -> AsyncIterator[ConnectionDb]:
        # Statements in the body turn their own errors into DatabaseUnavailable; here,
        # acquiring, BEGIN, COMMIT and ROLLBACK do, and the body's errors pass unchanged.
        raised: BaseException | None = None
        try:
            async with (
                self.pool.acquire() as conn,
                conn.transaction(isolation=isolation, readonly=readonly),
            ):
                try:
                    yield ConnectionDb(cast(asyncpg.Connection, conn), self.counter)
                except BaseException as exc:
                    raised = exc
                    raise
        except Exception as exc:
            if exc is raised or not is_unavailable(exc):
                raise
            raise DatabaseUnavailable(str(exc) or type(exc).__name__) from exc


class ConnectionDb:
    def __init__(self, conn: asyncpg.Connection, counter: QueryCounter | None = None) -> None:
        self.conn = conn
        self.counter = counter or QueryCounter()
        self.deadline: float | None = None
        self._lock = asyncio.Lock()

    def for_request(self) -> ConnectionDb:
        other = ConnectionDb(self.conn)
        other._lock = self._lock
        return other

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.counter.record(sql)
        async with self._lock:
            with reachable():
                return list(await self.conn.fetch(sql, *args, timeout=_left(self.deadline)))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        self.counter.record(sql)
        async with self._lock:
            with reachable():
                return await self.conn.fetchrow(sql, *args, timeout=_left(self.deadline))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.counter.record(sql)
        async with self._lock:
            with reachable():
                return await self.conn.fetchval(sql, *args, timeout=_left(self.deadline))

    async def execute(self, sql: str, *args: Any) -> str:
        self.counter.record(sql)
        async with self._lock:
            with reachable():
                return str(await self.conn.execute(sql, *args, timeout=_left(self.deadline)))

    async def copy_records(
        self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]
    ) -> str:
        """``COPY table (columns) FROM STDIN`` (binary) of the records: the cheapest bulk
        insert, for PostgreSQL (no arrays to take apart) and for Python (each value is
        encoded by its column's codec, no array-shape checks)."""
        self.counter.record(f"copy {table}")
        async with self._lock:
            with reachable():
                return str(
                    await self.conn.copy_records_to_table(
                        table, records=records, columns=list(columns), timeout=_left(self.deadline)
                    )
                )

    @asynccontextmanager
    async def transaction(
        self, *, isolation: Isolation | None = None, readonly: bool = False
    ) -> AsyncIterator[ConnectionDb]:
        # The handle's lock is held for the whole transaction; the statements in it go
        # through a fresh handle on the same connection.
        async with self._lock, self.conn.transaction(isolation=isolation, readonly=readonly):
            yield ConnectionDb(self.conn, self.counter)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Per-connection setup: JSON codecs via orjson."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name,
            encoder=lambda v: orjson.dumps(v).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection goes back to the pool: asyncpg has already rolled
    back any open transaction, and Sitrep keeps no session state (only ``SET LOCAL`` and
    transaction-level advisory locks). Skips the default reset query's round trip."""


def pooler_options(pooled: bool) -> dict[str, Any]:
    """asyncpg's statement-cache options. Behind a pooler in transaction mode
    (PgBouncer) consecutive statements may run on different server connections, so no
    named prepared statements (asyncpg's statement cache is off; each statement is an
    unnamed one, parsed, bound and run in one go)."""
    if pooled:
        return {"statement_cache_size": 0}
    # asyncpg caches statements up to 15 KB by default; a planned statement for a large
    # selection (every field of an incident and its nested lists) is longer, and would be
    # parsed and planned again on every request.
    return {"max_cacheable_statement_size": 128 * 1024}


async def create_pool(
    url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    statement_timeout_ms: int = 15_000,
    generic_plans: bool = False,
    pooled: bool = False,
    connect_timeout_s: float = 60.0,
) -> Pool:
    """A pool of connections (``Pool``: some kept between single statements). Statements
    are prepared (asyncpg caches them per connection). By default PostgreSQL plans every
    execution for its values: incident data is skewed (a few actors and places have most
    incidents). With ``generic_plans`` it plans a prepared statement once and reuses the
    plan: for the planner's statements whose plan does not depend on the values
    (``db.planner.Statement.generic``).

    ``pooled``: the URL leads to a pooler in transaction mode. Session settings cannot be
    sent there (PgBouncer refuses unknown start-up parameters, and a ``SET`` would leak to
    other clients), so the statement timeout and ``jit = off`` belong to the database
    role (``alter role … set statement_timeout``); unnamed statements are planned for their
    values, as ``force_custom_plan`` does."""
    settings = {"application_name": "sitrep"}
    if not pooled:
        settings["statement_timeout"] = str(statement_timeout_ms)
        settings["plan_cache_mode"] = "force_generic_plan" if generic_plans else "force_custom_plan"
        # No JIT compilation: PostgreSQL compiles a statement it estimates dear, and the
        # API's dear estimates are mostly wrong ones or aggregates over a whole table,
        # where compiling cost 85-350 ms a call at 1M incidents (``incidentStats`` by
        # target: 4.4 s with JIT, 3.4 s without).
        settings["jit"] = "off"
    # asyncpg.create_pool's own defaults, on the pool class that keeps connections
    pool = await Pool(
        url,
        keep=max_size // 2,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        init=init_connection,
        reset=keep_session,
        server_settings=settings,
        timeout=connect_timeout_s,
        **pooler_options(pooled),
    )
    assert pool is not None
    return pool


def to_rows(cls: type[T], records: Iterable[asyncpg.Record]) -> list[T]:
    """Records → frozen dataclasses, taking only the dataclass's fields."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return [cls(**{n: r[n] for n in names}) for r in records]


def group_by(rows: Sequence[T], key: str) -> dict[Any, list[T]]:
    grouped: dict[Any, list[T]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped
