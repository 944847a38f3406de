"""The world the incidents happen in: countries, places, actors, deployments.

A few dozen real countries (ISO 3166-1 codes) with their real first-level divisions
(ISO 3166-2 codes from pycountry); districts, towns, bases and airports under them (tens
of thousands of locations in all, with aliases); the actors and their relations
(``actors``); deployments of state forces at their own bases and of three expeditionary
forces at bases abroad, with validity periods. Also the reports that the relations and
deployments cite (``reference_sources``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from db.generate.actors import ActorBuilder
from db.generate.draw import Draw, bind, cumulative, zipf_weights
from db.generate.tables import COLUMNS
from db.generate.vocabulary import MONTHS, SEASON, START, UTC

ADMIN1_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# Base location kinds that can host forces.
BASE_KINDS = ("AIRBASE", "MILITARY_BASE")
LOCATION_TARGET = 30_000  # about this many locations in all


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


def build_world(draw: Draw, n_countries: int = 60) -> World:
    return WorldBuilder(draw, n_countries).build()


class WorldBuilder:
    """Builds the world's rows in one pass; the order of the draws is part of the seed."""

    def __init__(self, draw: Draw, n_countries: int) -> None:
        self.draw = draw
        self.r = draw.rng
        self.n_countries = n_countries
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
        self.countries: list[Country] = []
        self.created = dt.datetime(2014, 6, 1, tzinfo=UTC)
        self.loc_info: dict[int, tuple[str, int, str | None, str]] = {}
        self.loc_weight: dict[int, float] = {}
        self.hosted: dict[int, list[int]] = {}
        self.deployed: set[tuple[int, int, dt.date | None]] = set()

    def build(self) -> World:
        self.countries = self._countries()
        self._locations()
        actors = ActorBuilder(self.draw, self.countries, self.rows, self.created)
        actors.build()
        expeditionary = self._deployments()
        # Bases hosting foreign forces attract attacks.
        for b, forces in self.hosted.items():
            self.loc_weight[b] *= 4 * len(forces)
        countries = self.countries
        loc_ids = list(self.loc_info)
        loc_cum = cumulative(
            [self.loc_weight[i] * countries[self.loc_info[i][1]].weight for i in loc_ids]
        )
        return World(
            countries,
            self.loc_info,
            loc_ids,
            loc_cum,
            self.hosted,
            actors.names,
            actors.country,
            [ex.forces for ex in expeditionary],
            self.rows,
        )

    # --- countries ------------------------------------------------------------------

    def _countries(self) -> list[Country]:
        import pycountry

        r = self.r
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

    # --- locations: country → admin1 → admin2 → places; bases under admin2 -----------

    def _add_location(
        self,
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
        r = self.r
        lid = self.draw.ids.next("location")
        c = self.countries[ci]
        lat = max(-89.9, min(89.9, lat))
        lon = max(-179.9, min(179.9, lon))
        self.rows["location"].append(
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
                self.draw.status(),
                self.created,
                self.created,
            )
        )
        if r.random() < 0.2:
            alias = f"{name} ({c.alpha3})" if r.random() < 0.5 else name.replace("a", "e", 1)
            if alias != name:
                self.rows["location_alias"].append((lid, alias))
        self.loc_info[lid] = (name, ci, admin1[1] if admin1 else None, kind)
        self.loc_weight[lid] = weight
        c.locations.append(lid)
        return lid

    def _locations(self) -> None:
        r, d, countries, add_loc = self.r, self.draw, self.countries, self._add_location
        total_w = sum(c.weight for c in countries)
        target = LOCATION_TARGET
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
                    a2name = d.unique(d.word)
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
                    for pw in zipf_weights(places, 1.05):
                        self._place(ci, c, a1, a1w, a2_id, a2name, dlat, dlon, pw)

    def _place(
        self,
        ci: int,
        c: Country,
        a1: tuple[str, str],
        a1w: float,
        a2_id: int,
        a2name: str,
        dlat: float,
        dlon: float,
        pw: float,
    ) -> None:
        """A town, village, base, airport, … under a district (and a city's quarters)."""
        r, d, add_loc = self.r, self.draw, self._add_location
        roll = r.random()
        if roll < 0.04:
            kind = r.choice(BASE_KINDS)
            name = d.unique(
                bind(
                    lambda k: f"{d.word()} {'Air Base' if k == 'AIRBASE' else 'Camp'}",
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
            name = d.unique(bind(lambda s: f"{d.word()} {s}", suffix))
        else:
            kind = r.choices(("CITY", "TOWN", "VILLAGE"), (1, 4, 10))[0]
            name = d.unique(d.word)
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
                    d.unique(bind(lambda n: f"{n} {d.word(1, 2)}", name)),
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

    # --- deployments ----------------------------------------------------------------

    def _deploy(
        self,
        loc: int,
        actor: int,
        since: dt.date | None,
        until: dt.date | None,
        strength: int | None,
        mission: str,
    ) -> None:
        if (loc, actor, since) in self.deployed:
            return
        self.deployed.add((loc, actor, since))
        self.rows["deployment"].append(
            (
                self.draw.ids.next("deployment"),
                loc,
                actor,
                since,
                until,
                strength,
                f"about {strength}" if strength else None,
                mission,
                self.draw.status(),
            )
        )

    def _deployments(self) -> list[Country]:
        """Every state's forces at its own bases; three expeditionary forces at many
        bases abroad, with periods. Returns the expeditionary countries."""
        r, countries, deploy = self.r, self.countries, self._deploy
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
                        self.hosted.setdefault(b, []).append(ex.forces)
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
        return expeditionary


def reference_sources(
    draw: Draw, world: World
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int]], list[tuple[int, int]]]:
    """Reports about the actors and the forces, which relations and deployments cite.

    Returns the source rows and the (relation, source) and (deployment, source) links.
    """
    r = draw.rng
    made = dt.datetime(2014, 6, 1, tzinfo=UTC)
    src: list[tuple[Any, ...]] = []
    rel_src: list[tuple[int, int]] = []
    dep_src: list[tuple[int, int]] = []
    for rel in world.rows["actor_relation"]:
        if r.random() < 0.3:
            sid = draw.ids.next("source")
            src.append(
                (
                    sid,
                    "REPORT",
                    "Conflict Monitor",
                    f"Profile: {world.actor_names[rel[1]]}",
                    f"https://monitor.example/{draw.tag}/profiles/{sid}",
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
            sid = draw.ids.next("source")
            src.append(
                (
                    sid,
                    "NEWS_ARTICLE",
                    "The Defence Observer",
                    f"Forces at {world.loc_info[dep[1]][0]}",
                    f"https://defence-observer.example/{draw.tag}/{sid}",
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
    return src, rel_src, dep_src
