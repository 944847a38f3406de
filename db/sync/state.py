"""``sync_state``: where each source's sync stands (see migration 0008). Saved in the
same transaction as the page it follows, so a run resumes at its first uncommitted page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from db.core import Db

SOURCES = ("acled", "acled_deleted", "ucdp")


@dataclass
class State:
    source: str
    version: str = ""
    high_water: int | None = None  # highest timestamp of the last completed run
    run_from: int | None = None  # the run under way: its lower bound …
    next_page: int | None = None  # … the next page to read (None: no run under way)
    run_max: int | None = None  # … the highest timestamp it has seen so far
    total_pages: int | None = None
    completed_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.next_page is not None


_FIELDS = [f.name for f in dataclasses.fields(State)]


async def load(db: Db, source: str, version: str = "") -> State:
    assert source in SOURCES
    row = await db.fetchrow(
        f"select {', '.join(_FIELDS)} from sync_state where source = $1 and version = $2",
        source,
        version,
    )
    return State(**dict(row)) if row is not None else State(source, version)


async def save(db: Db, state: State) -> None:
    values = [getattr(state, f) for f in _FIELDS]
    updates = ", ".join(f"{f} = excluded.{f}" for f in _FIELDS[2:])
    placeholders = ", ".join(f"${n}" for n in range(1, len(_FIELDS) + 1))
    await db.execute(
        f"insert into sync_state ({', '.join(_FIELDS)}) values ({placeholders}) "
        f"on conflict (source, version) do update set {updates}",
        *values,
    )


async def all_states(db: Db) -> list[State]:
    rows = await db.fetch(f"select {', '.join(_FIELDS)} from sync_state order by source, version")
    return [State(**dict(r)) for r in rows]
