"""Actors and their relations: umbrella groups, coalitions, organisations; per country
the state, its forces, government, police, civilians and leader, and a few dozen to a
few hundred armed groups, parties and people (Zipf-ranked by activity), with
affiliations (MEMBER_OF, PART_OF, FRONT_FOR, BACKED_BY, …, including cycles).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from db.generate.draw import Draw, bind, cumulative, zipf_weights
from db.generate.vocabulary import GROUP_ADJ, GROUP_WORDS

if TYPE_CHECKING:
    from db.generate.world import Country


class ActorBuilder:
    """Adds actor, alias and relation rows; ranks each country's actors for incidents."""

    def __init__(
        self,
        draw: Draw,
        countries: list[Country],
        rows: dict[str, list[tuple[Any, ...]]],
        created: dt.datetime,
    ) -> None:
        self.draw = draw
        self.r = draw.rng
        self.countries = countries
        self.rows = rows
        self.created = created
        self.names: dict[int, str] = {}
        self.country: dict[int, int | None] = {}
        self.kind: dict[int, str] = {}
        self.relations: set[tuple[int, str, int]] = set()

    def add(
        self,
        name: str,
        kind: str,
        ci: int | None,
        aliases: Sequence[str] = (),
        status: str | None = None,
    ) -> int:
        d = self.draw
        aid = d.ids.next("actor")
        code = self.countries[ci].code if ci is not None else None
        self.rows["actor"].append(
            (aid, name, kind, code, None, status or d.status(), self.created, self.created)
        )
        for alias in aliases:
            if alias.lower() not in d.used_names:
                d.used_names.add(alias.lower())
                self.rows["actor_alias"].append((aid, alias))
        self.names[aid] = name
        self.country[aid] = ci
        self.kind[aid] = kind
        if ci is not None:
            self.countries[ci].actors.append(aid)
        return aid

    def relate(
        self,
        s: int,
        kind: str,
        o: int,
        *,
        basis: str = "REPORTED",
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> None:
        if s == o or (s, kind, o) in self.relations:
            return
        self.relations.add((s, kind, o))
        asserted = None
        if basis == "ALLEGED":
            asserted = self.r.choice(list(self.names))
        self.rows["actor_relation"].append(
            (
                self.draw.ids.next("actor_relation"),
                s,
                kind,
                o,
                basis,
                asserted,
                since,
                until,
                None,
                self.draw.status(),
            )
        )

    def build(self) -> None:
        r, d, countries = self.r, self.draw, self.countries
        add_actor, relate = self.add, self.relate
        umbrellas = []
        for k in range(12):
            word = d.word()
            name = d.unique(bind(lambda w: f"{r.choice(GROUP_ADJ)} {w} Axis", word))
            umbrellas.append(
                add_actor(name, "UMBRELLA_GROUP", None, [f"{word} Axis", f"{word[:1]}A-{k}"])
            )
        coalitions = [
            add_actor(d.unique(lambda: f"{d.word()} Coalition"), "COALITION", None)
            for _ in range(4)
        ]
        orgs = [
            add_actor(d.unique(lambda: f"{d.word()} Relief"), "ORGANIZATION", None)
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
            leader = add_actor(d.unique(lambda: f"{d.word()} {d.word()}"), "PERSON", ci)
            relate(c.gov, "LED_BY", leader)
            state_actors[ci] = (police, unident, leader)
        for ci, c in enumerate(countries):
            self.groups(ci, c, umbrellas, *state_actors[ci])
        for u in umbrellas[:6]:
            relate(u, "BACKED_BY", countries[r.randrange(3)].gov, basis="ATTRIBUTED")
        relate(umbrellas[0], "MEMBER_OF", umbrellas[1])  # an umbrella cycle
        relate(umbrellas[1], "MEMBER_OF", umbrellas[0])
        for co in coalitions:
            for c in r.sample(countries, 5):
                relate(c.forces, "MEMBER_OF", co, basis="CONFIRMED")
        for o in orgs:
            relate(o, "ADVISES", r.choice(countries).gov)

    def groups(
        self, ci: int, c: Country, umbrellas: list[int], police: int, unident: int, leader: int
    ) -> None:
        """A country's armed groups, parties and people, their affiliations, and the
        ranked pool its incidents draw participants from."""
        r, d, countries = self.r, self.draw, self.countries
        add_actor, relate = self.add, self.relate
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
            word = d.word()
            aliases: list[str]
            if kind == "PERSON":
                name = d.unique(bind(lambda w: f"{w} {d.word()}", word))
                aliases = []
            elif kind == "POLITICAL_PARTY":
                name = d.unique(bind(lambda w: f"{r.choice(GROUP_ADJ)} {w} Party", word))
                aliases = [f"{word[:2].upper()}P-{ci}"] if r.random() < 0.5 else []
            elif kind == "REGIONAL_GOVERNMENT":
                name = d.unique(bind(lambda w: f"Regional Government of {w}", word))
                aliases = []
            else:
                name = d.unique(
                    bind(lambda w: f"{r.choice(GROUP_ADJ)} {w} {r.choice(GROUP_WORDS)}", word)
                )
                initials = "".join(p[0] for p in name.split()).upper()
                aliases = [
                    a
                    for a in (f"{word} {r.choice(GROUP_WORDS)}", f"{initials}-{c.code}")
                    if r.random() < 0.6
                ]
            groups.append(add_actor(name, kind, ci, aliases))
        armed = [a for a in groups if self.kind[a] in ("MILITIA", "REBEL_GROUP")]
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
        # Ranked pool for participant choice: the state's forces, civilians and a few
        # groups do most of it.
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
