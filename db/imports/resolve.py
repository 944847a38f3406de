"""References of imported rows: actors, locations and sources, found or created per batch.

* **Actors.** A name is first looked up in the crosswalk shipped with Sitrep
  (``actor_crosswalk.csv``: dataset spellings → one actor), then matched, as the crosswalk's
  actor or as itself, against actor names and aliases with ``sitrep_norm`` (the
  normalisation the name filters use; users add equivalences as aliases, see
  ``sitrep actors alias``). A spelling reached through the crosswalk becomes an alias of
  its actor. An actor whose kind is ``OTHER`` takes the kind a later row gives (a
  government an earlier import called a rebel group becomes state forces). A new actor
  whose name is close (trigram similarity ≥ ``SIMILAR``) to a known one is not merged but
  reported as a possible duplicate.
* **Locations.** A known location is reused only when it is the same place (see
  ``places``); otherwise a new one is created with the row's own data, admin codes, and
  the known division or country as its parent. A known location is never changed.
* **Sources.** By publisher and title, case-insensitive.

Lookups by normalised name rely on the import transaction's planner settings
(``core.PLANNER_SETTINGS``): index scans, whatever the lagging statistics say.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from db import changelog, images
from db.imports import places
from db.imports.rows import LocationSpec, PossibleDuplicate, Report, SourceSpec
from db.transaction import Tx

CROSSWALK = Path(__file__).with_name("actor_crosswalk.csv")
SIMILAR = 0.7
# kinds a later row may replace: no kind at all, or the rebel group an old import gave a
# government (replaced by state forces only)
_WEAK_KINDS = {"OTHER": None, "REBEL_GROUP": "STATE_FORCES"}


@dataclass(frozen=True)
class CrosswalkEntry:
    actor: str
    kind: str
    country: str | None


@cache
def crosswalk_rows() -> tuple[tuple[str, CrosswalkEntry], ...]:
    """(spelling, entry) for every spelling in the shipped crosswalk, the actor's own
    name included."""
    out: dict[str, CrosswalkEntry] = {}
    with CROSSWALK.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            entry = CrosswalkEntry(row["actor"], row["kind"], row["country"] or None)
            out.setdefault(row["actor"], entry)
            out.setdefault(row["alias"], entry)
    return tuple(out.items())


@dataclass
class Caches:
    actors: dict[str, int] = field(default_factory=dict)  # name as given → actor id
    actor_kinds: dict[int, str] = field(default_factory=dict)
    # normalised spelling → crosswalk entry (and the normalised actor name), once per import
    crosswalk: dict[str, tuple[CrosswalkEntry, str]] | None = None
    locations: dict[LocationSpec, int] = field(default_factory=dict)
    place_norms: dict[str, str] = field(default_factory=dict)
    # normalised name → known places (id, country, latitude, longitude)
    places: dict[str, list[tuple[int, str | None, float | None, float | None]]] = field(
        default_factory=dict
    )
    parents: dict[tuple[str, str], int | None] = field(default_factory=dict)
    sources: dict[tuple[str, str], int] = field(default_factory=dict)


async def _norms(tx: Tx, names: list[str]) -> dict[str, str]:
    rows = await tx.db.fetch("select x, sitrep_norm(x) as k from unnest($1::text[]) x", names)
    return {r["x"]: r["k"] for r in rows}


async def _crosswalk(tx: Tx, caches: Caches) -> dict[str, tuple[CrosswalkEntry, str]]:
    if caches.crosswalk is None:
        rows = crosswalk_rows()
        norms = await _norms(tx, sorted({s for s, _ in rows} | {e.actor for _, e in rows}))
        caches.crosswalk = {norms[s]: (e, norms[e.actor]) for s, e in rows}
    return caches.crosswalk


_FIND_ACTORS = """
select k, id, kind from (
  select w.k, a.id, a.kind from unnest($1::text[]) w(k)
  join actor a on sitrep_norm(a.name) = w.k where a.status <> 'RETRACTED'
  union all
  select w.k, a.id, a.kind from unnest($1::text[]) w(k)
  join actor_alias x on sitrep_norm(x.alias) = w.k join actor a on a.id = x.actor_id
  where a.status <> 'RETRACTED'
) m order by id"""

_SIMILAR_ACTORS = """
select w.id, w.name, c.id as cid, c.name as cname, c.s
from (select id, name, sitrep_norm(name) as k from actor where id = any($1::bigint[])) w
cross join lateral (
  select * from (
    (select a.id, a.name, 1 - (sitrep_norm(a.name) <-> w.k) as s from actor a
     where a.id <> w.id and a.status <> 'RETRACTED' order by sitrep_norm(a.name) <-> w.k limit 1)
    union all
    (select a.id, a.name, 1 - (sitrep_norm(x.alias) <-> w.k) from actor_alias x
     join actor a on a.id = x.actor_id where a.id <> w.id and a.status <> 'RETRACTED'
     order by sitrep_norm(x.alias) <-> w.k limit 1)
  ) m order by s desc, id limit 1
) c where c.s >= $2 order by w.id"""


def better_kind(current: str, offered: str) -> bool:
    return (
        current in _WEAK_KINDS
        and offered != current
        and _WEAK_KINDS[current]
        in (
            None,
            offered,
        )
    )


async def actor_ids(tx: Tx, caches: Caches, wanted: dict[str, str], report: Report) -> None:
    """Resolve actor names (``wanted``: name → the kind the row gives); create the unknown
    ones; correct weak kinds."""
    missing = [n for n in wanted if n not in caches.actors]
    touched: dict[int, str] = {}  # actor → corrected kind
    aliases: dict[tuple[int, str], str] = {}  # (actor, normalised spelling) → spelling
    created: list[int] = []
    if missing:
        xwalk = await _crosswalk(tx, caches)
        norms = await _norms(tx, missing)
        keys: dict[str, str] = {}
        entries: dict[str, CrosswalkEntry] = {}
        for n in missing:
            hit = xwalk.get(norms[n])
            keys[n] = hit[1] if hit else norms[n]
            if hit:
                entries[keys[n]] = hit[0]
        found: dict[str, tuple[int, str]] = {}
        for r in await tx.db.fetch(_FIND_ACTORS, sorted(set(keys.values()))):
            found.setdefault(r["k"], (r["id"], r["kind"]))
        new: dict[str, tuple[str, str, str | None]] = {}
        for n in missing:
            k = keys[n]
            if k not in found and k not in new:
                e = entries.get(k)
                new[k] = (e.actor, e.kind, e.country) if e else (n, wanted[n], None)
        if new:
            rows = await tx.db.fetch(
                "insert into actor (name, kind, country_code) select a, b, c from "
                "unnest($1::text[], $2::text[], $3::text[]) with ordinality u(a, b, c, n) "
                "order by n returning id, kind",
                [v[0] for v in new.values()],
                [v[1] for v in new.values()],
                [v[2] for v in new.values()],
            )
            for k, r in zip(new, rows, strict=True):
                found[k] = (r["id"], r["kind"])
                created.append(r["id"])
            changelog.record_deferred(tx, "Actor", created, "CREATE")
        for n in missing:
            k = keys[n]
            caches.actors[n] = found[k][0]
            caches.actor_kinds.setdefault(found[k][0], found[k][1])
            if norms[n] != k:  # reached through the crosswalk: the spelling is an alias
                aliases.setdefault((found[k][0], norms[n]), n)
        plain_new = [found[k][0] for k in new if k not in entries]
        if plain_new:
            # the GiST index gives each new name its nearest known one
            for r in await tx.db.fetch(_SIMILAR_ACTORS, plain_new, SIMILAR):
                report.possible_duplicates.append(
                    PossibleDuplicate(r["id"], r["name"], r["cid"], r["cname"], float(r["s"]))
                )
    for n, kind in wanted.items():
        pk = caches.actors[n]
        if better_kind(caches.actor_kinds[pk], kind):
            touched[pk] = caches.actor_kinds[pk] = kind
    await _update_actors(tx, touched, aliases, set(created))


async def _update_actors(
    tx: Tx, kinds: dict[int, str], aliases: dict[tuple[int, str], str], created: set[int]
) -> None:
    """Corrected kinds and new aliases. An existing actor's change is recorded as an
    update; actors created in this batch are recorded (with them) when it commits."""
    if not kinds and not aliases:
        return
    befores = await images.snapshots(
        tx.db, "Actor", sorted((set(kinds) | {pk for pk, _ in aliases}) - created)
    )
    if kinds:
        await tx.db.execute(
            "update actor a set kind = v.kind from unnest($1::bigint[], $2::text[]) v(id, kind) "
            "where a.id = v.id",
            list(kinds),
            list(kinds.values()),
        )
    if aliases:
        await tx.db.execute(
            "insert into actor_alias (actor_id, alias) select v.id, v.alias from "
            "unnest($1::bigint[], $2::text[]) v(id, alias) join actor a on a.id = v.id "
            "where sitrep_norm(a.name) <> sitrep_norm(v.alias) and not exists (select 1 from "
            "actor_alias x where x.actor_id = v.id and sitrep_norm(x.alias) = "
            "sitrep_norm(v.alias)) on conflict do nothing",
            [pk for pk, _ in aliases],
            list(aliases.values()),
        )
    await record_actor_changes(tx, befores)


async def record_actor_changes(tx: Tx, befores: dict[int, Any]) -> None:
    """Actors whose image differs from ``befores``: a new version and an update in the
    change log (those as they were get neither)."""
    after = await images.snapshots(tx.db, "Actor", sorted(befores))
    changed = [pk for pk, image in after.items() if image != befores[pk]]
    if changed:
        await tx.db.execute(
            "update actor set version = version + 1 where id = any($1::bigint[])", changed
        )
        await changelog.record_differences(tx, {"Actor": {pk: befores[pk] for pk in changed}})


_FIND_PLACES = """
select w.x, w.k, l.id, l.country_code, l.latitude, l.longitude
from (select x, sitrep_norm(x) as k from unnest($1::text[]) x) w
left join lateral (
  select l.id, l.country_code, l.latitude, l.longitude from location l
  where sitrep_norm(l.name) = w.k and l.status <> 'RETRACTED'
  union
  select l.id, l.country_code, l.latitude, l.longitude from location_alias a
  join location l on l.id = a.location_id
  where sitrep_norm(a.alias) = w.k and l.status <> 'RETRACTED'
) l on true order by l.id"""


def _same_place(spec: LocationSpec, known: tuple[Any, str | None, Any, Any]) -> bool:
    _, cc, lat, lon = known
    if spec.country_code and cc and spec.country_code != cc:
        return False
    if spec.latitude is None or spec.longitude is None or lat is None or lon is None:
        return True
    limit = places.SAME_PLACE_KM_BY_PRECISION.get(spec.geo_precision, places.SAME_PLACE_KM)
    return places.distance_km(spec.latitude, spec.longitude, lat, lon) <= limit


async def _parents(tx: Tx, caches: Caches, specs: list[LocationSpec]) -> None:
    wanted = {("ADMIN1", s.admin1_code) for s in specs if s.admin1_code} | {
        ("COUNTRY", s.country_code) for s in specs if s.country_code
    }
    todo = sorted(w for w in wanted if w not in caches.parents)
    if not todo:
        return
    for w in todo:
        caches.parents[w] = None
    for r in await tx.db.fetch(
        "select kind, coalesce(admin1_code, country_code) as code, min(id) as id from location "
        "where status <> 'RETRACTED' and ((kind = 'ADMIN1' and admin1_code = any($1::text[])) "
        "or (kind = 'COUNTRY' and country_code = any($2::text[]))) group by 1, 2",
        [c for k, c in todo if k == "ADMIN1"],
        [c for k, c in todo if k == "COUNTRY"],
    ):
        caches.parents[(r["kind"], r["code"])] = r["id"]


def _parent(caches: Caches, s: LocationSpec) -> int | None:
    by_admin1 = caches.parents.get(("ADMIN1", s.admin1_code or ""))
    return by_admin1 or caches.parents.get(("COUNTRY", s.country_code or ""))


async def location_ids(tx: Tx, caches: Caches, specs: list[LocationSpec]) -> None:
    todo = list(dict.fromkeys(s for s in specs if s not in caches.locations))
    if not todo:
        return
    names = sorted({s.name for s in todo if s.name not in caches.place_norms})
    if names:
        for r in await tx.db.fetch(_FIND_PLACES, names):
            caches.place_norms[r["x"]] = r["k"]
            known = caches.places.setdefault(r["k"], [])
            if r["id"] is not None and all(p[0] != r["id"] for p in known):
                known.append((r["id"], r["country_code"], r["latitude"], r["longitude"]))
    create: list[LocationSpec] = []
    pending: list[list[Any]] = []  # the known-place lists holding placeholders
    for s in todo:
        known = caches.places.setdefault(caches.place_norms[s.name], [])
        match = next((p for p in known if _same_place(s, p)), None)
        if match is None:
            # a placeholder (-index - 1) until the batch's new locations have ids
            match = (-len(create) - 1, s.country_code, s.latitude, s.longitude)
            known.append(match)
            create.append(s)
            pending.append(known)
        caches.locations[s] = match[0]
    if not create:
        return
    await _parents(tx, caches, create)
    rows = await tx.db.fetch(
        "insert into location (name, kind, country_code, latitude, longitude, geo_precision, "
        "admin1_code, admin1_name, admin2_name, parent_id) select a, b, c, d, e, f, g, h, i, j "
        "from unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], "
        "$6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[]) with ordinality "
        "as u(a, b, c, d, e, f, g, h, i, j, n) order by n returning id",
        [s.name for s in create],
        [s.kind for s in create],
        [s.country_code for s in create],
        [s.latitude for s in create],
        [s.longitude for s in create],
        [s.geo_precision for s in create],
        [s.admin1_code if s.admin1_code else None for s in create],
        [s.admin1_name for s in create],
        [s.admin2_name for s in create],
        [_parent(caches, s) for s in create],
    )
    # RETURNING follows the insertion order of the ordered select.
    real = {-n - 1: r["id"] for n, r in enumerate(rows)}
    for spec in todo:  # only this batch's specs can hold placeholders
        pk = caches.locations[spec]
        if pk < 0:
            caches.locations[spec] = real[pk]
    for known in {id(k): k for k in pending}.values():
        known[:] = [(real.get(p[0], p[0]), *p[1:]) for p in known]
    changelog.record_deferred(tx, "Location", [r["id"] for r in rows], "CREATE")


async def source_ids(tx: Tx, caches: Caches, specs: list[SourceSpec]) -> None:
    todo = {s.key(): s for s in specs if s.key() not in caches.sources}
    if not todo:
        return
    for r in await tx.db.fetch(
        "select min(id) as id, lower(publisher) as p, lower(coalesce(title, '')) as t "
        "from source where lower(publisher) = any($1::text[]) and status <> 'RETRACTED' "
        "group by 2, 3",
        sorted({k[0] for k in todo}),
    ):
        caches.sources.setdefault((r["p"], r["t"]), r["id"])
    new = [s for k, s in todo.items() if k not in caches.sources]
    if not new:
        return
    rows = await tx.db.fetch(
        "insert into source (kind, publisher, title, note, published_at) select a, b, c, d, e "
        "from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) "
        "with ordinality as u(a, b, c, d, e, n) order by n returning id",
        [s.kind for s in new],
        [s.publisher for s in new],
        [s.title for s in new],
        [s.note for s in new],
        [s.published_at for s in new],
    )
    for s, r in zip(new, rows, strict=True):
        caches.sources[s.key()] = r["id"]
    changelog.record_deferred(tx, "Source", [r["id"] for r in rows], "CREATE")
