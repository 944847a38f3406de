"""A synthetic dataset of realistic shape, for benchmarks: ``sitrep demo generate``.

The world: a few dozen real countries (ISO 3166-1 codes) with their real first-level
divisions (ISO 3166-2 codes from pycountry), districts, towns, bases and airports under
them (tens of thousands of locations in all, with aliases); a few thousand actors per
country and some international ones, with aliases and relations (MEMBER_OF, PART_OF,
FRONT_FOR, BACKED_BY, …, including cycles); deployments of state forces at bases, with
validity periods; and incidents over ten years (2015-2024) with seasonal and regional
clustering, 1-4 participants and 1-3 sources each, statements in the sources.

The distributions are skewed (Zipf-like): a few countries, places and actors account
for most incidents, as in ACLED. About 1% of every kind of record is a DRAFT, so that
visibility filtering has something to hide.

Everything comes from one ``random.Random(seed)``: the same seed gives the same data.
Rows are made lazily in batches and loaded with ``COPY`` (asyncpg's
``copy_records_to_table``); ids are assigned here (COPY writes identity columns as
given) and the identity sequences are moved past them afterwards. On an empty database
the secondary indexes are dropped during the load and rebuilt after it, which is much
faster than maintaining them row by row (the trigram index above all).
"""

from __future__ import annotations

import asyncio
import bisect
import calendar
import datetime as dt
import itertools
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

# Tables with data, in an order that respects foreign keys (parents first).
DATA_TABLES = (
    "actor",
    "actor_alias",
    "location",
    "location_alias",
    "source",
    "source_media",
    "actor_relation",
    "actor_relation_source",
    "deployment",
    "deployment_source",
    "incident",
    "incident_external_id",
    "incident_source",
    "statement",
    "incident_participant",
)

UTC = dt.UTC
START = dt.date(2015, 1, 1)
END = dt.date(2024, 12, 31)
YEARS = list(range(START.year, END.year + 1))
MONTHS = [(y, m) for y in YEARS for m in range(1, 13)]
# Fighting seasons: more in late spring/summer, less in winter.
SEASON = [0.70, 0.72, 0.85, 1.00, 1.15, 1.25, 1.30, 1.25, 1.10, 0.95, 0.80, 0.70]

ADMIN1_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")

# (event type, sub-event type, weight, weapons with weights)
EVENTS: list[tuple[str, str, float, list[tuple[str, float]]]] = [
    ("BATTLES", "ARMED_CLASH", 22, [("SMALL_ARMS", 8), ("ARTILLERY", 1), ("UNKNOWN", 2)]),
    ("BATTLES", "GOVERNMENT_REGAINS_TERRITORY", 1, [("SMALL_ARMS", 3), ("UNKNOWN", 1)]),
    ("BATTLES", "NON_STATE_ACTOR_OVERTAKES_TERRITORY", 1, [("SMALL_ARMS", 3), ("UNKNOWN", 1)]),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "CHEMICAL_WEAPON", 0.05, [("OTHER", 1)]),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "AIR_DRONE_STRIKE", 12, [("DRONE", 5), ("AIRSTRIKE", 5)]),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "SUICIDE_BOMB", 0.6, [("IED", 1)]),
    (
        "EXPLOSIONS_REMOTE_VIOLENCE",
        "SHELLING_ARTILLERY_MISSILE_ATTACK",
        14,
        [("ARTILLERY", 5), ("ROCKET", 3), ("MISSILE", 2), ("DRONE", 1)],
    ),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "REMOTE_EXPLOSIVE_LANDMINE_IED", 5, [("IED", 1)]),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "GRENADE", 1, [("OTHER", 1)]),
    ("VIOLENCE_AGAINST_CIVILIANS", "SEXUAL_VIOLENCE", 0.5, [("UNKNOWN", 1)]),
    ("VIOLENCE_AGAINST_CIVILIANS", "ATTACK", 10, [("SMALL_ARMS", 3), ("OTHER", 1), ("UNKNOWN", 2)]),
    ("VIOLENCE_AGAINST_CIVILIANS", "ABDUCTION_FORCED_DISAPPEARANCE", 2, [("UNKNOWN", 1)]),
    ("PROTESTS", "PEACEFUL_PROTEST", 14, [("UNKNOWN", 1)]),
    ("PROTESTS", "PROTEST_WITH_INTERVENTION", 3, [("UNKNOWN", 1)]),
    ("PROTESTS", "EXCESSIVE_FORCE_AGAINST_PROTESTERS", 0.5, [("SMALL_ARMS", 1), ("OTHER", 1)]),
    ("RIOTS", "VIOLENT_DEMONSTRATION", 3, [("OTHER", 1), ("UNKNOWN", 2)]),
    ("RIOTS", "MOB_VIOLENCE", 2, [("OTHER", 1), ("UNKNOWN", 2)]),
    ("STRATEGIC_DEVELOPMENTS", "AGREEMENT", 0.5, [("UNKNOWN", 1)]),
    ("STRATEGIC_DEVELOPMENTS", "ARRESTS", 2, [("UNKNOWN", 1)]),
    ("STRATEGIC_DEVELOPMENTS", "CHANGE_TO_GROUP_ACTIVITY", 1.5, [("UNKNOWN", 1)]),
    (
        "STRATEGIC_DEVELOPMENTS",
        "DISRUPTED_WEAPONS_USE",
        3,
        [("DRONE", 4), ("ROCKET", 2), ("MISSILE", 1), ("IED", 1)],
    ),
    ("STRATEGIC_DEVELOPMENTS", "HEADQUARTERS_OR_BASE_ESTABLISHED", 0.4, [("UNKNOWN", 1)]),
    ("STRATEGIC_DEVELOPMENTS", "LOOTING_PROPERTY_DESTRUCTION", 1.5, [("UNKNOWN", 1)]),
    ("STRATEGIC_DEVELOPMENTS", "NON_VIOLENT_TRANSFER_OF_TERRITORY", 0.3, [("UNKNOWN", 1)]),
    ("STRATEGIC_DEVELOPMENTS", "OTHER", 1, [("UNKNOWN", 1)]),
]
# At bases hosting foreign forces: mostly drones and rockets.
BASE_EVENTS = [
    (4, 6),  # AIR_DRONE_STRIKE
    (6, 4),  # SHELLING_ARTILLERY_MISSILE_ATTACK
    (20, 3),  # DISRUPTED_WEAPONS_USE
    (0, 1),  # ARMED_CLASH
]
VIOLENT = {"BATTLES", "EXPLOSIONS_REMOTE_VIOLENCE", "VIOLENCE_AGAINST_CIVILIANS", "RIOTS"}

LABELS = {
    "ARMED_CLASH": "Armed clash",
    "GOVERNMENT_REGAINS_TERRITORY": "Government forces regain territory",
    "NON_STATE_ACTOR_OVERTAKES_TERRITORY": "Armed group overtakes territory",
    "CHEMICAL_WEAPON": "Chemical weapon attack",
    "AIR_DRONE_STRIKE": "Air/drone strike",
    "SUICIDE_BOMB": "Suicide bombing",
    "SHELLING_ARTILLERY_MISSILE_ATTACK": "Shelling",
    "REMOTE_EXPLOSIVE_LANDMINE_IED": "IED explosion",
    "GRENADE": "Grenade attack",
    "SEXUAL_VIOLENCE": "Sexual violence",
    "ATTACK": "Attack on civilians",
    "ABDUCTION_FORCED_DISAPPEARANCE": "Abduction",
    "PEACEFUL_PROTEST": "Peaceful protest",
    "PROTEST_WITH_INTERVENTION": "Protest dispersed",
    "EXCESSIVE_FORCE_AGAINST_PROTESTERS": "Excessive force against protesters",
    "VIOLENT_DEMONSTRATION": "Violent demonstration",
    "MOB_VIOLENCE": "Mob violence",
    "AGREEMENT": "Agreement",
    "ARRESTS": "Arrests",
    "CHANGE_TO_GROUP_ACTIVITY": "Change to group activity",
    "DISRUPTED_WEAPONS_USE": "Attack intercepted",
    "HEADQUARTERS_OR_BASE_ESTABLISHED": "Base established",
    "LOOTING_PROPERTY_DESTRUCTION": "Looting",
    "NON_VIOLENT_TRANSFER_OF_TERRITORY": "Territory handed over",
    "OTHER": "Other development",
}
WEAPON_WORDS = {
    "DRONE": "drone",
    "ROCKET": "rocket",
    "MISSILE": "missile",
    "ARTILLERY": "artillery",
    "AIRSTRIKE": "airstrike",
    "IED": "IED",
    "SMALL_ARMS": "small-arms",
}
NOTE_PHRASES = [
    "near a checkpoint on the main road",
    "targeting a military convoy",
    "in a crowded market",
    "close to the power station",
    "at an oil field",
    "debris of a one-way attack drone was recovered",
    "air defence systems were activated",
    "in a residential area",
    "a fuel depot caught fire",
    "local sources reported heavy gunfire",
    "the road was closed for several hours",
    "a curfew was imposed afterwards",
    "witnesses described several explosions",
    "the attack took place at night",
    "security forces cordoned off the area",
    "a hospital received the wounded",
    "no group claimed responsibility at first",
    "several vehicles were burnt",
    "telecommunications were cut",
    "the governor condemned the attack",
    "near the border crossing",
    "a bridge was damaged",
    "an ambulance was hit",
    "farmers were prevented from reaching their fields",
    "according to a medical source",
    "displaced families fled the village",
    "the airport suspended flights",
    "a weapons depot exploded",
    "near the university campus",
    "during a funeral procession",
]
TAGS = [
    "cross-border",
    "urban",
    "rural",
    "night",
    "infrastructure",
    "convoy",
    "border",
    "energy",
    "retaliation",
    "ceasefire-violation",
    "displacement",
    "humanitarian",
]
PUBLISHER_STEMS = [
    "Times",
    "Post",
    "Herald",
    "Observer",
    "News",
    "Tribune",
    "Gazette",
    "Monitor",
    "Daily",
    "Chronicle",
    "Express",
    "Report",
    "Wire",
    "Agency",
    "Voice",
    "Mirror",
    "Journal",
    "Courier",
    "Telegraph",
    "Dispatch",
]
LANGUAGES = [
    ("en", 50),
    ("ar", 15),
    ("fr", 10),
    ("es", 6),
    ("ru", 5),
    ("uk", 4),
    ("fa", 3),
    ("tr", 3),
    ("pt", 2),
    ("sw", 2),
]
CHANNELS = [
    "Telegram",
    "X",
    "press conference",
    "official website",
    "television",
    "Facebook",
    "communique",
]

SYLLABLES = [
    "al",
    "an",
    "ar",
    "ba",
    "bar",
    "da",
    "dor",
    "el",
    "fa",
    "gar",
    "ha",
    "ib",
    "ka",
    "kan",
    "kar",
    "la",
    "lem",
    "ma",
    "mar",
    "na",
    "nor",
    "o",
    "ra",
    "ram",
    "sa",
    "sar",
    "ta",
    "tel",
    "u",
    "va",
    "vel",
    "za",
    "zan",
    "kir",
    "mos",
    "tur",
    "bel",
    "dun",
    "gor",
    "hal",
    "ist",
    "jab",
    "kom",
    "lin",
    "mir",
    "nov",
    "pol",
]
GROUP_WORDS = [
    "Brigade",
    "Front",
    "Movement",
    "Army",
    "Battalion",
    "Forces",
    "Resistance",
    "Guard",
    "Legion",
    "Union",
    "Council",
    "Alliance",
    "Vanguard",
    "Militia",
]
GROUP_ADJ = [
    "Free",
    "Popular",
    "Revolutionary",
    "National",
    "Islamic",
    "Democratic",
    "United",
    "Patriotic",
    "Liberation",
    "Defence",
    "Martyrs",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "People's",
    "Righteous",
    "Steadfast",
]


def _bind(make: Callable[[str], str], value: str) -> Callable[[], str]:
    """``make`` with its argument fixed now (a loop variable's current value)."""
    return lambda: make(value)


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


@dataclass
class Country:
    code: str
    name: str
    alpha3: str
    weight: float
    lat: float
    lon: float
    profile: list[float]  # cumulative month weights over MONTHS
    admin1: list[tuple[str, str]] = field(default_factory=list)
    locations: list[int] = field(default_factory=list)  # location ids
    bases: list[int] = field(default_factory=list)
    actors: list[int] = field(default_factory=list)  # ranked: most active first
    actor_cum: list[float] = field(default_factory=list)
    forces: int = 0  # state forces actor id
    civilians: int = 0
    gov: int = 0


@dataclass
class World:
    countries: list[Country]
    # location id → (name, country index, admin1 name, kind)
    loc_info: dict[int, tuple[str, int, str | None, str]]
    loc_ids: list[int]
    loc_cum: list[float]
    hosted: dict[int, list[int]]  # location id → foreign actor ids deployed there
    actor_names: dict[int, str]
    actor_country: dict[int, int | None]
    global_actors: list[int]
    rows: dict[str, list[tuple[Any, ...]]]


@dataclass
class Ids:
    """Next id per table (offset by what the database already holds, for --append)."""

    actor: int = 0
    location: int = 0
    source: int = 0
    source_media: int = 0
    actor_relation: int = 0
    deployment: int = 0
    incident: int = 0
    statement: int = 0
    incident_participant: int = 0

    def next(self, table: str) -> int:
        value = getattr(self, table) + 1
        setattr(self, table, value)
        return value


COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": (
        "id",
        "name",
        "kind",
        "country_code",
        "description",
        "status",
        "created_at",
        "updated_at",
    ),
    "actor_alias": ("actor_id", "alias"),
    "location": (
        "id",
        "name",
        "kind",
        "latitude",
        "longitude",
        "geo_precision",
        "precision_km",
        "country_code",
        "admin1_code",
        "admin1_name",
        "admin2_name",
        "parent_id",
        "description",
        "status",
        "created_at",
        "updated_at",
    ),
    "location_alias": ("location_id", "alias"),
    "source": (
        "id",
        "kind",
        "publisher",
        "title",
        "url",
        "author",
        "published_at",
        "language",
        "machine_translated",
        "status",
        "created_at",
        "updated_at",
    ),
    "source_media": ("id", "source_id", "kind", "caption", "credit", "url"),
    "actor_relation": (
        "id",
        "subject_actor_id",
        "kind",
        "object_actor_id",
        "basis",
        "asserted_by_actor_id",
        "valid_from",
        "valid_to",
        "note",
        "status",
    ),
    "actor_relation_source": ("relation_id", "source_id"),
    "deployment": (
        "id",
        "location_id",
        "actor_id",
        "valid_from",
        "valid_to",
        "strength",
        "strength_note",
        "mission",
        "status",
    ),
    "deployment_source": ("deployment_id", "source_id"),
    "incident": (
        "id",
        "occurred_on",
        "date_earliest",
        "date_latest",
        "occurred_time",
        "time_precision",
        "location_id",
        "event_type",
        "sub_event_type",
        "weapon",
        "projectile_count",
        "outcome",
        "claim_status",
        "killed_low",
        "killed_best",
        "killed_high",
        "injured_low",
        "injured_best",
        "injured_high",
        "damage",
        "damage_description",
        "summary",
        "notes",
        "tags",
        "status",
        "created_at",
        "updated_at",
    ),
    "incident_external_id": ("system", "external_id", "incident_id"),
    "incident_source": ("incident_id", "source_id"),
    "statement": (
        "id",
        "source_id",
        "speaker_actor_id",
        "speaker_name",
        "channel",
        "text",
        "is_quote",
        "stated_on",
        "incident_id",
    ),
    "incident_participant": (
        "id",
        "incident_id",
        "actor_id",
        "role",
        "basis",
        "attributed_by_actor_id",
        "source_id",
        "statement_id",
    ),
}

# Base location kinds that can host forces.
BASE_KINDS = ("AIRBASE", "MILITARY_BASE")


class Generator:
    def __init__(self, seed: int, ids: Ids, *, n_countries: int = 60) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.seed = seed
        self.ids = ids
        self.n_countries = n_countries
        self.used_names: set[str] = set()
        self.tag = f"s{seed}-{ids.incident}"  # keeps URLs unique across --append runs

    # --- names ----------------------------------------------------------------------

    def word(self, lo: int = 2, hi: int = 3) -> str:
        r = self.rng
        return "".join(r.choice(SYLLABLES) for _ in range(r.randint(lo, hi))).capitalize()

    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name.lower() not in self.used_names:
                self.used_names.add(name.lower())
                return name
        name = f"{make()} {len(self.used_names)}"
        self.used_names.add(name.lower())
        return name

    def status(self) -> str:
        return "DRAFT" if self.rng.random() < 0.01 else "PUBLISHED"

    def stamp(self, day: dt.date) -> dt.datetime:
        r = self.rng
        return dt.datetime(
            day.year, day.month, day.day, r.randrange(24), r.randrange(60), tzinfo=UTC
        )

    # --- the world ------------------------------------------------------------------

    def countries(self) -> list[Country]:
        import pycountry

        r = self.rng
        candidates = []
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
            subs = pycountry.subdivisions.get(country_code=c.alpha_2) or []
            top = sorted(
                (s.code, s.name)
                for s in subs
                if s.parent_code is None and ADMIN1_CODE.match(s.code)
            )
            if len(top) >= 5:
                candidates.append((c, top))
        r.shuffle(candidates)
        chosen = candidates[: self.n_countries]
        weights = zipf_weights(len(chosen), 1.0)
        out = []
        for (c, top), w in zip(chosen, weights, strict=True):
            # Each country's conflict rises and falls over the decade: a bump centred on
            # some year, plus a floor; times the season.
            peak = r.uniform(-2, 12)
            width = r.uniform(1.5, 5)
            month_w = [
                (
                    0.25
                    + 2.5
                    * pow(2.718, -(((y - START.year) + (m - 1) / 12 - peak) ** 2) / (2 * width**2))
                )
                * SEASON[m - 1]
                for y, m in MONTHS
            ]
            country = Country(
                code=c.alpha_2,
                name=getattr(c, "common_name", None) or c.name,
                alpha3=c.alpha_3,
                weight=w,
                lat=r.uniform(-35, 55),
                lon=r.uniform(-100, 130),
                profile=cumulative(month_w),
                admin1=top[:30],
            )
            out.append(country)
        return out

    def build_world(self) -> World:
        r = self.rng
        rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
        countries = self.countries()
        created = dt.datetime(2014, 6, 1, tzinfo=UTC)

        # -- locations: country → admin1 → admin2 → places; bases under admin2.
        loc_info: dict[int, tuple[str, int, str | None, str]] = {}
        loc_weight: dict[int, float] = {}
        total_w = sum(c.weight for c in countries)
        target = 30_000

        def add_loc(
            ci: int,
            name: str,
            kind: str,
            parent: int | None,
            lat: float,
            lon: float,
            admin1: tuple[str, str] | None,
            admin2: str | None,
            geo: str,
            km: float | None,
            weight: float,
        ) -> int:
            lid = self.ids.next("location")
            c = countries[ci]
            lat = max(-89.9, min(89.9, lat))
            lon = max(-179.9, min(179.9, lon))
            rows["location"].append(
                (
                    lid,
                    name,
                    kind,
                    round(lat, 5),
                    round(lon, 5),
                    geo,
                    km,
                    c.code,
                    admin1[0] if admin1 else None,
                    admin1[1] if admin1 else None,
                    admin2,
                    parent,
                    None,
                    self.status(),
                    created,
                    created,
                )
            )
            if r.random() < 0.2:
                alias = f"{name} ({c.alpha3})" if r.random() < 0.5 else name.replace("a", "e", 1)
                if alias != name:
                    rows["location_alias"].append((lid, alias))
            loc_info[lid] = (name, ci, admin1[1] if admin1 else None, kind)
            loc_weight[lid] = weight
            c.locations.append(lid)
            return lid

        for ci, c in enumerate(countries):
            share = max(60, int(target * (0.35 * c.weight / total_w + 0.65 / len(countries))))
            country_id = add_loc(
                ci, c.name, "COUNTRY", None, c.lat, c.lon, None, None, "COUNTRY", 300.0, 0.2
            )
            per_admin1 = max(4, share // max(1, len(c.admin1)))
            admin1_rank = zipf_weights(len(c.admin1), 1.2)
            r.shuffle(admin1_rank)
            for a1, a1w in zip(c.admin1, admin1_rank, strict=True):
                alat, alon = c.lat + r.uniform(-6, 6), c.lon + r.uniform(-8, 8)
                a1_id = add_loc(
                    ci, a1[1], "ADMIN1", country_id, alat, alon, a1, None, "ADMIN1", 60.0, 0.3 * a1w
                )
                n2 = r.randint(2, 4)
                for _ in range(n2):
                    a2name = self.unique(self.word)
                    dlat, dlon = alat + r.uniform(-1.5, 1.5), alon + r.uniform(-1.5, 1.5)
                    a2_id = add_loc(
                        ci,
                        a2name,
                        "ADMIN2",
                        a1_id,
                        dlat,
                        dlon,
                        a1,
                        a2name,
                        "ADMIN2",
                        20.0,
                        0.3 * a1w,
                    )
                    places = max(1, (per_admin1 - 1 - n2) // n2)
                    place_w = zipf_weights(places, 1.05)
                    for pw in place_w:
                        roll = r.random()
                        if roll < 0.04:
                            kind = r.choice(BASE_KINDS)
                            name = self.unique(
                                _bind(
                                    lambda k: (
                                        f"{self.word()} {'Air Base' if k == 'AIRBASE' else 'Camp'}"
                                    ),
                                    kind,
                                )
                            )
                        elif roll < 0.06:
                            kind = r.choice(("AIRPORT", "PORT", "BORDER_CROSSING", "FACILITY"))
                            suffix = {
                                "AIRPORT": "Airport",
                                "PORT": "Port",
                                "BORDER_CROSSING": "Crossing",
                                "FACILITY": "Plant",
                            }[kind]
                            name = self.unique(_bind(lambda s: f"{self.word()} {s}", suffix))
                        else:
                            kind = r.choices(("CITY", "TOWN", "VILLAGE"), (1, 4, 10))[0]
                            name = self.unique(self.word)
                        geo = "EXACT" if r.random() < 0.8 else "NEAR"
                        lid = add_loc(
                            ci,
                            name,
                            kind,
                            a2_id,
                            dlat + r.uniform(-0.5, 0.5),
                            dlon + r.uniform(-0.5, 0.5),
                            a1,
                            a2name,
                            geo,
                            r.choice((0.5, 1.0, 2.0, 5.0)),
                            a1w * pw,
                        )
                        if kind in BASE_KINDS:
                            c.bases.append(lid)
                        if kind == "CITY" and r.random() < 0.5:
                            for _ in range(r.randint(1, 3)):
                                add_loc(
                                    ci,
                                    self.unique(_bind(lambda n: f"{n} {self.word(1, 2)}", name)),
                                    "NEIGHBOURHOOD",
                                    lid,
                                    dlat,
                                    dlon,
                                    a1,
                                    a2name,
                                    "EXACT",
                                    0.5,
                                    a1w * pw * 0.3,
                                )

        # -- actors
        actor_names: dict[int, str] = {}
        actor_country: dict[int, int | None] = {}
        actor_kind: dict[int, str] = {}

        def add_actor(
            name: str,
            kind: str,
            ci: int | None,
            aliases: Sequence[str] = (),
            status: str | None = None,
        ) -> int:
            aid = self.ids.next("actor")
            code = countries[ci].code if ci is not None else None
            rows["actor"].append(
                (aid, name, kind, code, None, status or self.status(), created, created)
            )
            for alias in aliases:
                if alias.lower() not in self.used_names:
                    self.used_names.add(alias.lower())
                    rows["actor_alias"].append((aid, alias))
            actor_names[aid] = name
            actor_country[aid] = ci
            actor_kind[aid] = kind
            if ci is not None:
                countries[ci].actors.append(aid)
            return aid

        relations: set[tuple[int, str, int]] = set()

        def relate(
            s: int,
            kind: str,
            o: int,
            *,
            basis: str = "REPORTED",
            since: dt.date | None = None,
            until: dt.date | None = None,
        ) -> None:
            if s == o or (s, kind, o) in relations:
                return
            relations.add((s, kind, o))
            asserted = None
            if basis == "ALLEGED":
                asserted = r.choice(list(actor_names))
            rows["actor_relation"].append(
                (
                    self.ids.next("actor_relation"),
                    s,
                    kind,
                    o,
                    basis,
                    asserted,
                    since,
                    until,
                    None,
                    self.status(),
                )
            )

        umbrellas = []
        for k in range(12):
            word = self.word()
            name = self.unique(_bind(lambda w: f"{r.choice(GROUP_ADJ)} {w} Axis", word))
            umbrellas.append(
                add_actor(name, "UMBRELLA_GROUP", None, [f"{word} Axis", f"{word[:1]}A-{k}"])
            )
        coalitions = [
            add_actor(self.unique(lambda: f"{self.word()} Coalition"), "COALITION", None)
            for _ in range(4)
        ]
        orgs = [
            add_actor(self.unique(lambda: f"{self.word()} Relief"), "ORGANIZATION", None)
            for _ in range(20)
        ]

        state_actors: dict[int, tuple[int, int, int]] = {}
        for ci, c in enumerate(countries):
            state = add_actor(c.name, "STATE", ci, [c.alpha3], status="PUBLISHED")
            c.forces = add_actor(
                f"Military Forces of {c.name}",
                "STATE_FORCES",
                ci,
                [f"{c.name} forces", f"{c.alpha3} forces", f"{c.name} armed forces"],
                status="PUBLISHED",
            )
            c.gov = add_actor(
                f"Government of {c.name}",
                "POLITICAL_GOVERNMENT",
                ci,
                [f"{c.name} government"],
                status="PUBLISHED",
            )
            police = add_actor(
                f"Police Forces of {c.name}", "STATE_FORCES", ci, [f"{c.name} police"]
            )
            c.civilians = add_actor(f"Civilians ({c.name})", "CIVILIANS", ci, status="PUBLISHED")
            unident = add_actor(
                f"Unidentified Armed Group ({c.name})",
                "UNIDENTIFIED_ARMED_GROUP",
                ci,
                status="PUBLISHED",
            )
            relate(c.forces, "PART_OF", state, basis="CONFIRMED")
            relate(police, "PART_OF", state, basis="CONFIRMED")
            relate(c.gov, "PART_OF", state, basis="CONFIRMED")
            leader = add_actor(self.unique(lambda: f"{self.word()} {self.word()}"), "PERSON", ci)
            relate(c.gov, "LED_BY", leader)
            state_actors[ci] = (police, unident, leader)
        for ci, c in enumerate(countries):
            police, unident, leader = state_actors[ci]
            n_groups = 25 + int(150 * c.weight**0.7)
            groups = []
            for _ in range(n_groups):
                kind = r.choices(
                    (
                        "MILITIA",
                        "REBEL_GROUP",
                        "POLITICAL_PARTY",
                        "PERSON",
                        "REGIONAL_GOVERNMENT",
                        "OTHER",
                    ),
                    (8, 6, 3, 1, 0.5, 0.5),
                )[0]
                word = self.word()
                if kind == "PERSON":
                    name = self.unique(_bind(lambda w: f"{w} {self.word()}", word))
                    aliases = []
                elif kind == "POLITICAL_PARTY":
                    name = self.unique(_bind(lambda w: f"{r.choice(GROUP_ADJ)} {w} Party", word))
                    aliases = [f"{word[:2].upper()}P-{ci}"] if r.random() < 0.5 else []
                elif kind == "REGIONAL_GOVERNMENT":
                    name = self.unique(_bind(lambda w: f"Regional Government of {w}", word))
                    aliases = []
                else:
                    name = self.unique(
                        _bind(lambda w: f"{r.choice(GROUP_ADJ)} {w} {r.choice(GROUP_WORDS)}", word)
                    )
                    initials = "".join(p[0] for p in name.split()).upper()
                    aliases = [
                        a
                        for a in (f"{word} {r.choice(GROUP_WORDS)}", f"{initials}-{c.code}")
                        if r.random() < 0.6
                    ]
                groups.append(add_actor(name, kind, ci, aliases))
            armed = [a for a in groups if actor_kind[a] in ("MILITIA", "REBEL_GROUP")]
            # Affiliations: members of umbrella groups, fronts, parts; some cycles.
            for a in armed:
                roll = r.random()
                since = dt.date(r.randint(2010, 2022), r.randint(1, 12), 1)
                if roll < 0.35:
                    relate(
                        a,
                        "MEMBER_OF",
                        r.choice(umbrellas),
                        basis=r.choice(("REPORTED", "CLAIMED", "ATTRIBUTED")),
                        since=since,
                    )
                elif roll < 0.5 and len(armed) > 1:
                    relate(a, "FRONT_FOR", r.choice(armed), basis="ALLEGED")
                elif roll < 0.6 and len(armed) > 1:
                    relate(a, "PART_OF", r.choice(armed), since=since)
                if r.random() < 0.2:
                    backer = countries[min(int(r.paretovariate(1.2)) - 1, len(countries) - 1)]
                    relate(
                        a,
                        r.choice(("BACKED_BY", "FUNDED_BY")),
                        backer.forces if r.random() < 0.5 else backer.gov,
                        basis=r.choice(("ALLEGED", "ATTRIBUTED", "REPORTED")),
                    )
                if r.random() < 0.3:
                    relate(a, "OPPOSES", c.forces)
                if r.random() < 0.1 and len(armed) > 1:
                    relate(
                        a,
                        "ALLIED_WITH",
                        r.choice(armed),
                        until=dt.date(r.randint(2016, 2024), 6, 30),
                    )
            if len(armed) >= 3:
                x, y, z = armed[:3]
                relate(x, "FRONT_FOR", y, basis="ALLEGED")  # a cycle x → y → z → x
                relate(y, "MEMBER_OF", z)
                relate(z, "FRONT_FOR", x, basis="ALLEGED")
            # Ranked pool for participant choice: the state's forces, civilians and a
            # few groups do most of it.
            ranked = [
                c.forces,
                c.civilians,
                *armed[:3],
                unident,
                police,
                *armed[3:],
                *[g for g in groups if g not in armed],
                c.gov,
                leader,
            ]
            c.actors = ranked
            c.actor_cum = cumulative(zipf_weights(len(ranked), 1.2))
        for u in umbrellas[:6]:
            relate(u, "BACKED_BY", countries[r.randrange(3)].gov, basis="ATTRIBUTED")
        relate(umbrellas[0], "MEMBER_OF", umbrellas[1])  # an umbrella cycle
        relate(umbrellas[1], "MEMBER_OF", umbrellas[0])
        for co in coalitions:
            for c in r.sample(countries, 5):
                relate(c.forces, "MEMBER_OF", co, basis="CONFIRMED")
        for o in orgs:
            relate(o, "ADVISES", r.choice(countries).gov)

        # -- deployments: every state's forces at its own bases; three expeditionary
        # forces at many bases abroad, with periods.
        hosted: dict[int, list[int]] = {}
        deployed: set[tuple[int, int, dt.date | None]] = set()

        def deploy(
            loc: int,
            actor: int,
            since: dt.date | None,
            until: dt.date | None,
            strength: int | None,
            mission: str,
        ) -> None:
            if (loc, actor, since) in deployed:
                return
            deployed.add((loc, actor, since))
            rows["deployment"].append(
                (
                    self.ids.next("deployment"),
                    loc,
                    actor,
                    since,
                    until,
                    strength,
                    f"about {strength}" if strength else None,
                    mission,
                    self.status(),
                )
            )

        for c in countries:
            for b in c.bases:
                deploy(b, c.forces, None, None, r.choice((None, 500, 1200, 3000)), "garrison")
        expeditionary = [countries[i] for i in (0, 3, 7) if i < len(countries)]
        for rank, ex in enumerate(expeditionary):
            hosts = [c for c in countries if c is not ex]
            hosts = r.sample(hosts[:30], min(len(hosts[:30]), 12 - 3 * rank))
            for host in hosts:
                for b in host.bases:
                    if r.random() < 0.6 - 0.1 * rank:
                        since = dt.date(r.randint(2012, 2019), r.randint(1, 12), 1)
                        until = (
                            None
                            if r.random() < 0.7
                            else dt.date(r.randint(2020, 2024), r.randint(1, 12), 28)
                        )
                        deploy(
                            b,
                            ex.forces,
                            since,
                            until,
                            r.choice((150, 300, 900, 2500)),
                            r.choice(
                                (
                                    "counter-terrorism",
                                    "advise and assist",
                                    "air defence",
                                    "training",
                                )
                            ),
                        )
                        hosted.setdefault(b, []).append(ex.forces)
                        # An earlier, ended rotation at some bases.
                        if r.random() < 0.25 and since.year > 2012:
                            deploy(
                                b,
                                ex.forces,
                                dt.date(2010, 1, 1),
                                since - dt.timedelta(days=200),
                                100,
                                "training",
                            )
        # Bases hosting foreign forces attract attacks.
        for b, forces in hosted.items():
            loc_weight[b] *= 4 * len(forces)

        loc_ids = list(loc_info)
        loc_cum = cumulative([loc_weight[i] * countries[loc_info[i][1]].weight for i in loc_ids])
        global_actors = [ex.forces for ex in expeditionary]
        return World(
            countries,
            loc_info,
            loc_ids,
            loc_cum,
            hosted,
            actor_names,
            actor_country,
            global_actors,
            rows,
        )

    # --- sources ------------------------------------------------------------------

    def publishers(self) -> tuple[list[tuple[str, str]], list[float]]:
        pubs = []
        for _ in range(250):
            name = self.unique(lambda: f"The {self.word()} {self.rng.choice(PUBLISHER_STEMS)}")
            pubs.append((name, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")))
        return pubs, cumulative(zipf_weights(len(pubs), 1.0))

    # --- incidents ----------------------------------------------------------------

    def incident_batches(
        self, world: World, n: int, batch: int
    ) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
        r = self.rng
        rand = r.random
        countries = world.countries
        pubs, pub_cum = self.publishers()
        lang_codes = [code for code, _ in LANGUAGES]
        lang_cum = cumulative([w for _, w in LANGUAGES])
        ev_cum = cumulative([e[2] for e in EVENTS])
        ev_weapons = [([w for w, _ in e[3]], cumulative([x for _, x in e[3]])) for e in EVENTS]
        base_cum = cumulative([w for _, w in BASE_EVENTS])
        month_len = [calendar.monthrange(y, m)[1] for y, m in MONTHS]
        weekly: dict[tuple[int, int, int], int] = {}  # (country, iso year, week) → source
        loc_ids, loc_cum, loc_info, hosted = (
            world.loc_ids,
            world.loc_cum,
            world.loc_info,
            world.hosted,
        )
        bisect_right = bisect.bisect_right
        roles_other = ("VICTIM", "CLAIMANT", "RESPONDER", "OTHER")
        bases = (
            "REPORTED",
            "REPORTED",
            "REPORTED",
            "CLAIMED",
            "ATTRIBUTED",
            "ALLEGED",
            "CONFIRMED",
        )
        src_kinds = (
            "NEWS_ARTICLE",
            "NEWS_ARTICLE",
            "NEWS_ARTICLE",
            "OFFICIAL_STATEMENT",
            "SOCIAL_MEDIA_POST",
            "PRESS_RELEASE",
        )
        times = [dt.time(h, m) for h in range(24) for m in (0, 15, 30, 45)]
        week = dt.timedelta(days=3)
        tag = self.tag
        done = 0
        while done < n:
            k = min(batch, n - done)
            done += k
            out: dict[str, list[tuple[Any, ...]]] = {
                t: []
                for t in (
                    "source",
                    "source_media",
                    "incident",
                    "incident_external_id",
                    "incident_source",
                    "statement",
                    "incident_participant",
                )
            }
            src_rows = out["source"]
            inc_rows = out["incident"]
            link_rows = out["incident_source"]
            st_rows = out["statement"]
            part_rows = out["incident_participant"]
            ext_rows = out["incident_external_id"]
            media_rows = out["source_media"]
            locs = r.choices(loc_ids, cum_weights=loc_cum, k=k)
            for lid in locs:
                iid = self.ids.next("incident")
                name, ci, admin1_name, _ = loc_info[lid]
                c = countries[ci]
                mi = bisect_right(c.profile, rand() * c.profile[-1])
                y, m = MONTHS[mi]
                day = dt.date(y, m, int(rand() * month_len[mi]) + 1)
                foreign = hosted.get(lid)
                if foreign is not None and rand() < 0.7:
                    ei, _ = BASE_EVENTS[bisect_right(base_cum, rand() * base_cum[-1])]
                else:
                    ei = bisect_right(ev_cum, rand() * ev_cum[-1])
                et, st, _, _ = EVENTS[ei]
                wnames, wcum = ev_weapons[ei]
                weapon = (
                    wnames[bisect_right(wcum, rand() * wcum[-1])] if len(wnames) > 1 else wnames[0]
                )
                # Date precision.
                p = rand()
                if p < 0.86:
                    prec, early, late = "DAY", day, day
                elif p < 0.94:
                    prec, early, late = "WEEK", day - week, day + week
                    early = max(early, START)
                    late = min(late, END)
                elif p < 0.985:
                    prec, early, late = "MONTH", day.replace(day=1), day.replace(day=month_len[mi])
                else:
                    prec, early, late = "YEAR", dt.date(y, 1, 1), dt.date(y, 12, 31)
                violent = et in VIOLENT
                if violent and rand() < 0.8:
                    best = int(r.paretovariate(1.3)) - 1 if rand() < 0.7 else 0
                    low = int(best * 0.7)
                    high = best + int(best * 0.5 * rand()) + (1 if rand() < 0.2 else 0)
                    ib = int(r.paretovariate(1.2)) - 1 if rand() < 0.6 else 0
                    injured = (int(ib * 0.6), ib, ib + int(ib * rand()))
                else:
                    best = low = high = None  # type: ignore[assignment]
                    injured = (None, None, None)  # type: ignore[assignment]
                outcome = "UNKNOWN"
                projectiles = None
                if weapon in ("DRONE", "ROCKET", "MISSILE"):
                    projectiles = 1 + int(r.paretovariate(2.0)) - 1
                    outcome = (
                        "INTERCEPTED"
                        if st == "DISRUPTED_WEAPONS_USE"
                        else (
                            "STRUCK" if rand() < 0.6 else ("MISSED" if rand() < 0.7 else "FAILED")
                        )
                    )
                damage = "UNKNOWN"
                if violent:
                    damage = ("NONE", "SOME", "SEVERE", "DESTROYED", "UNKNOWN")[int(rand() * 5)]
                # Participants: 1-4 distinct actors.
                n_part = 1 + (rand() < 0.75) + (rand() < 0.35) + (rand() < 0.15)
                if foreign is not None:
                    n_part = max(n_part, 2)
                chosen: list[int] = []
                if foreign is not None:
                    chosen.append(foreign[int(rand() * len(foreign))])
                while len(chosen) < n_part:
                    if rand() < 0.08:
                        a = world.global_actors[int(rand() * len(world.global_actors))]
                    else:
                        a = c.actors[bisect_right(c.actor_cum, rand() * c.actor_cum[-1])]
                    if a not in chosen:
                        chosen.append(a)
                    elif len(c.actors) < 3:
                        break
                if foreign is not None and len(chosen) > 1:
                    # The hosted forces are the target; someone else attacked.
                    chosen[0], chosen[1] = chosen[1], chosen[0]
                claimed = violent and rand() < 0.25
                claim_status = (
                    "CLAIMED" if claimed else ("UNCLAIMED" if rand() < 0.3 else "UNKNOWN")
                )
                perp = world.actor_names[chosen[0]]
                label = LABELS[st]
                wword = WEAPON_WORDS.get(weapon)
                summary = (
                    f"{label}{' (' + wword + ')' if wword else ''} at {name}"
                    f"{', ' + admin1_name if admin1_name else ''}, {c.name}: "
                    f"{perp} involved"
                    f"{'; ' + str(best) + ' killed' if best else ''}."
                )
                notes = None
                if rand() < 0.8:
                    notes = (
                        "; ".join(r.sample(NOTE_PHRASES, 1 + int(rand() * 3))).capitalize() + "."
                    )
                tags = r.sample(TAGS, int(rand() * 3)) if rand() < 0.5 else []
                created_at = dt.datetime(
                    late.year, late.month, late.day, tzinfo=UTC
                ) + dt.timedelta(days=1 + int(rand() * 10), minutes=int(rand() * 1440))
                inc_rows.append(
                    (
                        iid,
                        day,
                        early,
                        late,
                        times[int(rand() * 96)] if rand() < 0.3 else None,
                        prec,
                        lid,
                        et,
                        st,
                        weapon,
                        projectiles,
                        outcome,
                        claim_status,
                        low,
                        best,
                        high,
                        *injured,
                        damage,
                        None,
                        summary,
                        notes,
                        tags,
                        "DRAFT" if rand() < 0.01 else "PUBLISHED",
                        created_at,
                        created_at,
                    )
                )
                if rand() < 0.5:
                    ext_rows.append(("acled", f"{c.alpha3}{iid}", iid))
                # Sources: 1-3; some are shared weekly overviews.
                n_src = 1 + (rand() < 0.5) + (rand() < 0.3)
                srcs: list[int] = []
                first_new = None
                for _ in range(n_src):
                    if rand() < 0.3:
                        iso = day.isocalendar()
                        key = (ci, iso[0], iso[1])
                        sid = weekly.get(key)
                        if sid is None:
                            sid = self.ids.next("source")
                            weekly[key] = sid
                            pub_day = dt.date.fromisocalendar(iso[0], iso[1], 7) + dt.timedelta(
                                days=2
                            )
                            src_rows.append(
                                (
                                    sid,
                                    "REPORT",
                                    "Conflict Monitor",
                                    f"{c.name}: weekly overview, week {iso[1]} of {iso[0]}",
                                    f"https://monitor.example/{tag}/{c.code.lower()}/{iso[0]}-w{iso[1]}",
                                    None,
                                    dt.datetime(
                                        pub_day.year, pub_day.month, pub_day.day, 9, tzinfo=UTC
                                    ),
                                    "en",
                                    False,
                                    "DRAFT" if rand() < 0.01 else "PUBLISHED",
                                    created_at,
                                    created_at,
                                )
                            )
                    else:
                        sid = self.ids.next("source")
                        pub, slug = pubs[bisect_right(pub_cum, rand() * pub_cum[-1])]
                        lang = lang_codes[bisect_right(lang_cum, rand() * lang_cum[-1])]
                        pub_at = dt.datetime(
                            late.year, late.month, late.day, tzinfo=UTC
                        ) + dt.timedelta(minutes=int(rand() * 4000))
                        src_rows.append(
                            (
                                sid,
                                src_kinds[int(rand() * 6)],
                                pub,
                                f"{label} in {name}",
                                f"https://{slug}.example/{tag}/{sid}",
                                None,
                                pub_at,
                                lang,
                                lang != "en" and rand() < 0.3,
                                "DRAFT" if rand() < 0.01 else "PUBLISHED",
                                created_at,
                                created_at,
                            )
                        )
                        if rand() < 0.1:
                            media_rows.append(
                                (
                                    self.ids.next("source_media"),
                                    sid,
                                    "PHOTO",
                                    f"Aftermath in {name}",
                                    pub,
                                    None,
                                )
                            )
                        if first_new is None:
                            first_new = sid
                    if sid not in srcs:
                        srcs.append(sid)
                for sid in srcs:
                    link_rows.append((iid, sid))
                # A claim or an official's account, quoted in a new source.
                statement = None
                if first_new is not None and (claimed or rand() < 0.1):
                    statement = self.ids.next("statement")
                    speaker = chosen[0] if claimed else c.gov
                    verb = "claimed responsibility for" if claimed else "commented on"
                    st_rows.append(
                        (
                            statement,
                            first_new,
                            speaker,
                            world.actor_names[speaker],
                            CHANNELS[int(rand() * len(CHANNELS))],
                            f"{world.actor_names[speaker]} {verb} the {label.lower()} at {name} "
                            f"on {day.isoformat()}.",
                            rand() < 0.4,
                            day,
                            iid,
                        )
                    )
                for pos, a in enumerate(chosen):
                    if pos == 0:
                        role = "PERPETRATOR" if violent else "OTHER"
                    elif pos == 1:
                        role = "TARGET" if violent else "OTHER"
                    else:
                        role = roles_other[int(rand() * 4)]
                    basis = bases[int(rand() * 7)]
                    part_rows.append(
                        (
                            self.ids.next("incident_participant"),
                            iid,
                            a,
                            role,
                            "CLAIMED" if claimed and pos == 0 else basis,
                            c.gov if basis == "ALLEGED" else None,
                            srcs[0] if rand() < 0.5 else None,
                            statement if claimed and pos == 0 else None,
                        )
                    )
                    if claimed and pos == 0 and a not in chosen[1:]:
                        part_rows.append(
                            (
                                self.ids.next("incident_participant"),
                                iid,
                                a,
                                "CLAIMANT",
                                "CLAIMED",
                                None,
                                first_new,
                                statement,
                            )
                        )
            yield out


# --- loading --------------------------------------------------------------------------


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the data tables' indexes that back no constraint."""
    rows = await conn.fetch(
        """
        select i.relname as name, pg_get_indexdef(x.indexrelid) as def
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = current_schema() and t.relname = any($1::text[])
          and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
        order by i.relname
        """,
        list(DATA_TABLES),
    )
    return [(r["name"], r["def"]) for r in rows]


async def _copy(
    conn: asyncpg.Connection, table: str, rows: list[tuple[Any, ...]], counts: dict[str, int]
) -> None:
    if rows:
        await conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))
        counts[table] = counts.get(table, 0) + len(rows)


async def _max_ids(conn: asyncpg.Connection) -> Ids:
    ids = Ids()
    for table in (
        "actor",
        "location",
        "source",
        "source_media",
        "actor_relation",
        "deployment",
        "incident",
        "statement",
        "incident_participant",
    ):
        setattr(ids, table, int(await conn.fetchval(f"select coalesce(max(id), 0) from {table}")))
    return ids


@dataclass
class Report:
    counts: dict[str, int]
    seconds: dict[str, float]
    fixture: dict[str, Any]


class RefuseError(RuntimeError):
    """The database already holds incidents and neither append nor truncate was asked."""


async def generate(
    url: str,
    incidents: int,
    seed: int,
    *,
    append: bool = False,
    truncate: bool = False,
    batch: int = 50_000,
    log: Callable[[str], None] = print,
) -> Report:
    conn = await asyncpg.connect(url)
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    try:
        has = await conn.fetchval("select exists (select 1 from incident)")
        if has and not (append or truncate):
            raise RefuseError(
                "the database already has incidents: pass --append to add to them or "
                "--truncate to replace them"
            )
        if truncate:
            await conn.execute(f"truncate {', '.join(DATA_TABLES)} restart identity cascade")
            has = False
        empty = not await conn.fetchval(
            "select exists (select 1 from actor) or exists (select 1 from location) "
            "or exists (select 1 from source)"
        )
        ids = await _max_ids(conn)
        gen = Generator(seed, ids)
        world = gen.build_world()
        seconds["world"] = time.perf_counter() - t0

        dropped: list[tuple[str, str]] = []
        async with conn.transaction():
            await conn.execute("set local synchronous_commit = off")
            if empty:
                dropped = await _secondary_indexes(conn)
                for name, _ in dropped:
                    await conn.execute(f'drop index "{name}"')
            for table in ("actor", "actor_alias", "location", "location_alias"):
                await _copy(conn, table, world.rows[table], counts)
            # Relation and deployment sources: reports about the actors, made up front.
            src = []
            rel_src, dep_src = [], []
            r = gen.rng
            made = dt.datetime(2014, 6, 1, tzinfo=UTC)
            for rel in world.rows["actor_relation"]:
                if r.random() < 0.3:
                    sid = gen.ids.next("source")
                    src.append(
                        (
                            sid,
                            "REPORT",
                            "Conflict Monitor",
                            f"Profile: {world.actor_names[rel[1]]}",
                            f"https://monitor.example/{gen.tag}/profiles/{sid}",
                            None,
                            made,
                            "en",
                            False,
                            "PUBLISHED",
                            made,
                            made,
                        )
                    )
                    rel_src.append((rel[0], sid))
            for dep in world.rows["deployment"]:
                if r.random() < 0.2:
                    sid = gen.ids.next("source")
                    src.append(
                        (
                            sid,
                            "NEWS_ARTICLE",
                            "The Defence Observer",
                            f"Forces at {world.loc_info[dep[1]][0]}",
                            f"https://defence-observer.example/{gen.tag}/{sid}",
                            None,
                            made,
                            "en",
                            False,
                            "PUBLISHED",
                            made,
                            made,
                        )
                    )
                    dep_src.append((dep[0], sid))
            await _copy(conn, "source", src, counts)
            await _copy(conn, "actor_relation", world.rows["actor_relation"], counts)
            await _copy(conn, "actor_relation_source", rel_src, counts)
            await _copy(conn, "deployment", world.rows["deployment"], counts)
            await _copy(conn, "deployment_source", dep_src, counts)
            seconds["world"] = time.perf_counter() - t0

            # Incidents: make batch k+1 in a thread while PostgreSQL takes batch k.
            loop = asyncio.get_running_loop()
            batches = gen.incident_batches(world, incidents, batch)
            done = object()

            def next_batch() -> Any:
                return next(batches, done)

            t1 = time.perf_counter()
            pending = loop.run_in_executor(None, next_batch)
            loaded = 0
            while True:
                out = await pending
                if out is done:
                    break
                pending = loop.run_in_executor(None, next_batch)
                for table in (
                    "source",
                    "source_media",
                    "incident",
                    "incident_external_id",
                    "incident_source",
                    "statement",
                    "incident_participant",
                ):
                    await _copy(conn, table, out[table], counts)
                loaded += len(out["incident"])
                rate = loaded / (time.perf_counter() - t1)
                log(f"  {loaded:>9} incidents ({rate:,.0f}/s)")
            seconds["incidents"] = time.perf_counter() - t1

            t2 = time.perf_counter()
            if dropped:
                await conn.execute("set local maintenance_work_mem = '512MB'")
                for name, definition in dropped:
                    log(f"  index {name}")
                    await conn.execute(definition)
            seconds["indexes"] = time.perf_counter() - t2
            for table in (
                "actor",
                "location",
                "source",
                "source_media",
                "actor_relation",
                "deployment",
                "incident",
                "statement",
                "incident_participant",
            ):
                await conn.execute(
                    f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(select greatest(coalesce(max(id), 0), 1) from {table}), "
                    f"(select count(*) > 0 from {table}))"
                )
        t3 = time.perf_counter()
        for table in DATA_TABLES:
            await conn.execute(f"vacuum (analyze) {table}")
        seconds["analyze"] = time.perf_counter() - t3
        seconds["total"] = time.perf_counter() - t0
        fixture = await compute_fixture(conn)
        fixture["seed"] = seed
        fixture["incidents_generated"] = incidents
        return Report(counts, seconds, fixture)
    finally:
        await conn.close()


# --- the fixture the benchmark workloads need ----------------------------------------


async def compute_fixture(conn: asyncpg.Connection) -> dict[str, Any]:
    """Names and ids the benchmark workloads need, found in the data (deterministic)."""
    fx: dict[str, Any] = {}
    # The actor hosting forces at the most bases (visible deployments and actor).
    host = await conn.fetchrow(
        """
        select a.id, a.name, count(distinct d.location_id) as bases
        from deployment d join actor a on a.id = d.actor_id
        join location l on l.id = d.location_id
        where d.status = 'PUBLISHED' and a.status = 'PUBLISHED' and l.country_code <> a.country_code
        group by a.id, a.name order by bases desc, a.id limit 1
        """
    )
    if host is None:
        return fx
    fx["host_actor"] = {"id": host["id"], "name": host["name"], "bases": host["bases"]}
    alias = await conn.fetchval(
        "select alias from actor_alias where actor_id = $1 order by alias limit 1", host["id"]
    )
    fx["host_actor"]["alias"] = alias
    # The week (Monday..Sunday) with the most drone incidents at its bases.
    weeks = await conn.fetch(
        """
        select date_trunc('week', i.occurred_on)::date as monday, count(*) as n
        from incident i
        join deployment d on d.location_id = i.location_id and d.actor_id = $1
          and d.status = 'PUBLISHED'
          and (d.valid_from is null or d.valid_from <= i.occurred_on)
          and (d.valid_to is null or d.valid_to >= i.occurred_on)
        join location l on l.id = i.location_id and l.status = 'PUBLISHED'
        where i.weapon = 'DRONE' and i.status = 'PUBLISHED' and i.time_precision = 'DAY'
        group by 1
        """,
        host["id"],
    )
    # A typical week, not the busiest: the median of the weeks that have any.
    weeks = sorted(weeks, key=lambda w: (w["n"], w["monday"]))
    week = weeks[len(weeks) // 2] if weeks else None
    if week is not None:
        fx["headline"] = {
            "actor": host["name"],
            "from": week["monday"].isoformat(),
            "to": (week["monday"] + dt.timedelta(days=6)).isoformat(),
            "incidents": week["n"],
        }
    # The busiest actor (most participations).
    busy = await conn.fetchrow(
        """
        select a.id, a.name, count(*) as n from incident_participant p
        join actor a on a.id = p.actor_id where a.status = 'PUBLISHED'
        group by a.id, a.name order by n desc, a.id limit 1
        """
    )
    if busy is None:
        return fx
    fx["busy_actor"] = {"id": busy["id"], "name": busy["name"], "participations": busy["n"]}
    # The country and year with most incidents.
    cy = await conn.fetchrow(
        """
        select l.country_code, extract(year from i.occurred_on)::int as year, count(*) as n
        from incident i join location l on l.id = i.location_id
        where i.status = 'PUBLISHED' and l.status = 'PUBLISHED'
        group by 1, 2 order by 3 desc, 1, 2 limit 1
        """
    )
    if cy is None:
        return fx
    fx["page"] = {"country": cy["country_code"], "year": cy["year"], "incidents": cy["n"]}
    # A fully populated incident for node(id:): 4 participants, 3 sources, a statement.
    node = await conn.fetchval(
        """
        select i.id from incident i
        where i.status = 'PUBLISHED'
          and (select count(*) from incident_participant p where p.incident_id = i.id) >= 3
          and (select count(*) from incident_source s where s.incident_id = i.id) = 3
          and exists (select 1 from statement s where s.incident_id = i.id)
          and i.id > (select max(id) / 2 from incident)
        order by i.id limit 1
        """
    )
    fx["node"] = {"incident_id": node}
    group = await conn.fetchrow(
        """
        select a.id, a.name, count(*) as n from incident_participant p
        join actor a on a.id = p.actor_id
        where a.status = 'PUBLISHED' and a.kind in ('MILITIA', 'REBEL_GROUP')
        group by a.id, a.name order by n desc, a.id limit 1
        """
    )
    if group is None:
        return fx
    fx["deep"] = {
        "actor_id": group["id"],
        "actor": group["name"],
        "participations": group["n"],
        "relation_kinds": ["MEMBER_OF", "PART_OF", "FRONT_FOR", "ALLIED_WITH"],
    }
    fx["filter_heavy"] = {"text": "checkpoint", "killed_gte": 5}
    fx["count"] = {
        "event_types": ["BATTLES", "EXPLOSIONS_REMOTE_VIOLENCE"],
        "from": "2018-01-01",
        "to": "2022-12-31",
    }
    return fx


def format_report(report: Report) -> str:
    lines = [f"{t:24} {n:>10}" for t, n in report.counts.items()]
    s = report.seconds
    lines.append(
        f"loaded {sum(report.counts.values()):,} rows in {s['total']:.1f} s "
        f"(world {s['world']:.1f} s, incidents {s.get('incidents', 0):.1f} s, "
        f"indexes {s.get('indexes', 0):.1f} s, vacuum/analyze {s['analyze']:.1f} s)"
    )
    return "\n".join(lines)


def run(
    url: str,
    incidents: int,
    seed: int,
    *,
    append: bool = False,
    truncate: bool = False,
    batch: int = 50_000,
    fixture: str | None = None,
    echo: Callable[[str], None] = print,
) -> Report:
    """Generate, print the report and write the fixture (what ``sitrep demo generate`` does)."""
    import json
    from pathlib import Path

    report = asyncio.run(
        generate(url, incidents, seed, append=append, truncate=truncate, batch=batch, log=echo)
    )
    echo(format_report(report))
    report.fixture["load_summary"] = format_report(report).splitlines()
    if fixture:
        out = Path(fixture)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report.fixture, indent=2, default=str) + "\n")
        echo(f"fixture written to {out}")
    return report
