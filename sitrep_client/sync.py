"""Keep a local copy of a Sitrep server's published data through the ``changes`` feed.

    from sitrep_client import SqliteCopy, SyncClient

    client = SyncClient("https://sitrep.example/graphql", copy=SqliteCopy("sitrep.db"),
                        cursor_file="sitrep.cursor", key=None)
    result = client.sync()          # every change since the last run, page by page

Each page of changes is applied to the copy (an ``UPSERT`` stores the record, a
``TOMBSTONE`` deletes it) and committed, and only then is the page's end cursor written
to ``cursor_file`` (atomically: a new file renamed over the old one). A run that is
interrupted anywhere resumes after the last page whose cursor was written; a page
applied twice changes nothing, because upserts and deletes are idempotent.

Network failures, timeouts and 429/502/503/504 answers are retried with exponential
backoff and jitter (``Retry-After`` is honoured), up to ``retries`` times in a row;
then ``SyncError`` is raised, and the next ``sync()`` resumes where this one stopped.
GraphQL errors (a bad cursor, a bad key) are raised at once: retrying would not help.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx

FEED = """query SitrepChanges($since: String, $first: Int!, $drafts: Boolean!) {
  changes(since: $since, first: $first, includeDrafts: $drafts) {
    changes { cursor typeName recordId operation action at record author reason }
    endCursor hasMore
  }
}"""

Action = Literal["UPSERT", "TOMBSTONE"]
_RETRIED_STATUS = {429, 502, 503, 504}


@dataclass(frozen=True)
class Change:
    """One entry of the feed: what to do to the copy of one record."""

    cursor: str
    type_name: str  # "Incident", "Actor", ...
    record_id: str  # the record's global ID
    operation: str  # CREATE, UPDATE, RETRACT, MERGE
    action: Action
    at: datetime
    record: dict[str, Any] | None  # None for tombstones
    author: str | None
    reason: str | None

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Change:
        return cls(
            cursor=item["cursor"],
            type_name=item["typeName"],
            record_id=item["recordId"],
            operation=item["operation"],
            action=item["action"],
            at=datetime.fromisoformat(item["at"]),
            record=item["record"],
            author=item["author"],
            reason=item["reason"],
        )


@dataclass(frozen=True)
class Page:
    changes: list[Change]
    end_cursor: str
    has_more: bool


@dataclass(frozen=True)
class SyncResult:
    """What one ``sync()`` did."""

    pages: int
    upserts: int
    tombstones: int
    cursor: str | None
    complete: bool  # False when it stopped at ``max_pages`` with more to fetch


class SyncError(Exception):
    """The server could not be reached (after the retries), or refused the request."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class LocalCopy(Protocol):
    """Where the records go. ``apply`` runs a whole page in one transaction."""

    def apply(self, changes: list[Change]) -> None: ...


class SqliteCopy:
    """The copy as an SQLite database: table ``record(type_name, record_id, record)`` with
    the record's JSON as the feed gives it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute(
            "create table if not exists record (type_name text not null, "
            "record_id text primary key, record text not null)"
        )
        self.db.commit()

    def apply(self, changes: list[Change]) -> None:
        with self.db:  # one transaction: the whole page or nothing
            for change in changes:
                if change.action == "TOMBSTONE" or change.record is None:
                    self.db.execute("delete from record where record_id = ?", (change.record_id,))
                else:
                    self.db.execute(
                        "insert into record values (?, ?, ?) on conflict (record_id) do update "
                        "set type_name = excluded.type_name, record = excluded.record",
                        (change.type_name, change.record_id, json.dumps(change.record)),
                    )

    def get(self, record_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "select record from record where record_id = ?", (record_id,)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def records(self, type_name: str) -> dict[str, dict[str, Any]]:
        rows = self.db.execute(
            "select record_id, record from record where type_name = ? order by record_id",
            (type_name,),
        )
        return {record_id: json.loads(record) for record_id, record in rows}

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("select type_name, count(*) from record group by type_name")
        return dict(rows.fetchall())

    def close(self) -> None:
        self.db.close()


class CursorFile:
    """The last cursor applied, in a file replaced atomically (no cursor: no file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def save(self, cursor: str) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("w", encoding="utf-8") as f:
            f.write(cursor)
            f.flush()
            os.fsync(f.fileno())
        partial.replace(self.path)


class SyncClient:
    def __init__(
        self,
        url: str,
        *,
        copy: LocalCopy,
        cursor_file: str | os.PathLike[str],
        key: str | None = None,
        page_size: int = 500,
        include_drafts: bool = False,
        retries: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.copy = copy
        self.cursor = CursorFile(cursor_file)
        self.page_size = page_size
        self.include_drafts = include_drafts
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        headers = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        self.http = httpx.Client(headers=headers, timeout=timeout)

    def sync(self, *, max_pages: int | None = None) -> SyncResult:
        """Fetch and apply every change since the saved cursor (or ``max_pages`` pages)."""
        cursor = self.cursor.load()
        pages = upserts = tombstones = 0
        while True:
            page = self.fetch(cursor)
            self.copy.apply(page.changes)
            if page.end_cursor != cursor:
                self.cursor.save(page.end_cursor)
            cursor = page.end_cursor
            pages += 1
            tombstones += sum(c.action == "TOMBSTONE" for c in page.changes)
            upserts += sum(c.action == "UPSERT" for c in page.changes)
            if not page.has_more or (max_pages is not None and pages >= max_pages):
                return SyncResult(pages, upserts, tombstones, cursor, not page.has_more)

    def fetch(self, since: str | None) -> Page:
        """One page of the feed after ``since``, with retries."""
        variables = {"since": since, "first": self.page_size, "drafts": self.include_drafts}
        body = self._post({"query": FEED, "variables": variables})
        errors = body.get("errors")
        if errors:
            code = (errors[0].get("extensions") or {}).get("code")
            raise SyncError(errors[0].get("message", "error"), code)
        feed = body["data"]["changes"]
        return Page(
            [Change.from_json(c) for c in feed["changes"]], feed["endCursor"], feed["hasMore"]
        )

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        for delay in self._delays():
            wait = 0.0
            try:
                response = self.http.post(self.url, json=payload)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in _RETRIED_STATUS:
                    try:
                        return dict(response.json())
                    except ValueError as exc:
                        status = response.status_code
                        raise SyncError(f"HTTP {status}: not a JSON response") from exc
                failure = f"HTTP {response.status_code}"
                wait = _retry_after(response)
            if delay is None:
                raise SyncError(f"gave up after {self.retries} retries: {failure}")
            self.sleep(max(delay, wait))
        raise AssertionError("unreachable: _delays ends with None")

    def _delays(self) -> Iterator[float | None]:
        """The wait before each retry (full jitter), then None: give up."""
        for attempt in range(self.retries):
            yield random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))  # noqa: S311
        yield None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _retry_after(response: httpx.Response) -> float:
    try:
        return float(response.headers.get("retry-after", 0))
    except ValueError:
        return 0.0


@contextmanager
def syncing(url: str, path: str | os.PathLike[str], **options: Any) -> Iterator[SyncClient]:
    """A client keeping ``path`` (SQLite) and ``path.cursor`` up to date, closed at the end."""
    copy = SqliteCopy(path)
    client = SyncClient(url, copy=copy, cursor_file=f"{os.fspath(path)}.cursor", **options)
    try:
        yield client
    finally:
        client.close()
        copy.close()
