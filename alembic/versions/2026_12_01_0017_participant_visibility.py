"""Each participation carries its incident's status and linked-record flag: an actor's
incidents are counted from the index by actor and date alone.

``Actor.incidents { totalCount }`` (and ``incidents(filter: {participant: {actor: {id}}})
{ totalCount }``) counted the incidents whose id is among the actor's participations and
that the viewer may see: for a busy actor at 1M incidents, 198,271 incidents looked up or
hashed, 1.2 s. Visibility is the incident's (its ``status``, and whether it is a later
record of a linked event, ``linked_duplicate``); with copies of both on the participation,
kept by the triggers that keep its date (migration 0010), the count reads the actor's
entries of ``(actor_id, occurred_on, incident_id)`` and nothing else (``include``).

* A participation takes its incident's date, status and flag when it is written without
  them (any insert but the bulk import's, which gives them), or when it moves to another
  incident or a copy is changed; an incident's new date, status or flag is written to
  its participations.
* The copies are no field and no change of the participation: the ``updated_at`` trigger
  skips an update that changes only them, and images leave them out (``db.images``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COPIES = "occurred_on, incident_status, incident_linked_duplicate"
# Run set_updated_at unless the update changed only what triggers keep.
_EDIT = (
    "(old.occurred_on, old.incident_status, old.incident_linked_duplicate) is not distinct "
    "from (new.occurred_on, new.incident_status, new.incident_linked_duplicate) "
    "or old.incident_id is distinct from new.incident_id"
)


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    op.execute(
        "alter table incident_participant add column incident_status text, "
        "add column incident_linked_duplicate boolean"
    )
    op.execute(
        """
        create or replace function participant_takes_incident_date() returns trigger
        language plpgsql as $$
        begin
          select i.occurred_on, i.status, i.linked_duplicate
            into new.occurred_on, new.incident_status, new.incident_linked_duplicate
            from incident i where i.id = new.incident_id;
          return new;
        end $$
        """
    )
    op.execute("drop trigger incident_participant_date_on_insert on incident_participant")
    op.execute(
        "create trigger incident_participant_date_on_insert before insert "
        "on incident_participant for each row when (new.occurred_on is null "
        "or new.incident_status is null or new.incident_linked_duplicate is null) "
        "execute function participant_takes_incident_date()"
    )
    op.execute("drop trigger incident_participant_date on incident_participant")
    op.execute(
        f"create trigger incident_participant_date before update of incident_id, {_COPIES} "
        "on incident_participant for each row "
        "execute function participant_takes_incident_date()"
    )
    op.execute(
        """
        create or replace function incident_date_to_participants() returns trigger
        language plpgsql as $$
        begin
          update incident_participant set occurred_on = new.occurred_on,
            incident_status = new.status, incident_linked_duplicate = new.linked_duplicate
          where incident_id = new.id;
          return null;
        end $$
        """
    )
    op.execute("drop trigger incident_date_to_participants on incident")
    op.execute(
        "create trigger incident_date_to_participants after update of occurred_on, status, "
        "linked_duplicate on incident for each row when ((old.occurred_on, old.status, "
        "old.linked_duplicate) is distinct from (new.occurred_on, new.status, "
        "new.linked_duplicate)) execute function incident_date_to_participants()"
    )
    op.execute("drop trigger incident_participant_set_updated_at on incident_participant")
    op.execute(
        "create trigger incident_participant_set_updated_at before update on "
        f"incident_participant for each row when ({_EDIT}) execute function set_updated_at()"
    )
    op.execute(
        "update incident_participant p set incident_status = i.status, "
        "incident_linked_duplicate = i.linked_duplicate from incident i "
        "where i.id = p.incident_id"
    )
    with op.get_context().autocommit_block():
        op.execute(
            "create index concurrently if not exists incident_participant_actor_shown_idx "
            "on incident_participant (actor_id, occurred_on, incident_id) "
            "include (role, basis, incident_status, incident_linked_duplicate)"
        )
        op.execute("drop index concurrently if exists incident_participant_actor_dated_idx")
        op.execute("vacuum analyze incident_participant")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "create index concurrently if not exists incident_participant_actor_dated_idx "
            "on incident_participant (actor_id, occurred_on, incident_id) include (role, basis)"
        )
        op.execute("drop index concurrently if exists incident_participant_actor_shown_idx")
    op.execute("SET lock_timeout = '5s'")
    op.execute("drop trigger incident_participant_set_updated_at on incident_participant")
    op.execute(
        "create trigger incident_participant_set_updated_at before update on "
        "incident_participant for each row execute function set_updated_at()"
    )
    op.execute("drop trigger incident_date_to_participants on incident")
    op.execute(
        """
        create or replace function incident_date_to_participants() returns trigger
        language plpgsql as $$
        begin
          update incident_participant set occurred_on = new.occurred_on
          where incident_id = new.id;
          return null;
        end $$
        """
    )
    op.execute(
        "create trigger incident_date_to_participants after update of occurred_on on incident "
        "for each row when (old.occurred_on is distinct from new.occurred_on) "
        "execute function incident_date_to_participants()"
    )
    op.execute("drop trigger incident_participant_date on incident_participant")
    op.execute(
        "create trigger incident_participant_date before update of incident_id, "
        "occurred_on on incident_participant for each row "
        "execute function participant_takes_incident_date()"
    )
    op.execute("drop trigger incident_participant_date_on_insert on incident_participant")
    op.execute(
        "create trigger incident_participant_date_on_insert before insert "
        "on incident_participant for each row when (new.occurred_on is null) "
        "execute function participant_takes_incident_date()"
    )
    op.execute(
        """
        create or replace function participant_takes_incident_date() returns trigger
        language plpgsql as $$
        begin
          new.occurred_on := (select occurred_on from incident where id = new.incident_id);
          return new;
        end $$
        """
    )
    op.execute(
        "alter table incident_participant drop column incident_status, "
        "drop column incident_linked_duplicate"
    )
