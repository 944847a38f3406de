"""A realistic generated set of Iraq/Syria events (late 2023 to early 2024) and the records
ACLED, UCDP and an analyst would make of each, with the truth known.

Each true event is recorded by ACLED (always, at its own geo precision and with its own
actor names), by UCDP when someone died (90%: coded a day off 15% of the time, at
"where_prec" 1-3 with the matching displacement, deaths best within ±2, sides under
UCDP's names, 8% under a name nothing resolves), and by hand for a quarter of them.
Hard negatives: same day, same town, a different event (a protest; a clash of one of the
same actors with someone else nearby; a second attack by the same group on the same
forces that day in another district, in ACLED only).

Records are shaped as the APIs answer: ACLED's values as text (``timestamp`` a number),
UCDP's as JSON numbers and text.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

# (name, country, iso numeric, admin1, admin2, lat, lon)
PLACES = [
    ("Baghdad", "Iraq", 368, "Baghdad", "Karkh", 33.3152, 44.3661),
    ("Mosul", "Iraq", 368, "Ninewa", "Mosul", 36.3350, 43.1189),
    ("Kirkuk", "Iraq", 368, "Kirkuk", "Kirkuk", 35.4681, 44.3922),
    ("Ramadi", "Iraq", 368, "Anbar", "Ramadi", 33.4206, 43.3078),
    ("Tikrit", "Iraq", 368, "Salah al-Din", "Tikrit", 34.6070, 43.6782),
    ("Sinjar", "Iraq", 368, "Ninewa", "Sinjar", 36.3209, 41.8754),
    ("Deir ez-Zor", "Syria", 760, "Deir ez Zor", "Deir ez Zor", 35.3359, 40.1408),
    ("Al-Shaddadi", "Syria", 760, "Al Hasakeh", "Al-Shaddadi", 36.0556, 40.7306),
    ("Raqqa", "Syria", 760, "Ar-Raqqa", "Ar-Raqqa", 35.9528, 39.0079),
    ("Al-Tanf", "Syria", 760, "Homs", "Tadmor", 33.4978, 38.6647),
]

# Actor key → (ACLED name, inter code text, UCDP name). Aliases make both resolve to one
# actor (what the crosswalk of the import does); the test creates them.
ACTORS = {
    "iraq": ("Military Forces of Iraq (2022-)", "State forces", "Government of Iraq"),
    "isis": ("Islamic State (Iraq)", "Rebel group", "IS"),
    "us": (
        "Military Forces of the United States (2021-)",
        "External/Other forces",
        "Government of United States of America",
    ),
    "iri": ("Islamic Resistance in Iraq", "Political militia", "Islamic Resistance in Iraq"),
    "turkey": (
        "Military Forces of Turkey (2016-)",
        "External/Other forces",
        "Government of Turkey",
    ),
    "pkk": ("PKK: Kurdistan Workers Party", "Rebel group", "PKK"),
    "sdf": ("SDF: Syrian Democratic Forces", "Rebel group", "SDF"),
    "civ": ("Civilians (Iraq)", "Civilians", "Civilians"),
    "tribe": ("Unidentified Tribal Militia (Iraq)", "Identity militia", "Tribal militia"),
    "protest": ("Protesters (Iraq)", "Protesters", "Protesters"),
}
UNRESOLVED = {"isis": "Islamic State in Iraq and Syria", "pkk": "Kurdistan Workers' Party"}

# (perpetrator, target, ACLED event type, sub-event type, UCDP type_of_violence)
KINDS = [
    ("iri", "us", "Explosions/Remote violence", "Air/drone strike", 1),
    ("isis", "iraq", "Battles", "Armed clash", 1),
    ("turkey", "pkk", "Explosions/Remote violence", "Air/drone strike", 1),
    ("sdf", "isis", "Battles", "Armed clash", 1),
    ("isis", "civ", "Violence against civilians", "Attack", 3),
]
START = dt.date(2023, 11, 1)
DEMO_DAYS = (dt.date(2023, 12, 28), dt.date(2024, 1, 3))  # kept clear of the demo's events
KM_PER_DEG = 111.32


@dataclass
class LabelledSet:
    acled: list[dict[str, Any]] = field(default_factory=list)
    ucdp: list[dict[str, Any]] = field(default_factory=list)
    hand: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, int] = field(default_factory=dict)  # record key → true event
    hard_negatives: list[tuple[str, str]] = field(default_factory=list)

    def same_event_pairs(self) -> set[frozenset[str]]:
        by_event: dict[int, list[str]] = {}
        for key, event in self.truth.items():
            by_event.setdefault(event, []).append(key)
        return {
            frozenset((a, b)) for keys in by_event.values() for a in keys for b in keys if a < b
        }


def _move(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0, km)
    dlat = dist * math.cos(angle) / KM_PER_DEG
    dlon = dist * math.sin(angle) / (KM_PER_DEG * math.cos(math.radians(lat)))
    return round(lat + dlat, 4), round(lon + dlon, 4)


def acled_record(
    ident: str,
    day: dt.date,
    place: tuple[Any, ...],
    point: tuple[float, float],
    perp: str,
    target: str,
    event_type: str,
    sub: str,
    deaths: int,
    *,
    geo_precision: int = 1,
    timestamp: int = 1_705_000_000,
    notes: str = "",
) -> dict[str, Any]:
    name, country, iso, admin1, admin2, _, _ = place
    a1, i1, _ = ACTORS[perp]
    a2, i2, _ = ACTORS[target]
    return {
        "event_id_cnty": ident,
        "event_date": day.isoformat(),
        "year": str(day.year),
        "time_precision": "1",
        "disorder_type": "Political violence" if event_type != "Protests" else "Demonstrations",
        "event_type": event_type,
        "sub_event_type": sub,
        "actor1": a1,
        "assoc_actor_1": "",
        "inter1": i1,
        "actor2": a2,
        "assoc_actor_2": "",
        "inter2": i2,
        "interaction": f"{i1}-{i2}",
        "civilian_targeting": "Civilian targeting" if target == "civ" else "",
        "iso": str(iso),
        "region": "Middle East",
        "country": country,
        "admin1": admin1,
        "admin2": admin2,
        "admin3": "",
        "location": name,
        "latitude": f"{point[0]:.4f}",
        "longitude": f"{point[1]:.4f}",
        "geo_precision": str(geo_precision),
        "source": "Shafaq News; Rudaw",
        "source_scale": "National",
        "notes": notes or f"On {day:%d %B %Y}, {a1} and {a2} in {name}: {deaths} killed.",
        "fatalities": str(deaths),
        "tags": "",
        "timestamp": timestamp,
    }


def ucdp_record(
    ident: int,
    day: dt.date,
    place: tuple[Any, ...],
    point: tuple[float, float],
    side_a: str,
    side_b: str,
    violence: int,
    best: int,
    where_prec: int,
) -> dict[str, Any]:
    name, country, _, admin1, admin2, _, _ = place
    return {
        "id": ident,
        "relid": f"IRQ-{day:%Y-%m-%d}-{ident}",
        "year": day.year,
        "active_year": True,
        "code_status": "Clear",
        "type_of_violence": violence,
        "conflict_dset_id": "259",
        "conflict_new_id": 259,
        "conflict_name": f"{country}: Government",
        "dyad_dset_id": "524",
        "dyad_new_id": 524,
        "dyad_name": f"{side_a} - {side_b}",
        "side_a_dset_id": "116",
        "side_a_new_id": 116,
        "side_a": side_a,
        "side_b_dset_id": "234",
        "side_b_new_id": 234,
        "side_b": side_b,
        "number_of_sources": 2,
        "source_article": f'"Xinhua,{day:%Y-%m-%d},Attack in {name}"',
        "source_office": "Xinhua",
        "source_date": f"{day:%Y-%m-%d}",
        "source_headline": f"Attack in {name}",
        "source_original": "local officials",
        "where_prec": where_prec,
        "where_coordinates": f"{name} town",
        "where_description": f"{name}, {admin1}",
        "adm_1": f"{admin1} province",
        "adm_2": f"{admin2} district",
        "latitude": point[0],
        "longitude": point[1],
        "geom_wkt": f"POINT ({point[1]} {point[0]})",
        "priogrid_gid": 170000,
        "country": country,
        "country_id": 645 if country == "Iraq" else 652,
        "region": "Middle East",
        "event_clarity": 1,
        "date_prec": 1,
        "date_start": f"{day:%Y-%m-%d}T00:00:00.000",
        "date_end": f"{day:%Y-%m-%d}T00:00:00.000",
        "deaths_a": 0,
        "deaths_b": best,
        "deaths_civilians": best if violence == 3 else 0,
        "deaths_unknown": 0,
        "best": best,
        "high": best + 2,
        "low": max(best - 1, 0),
        "gwnoa": "645",
        "gwnob": "",
    }


def generate(seed: int = 11, events: int = 80) -> LabelledSet:
    rng = random.Random(seed)
    out = LabelledSet()
    ucdp_id = 540_000
    for n in range(events):
        while True:
            day = START + dt.timedelta(days=rng.randrange(0, 105))
            if not DEMO_DAYS[0] <= day <= DEMO_DAYS[1]:
                break
        perp, target, etype, sub, violence = rng.choice(KINDS)
        place = rng.choice(PLACES)
        lat, lon = place[5], place[6]
        truth_point = _move(rng, lat, lon, 3.0)
        deaths = rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 9, 14])
        acled_prec = 1 if rng.random() < 0.7 else 2
        a_point = _move(rng, *truth_point, 0.3 if acled_prec == 1 else 5.0)
        key = f"acled:IRQ{7000 + n}"
        out.acled.append(
            acled_record(
                key.split(":")[1], day, place, a_point, perp, target, etype, sub, deaths,
                geo_precision=acled_prec, timestamp=1_705_000_000 + n,
            )
        )  # fmt: skip
        out.truth[key] = n
        if deaths > 0 and rng.random() < 0.9:
            u_day = day + dt.timedelta(days=rng.choice([-1, 1])) if rng.random() < 0.15 else day
            where_prec = rng.choices([1, 2, 3], [60, 25, 15])[0]
            u_point = _move(rng, *truth_point, {1: 0.5, 2: 8.0, 3: 20.0}[where_prec])
            side_a = ACTORS[perp][2]
            if perp in UNRESOLVED and rng.random() < 0.08:
                side_a = UNRESOLVED[perp]
            best = max(1, deaths + rng.choice([0, 0, 0, -1, 1, 2]))
            ucdp_id += 1
            out.ucdp.append(
                ucdp_record(
                    ucdp_id, u_day, place, u_point, side_a, ACTORS[target][2], violence, best,
                    where_prec,
                )
            )  # fmt: skip
            out.truth[f"ucdp:{ucdp_id}"] = n
        if rng.random() < 0.25:
            out.hand.append(
                {
                    "key": f"hand:{n}",
                    "day": day,
                    "point": truth_point,
                    "place": place[0],
                    "actors": (perp, target),
                    "event_type": code(etype),
                    "sub_event_type": code(sub),
                    "killed": deaths,
                }
            )
            out.truth[f"hand:{n}"] = n
        # hard negatives on the same day in the same town
        if n % 6 == 0:
            ident = f"IRQ{8000 + n}"
            out.acled.append(
                acled_record(
                    ident, day, place, _move(rng, lat, lon, 2.0), "protest", "iraq",
                    "Protests", "Peaceful protest", 0, timestamp=1_705_100_000 + n,
                    notes=f"Protesters gathered in {place[0]} over unpaid salaries.",
                )
            )  # fmt: skip
            out.truth[f"acled:{ident}"] = 10_000 + n
        if n % 6 == 2:
            ident = f"IRQ{8000 + n}"
            out.acled.append(
                acled_record(
                    ident, day, place, _move(rng, *truth_point, 6.0), "tribe", target,
                    "Battles", "Armed clash", 0, timestamp=1_705_100_000 + n,
                )
            )  # fmt: skip
            out.truth[f"acled:{ident}"] = 10_000 + n
        if n % 6 == 4:
            ident = f"IRQ{8000 + n}"
            out.acled.append(
                acled_record(
                    ident, day, place, _move(rng, *truth_point, 12.0), perp, target, etype, sub,
                    rng.choice([0, 1]), timestamp=1_705_100_000 + n,
                )
            )  # fmt: skip
            out.truth[f"acled:{ident}"] = 10_000 + n
    for key, event in out.truth.items():
        if event >= 10_000:
            twin = [k for k, e in out.truth.items() if e == event - 10_000]
            out.hard_negatives += [(key, t) for t in twin]
    return out


def code(label: str) -> str:
    import re

    return re.sub(r"[^A-Z0-9]+", "_", label.strip().upper()).strip("_")
