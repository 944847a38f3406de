"""UCDP GED CSV (24.1/25.1 columns) → ``EventRow``s, streamed.

Mapping (the README has the full table): ``id`` → external id ``ucdp``; UCDP has no row
timestamp, so the version is a hash of the row's values: a new GED release that changed
a row (deaths, dates, sources) updates its incident. ``type_of_violence`` 1/2/3 →
BATTLES/ARMED_CLASH (state-based, non-state) or VIOLENCE_AGAINST_CIVILIANS/ATTACK
(one-sided); any other value rejects the row. ``side_a``/``side_b`` → SIDE_A/SIDE_B
participants (UCDP sides are not directional; in one-sided violence side_b, the
civilians, is the TARGET of side_a, the PERPETRATOR); a ``Government of X`` is state
forces. ``date_start``/``date_end`` → the date range, ``date_prec`` kept; ``low``/``best``/
``high`` → killed, ``deaths_a``/``deaths_b``/``deaths_civilians``/``deaths_unknown`` kept;
``where_coordinates``/``latitude``/``longitude``/``where_prec``/``adm_1``/``adm_2``/
``country``/``region``/``where_description`` → the incident's place (and a location);
``source_office``/``source_date``/``source_headline`` (``;`` lists) → one source each,
``source_article`` their note; the weapon is read from the headlines and articles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Iterator

from db.imports import files
from db.imports.acled import parse_date
from db.imports.places import admin1_code, country_code, kind_of
from db.imports.rows import EventRow, LocationSpec, ParticipantSpec, Rejected, SourceSpec
from db.imports.taxonomy import weapon_and_outcome
from db.writes.validate import MIN_DATE, today

REQUIRED = ("id", "date_start", "side_a", "country", "best", "type_of_violence")
# type_of_violence → (event type, sub-event type, side_a's role, side_b's role)
VIOLENCE = {
    "1": ("BATTLES", "ARMED_CLASH", "SIDE_A", "SIDE_B"),  # state-based
    "2": ("BATTLES", "ARMED_CLASH", "SIDE_A", "SIDE_B"),  # non-state
    "3": ("VIOLENCE_AGAINST_CIVILIANS", "ATTACK", "PERPETRATOR", "TARGET"),  # one-sided
}
WHERE_PREC = {
    "1": "EXACT",
    "2": "NEAR",
    "3": "ADMIN2",
    "4": "ADMIN1",
    "5": "ADMIN1",
    "6": "COUNTRY",
    "7": "UNKNOWN",
}


def _int(row: dict[str, str], column: str) -> int | None:
    value = row.get(column, "")
    return int(float(value)) if value else None


def _kind(name: str, violence: str, side: str) -> str:
    if name.lower().startswith("government of"):
        return "STATE_FORCES"
    if violence == "3" and side == "b":
        return "CIVILIANS"
    return "REBEL_GROUP" if violence == "2" or side == "b" else "OTHER"


def _version(row: dict[str, str]) -> int:
    """A signed 63-bit hash of the row's values: equal rows, equal versions."""
    text = "\x1f".join(f"{k}={v}" for k, v in sorted(row.items()))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1


def _split(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(";")]


def _sources(row: dict[str, str]) -> list[SourceSpec]:
    offices = _split(row.get("source_office"))
    dates = _split(row.get("source_date"))
    headlines = _split(row.get("source_headline"))
    articles = _split(row.get("source_article"))
    out = []
    for office, date, headline, article in itertools.zip_longest(
        offices, dates, headlines, articles
    ):
        if not (office or headline):
            continue
        published = None
        if date:
            try:
                published = dt.datetime.combine(parse_date(date[:10]), dt.time(), dt.UTC)
            except ValueError:
                published = None
        out.append(
            SourceSpec(
                publisher=office or "UCDP GED",
                title=headline or None,
                note=article or None,
                published_at=published,
                kind="NEWS_ARTICLE" if office else "DATASET",
            )
        )
    return out or [SourceSpec(publisher="UCDP GED", kind="DATASET")]


def parse_row(line: int, raw: dict[str, str]) -> EventRow | Rejected:
    row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    missing = [c for c in REQUIRED if not row.get(c)]
    if missing:
        return Rejected(line, f"missing {', '.join(missing)}")
    violence = row["type_of_violence"]
    if violence not in VIOLENCE:
        return Rejected(line, f"unknown type_of_violence {violence!r} (expected 1, 2 or 3)")
    try:
        start = parse_date(row["date_start"][:10])
        end = parse_date(row["date_end"][:10]) if row.get("date_end") else start
        low, best, high = _int(row, "low"), _int(row, "best"), _int(row, "high")
        lat = float(row["latitude"]) if row.get("latitude") else None
        lon = float(row["longitude"]) if row.get("longitude") else None
        numbers = {
            c: _int(row, c)
            for c in (
                "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "date_prec",
                "where_prec", "event_clarity", "conflict_new_id", "dyad_new_id",
                "side_a_new_id", "side_b_new_id", "number_of_sources",
            )
        }  # fmt: skip
    except ValueError as exc:
        return Rejected(line, str(exc))
    if not MIN_DATE <= start <= end <= today():
        return Rejected(line, "dates out of range (before 1900, in the future, or end < start)")
    if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
        return Rejected(line, "coordinates out of range")
    if (lat is None) != (lon is None):
        return Rejected(line, "latitude and longitude must both be given")
    known = [x for x in (low, best, high) if x is not None]
    if known != sorted(known) or any(x < 0 for x in known):
        return Rejected(line, "expected 0 <= low <= best <= high")
    bad = [c for c, v in numbers.items() if v is not None and v < 0]
    if bad:
        return Rejected(line, f"{', '.join(bad)} must not be negative")
    checks = {"date_prec": 5, "where_prec": 7, "event_clarity": 2}
    out_of_range = [c for c, top in checks.items() if not 1 <= (numbers[c] or 1) <= top]
    if out_of_range:
        return Rejected(line, f"{', '.join(out_of_range)} out of range")
    event_type, sub, role_a, role_b = VIOLENCE[violence]
    precision = "DAY" if start == end else ("WEEK" if (end - start).days <= 7 else "MONTH")
    if (end - start).days > 31:
        precision = "YEAR"
    place = row.get("where_coordinates") or row.get("adm_2") or row["country"]
    name = place.split(",")[0].strip() or row["country"]
    cc = country_code("", row["country"])
    adm1 = row.get("adm_1") or None
    a1_name = adm1.removesuffix(" province").removesuffix(" governorate") if adm1 else None
    a1_code = admin1_code(cc, a1_name)
    geo = WHERE_PREC.get(row.get("where_prec", ""), "UNKNOWN")
    text = " ".join(filter(None, [row.get("source_headline"), row.get("source_article")]))
    weapon, outcome = weapon_and_outcome(None, text)
    side_b = row.get("side_b", "")
    participants = [ParticipantSpec(row["side_a"], _kind(row["side_a"], violence, "a"), role_a, 1)]
    if side_b:
        participants.append(ParticipantSpec(side_b, _kind(side_b, violence, "b"), role_b, 2))
    return EventRow(
        line=line,
        system="ucdp",
        external_id=row["id"],
        version=_version(row),
        version_is_hash=True,
        incident={
            "occurred_on": start,
            "date_earliest": start,
            "date_latest": end,
            "time_precision": precision,
            "event_type": event_type,
            "sub_event_type": sub,
            "weapon": weapon,
            "outcome": outcome,
            "killed_low": low,
            "killed_best": best,
            "killed_high": high,
            "summary": f"{row.get('dyad_name') or row['side_a']}: {name}, {row['country']}",
            "notes": row.get("source_article") or None,
            "tags": [t for t in ["ucdp", row.get("conflict_name", "")] if t],
            "latitude": lat,
            "longitude": lon,
            "geo_precision": geo,
            "admin1_code": a1_code,
            "admin1_name": a1_name,
            "admin2_name": row.get("adm_2") or None,
            "place_name": name,
            "country_name": row["country"],
            "region": row.get("region") or None,
            "where_description": row.get("where_description") or None,
            "deaths_a": numbers["deaths_a"],
            "deaths_b": numbers["deaths_b"],
            "deaths_civilians": numbers["deaths_civilians"],
            "deaths_unknown": numbers["deaths_unknown"],
            "date_prec": numbers["date_prec"],
            "where_prec": numbers["where_prec"],
            "event_clarity": numbers["event_clarity"],
            "conflict_id": numbers["conflict_new_id"],
            "dyad_id": numbers["dyad_new_id"],
            "side_a_id": numbers["side_a_new_id"],
            "side_b_id": numbers["side_b_new_id"],
            "relid": row.get("relid") or None,
            "number_of_sources": numbers["number_of_sources"],
        },
        location=LocationSpec(
            name=name,
            country_code=cc,
            latitude=lat,
            longitude=lon,
            geo_precision=geo,
            admin1_code=a1_code,
            admin1_name=a1_name,
            admin2_name=row.get("adm_2") or None,
            kind=kind_of(name),
        ),
        participants=participants,
        sources=_sources(row),
    )


def parse(lines: Iterable[str]) -> Iterator[EventRow | Rejected]:
    reader = files.dict_reader(lines)
    files.require(reader, REQUIRED, "a UCDP GED CSV")
    for line, raw in files.records(reader):
        yield parse_row(line, raw)
