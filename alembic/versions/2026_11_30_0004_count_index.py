"""A partial index for counting published incidents by type over a period.

``totalCount`` with the common filters (event types and a date range, e.g. the
benchmark's ``count`` workload) runs ``select count(*) from incident i where
i.status = 'PUBLISHED' and i.occurred_on >= … and i.date_earliest >= … and
i.occurred_on <= … and i.date_latest <= … and i.event_type = any(…)``. Without this
index PostgreSQL reads the whole table (a parallel sequential scan); with it, an
index-only scan over the matching published entries, with the date range bounds checked
in the index (``include``). Measured on 200k generated incidents: the statement went
from 128-146 ms to 17-24 ms (bench/results/2026-11-30-count-index.md).

Built concurrently (outside a transaction), so a live database keeps taking writes; a
build that failed halfway leaves an invalid index, which the upgrade drops first.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists incident_published_type_idx")
        op.execute(
            "create index concurrently incident_published_type_idx "
            "on incident (event_type, occurred_on) include (date_earliest, date_latest) "
            "where status = 'PUBLISHED'"
        )


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists incident_published_type_idx")
