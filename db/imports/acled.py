"""ACLED CSV (the 31-column export as published) → ``EventRow``s, streamed.

Mapping: ``event_id_cnty`` → external id ``acled``; ``timestamp`` → its version (a
newer one updates the incident); ``event_type``/``sub_event_type`` → the taxonomy;
``time_precision`` 1/2/3 → DAY/WEEK/MONTH with the matching date range; ``actor1`` and
``assoc_actor_1`` → perpetrators, ``actor2`` and ``assoc_actor_2`` → targets (``;``
lists); ``inter1``/``inter2`` → the kind of a new actor; ``location`` with
``latitude``/``longitude``/``geo_precision``/``iso``/``admin1``/``admin2`` → a location;
``source`` (``;`` list) → sources; ``fatalities`` → killed; ``tags`` (``;``) → tags.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import pycountry

from db.imports.core import EventRow, LocationSpec, Rejected, SourceSpec
from db.writes.validate import MIN_DATE, today

COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "location")

INTER_KINDS = {
    "1": "STATE_FORCES",
    "2": "REBEL_GROUP",
    "3": "MILITIA",
    "4": "MILITIA",
    "5": "OTHER",
    "6": "OTHER",
    "7": "CIVILIANS",
    "8": "OTHER",
}
GEO_PRECISION = {"1": "EXACT", "2": "NEAR", "3": "ADMIN1"}
PRECISION = {"1": "DAY", "2": "WEEK", "3": "MONTH"}
WEAPONS = {
    "ARMED_CLASH": "SMALL_ARMS",
    "SHELLING_ARTILLERY_MISSILE_ATTACK": "ARTILLERY",
    "REMOTE_EXPLOSIVE_LANDMINE_IED": "IED",
    "SUICIDE_BOMB": "IED",
    "GRENADE": "OTHER",
    "CHEMICAL_WEAPON": "OTHER",
}


def code(label: str) -> str:
    """ACLED label → enum code: "Explosions/Remote violence" → EXPLOSIONS_REMOTE_VIOLENCE."""
    return re.sub(r"[^A-Z0-9]+", "_", label.strip().upper()).strip("_")


SUB_EVENT_ALIASES = {"CHANGE_TO_GROUP_ACTIVITY": "CHANGE_TO_GROUP_ACTIVITY"}


@lru_cache(maxsize=1024)
def country_code(iso_numeric: str, name: str) -> str | None:
    found = None
    if iso_numeric.strip().isdigit():
        found = pycountry.countries.get(numeric=iso_numeric.strip().zfill(3))
    if found is None and name.strip():
        try:
            found = pycountry.countries.lookup(name.strip())
        except LookupError:
            found = None
    return str(found.alpha_2) if found is not None else None


def split_list(value: str) -> list[str]:
    return [x.strip() for x in value.split(";") if x.strip()]


def parse_date(value: str) -> dt.date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"bad date {value!r}")


def date_range(day: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    if precision == "WEEK":
        return day - dt.timedelta(days=3), day + dt.timedelta(days=3)
    if precision == "MONTH":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


def _float(value: str, low: float, high: float, what: str) -> float | None:
    if not value.strip():
        return None
    x = float(value)
    if not low <= x <= high:
        raise ValueError(f"{what} {x} out of range")
    return x


def parse_row(line: int, raw: dict[str, str], taxonomy: dict[str, str]) -> EventRow | Rejected:
    """One CSV record → an EventRow, or a rejection saying why."""
    row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    missing = [c for c in REQUIRED if not row.get(c)]
    if missing:
        return Rejected(line, f"missing {', '.join(missing)}")
    try:
        day = parse_date(row["event_date"])
    except ValueError as exc:
        return Rejected(line, str(exc))
    if not MIN_DATE <= day <= today():
        return Rejected(line, f"event_date {day} before 1900 or in the future")
    event_type, sub = code(row["event_type"]), code(row["sub_event_type"])
    if taxonomy.get(sub) != event_type:
        return Rejected(line, f"unknown event/sub-event type {row['sub_event_type']!r}")
    try:
        lat = _float(row.get("latitude", ""), -90, 90, "latitude")
        lon = _float(row.get("longitude", ""), -180, 180, "longitude")
        fatalities = int(row["fatalities"]) if row.get("fatalities") else None
        version = int(row["timestamp"]) if row.get("timestamp") else None
    except ValueError as exc:
        return Rejected(line, str(exc))
    if (lat is None) != (lon is None):
        return Rejected(line, "latitude and longitude must both be given")
    if fatalities is not None and fatalities < 0:
        return Rejected(line, "fatalities must not be negative")
    precision = PRECISION.get(row.get("time_precision", ""), "DAY")
    earliest, latest = date_range(day, precision)
    cc = country_code(row.get("iso", ""), row["country"])
    notes = row.get("notes") or None
    weapon = WEAPONS.get(sub, "UNKNOWN")
    if sub == "AIR_DRONE_STRIKE":
        weapon = "DRONE" if notes and "drone" in notes.lower() else "AIRSTRIKE"
    kind1 = INTER_KINDS.get(row.get("inter1", ""), "OTHER")
    kind2 = INTER_KINDS.get(row.get("inter2", ""), "OTHER")
    participants = [
        (name, kind1, "PERPETRATOR")
        for name in [row.get("actor1", ""), *split_list(row.get("assoc_actor_1", ""))]
        if name
    ] + [
        (name, kind2, "TARGET")
        for name in [row.get("actor2", ""), *split_list(row.get("assoc_actor_2", ""))]
        if name
    ]
    summary = notes or f"{row['sub_event_type']} in {row['location']}, {row['country']}"
    return EventRow(
        line=line,
        system="acled",
        external_id=row["event_id_cnty"],
        version=version,
        incident={
            "occurred_on": day,
            "date_earliest": earliest,
            "date_latest": latest,
            "time_precision": precision,
            "event_type": event_type,
            "sub_event_type": sub,
            "weapon": weapon,
            "killed_low": fatalities,
            "killed_best": fatalities,
            "killed_high": fatalities,
            "summary": summary,
            "notes": notes,
            "tags": split_list(row.get("tags", "")),
        },
        location=LocationSpec(
            name=row["location"],
            country_code=cc,
            latitude=lat,
            longitude=lon,
            geo_precision=GEO_PRECISION.get(row.get("geo_precision", ""), "UNKNOWN"),
            admin1_name=row.get("admin1") or None,
            admin2_name=row.get("admin2") or None,
        ),
        participants=participants,
        sources=[SourceSpec(publisher=p) for p in split_list(row.get("source", ""))],
    )


def parse(lines: Iterable[str], taxonomy: dict[str, str]) -> Iterator[EventRow | Rejected]:
    """Stream a CSV text (an open file) into rows; line numbers are the file's lines."""
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        yield Rejected(1, f"not an ACLED CSV: missing columns {', '.join(missing)}")
        return
    start = 2
    for raw in reader:
        yield parse_row(start, raw, taxonomy)
        start = reader.line_num + 1
