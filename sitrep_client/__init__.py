"""A small typed client for partners: keep a local copy of a Sitrep server's data in
sync through the ``changes`` feed (``sitrep_client.sync``). Needs only httpx."""

from sitrep_client.sync import (
    Change,
    CursorFile,
    LocalCopy,
    Page,
    SqliteCopy,
    SyncClient,
    SyncError,
    SyncResult,
    syncing,
)

__all__ = [
    "Change",
    "CursorFile",
    "LocalCopy",
    "Page",
    "SqliteCopy",
    "SyncClient",
    "SyncError",
    "SyncResult",
    "syncing",
]
