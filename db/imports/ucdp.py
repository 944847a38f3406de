"""UCDP GED CSV → ``EventRow``s, streamed.

Mapping: ``id`` → external id ``ucdp`` (UCDP has no row timestamp: a re-import with
changed values is detected by the GED version, so ``version`` is left empty and
existing events stay unchanged); ``type_of_violence`` 1/2/3 → ACLED-style types;
``side_a``/``side_b`` → perpetrator/target; ``date_start``/``date_end`` → the date range;
``low``/``best``/``high`` → killed; ``where_coordinates``/``latitude``/``longitude``/
``where_prec``/``adm_1``/``adm_2``/``country`` → a location; ``source_office``/
``source_headline``/``source_article``/``source_date`` → a source.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator

from db.imports.acled import country_code, parse_date
from db.imports.core import EventRow, LocationSpec, Rejected, SourceSpec
from db.writes.validate import MIN_DATE, today

REQUIRED = ("id", "date_start", "side_a", "country", "best")
VIOLENCE = {
    "1": ("BATTLES", "ARMED_CLASH", "STATE_FORCES"),  # state-based
    "2": ("BATTLES", "ARMED_CLASH", "REBEL_GROUP"),  # non-state
    "3": ("VIOLENCE_AGAINST_CIVILIANS", "ATTACK", "REBEL_GROUP"),  # one-sided
}
WHERE_PREC = {"1": "EXACT", "2": "NEAR", "3": "ADMIN2", "4": "ADMIN1", "5": "ADMIN1"}


def _int(row: dict[str, str], column: str) -> int | None:
    value = row.get(column, "")
    return int(float(value)) if value else None


def parse_row(line: int, raw: dict[str, str]) -> EventRow | Rejected:
    row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    missing = [c for c in REQUIRED if not row.get(c)]
    if missing:
        return Rejected(line, f"missing {', '.join(missing)}")
    try:
        start = parse_date(row["date_start"][:10])
        end = parse_date(row["date_end"][:10]) if row.get("date_end") else start
        low, best, high = _int(row, "low"), _int(row, "best"), _int(row, "high")
        lat = float(row["latitude"]) if row.get("latitude") else None
        lon = float(row["longitude"]) if row.get("longitude") else None
    except ValueError as exc:
        return Rejected(line, str(exc))
    if not MIN_DATE <= start <= end <= today():
        return Rejected(line, "dates out of range (before 1900, in the future, or end < start)")
    if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
        return Rejected(line, "coordinates out of range")
    known = [x for x in (low, best, high) if x is not None]
    if known != sorted(known) or any(x < 0 for x in known):
        return Rejected(line, "expected 0 <= low <= best <= high")
    event_type, sub, kind_a = VIOLENCE.get(row.get("type_of_violence", ""), VIOLENCE["1"])
    side_b = row.get("side_b", "")
    kind_b = "CIVILIANS" if row.get("type_of_violence") == "3" else kind_a
    precision = "DAY" if start == end else ("WEEK" if (end - start).days <= 7 else "MONTH")
    if (end - start).days > 31:
        precision = "YEAR"
    place = row.get("where_coordinates") or row.get("adm_2") or row["country"]
    name = place.split(",")[0].strip() or row["country"]
    source_date = None
    if row.get("source_date"):
        try:
            source_date = dt.datetime.combine(
                parse_date(row["source_date"][:10]), dt.time(), dt.UTC
            )
        except ValueError:
            source_date = None
    headline = row.get("source_headline") or None
    return EventRow(
        line=line,
        system="ucdp",
        external_id=row["id"],
        version=None,
        incident={
            "occurred_on": start,
            "date_earliest": start,
            "date_latest": end,
            "time_precision": precision,
            "event_type": event_type,
            "sub_event_type": sub,
            "weapon": "UNKNOWN",
            "killed_low": low,
            "killed_best": best,
            "killed_high": high,
            "summary": f"{row.get('dyad_name') or row['side_a']}: {name}, {row['country']}",
            "notes": row.get("source_article") or None,
            "tags": [t for t in ["ucdp", row.get("conflict_name", "")] if t],
        },
        location=LocationSpec(
            name=name,
            country_code=country_code("", row["country"].split("(")[0]),
            latitude=lat,
            longitude=lon,
            geo_precision=WHERE_PREC.get(row.get("where_prec", ""), "UNKNOWN"),
            admin1_name=(row.get("adm_1") or "").split(" province")[0] or None,
            admin2_name=row.get("adm_2") or None,
        ),
        participants=[(row["side_a"], kind_a, "PERPETRATOR")]
        + ([(side_b, kind_b, "TARGET")] if side_b else []),
        sources=[
            SourceSpec(
                publisher=row.get("source_office") or "UCDP GED",
                title=headline,
                published_at=source_date,
                kind="NEWS_ARTICLE" if row.get("source_office") else "DATASET",
            )
        ],
    )


def parse(lines: Iterable[str]) -> Iterator[EventRow | Rejected]:
    reader = csv.DictReader(lines)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        yield Rejected(1, f"not a UCDP GED CSV: missing columns {', '.join(missing)}")
        return
    start = 2
    for raw in reader:
        yield parse_row(start, raw)
        start = reader.line_num + 1
