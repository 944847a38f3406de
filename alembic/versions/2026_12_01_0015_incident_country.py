"""Each incident carries its place's country, and an index by country and date.

``location: {country: …}`` is the filter analysts use most. It is a test on the
incident's place, so a country's incidents by date were found by walking every incident
of the period by date and looking up each one's place: for a country with 1 incident in
50, 5,000 places looked up for a page of 100; for a rare country, every incident of the
period. With ``incident.country_code`` (a copy of the place's, kept by triggers) and an
index on ``(country_code, occurred_on, id)``, the page is read in order from the index
(``db.filters.implied_countries`` tests the copy instead of the place's country; the
place's other tests stay). A country's year at 1M incidents: the page's statement read
283 incidents and looked up 259 places for 101 rows; now it reads 102.

The copy is no field and no change of the record: the ``updated_at`` trigger skips an
update that changes only it (a place moved to another country), as it skips one that
changes only ``linked_duplicate``; images leave it out (``db.images``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Run set_updated_at unless the update changed only what triggers keep.
_EDIT = (
    "old.linked_duplicate is not distinct from new.linked_duplicate "
    "and (old.country_code is not distinct from new.country_code "
    "or old.location_id is distinct from new.location_id)"
)


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    op.execute("alter table incident add column country_code char(2)")
    op.execute(
        "update incident i set country_code = l.country_code from location l "
        "where l.id = i.location_id and l.country_code is not null"
    )
    op.execute(
        """
        create function incident_takes_country() returns trigger
        language plpgsql as $$
        begin
          new.country_code := (select country_code from location where id = new.location_id);
          return new;
        end $$
        """
    )
    op.execute(
        "create trigger incident_takes_country before insert or update of location_id "
        "on incident for each row execute function incident_takes_country()"
    )
    op.execute(
        """
        create function location_country_to_incidents() returns trigger
        language plpgsql as $$
        begin
          update incident set country_code = new.country_code
          where location_id = new.id and country_code is distinct from new.country_code;
          return null;
        end $$
        """
    )
    op.execute(
        "create trigger location_country_to_incidents after update of country_code "
        "on location for each row when (old.country_code is distinct from new.country_code) "
        "execute function location_country_to_incidents()"
    )
    op.execute("drop trigger incident_set_updated_at on incident")
    op.execute(
        "create trigger incident_set_updated_at before update on incident for each row "
        f"when ({_EDIT}) execute function set_updated_at()"
    )
    op.execute("create index incident_country_idx on incident (country_code, occurred_on, id)")
    op.execute("analyze incident")


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    op.execute("drop index incident_country_idx")
    op.execute("drop trigger incident_set_updated_at on incident")
    op.execute(
        "create trigger incident_set_updated_at before update on incident for each row "
        "when (old.linked_duplicate is not distinct from new.linked_duplicate) "
        "execute function set_updated_at()"
    )
    op.execute("drop trigger location_country_to_incidents on location")
    op.execute("drop function location_country_to_incidents()")
    op.execute("drop trigger incident_takes_country on incident")
    op.execute("drop function incident_takes_country()")
    op.execute("alter table incident drop column country_code")
