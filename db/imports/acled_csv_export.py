"""`sitrep export csv`: published incidents in ACLED's 31-column order, streamed.

Columns Sitrep does not keep (disorder_type, inter codes, region, admin3, source_scale)
are left empty; ``event_id_cnty`` is the ACLED id when the incident has one, else
``SITREP<id>``; ``timestamp`` is the last change (Unix seconds).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from db.core import Db
from db.imports.acled import COLUMNS

BATCH = 2000

SQL = """
select i.id, coalesce(e.external_id, 'SITREP' || i.id) as event_id_cnty, i.occurred_on,
  i.time_precision, et.label as sub_label, i.event_type, i.notes, i.summary, i.killed_best,
  i.tags, extract(epoch from i.updated_at)::bigint as ts,
  l.name as location, l.latitude, l.longitude, l.geo_precision, l.country_code,
  l.admin1_name, l.admin2_name,
  array(select a.name from incident_participant p join actor a on a.id = p.actor_id
        where p.incident_id = i.id and p.role in ('PERPETRATOR', 'CLAIMANT')
        and a.status = 'PUBLISHED' order by p.id) as side1,
  array(select a.name from incident_participant p join actor a on a.id = p.actor_id
        where p.incident_id = i.id and p.role in ('TARGET', 'VICTIM')
        and a.status = 'PUBLISHED' order by p.id) as side2,
  array(select s.publisher from incident_source x join source s on s.id = x.source_id
        where x.incident_id = i.id and s.status = 'PUBLISHED' order by s.id) as publishers
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


def _row(r: Any) -> list[Any]:
    import pycountry

    country = pycountry.countries.get(alpha_2=r["country_code"]) if r["country_code"] else None
    side1, side2 = list(r["side1"]), list(r["side2"])
    values = {
        "event_id_cnty": r["event_id_cnty"],
        "event_date": r["occurred_on"].isoformat(),
        "year": r["occurred_on"].year,
        "time_precision": PRECISION[r["time_precision"]],
        "event_type": EVENT_LABELS[r["event_type"]],
        "sub_event_type": r["sub_label"],
        "actor1": side1[0] if side1 else "",
        "assoc_actor_1": "; ".join(side1[1:]),
        "actor2": side2[0] if side2 else "",
        "assoc_actor_2": "; ".join(side2[1:]),
        "iso": int(country.numeric) if country else "",
        "country": country.name if country else "",
        "admin1": r["admin1_name"] or "",
        "admin2": r["admin2_name"] or "",
        "location": r["location"],
        "latitude": r["latitude"] if r["latitude"] is not None else "",
        "longitude": r["longitude"] if r["longitude"] is not None else "",
        "geo_precision": GEO.get(r["geo_precision"], ""),
        "source": "; ".join(r["publishers"]),
        "notes": r["notes"] or r["summary"],
        "fatalities": r["killed_best"] if r["killed_best"] is not None else 0,
        "tags": "; ".join(r["tags"]),
        "timestamp": r["ts"],
    }
    return [values.get(c, "") for c in COLUMNS]


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
