"""Loads the labelled set (tests/sync/events.py) the way data arrives: ACLED and UCDP
through their sync from the replay server, hand-entered records as an analyst makes them,
then scores the matcher's clusters against the truth."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import httpx

from db.core import ConnectionDb
from db.sync.run import sync_acled, sync_ucdp
from tests.factories import make_incident, make_location
from tests.sync.conftest import ADMIN, acled_api, ucdp_api
from tests.sync.events import LabelledSet
from tests.sync.replay import Replay


@dataclass(frozen=True)
class Scores:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    hard_negatives_linked: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs


async def load(
    db: ConnectionDb,
    conn: asyncpg.Connection,
    replay: Replay,
    client: httpx.AsyncClient,
    data: LabelledSet,
    actors: dict[str, int],
    hand_status: str = "PUBLISHED",
) -> dict[int, str]:
    """Loads every record; returns incident id → record key (``acled:…``, ``hand:…``).
    The hand-entered records have ``hand_status`` (an analyst's drafts: "DRAFT")."""
    keys: dict[int, str] = {}
    for hand in data.hand:
        loc = await make_location(
            conn, f"{hand['place']} ({hand['key']})", latitude=hand["point"][0],
            longitude=hand["point"][1],
        )  # fmt: skip
        perp, target = hand["actors"]
        pk = await make_incident(
            conn, loc, hand["day"], event_type=hand["event_type"],
            sub_event_type=hand["sub_event_type"], killed=hand["killed"], status=hand_status,
            participants=[(actors[perp], "PERPETRATOR", "REPORTED"),
                          (actors[target], "TARGET", "REPORTED")],
        )  # fmt: skip
        keys[pk] = hand["key"]
    replay.acled_events = data.acled
    replay.ucdp["25.1"] = data.ucdp
    await sync_ucdp(db, ADMIN, ucdp_api(replay, client, page_size=50), "25.1", link=False)
    await sync_acled(db, ADMIN, acled_api(replay, client, page_size=50))  # links at the end
    for r in await conn.fetch(
        "select incident_id, system, external_id from incident_external_id "
        "where system in ('acled', 'ucdp')"
    ):
        keys[r["incident_id"]] = f"{r['system']}:{r['external_id']}"
    return keys


async def score(conn: asyncpg.Connection, data: LabelledSet, keys: dict[int, str]) -> Scores:
    clusters: dict[int, list[str]] = {}
    for r in await conn.fetch("select cluster_id, incident_id from event_cluster_member"):
        if r["incident_id"] in keys:
            clusters.setdefault(r["cluster_id"], []).append(keys[r["incident_id"]])
    predicted = {frozenset((a, b)) for ks in clusters.values() for a in ks for b in ks if a < b}
    truth = data.same_event_pairs()
    negatives = {frozenset(p) for p in data.hard_negatives}
    return Scores(len(truth), len(predicted), len(predicted & truth), len(predicted & negatives))
