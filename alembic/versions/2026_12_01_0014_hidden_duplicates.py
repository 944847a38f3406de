"""The ids of the later records of linked events a reader does not see, as a function.

Every list of incidents hides a later record of a linked event when a member ranked
before it is visible to the reader (``db.filters.first_of_its_event``). Written inline,
that test is a three-table join in every statement: PostgreSQL plans it on every call of
a statement planned for its values (a country's page: 0.16 ms of its ~1 ms of planning)
and sets up its executor nodes on every run, even where no listed record is linked.
``hidden_linked_duplicates(drafts)`` runs the same join inside PL/pgSQL, whose plan is
made once per connection; a statement then plans one function scan, read (and hashed)
only when a listed record is linked. A country's year at 1M incidents: 5% faster.
Its row estimate stays PostgreSQL's default (1,000): declared ``rows 100``, ``headline``'s
statement (a generic plan) ran 1.4-1.5 times slower at 1M with the same plan shape.

``drafts`` is the reader's visibility (``db.sql.Compiler.visible``): a reader who may see
drafts sees every record not retracted, anyone else only published ones.
``tests/db/test_hidden_duplicates.py`` checks the two agree.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        create function hidden_linked_duplicates(drafts boolean) returns setof bigint
        language plpgsql stable parallel safe as $$
        begin
          if drafts then
            return query
              select m.incident_id from event_cluster_member m
              join event_cluster_member o on o.cluster_id = m.cluster_id and o.rank < m.rank
              join incident oi on oi.id = o.incident_id and oi.status <> 'RETRACTED';
          else
            return query
              select m.incident_id from event_cluster_member m
              join event_cluster_member o on o.cluster_id = m.cluster_id and o.rank < m.rank
              join incident oi on oi.id = o.incident_id and oi.status = 'PUBLISHED';
          end if;
        end $$
        """
    )


def downgrade() -> None:
    op.execute("drop function hidden_linked_duplicates(boolean)")
