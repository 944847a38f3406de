"""One entry point for every import format (CLI, HTTP endpoint and GraphQL mutation)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from db import linking
from db.core import Db
from db.imports import acled, taxonomy, ucdp
from db.imports.core import BATCH_SIZE, Progress, Report, import_events
from db.imports.files import text_lines
from db.viewer import Viewer

FORMATS = ("acled", "ucdp", "json")


async def import_lines(
    db: Db,
    fmt: str,
    lines: Iterable[str],
    viewer: Viewer,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Report:
    """Import a text stream (an open file: read lazily, never all in memory)."""
    if fmt == "acled":
        items = acled.parse(lines, await taxonomy.load(db))
    elif fmt == "ucdp":
        items = ucdp.parse(lines)
    elif fmt == "json":
        from db.imports.sitrep_json import import_json

        return await import_json(db, lines, viewer, batch_size=batch_size, progress=progress)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    started = await db.fetchval("select now()")
    report = await import_events(db, items, viewer=viewer, batch_size=batch_size, progress=progress)
    # import-sync: link what the import wrote to the same events in other datasets
    await linking.link(db, viewer, touched_since=started)
    return report


async def import_file(
    db: Db,
    fmt: str,
    raw: IO[bytes],
    viewer: Viewer,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Report:
    """Import a binary (seekable) file: checked to be UTF-8 text first, so a file that is
    not is refused as a whole (``InvalidFile``) before anything is written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    text = text_lines(raw)
    try:
        return await import_lines(db, fmt, text, viewer, batch_size=batch_size, progress=progress)
    finally:
        text.detach()  # the caller owns (and closes) the binary file
