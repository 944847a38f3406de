"""Change notifications across processes: writers ``NOTIFY`` after commit, and each API
process holds one ``LISTEN`` connection (direct, not pooled).

A notification carries only the highest change id of the committing transaction. It is a
wake-up, not the data: the listener reads the change log after the last id it has
processed, so a listener that missed notifications (its connection dropped) catches up
from the log when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog

log = structlog.get_logger(__name__)

CHANNEL = "sitrep_changes"

# Run inside the writing transaction, after its change rows are inserted under the
# commit-order lock: PostgreSQL delivers the notification when (and only if) it commits.
NOTIFY_SQL = f"select pg_notify('{CHANNEL}', max(id)::text) from change_log"


class Listener:
    """One dedicated connection listening on ``CHANNEL``. ``wake`` is called on every
    notification and after every (re)connect, so the caller can catch up from the log.
    Reconnects with exponential backoff (0.1 s → 5 s)."""

    def __init__(self, url: str, wake: Callable[[], None]) -> None:
        self.url = url
        self.wake = wake
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sitrep-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close(timeout=2)

    def _notified(self, *_: object) -> None:
        self.wake()

    async def _run(self) -> None:
        delay = 0.1
        while True:
            lost = asyncio.Event()
            try:
                # No named prepared statements: without SITREP_DIRECT_DATABASE_URL this
                # connection goes through the pooler, whose server connections may still
                # hold another client's `__asyncpg_stmt_1__` ("already exists": a start-up
                # that never listened, seen in CI). LISTEN gains nothing from the cache.
                conn = await asyncpg.connect(
                    self.url,
                    server_settings={"application_name": "sitrep-listen"},
                    statement_cache_size=0,
                )
                self._conn = conn
                conn.add_termination_listener(lambda _, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._notified)
                self.connected.set()
                delay = 0.1
                self.wake()  # anything committed while we were not listening
                await lost.wait()
                log.warning("push.listener_lost")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("push.listener_connect_failed", error=str(exc))
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
