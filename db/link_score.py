"""The matcher's judgement, without SQL: whether two incidents from different datasets
describe the same event, how sure it is, and how matched pairs become clusters.

Two records are candidates only when their date ranges overlap (each widened by a day:
datasets code an event on its local date or its report date) and their points lie within
the sum of their geo precisions' tolerances (``TOLERANCE_KM``). A candidate is a match
when, in addition:

- an actor is shared (the same actor after resolution, or the same normalised name), or
  failing that one is a member, part or front group of the other's (one hop);
- both are organised violence or both are not (protests, riots and strategic developments
  never match a battle, a strike or an attack on civilians);
- the score (actors, distance, dates, deaths) reaches ``THRESHOLD``.

Pairs are then joined greedily, best score first, into clusters holding at most one
record per dataset (a dataset does not code one event twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

# How far a point coded at this precision may lie from the event (km). "Exact" is a town's
# point in ACLED (geo_precision 1), so it allows for the town's extent; "near" is UCDP's
# where_prec 2 ("within 25 km of a known point") and ACLED's geo_precision 2.
TOLERANCE_KM = {
    "EXACT": 5.0,
    "NEAR": 25.0,
    "ADMIN2": 50.0,
    "ADMIN1": 150.0,
    "COUNTRY": 500.0,
    "UNKNOWN": 25.0,
}
DATE_SLACK_DAYS = 1
THRESHOLD = 0.6
VIOLENT = frozenset({"BATTLES", "EXPLOSIONS_REMOTE_VIOLENCE", "VIOLENCE_AGAINST_CIVILIANS"})
# Which member ranks first (the canonical record): hand-entered, then ACLED, then UCDP.
# Any other external-id system (or none) counts as hand-entered.
ORIGIN_ORDER = ("hand", "acled", "ucdp", "ucdp_candidate")
DATASETS = ORIGIN_ORDER[1:]


@dataclass(frozen=True)
class Record:
    id: int
    origin: str  # an external-id system, or "hand" (no external id)
    published: bool
    occurred_on: dt.date
    date_earliest: dt.date
    date_latest: dt.date
    event_type: str
    killed: int | None
    actors: frozenset[str]  # actor ids and normalised names ("#12", "islamic state")
    affiliated: frozenset[str]  # actor ids one affiliation hop away


def tolerance_km(precision: str | None, precision_km: float | None) -> float:
    if precision_km is not None:
        return max(float(precision_km), TOLERANCE_KM["EXACT"])
    return TOLERANCE_KM.get(precision or "UNKNOWN", TOLERANCE_KM["UNKNOWN"])


def score(a: Record, b: Record, distance_km: float, tolerance: float) -> float:
    """0 for no match; otherwise the confidence in [THRESHOLD, 1]."""
    if a.origin == b.origin or (a.event_type in VIOLENT) != (b.event_type in VIOLENT):
        return 0.0
    slack = dt.timedelta(days=DATE_SLACK_DAYS)
    if a.date_earliest - slack > b.date_latest or b.date_earliest - slack > a.date_latest:
        return 0.0
    if distance_km > tolerance:
        return 0.0
    if a.actors & b.actors:
        actors = 1.0
    elif a.actors & b.affiliated or b.actors & a.affiliated:
        actors = 0.7
    else:
        return 0.0
    place = 1.0 - 0.5 * distance_km / tolerance if tolerance > 0 else 1.0
    if a.occurred_on == b.occurred_on:
        when = 1.0
    elif a.date_earliest <= b.date_latest and b.date_earliest <= a.date_latest:
        when = 0.7
    else:
        when = 0.4
    if a.killed is None or b.killed is None:
        deaths = 0.5
    else:
        deaths = 1.0 - abs(a.killed - b.killed) / max(a.killed, b.killed, 1)
    total = 0.35 * actors + 0.25 * place + 0.2 * when + 0.2 * deaths
    return round(total, 4) if total >= THRESHOLD else 0.0


@dataclass
class Cluster:
    members: list[Record]
    scores: dict[int, float]  # member id → the best score of a link it is part of

    def ranked(self) -> list[Record]:
        def key(r: Record) -> tuple[bool, int, int]:
            return (not r.published, ORIGIN_ORDER.index(r.origin), r.id)

        return sorted(self.members, key=key)


def clusters(records: dict[int, Record], pairs: Iterable[tuple[int, int, float]]) -> list[Cluster]:
    """Greedy single-link clustering, best pairs first, never two records of one dataset."""
    of: dict[int, Cluster] = {}
    for a, b, s in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        ca = of.get(a) or Cluster([records[a]], {})
        cb = of.get(b) or Cluster([records[b]], {})
        if ca is cb:
            continue
        if {r.origin for r in ca.members} & {r.origin for r in cb.members}:
            continue
        ca.members += cb.members
        ca.scores = {**cb.scores, **ca.scores}
        for x in (a, b):
            ca.scores[x] = max(ca.scores.get(x, 0.0), s)
        for r in ca.members:
            of[r.id] = ca
    unique = {id(c): c for c in of.values()}
    return sorted(unique.values(), key=lambda c: min(r.id for r in c.members))
