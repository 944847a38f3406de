"""`sitrep export csv`: published incidents in ACLED's 31-column order, streamed.

Lossless for rows imported from ACLED: every column comes back as it went in (the
country, place and admin names as ACLED spelled them, actors by the names ACLED gave
them on their side, principal or associated, the coding columns, and ACLED's own
``timestamp``), so importing the export into the same database changes nothing.
Coordinates are numbers (trailing zeros are not kept). Other incidents get
``event_id_cnty`` ``SITREP<id>`` (importing it again finds the same incident), names
from their records, sides from their roles, and ``timestamp`` their last change (Unix
seconds). An unknown value is an empty field, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pycountry

from db.core import Db
from db.imports.acled import COLUMNS

BATCH = 2000

SQL = """
select i.id, e.external_id as acled_id, e.source_version, i.occurred_on,
  i.time_precision, et.label as sub_label, i.event_type, i.notes, i.summary, i.killed_best,
  i.tags, extract(epoch from i.updated_at)::bigint as ts,
  coalesce(i.place_name, l.name) as location,
  coalesce(i.latitude, l.latitude) as latitude, coalesce(i.longitude, l.longitude) as longitude,
  coalesce(i.geo_precision, l.geo_precision) as geo_precision, l.country_code, i.country_name,
  coalesce(i.admin1_name, l.admin1_name) as admin1, coalesce(i.admin2_name, l.admin2_name)
  as admin2, i.admin3_name as admin3, i.region, i.disorder_type, i.inter1, i.inter2,
  i.interaction, i.civilian_targeting, i.source_scale,
  array(select json_build_array(coalesce(p.side, case when p.role in ('TARGET', 'VICTIM',
          'SIDE_B') then 2 when p.role in ('PERPETRATOR', 'CLAIMANT', 'SIDE_A', 'PARTICIPANT')
          then 1 end), p.associated, coalesce(p.reported_name, a.name))
        from incident_participant p join actor a on a.id = p.actor_id
        where p.incident_id = i.id and a.status = 'PUBLISHED' order by p.associated, p.id)
    as actors,
  array(select s.publisher from incident_source x join source s on s.id = x.source_id
        where x.incident_id = i.id and s.status = 'PUBLISHED'
        order by x.position nulls last, s.id) as publishers
from incident i
join location l on l.id = i.location_id
join event_taxonomy et on et.sub_event_type = i.sub_event_type
left join incident_external_id e on e.incident_id = i.id and e.system = 'acled'
where i.status = 'PUBLISHED' and i.id > $1 order by i.id limit $2
"""

EVENT_LABELS = {
    "BATTLES": "Battles",
    "EXPLOSIONS_REMOTE_VIOLENCE": "Explosions/Remote violence",
    "VIOLENCE_AGAINST_CIVILIANS": "Violence against civilians",
    "PROTESTS": "Protests",
    "RIOTS": "Riots",
    "STRATEGIC_DEVELOPMENTS": "Strategic developments",
}
PRECISION = {"DAY": "1", "WEEK": "2", "MONTH": "3", "YEAR": "3"}
GEO = {"EXACT": "1", "NEAR": "2", "ADMIN2": "2", "ADMIN1": "3", "COUNTRY": "3"}


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _side(actors: list[Any], side: int) -> tuple[str, str]:
    """(principal, associated actors) of a side; without a principal, the first named."""
    names = [(assoc, name) for s, assoc, name in actors if s == side]
    principal = next((n for assoc, n in names if not assoc), None)
    if principal is None and names:
        principal = names[0][1]
    rest = [n for _, n in names if n != principal]
    return principal or "", "; ".join(rest)


def _row(r: Any) -> list[Any]:
    import orjson

    country = pycountry.countries.get(alpha_2=r["country_code"]) if r["country_code"] else None
    country_name = r["country_name"] or (
        (getattr(country, "common_name", None) or country.name) if country else ""
    )
    actors = [orjson.loads(a) if isinstance(a, str) else a for a in r["actors"]]
    actor1, assoc1 = _side(actors, 1)
    actor2, assoc2 = _side(actors, 2)
    imported = r["acled_id"] is not None
    values = {
        "event_id_cnty": r["acled_id"] if imported else f"SITREP{r['id']}",
        "event_date": r["occurred_on"].isoformat(),
        "year": r["occurred_on"].year,
        "time_precision": PRECISION[r["time_precision"]],
        "disorder_type": _blank(r["disorder_type"]),
        "event_type": EVENT_LABELS[r["event_type"]],
        "sub_event_type": r["sub_label"],
        "actor1": actor1,
        "assoc_actor_1": assoc1,
        "inter1": _blank(r["inter1"]),
        "actor2": actor2,
        "assoc_actor_2": assoc2,
        "inter2": _blank(r["inter2"]),
        "interaction": _blank(r["interaction"]),
        "civilian_targeting": "Civilian targeting" if r["civilian_targeting"] else "",
        "iso": int(country.numeric) if country else "",
        "region": _blank(r["region"]),
        "country": country_name,
        "admin1": _blank(r["admin1"]),
        "admin2": _blank(r["admin2"]),
        "admin3": _blank(r["admin3"]),
        "location": r["location"],
        "latitude": _blank(r["latitude"]),
        "longitude": _blank(r["longitude"]),
        "geo_precision": GEO.get(r["geo_precision"], ""),
        "source": "; ".join(r["publishers"]),
        "source_scale": _blank(r["source_scale"]),
        "notes": _blank(r["notes"]) if imported else (r["notes"] or r["summary"]),
        "fatalities": _blank(r["killed_best"]),
        "tags": "; ".join(r["tags"]),
        "timestamp": r["source_version"] if r["source_version"] is not None else r["ts"],
    }
    return [values[c] for c in COLUMNS]


async def export_csv(db: Db, write: Callable[[str], Any]) -> int:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS)
    after, n = 0, 0
    while True:
        rows = await db.fetch(SQL, after, BATCH)
        for r in rows:
            out.writerow(_row(r))
        n += len(rows)
        write(buf.getvalue())
        buf.seek(0)
        buf.truncate()
        if len(rows) < BATCH:
            return n
        after = rows[-1]["id"]
