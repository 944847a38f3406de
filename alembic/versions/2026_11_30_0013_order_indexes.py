"""An index for every order a connection offers on a large table.

``sources`` are ordered by ``coalesce(published_at, '-infinity')`` (newest first, undated
last: one key for the cursor) and by ``created_at``; neither matched an index, so the
first page of ``sources`` sorted every source (1.3M at 1M incidents: 1.9 s). Locations
and actors ordered by ``createdAt`` sorted every row too (30,000 and 3,000 there: small,
but nothing bounds them). Each order key gets a ``(key, id)`` index, the pair the keyset
cursor compares.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, key): the keys are db.model's order keys, written as they are there.
_INDEXES = (
    ("source_published_key_idx", "source", "coalesce(published_at, '-infinity'::timestamptz)"),
    ("source_created_at_idx", "source", "created_at"),
    ("location_created_at_idx", "location", "created_at"),
    ("actor_created_at_idx", "actor", "created_at"),
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, key in _INDEXES:
            op.execute(f"create index concurrently if not exists {name} on {table} (({key}), id)")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, _, _ in _INDEXES:
            op.execute(f"drop index concurrently if exists {name}")
