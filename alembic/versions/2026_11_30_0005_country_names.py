"""Country names for the fast path: ``country_name(code, name)`` from pycountry.

The planner builds ``Country { code name }`` in SQL, so the names the resolvers take from
pycountry (``common_name``, else ``name``) are kept in a table. A test holds the table and
pycountry together; a pycountry upgrade that renames a country needs a migration.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import pycountry
import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def names() -> list[dict[str, str]]:
    return [
        {"code": c.alpha_2, "name": getattr(c, "common_name", None) or c.name}
        for c in pycountry.countries
    ]


def upgrade() -> None:
    table = op.create_table(
        "country_name",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.bulk_insert(table, names())


def downgrade() -> None:
    op.drop_table("country_name")
