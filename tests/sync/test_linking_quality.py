"""Precision and recall of the matcher on the labelled set (tests/sync/events.py):
80 generated events recorded by ACLED, UCDP and by hand with realistic disagreements, and
hard negatives (same day, same town, a different event). The figures are in
bench/LINKING.md; `pytest tests/sync/test_linking_quality.py -s` prints them."""

from __future__ import annotations

import asyncpg
import httpx

from db.core import ConnectionDb
from tests.sync.events import generate
from tests.sync.labelled import load, score
from tests.sync.replay import Replay


async def test_matcher_precision_and_recall_on_the_labelled_set(
    db: ConnectionDb,
    conn: asyncpg.Connection,
    replay: Replay,
    client: httpx.AsyncClient,
    actors: dict[str, int],
) -> None:
    data = generate()
    keys = await load(db, conn, replay, client, data, actors)
    assert len(keys) == len(data.truth)  # every record loaded (none rejected)
    s = await score(conn, data, keys)
    print(
        f"\nlabelled set: {len(data.truth)} records, {s.true_pairs} same-event pairs, "
        f"{len(data.hard_negatives)} hard-negative pairs; predicted {s.predicted_pairs}, "
        f"correct {s.correct_pairs}; precision {s.precision:.3f}, recall {s.recall:.3f}, "
        f"hard negatives linked {s.hard_negatives_linked}"
    )
    assert s.precision >= 0.95
    assert s.recall >= 0.85
    assert s.hard_negatives_linked == 0
