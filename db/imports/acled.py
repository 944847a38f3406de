"""ACLED CSV (the 31-column export as published) → ``EventRow``s, streamed.

Mapping (the README has the full table): ``event_id_cnty`` → external id ``acled`` (a
Sitrep export's ``SITREP<id>`` is that incident); ``timestamp`` → its version (a newer
one updates the incident); ``event_type``/``sub_event_type`` → the taxonomy; weapon and
outcome from the sub-event type and the notes (``taxonomy``); ``time_precision``
1/2/3 → DAY/WEEK/MONTH with the matching date range; ``actor1``/``assoc_actor_1`` (side
1) and ``actor2``/``assoc_actor_2`` (side 2) → participants whose role depends on the
event type (``ROLES``), associated actors marked as such; ``inter1``/``inter2`` (text or
numeric codes) → the actors' kinds; the row's point, precision, admin levels, place,
country and region → the incident (and a location, reused only when it is the same
place); ``disorder_type``, ``inter1``/``inter2``/``interaction``,
``civilian_targeting``, ``source_scale`` → kept as given; ``source`` (``;`` list) →
sources in order; ``fatalities`` → killed; ``tags`` (``;``) → tags.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator

from db.imports import files
from db.imports.places import admin1_code, country_code, kind_of
from db.imports.rows import EventRow, LocationSpec, ParticipantSpec, Rejected, SourceSpec
from db.imports.taxonomy import weapon_and_outcome
from db.writes.validate import MIN_DATE, today

__all__ = ["COLUMNS", "country_code", "parse", "parse_date"]

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "location")

# ACLED's actor types, by numeric inter code (before 2024) and by label (since)
INTER_KINDS = {
    "1": "STATE_FORCES",
    "2": "REBEL_GROUP",
    "3": "MILITIA",
    "4": "MILITIA",
    "5": "OTHER",
    "6": "OTHER",
    "7": "CIVILIANS",
    "8": "OTHER",
    "state forces": "STATE_FORCES",
    "rebel group": "REBEL_GROUP",
    "rebel groups": "REBEL_GROUP",
    "political militia": "MILITIA",
    "political militias": "MILITIA",
    "identity militia": "MILITIA",
    "identity militias": "MILITIA",
    "rioters": "OTHER",
    "protesters": "OTHER",
    "civilians": "CIVILIANS",
    "external/other forces": "OTHER",
    "external/other force": "OTHER",
}
_STATE_NAME = re.compile(r"^(military|police) forces of |^government of ", re.I)


def actor_kind(inter: str, name: str) -> str:
    """An actor's kind from its inter code or label; an unmarked ``Military/Police
    Forces of X`` or ``Government of X`` is state forces."""
    kind = INTER_KINDS.get(inter.strip().lower(), "OTHER")
    if kind == "OTHER" and _STATE_NAME.search(name):
        return "STATE_FORCES"
    return kind


_CIVILIANS = {"7", "civilians"}

# (side 1 role, side 2 role) by event type, then by sub-event type where it differs
ROLES = {
    "BATTLES": ("SIDE_A", "SIDE_B"),
    "EXPLOSIONS_REMOTE_VIOLENCE": ("PERPETRATOR", "TARGET"),
    "VIOLENCE_AGAINST_CIVILIANS": ("PERPETRATOR", "TARGET"),
    "PROTESTS": ("PARTICIPANT", "RESPONDER"),
    "RIOTS": ("PARTICIPANT", "RESPONDER"),
    "STRATEGIC_DEVELOPMENTS": ("OTHER", "OTHER"),
}
SUB_EVENT_ROLES = {
    "PEACEFUL_PROTEST": ("PARTICIPANT", "OTHER"),
    "EXCESSIVE_FORCE_AGAINST_PROTESTERS": ("TARGET", "PERPETRATOR"),
    "MOB_VIOLENCE": ("PARTICIPANT", "TARGET"),
    "DISRUPTED_WEAPONS_USE": ("INTERCEPTOR", "PERPETRATOR"),
}


def roles(event_type: str, sub_event_type: str, inter2: str) -> tuple[str, str]:
    side1, side2 = SUB_EVENT_ROLES.get(sub_event_type) or ROLES[event_type]
    if event_type == "RIOTS" and inter2.strip().lower() in _CIVILIANS:
        side2 = "TARGET"  # rioters attacking civilians
    return side1, side2


GEO_PRECISION = {"1": "EXACT", "2": "NEAR", "3": "ADMIN1"}
PRECISION = {"1": "DAY", "2": "WEEK", "3": "MONTH"}
_OWN_ID = re.compile(r"^SITREP(\d+)$")


@functools.lru_cache(maxsize=1024)
def code(label: str) -> str:
    """ACLED label → enum code: "Explosions/Remote violence" → EXPLOSIONS_REMOTE_VIOLENCE."""
    return re.sub(r"[^A-Z0-9]+", "_", label.strip().upper()).strip("_")


def split_list(value: str) -> list[str]:
    return [x.strip() for x in value.split(";") if x.strip()]


def parse_date(value: str) -> dt.date:
    value = value.strip()
    if len(value) == 10 and value[4] == value[7] == "-" and value.replace("-", "").isdigit():
        # the common case, without strptime (a tenth of the parser's time)
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)
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


def _optional(row: dict[str, str], column: str) -> str | None:
    """A column's value; None when the column is missing or empty."""
    return row.get(column) or None


def _int(row: dict[str, str], column: str) -> int | None:
    value = row.get(column, "")
    return int(value) if value else None


def _participants(row: dict[str, str], event_type: str, sub: str) -> list[ParticipantSpec]:
    inter1, inter2 = row.get("inter1", ""), row.get("inter2", "")
    role1, role2 = roles(event_type, sub, inter2)
    out = []
    for side, role, inter, principal, assoc in (
        (1, role1, inter1, "actor1", "assoc_actor_1"),
        (2, role2, inter2, "actor2", "assoc_actor_2"),
    ):
        if row.get(principal):
            name = row[principal]
            out.append(ParticipantSpec(name, actor_kind(inter, name), role, side))
        for name in split_list(row.get(assoc, "")):
            # an associated actor's own type is not given: only the obvious state forces
            out.append(ParticipantSpec(name, actor_kind("", name), role, side, associated=True))
    return out


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
        fatalities = _int(row, "fatalities")
        version = _int(row, "timestamp")
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
    weapon, outcome = weapon_and_outcome(sub, notes)
    geo = GEO_PRECISION.get(row.get("geo_precision", ""), "UNKNOWN")
    a1 = _optional(row, "admin1")
    a1_code = admin1_code(cc, a1)
    targeting = row.get("civilian_targeting")
    own = _OWN_ID.match(row["event_id_cnty"])
    return EventRow(
        line=line,
        system="sitrep" if own else "acled",
        external_id=own.group(1) if own else row["event_id_cnty"],
        version=version,
        own_id=int(own.group(1)) if own else None,
        incident={
            "occurred_on": day,
            "date_earliest": earliest,
            "date_latest": latest,
            "time_precision": precision,
            "event_type": event_type,
            "sub_event_type": sub,
            "weapon": weapon,
            "outcome": outcome,
            "killed_low": fatalities,
            "killed_best": fatalities,
            "killed_high": fatalities,
            "summary": notes or f"{row['sub_event_type']} in {row['location']}, {row['country']}",
            "notes": notes,
            "tags": split_list(row.get("tags", "")),
            "latitude": lat,
            "longitude": lon,
            "geo_precision": geo,
            "admin1_code": a1_code,
            "admin1_name": a1,
            "admin2_name": _optional(row, "admin2"),
            "admin3_name": _optional(row, "admin3"),
            "place_name": row["location"],
            "country_name": row["country"],
            "region": _optional(row, "region"),
            "disorder_type": _optional(row, "disorder_type"),
            "inter1": _optional(row, "inter1"),
            "inter2": _optional(row, "inter2"),
            "interaction": _optional(row, "interaction"),
            "civilian_targeting": None if targeting is None else bool(targeting),
            "source_scale": _optional(row, "source_scale"),
        },
        location=LocationSpec(
            name=row["location"],
            country_code=cc,
            latitude=lat,
            longitude=lon,
            geo_precision=geo,
            admin1_code=a1_code,
            admin1_name=a1,
            admin2_name=_optional(row, "admin2"),
            kind=kind_of(row["location"]),
        ),
        participants=_participants(row, event_type, sub),
        sources=[SourceSpec(publisher=p) for p in split_list(row.get("source", ""))],
    )


def parse(lines: Iterable[str], taxonomy: dict[str, str]) -> Iterator[EventRow | Rejected]:
    """Stream a CSV text (an open file) into rows; line numbers are the file's lines."""
    reader = files.dict_reader(lines)
    files.require(reader, REQUIRED, "an ACLED CSV")
    for line, raw in files.records(reader):
        yield parse_row(line, raw, taxonomy)
