"""Users' actor equivalences: aliases added one by one or from a CSV (``actor,alias``),
which imports then match (``sitrep_norm``), and merges of actors found to be the same.

An actor is named by its id or by a name or alias (normalised); a name that matches no
actor, or several, is reported, not guessed. Each change is recorded in the change log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from db import images
from db.core import Db
from db.imports.resolve import record_actor_changes
from db.imports.rows import InvalidFile
from db.transaction import transaction
from db.viewer import Viewer
from db.writes.merge import merge


@dataclass
class AliasReport:
    added: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


async def find_actor(db: Db, ref: str) -> list[int]:
    """Ids of the live actors ``ref`` names: an id, or a name or alias."""
    if ref.strip().isdigit():
        rows = await db.fetch(
            "select id from actor where id = $1 and status <> 'RETRACTED'", int(ref)
        )
    else:
        rows = await db.fetch(
            "select distinct a.id from actor a left join actor_alias x on x.actor_id = a.id "
            "where a.status <> 'RETRACTED' and (sitrep_norm(a.name) = sitrep_norm($1) "
            "or sitrep_norm(x.alias) = sitrep_norm($1)) order by a.id",
            ref,
        )
    return [r[0] for r in rows]


async def add_aliases(db: Db, viewer: Viewer, pairs: Iterable[tuple[int, str, str]]) -> AliasReport:
    """Add (line, actor, alias) pairs in one transaction; an alias the actor already has
    (after normalisation) is left as it is."""
    report = AliasReport()
    wanted: dict[int, list[str]] = {}
    for line, ref, alias in pairs:
        if not ref.strip() or not alias.strip():
            report.problems.append(f"line {line}: actor and alias are both required")
            continue
        ids = await find_actor(db, ref)
        if len(ids) != 1:
            what = "no actor" if not ids else f"{len(ids)} actors ({', '.join(map(str, ids))})"
            report.problems.append(f"line {line}: {what} named {ref!r}")
            continue
        wanted.setdefault(ids[0], []).append(alias.strip())
    if not wanted:
        return report
    async with transaction(db, viewer) as tx:
        befores = await images.snapshots(tx.db, "Actor", sorted(wanted))
        for pk, names in wanted.items():
            for alias in names:
                added = await tx.db.fetchval(
                    "insert into actor_alias (actor_id, alias) select a.id, $2 from actor a "
                    "where a.id = $1 and sitrep_norm(a.name) <> sitrep_norm($2) and not exists "
                    "(select 1 from actor_alias x where x.actor_id = a.id and "
                    "sitrep_norm(x.alias) = sitrep_norm($2)) on conflict do nothing "
                    "returning actor_id",
                    pk,
                    alias,
                )
                if added is None:
                    report.unchanged += 1
                else:
                    report.added += 1
        await record_actor_changes(tx, befores)
    return report


def alias_rows(lines: Iterable[str]) -> list[tuple[int, str, str]]:
    """(line, actor, alias) from a CSV with the columns ``actor`` and ``alias``."""
    from db.imports import files

    reader = files.dict_reader(lines)
    files.require(reader, ("actor", "alias"), "an alias CSV")
    return [(n, r.get("actor") or "", r.get("alias") or "") for n, r in files.records(reader)]


async def merge_actors(db: Db, viewer: Viewer, merged: int, survivor: int) -> None:
    """Merge actor ``merged`` into ``survivor`` (references move; its names become aliases)."""
    async with transaction(db, viewer) as tx:
        await merge(tx, "Actor", survivor, merged, None, None)


__all__ = ["InvalidFile", "add_aliases", "alias_rows", "find_actor", "merge_actors"]
