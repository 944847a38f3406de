"""An index for incidents ordered by their death toll (``orderBy: {field: KILLED}``).

The deadliest incidents (``coalesce(killed_best, -1)``: an unknown toll sorts below a
toll of 0, then ``id``) are the last entries of this index: a page of them reads that
many entries instead of sorting every incident (at 1M incidents, every published one).

Built concurrently: reads and writes go on while it runs.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "create index concurrently if not exists incident_killed_order_idx "
            "on incident ((coalesce(killed_best, -1)), id)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists incident_killed_order_idx")
