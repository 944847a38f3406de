"""``hidden_linked_duplicates(drafts)`` (migration 0014) against the cluster join it stands
for, written with the viewer's visibility clause (``db.sql.Compiler.visible``)."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import asyncpg

from db.sql import Compiler
from db.viewer import Viewer
from tests.factories import make_incident, make_location

STATUSES = ("PUBLISHED", "DRAFT", "RETRACTED")


def _inline(viewer: Viewer) -> str:
    """The join as ``db.filters.first_of_its_event`` wrote it before 0014."""
    c = Compiler(viewer)
    return (
        "select m.incident_id from event_cluster_member m "
        "join event_cluster_member o on o.cluster_id = m.cluster_id and o.rank < m.rank "
        f"join incident oi on oi.id = o.incident_id and {c.visible('oi')}"
    )


async def test_the_function_hides_what_the_viewers_visibility_hides(
    conn: asyncpg.Connection,
) -> None:
    place = await make_location(conn, "Clustered")
    rng = random.Random(14)
    # every order of statuses in clusters of 1 to 3 members, then 40 random clusters
    shapes = [list(s) for n in (1, 2, 3) for s in itertools.product(STATUSES, repeat=n)] + [
        [rng.choice(STATUSES) for _ in range(rng.randint(2, 5))] for _ in range(40)
    ]
    day = dt.date(2024, 1, 1)
    for shape in shapes:
        cluster = await conn.fetchval("insert into event_cluster default values returning id")
        for rank, status in enumerate(shape):
            incident = await make_incident(conn, place, day, status=status)
            await conn.execute(
                "insert into event_cluster_member (incident_id, cluster_id, rank) "
                "values ($1, $2, $3)",
                incident,
                cluster,
                rank,
            )
    for viewer in (Viewer(), Viewer(can_see_drafts=True)):
        inline = await conn.fetchval(f"select array({_inline(viewer)} order by 1)")
        drafts = "true" if viewer.can_see_drafts else "false"
        function = await conn.fetchval(
            f"select array(select hidden_linked_duplicates({drafts}) order by 1)"
        )
        assert function == inline
        assert len(inline) > 40  # the shapes hide records for both viewers
    published_only = await conn.fetchval("select count(*) from hidden_linked_duplicates(false)")
    with_drafts = await conn.fetchval("select count(*) from hidden_linked_duplicates(true)")
    assert published_only < with_drafts  # a draft ranked first hides only from editors
