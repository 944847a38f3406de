"""Read replicas: which server a read goes to, and read-your-writes.

A ``Replicas`` holds the primary's pool and one pool per streaming replica
(``SITREP_READ_DATABASE_URLS``). ``reader(min_lsn)`` is the one place a request's reads
are routed: a ``RoutedDb`` that sends statements to a replica in rotation and falls back
to the primary when that replica fails on a connection error (the statement is retried
there, so a replica going away costs no request). Mutations, imports and the change
log write through the primary's handle; a request switches to it with ``use_primary()``.

Read-your-writes: a write returns the primary's WAL position (``primary_lsn``); a client
that sends it back gets a replica only if that replica has replayed it
(``pg_last_wal_replay_lsn() >= lsn``), waiting at most ``wait_s``, else the primary.

A background check (``run_checks``) takes a replica out of rotation when it is down, not
in recovery, or lagging more than ``max_lag_s``, and puts it back when it is healthy.
Lag is measured in time without clocks on the replica: a replica is as old as the last
check at which it had replayed what the primary had written by the check before it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import asyncpg
import structlog

from db.core import ConnectionDb, DatabaseUnavailable, Db, Isolation, PoolDb, QueryCounter

log = structlog.get_logger(__name__)

# Errors after which a statement is retried on the primary: the replica's connection or
# server is gone, it is shutting down or starting, or a statement was cancelled because
# it conflicted with replay (hot standby).
FAILOVER_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,  # what db.core makes of a connection error
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.SerializationError,
)


_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


def parse_lsn(text: str) -> int:
    """``16/B374D848`` (PostgreSQL's pg_lsn text) → an integer; ValueError if malformed."""
    found = _LSN.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"not a WAL position: {text!r}")
    return (int(found[1], 16) << 32) | int(found[2], 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def display_url(url: str) -> str:
    """host:port/database of a URL, without user or password (for health reports)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


@dataclass
class Replica:
    name: str
    db: PoolDb
    generic_db: PoolDb | None = None
    healthy: bool = False
    replay_lsn: int | None = None
    caught_up_at: float | None = None
    lag_s: float | None = None
    error: str | None = "not checked yet"
    checked_at: float | None = None

    def status(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "healthy": self.healthy,
            "replayLsn": None if self.replay_lsn is None else format_lsn(self.replay_lsn),
            "lagSeconds": None if self.lag_s is None else round(self.lag_s, 3),
            "error": self.error,
        }

    def down(self, error: str) -> None:
        if self.healthy:
            log.warning("replica.out_of_rotation", replica=self.name, error=error)
        self.healthy = False
        self.error = error


@dataclass
class Replicas:
    primary: PoolDb
    generic_primary: PoolDb | None = None
    replicas: list[Replica] = field(default_factory=list)
    max_lag_s: float = 10.0
    wait_s: float = 0.5
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _primary_sample: tuple[float, int] | None = None

    # --- routing -----------------------------------------------------------------------

    def healthy(self) -> list[Replica]:
        return [r for r in self.replicas if r.healthy]

    def _next(self, among: Sequence[Replica]) -> Replica:
        return among[next(self._turn) % len(among)]

    async def pick(self, min_lsn: int | None) -> Replica | None:
        """The replica for a request's reads (None = the primary)."""
        healthy = self.healthy()
        if not healthy:
            return None
        if min_lsn is None:
            return self._next(healthy)
        ready = [r for r in healthy if r.replay_lsn is not None and r.replay_lsn >= min_lsn]
        if ready:
            return self._next(ready)
        # A position the primary has not written (a bogus header) is not waited for.
        if min_lsn > parse_lsn(await self.primary_lsn()):
            return None
        replica = self._next(healthy)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                replayed = await replica.db.fetchval("select pg_last_wal_replay_lsn()::text")
            except FAILOVER_ERRORS as exc:
                replica.down(f"{type(exc).__name__}: {exc}")
                return None
            if replayed is not None:
                replica.replay_lsn = max(replica.replay_lsn or 0, parse_lsn(replayed))
                if replica.replay_lsn >= min_lsn:
                    return replica
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(min(0.01, max(0.0, deadline - time.monotonic())))

    def reader(self, min_lsn: int | None = None, *, generic: bool = False) -> RoutedDb:
        """A request's handle for reads (the replica is chosen at its first statement)."""
        return RoutedDb(self, min_lsn, generic)

    def primary_db(self, generic: bool, counter: QueryCounter | None = None) -> PoolDb:
        """A handle on the primary's pool for custom or (``generic``) generic plans."""
        pool = self.generic_primary if generic and self.generic_primary else self.primary
        return PoolDb(pool.pool, counter)

    async def primary_lsn(self) -> str:
        """The primary's WAL position now: after a commit, at or past its commit record."""
        return str(await self.primary.fetchval("select pg_current_wal_lsn()::text"))

    # --- health ------------------------------------------------------------------------

    async def check(self) -> None:
        """One round of health checks of every replica."""
        now = time.monotonic()
        previous = self._primary_sample
        try:
            current = (now, parse_lsn(await self.primary_lsn()))
            self._primary_sample = current
        except Exception as exc:  # the primary is down: judge replicas on their own
            log.warning("primary.check_failed", error=f"{type(exc).__name__}: {exc}")
            current = None
        await asyncio.gather(*(self._check(r, now, current, previous) for r in self.replicas))

    async def _check(
        self,
        replica: Replica,
        now: float,
        current: tuple[float, int] | None,
        previous: tuple[float, int] | None,
    ) -> None:
        replica.checked_at = now
        try:
            row = await replica.db.fetchrow(
                "select pg_is_in_recovery() as recovery, pg_last_wal_replay_lsn()::text as lsn"
            )
        except Exception as exc:
            replica.down(f"{type(exc).__name__}: {exc}")
            return
        assert row is not None
        if not row["recovery"] or row["lsn"] is None:
            replica.down("not a streaming replica (not in recovery)")
            return
        replica.replay_lsn = parse_lsn(row["lsn"])
        if current is None or replica.replay_lsn >= current[1]:
            replica.caught_up_at = now
        elif previous is not None and replica.replay_lsn >= previous[1]:
            replica.caught_up_at = max(replica.caught_up_at or 0.0, previous[0])
        since = replica.caught_up_at if replica.caught_up_at is not None else now
        replica.lag_s = now - since
        if replica.lag_s > self.max_lag_s:
            replica.down(f"lagging {replica.lag_s:.1f} s behind the primary")
            return
        if not replica.healthy:
            log.info("replica.in_rotation", replica=replica.name)
        replica.healthy, replica.error = True, None

    async def run_checks(self, interval_s: float) -> None:
        """Check every ``interval_s`` seconds until cancelled."""
        while True:
            try:
                await self.check()
            except Exception as exc:  # never let the loop die
                log.warning("replica.check_failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(interval_s)

    def status(self) -> dict[str, Any]:
        """Each replica's state, for /healthz and /readyz."""
        return {
            "replicas": [r.status() for r in self.replicas],
            "healthyReplicas": len(self.healthy()),
        }


class RoutedDb:
    """A request's ``Db``: reads on a replica (chosen once, at the first statement) with a
    retry on the primary when the replica fails; everything on the primary after
    ``use_primary()`` and inside transactions opened after it."""

    def __init__(self, replicas: Replicas, min_lsn: int | None, generic: bool) -> None:
        self.replicas = replicas
        self.min_lsn = min_lsn
        self.generic = generic
        self.counter = QueryCounter()
        self.primary_only = False
        self._chosen: Replica | None = None
        self._picked = False
        self.deadline: float | None = None  # the operation's time budget (db/core.py)

    def for_request(self) -> RoutedDb:
        return RoutedDb(self.replicas, self.min_lsn, self.generic)

    def use_primary(self) -> None:
        self.primary_only = True

    def primary(self) -> PoolDb:
        return self._with_deadline(self.replicas.primary_db(self.generic, self.counter))

    def _with_deadline(self, db: PoolDb) -> PoolDb:
        db.deadline = self.deadline
        return db

    async def _replica(self) -> Replica | None:
        if self.primary_only:
            return None
        if not self._picked:
            self._chosen = await self.replicas.pick(self.min_lsn)
            self._picked = True
        return self._chosen

    def _on(self, replica: Replica) -> PoolDb:
        pool = replica.generic_db if self.generic and replica.generic_db else replica.db
        return self._with_deadline(PoolDb(pool.pool, self.counter))

    async def served_by(self) -> str:
        """``primary`` or the replica's name: where this handle's reads go (tests, logs)."""
        replica = await self._replica()
        return "primary" if replica is None else replica.name

    async def _run(self, method: str, sql: str, *args: Any) -> Any:
        replica = await self._replica()
        if replica is not None:
            try:
                return await getattr(self._on(replica), method)(sql, *args)
            except asyncpg.QueryCanceledError:
                raise  # the statement's own timeout: the primary would take as long
            except TimeoutError:
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    raise  # the operation's time budget is spent, wherever it runs
                replica.down("TimeoutError")
                self._chosen = None
            except FAILOVER_ERRORS as exc:
                replica.down(f"{type(exc).__name__}: {exc}")
                self._chosen = None
        return await getattr(self.primary(), method)(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        result: list[asyncpg.Record] = await self._run("fetch", sql, *args)
        return result

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        result: asyncpg.Record | None = await self._run("fetchrow", sql, *args)
        return result

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._run("fetchval", sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        # A statement that may write goes to the primary.
        return await self.primary().execute(sql, *args)

    @asynccontextmanager
    async def transaction(
        self, *, isolation: Isolation | None = None, readonly: bool = False
    ) -> AsyncIterator[ConnectionDb]:
        """A read-only transaction runs on the replica (the primary if it cannot connect);
        any other on the primary."""
        replica = await self._replica() if readonly else None
        if replica is not None:
            try:
                conn = await self._on(replica).pool.acquire()
            except FAILOVER_ERRORS as exc:
                replica.down(f"{type(exc).__name__}: {exc}")
            else:
                try:
                    async with conn.transaction(isolation=isolation, readonly=True):
                        yield ConnectionDb(cast(asyncpg.Connection, conn), self.counter)
                finally:
                    await self._on(replica).pool.release(conn)
                return
        async with self.primary().transaction(isolation=isolation, readonly=readonly) as tx:
            yield tx


def writer(db: Db) -> Db:
    """The primary's handle of a request's handle (the handle itself if it is not routed):
    for statements that must see the newest data, such as API key checks."""
    return db.primary() if isinstance(db, RoutedDb) else db
