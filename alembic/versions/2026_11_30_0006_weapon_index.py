"""A partial index for published incidents by weapon over a period.

The product's headline question ("drone attacks on … in a given week") filters by weapon
and a date window: ``i.status = 'PUBLISHED' and i.weapon = any(…) and i.occurred_on
between …``. With only the date index PostgreSQL reads every incident of the window and
drops most (2,732 read for 210 drone attacks in a week at 1M incidents); with this one it
reads the drone attacks of the window alone. The window's bounds on ``date_earliest`` /
``date_latest`` are checked in the index (``include``).

Built concurrently (outside a transaction), so a live database keeps taking writes; a
build that failed halfway leaves an invalid index, which the upgrade drops first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists incident_published_weapon_idx")
        op.execute(
            "create index concurrently incident_published_weapon_idx "
            "on incident (weapon, occurred_on) include (date_earliest, date_latest) "
            "where status = 'PUBLISHED'"
        )


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists incident_published_weapon_idx")
