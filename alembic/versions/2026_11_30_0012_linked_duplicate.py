"""Each incident says whether it is a later record of a linked event.

Every list and count of incidents shows one record per linked event (``db.filters
.first_of_its_event``): a record is hidden when a member ranked before it in its cluster
is visible to the viewer. That test, an uncorrelated ``not in`` the hidden ids, is cheap
(PostgreSQL hashes the few hidden ids once), but PostgreSQL cannot estimate it and
assumes it keeps half the rows. With half the rows, walking a year of incidents by date
for a country's first 100 looked twice as long as it is, and at 200k incidents
PostgreSQL hashed the whole year instead (35 ms, not 7).

``incident.linked_duplicate`` is true for a member of rank > 0 of a cluster, kept by a
trigger on ``event_cluster_member`` (whoever writes it: linking, merges, deletes). The
test becomes ``not linked_duplicate or id not in (…)``: PostgreSQL estimates the first
arm from the column's statistics, and the hash is only probed for linked records. Which
record the viewer sees still depends on who may see what, so the flag only says *may be
hidden*; it is not served (a draft's link would show through it) and not in images.

The flag is no change of the record: the ``updated_at`` trigger skips an update that
changes only the flag. The counting indexes include it, so counts stay index-only scans.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The counting indexes of 0004, 0006 and 0008: (name, key columns).
_COUNT_INDEXES = (
    ("incident_published_type_idx", "event_type, occurred_on"),
    ("incident_published_weapon_idx", "weapon, occurred_on"),
)


def _rebuild(included: str) -> None:
    with op.get_context().autocommit_block():
        for name, keys in _COUNT_INDEXES:
            op.execute(f"drop index concurrently if exists {name}")
            op.execute(
                f"create index concurrently {name} on incident ({keys}) include ({included}) "
                "where status = 'PUBLISHED'"
            )


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    op.execute("alter table incident add column linked_duplicate boolean not null default false")
    op.execute(
        """
        create function incident_marks_linked_duplicate() returns trigger
        language plpgsql as $$
        declare
          ids bigint[];
        begin
          if tg_op = 'INSERT' then
            ids := array[new.incident_id];
          elsif tg_op = 'DELETE' then
            ids := array[old.incident_id];
          else
            ids := array[old.incident_id, new.incident_id];
          end if;
          update incident i set linked_duplicate = m.later
          from (select x.id, exists (select 1 from event_cluster_member c
                                     where c.incident_id = x.id and c.rank > 0) as later
                from unnest(ids) as x(id)) m
          where i.id = m.id and i.linked_duplicate is distinct from m.later;
          return null;
        end $$
        """
    )
    op.execute(
        "create trigger event_cluster_member_marks_incident "
        "after insert or delete or update of incident_id, rank on event_cluster_member "
        "for each row execute function incident_marks_linked_duplicate()"
    )
    # An update that changes only the flag is not an edit of the record.
    op.execute("drop trigger incident_set_updated_at on incident")
    op.execute(
        "create trigger incident_set_updated_at before update on incident for each row "
        "when (old.linked_duplicate is not distinct from new.linked_duplicate) "
        "execute function set_updated_at()"
    )
    op.execute(
        "update incident set linked_duplicate = true "
        "where id in (select incident_id from event_cluster_member where rank > 0)"
    )
    _rebuild("date_earliest, date_latest, id, linked_duplicate")
    op.execute("analyze incident")


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    _rebuild("date_earliest, date_latest, id")
    op.execute("drop trigger incident_set_updated_at on incident")
    op.execute(
        "create trigger incident_set_updated_at before update on incident for each row "
        "execute function set_updated_at()"
    )
    op.execute("drop trigger event_cluster_member_marks_incident on event_cluster_member")
    op.execute("drop function incident_marks_linked_duplicate()")
    op.execute("alter table incident drop column linked_duplicate")
