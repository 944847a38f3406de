"""Change-log images compressed with LZ4 instead of pglz.

An incident's image (~2.3 kB of JSON) is above the TOAST threshold, so every one written
to ``change_log`` is compressed; with pglz that was about a third of the cost of the
change-log insert of a bulk import (see ``bench/IMPORT.md``). LZ4 is several times faster
at a similar size. Only values written from now on are affected (older ones stay pglz;
both are read transparently). A server built without LZ4 keeps pglz.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compression(method: str) -> str:
    return f"""
    do $$ begin
      alter table change_log alter column before set compression {method},
                             alter column after set compression {method};
    exception when feature_not_supported then
      raise notice 'compression method {method} not supported; change_log keeps the default';
    end $$"""


def upgrade() -> None:
    op.execute(_compression("lz4"))


def downgrade() -> None:
    op.execute(_compression("pglz"))
