"""Indexes for read shapes found slow at 1M incidents (none of them a benchmark workload).

* An actor's participations by date carry their role and basis (``include``): a page of
  an actor's incidents in one role (``participant: {actor: {id}, roles: [PERPETRATOR]}``,
  or ``Actor.incidents(role:)``) is read in date order from the index, testing the role
  there, instead of fetching all the actor's participations in that role from the heap
  and sorting them (a busy actor's 11,812: 140 ms, now 5.6 ms).
* A place's incidents by date, ``(location_id, occurred_on, id)``, carrying ``status``
  and ``linked_duplicate`` (``include``): ``Location.incidents`` is now tested on the
  incident's own ``location_id`` (it was a second read of the incidents by id), its page
  is read in order and its ``totalCount`` from the index alone. 50 bases in a country,
  each with its 3 latest incidents and their count: 305 ms, now 9 ms. It replaces the
  index on ``(location_id, occurred_on)``.
* Sources by publisher and language together (``lower`` of both, as the filter compares
  them); it replaces the index on the publisher alone, its prefix.
* Sources by text (title and note), a trigram index as incidents have: ``sources(filter:
  {text: …})`` scanned every source (1.3M at 1M incidents: 744 ms for "drone", 211 ms).

Built concurrently: reads and writes go on while it runs.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SOURCE_TEXT = "(coalesce(title, '') || ' ' || coalesce(note, ''))"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "create index concurrently if not exists incident_participant_actor_dated_idx "
            "on incident_participant (actor_id, occurred_on, incident_id) include (role, basis)"
        )
        op.execute("drop index concurrently if exists incident_participant_actor_date_idx")
        op.execute(
            "create index concurrently if not exists incident_location_dated_idx "
            "on incident (location_id, occurred_on, id) include (status, linked_duplicate)"
        )
        op.execute("drop index concurrently if exists incident_location_idx")
        op.execute(
            "create index concurrently if not exists source_publisher_language_idx "
            "on source (lower(publisher), lower(language))"
        )
        op.execute("drop index concurrently if exists source_publisher_lower_idx")
        op.execute(
            "create index concurrently if not exists source_text_idx "
            f"on source using gin ({_SOURCE_TEXT} gin_trgm_ops)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists source_text_idx")
        op.execute(
            "create index concurrently if not exists source_publisher_lower_idx "
            "on source (lower(publisher))"
        )
        op.execute("drop index concurrently if exists source_publisher_language_idx")
        op.execute(
            "create index concurrently if not exists incident_location_idx "
            "on incident (location_id, occurred_on)"
        )
        op.execute("drop index concurrently if exists incident_location_dated_idx")
        op.execute(
            "create index concurrently if not exists incident_participant_actor_date_idx "
            "on incident_participant (actor_id, occurred_on, incident_id)"
        )
        op.execute("drop index concurrently if exists incident_participant_actor_dated_idx")
