"""Import fidelity (issue 11): what ACLED and UCDP rows say, kept on the incident.

* The row's own place: point, geo precision, admin levels 1-3 (with the ISO 3166-2 code),
  the place, country and region as the dataset names them, UCDP ``where_description``.
  The location record stays the shared place; these belong to the event.
* ACLED coding: ``disorder_type``, ``inter1``/``inter2``/``interaction`` (as given: text
  labels or numeric codes), ``civilian_targeting``, ``source_scale``.
* UCDP coding: deaths by side, ``date_prec``/``where_prec``/``event_clarity``, conflict,
  dyad and side ids, ``relid``, ``number_of_sources``.
* Participants: ``associated`` (an associated actor, not a principal), ``side`` (1 or 2:
  the dataset's actor1/side_a or actor2/side_b) and ``reported_name`` (the name as the
  dataset spells it, for a lossless export); roles ``PARTICIPANT``, ``SIDE_A``, ``SIDE_B``.
* ``incident_source.position``: the order of a row's sources (ACLED ``source`` lists).
* GiST trigram indexes on actor names and aliases: the nearest known name of a new actor.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GEO = "('EXACT', 'NEAR', 'ADMIN2', 'ADMIN1', 'COUNTRY', 'UNKNOWN')"
OLD_ROLES = "'PERPETRATOR', 'TARGET', 'INTERCEPTOR', 'CLAIMANT', 'VICTIM', 'RESPONDER', 'OTHER'"
ROLES = OLD_ROLES + ", 'PARTICIPANT', 'SIDE_A', 'SIDE_B'"

INCIDENT_COLUMNS = [
    "latitude double precision check (latitude between -90 and 90)",
    "longitude double precision check (longitude between -180 and 180)",
    f"geo_precision text check (geo_precision in {GEO})",
    "admin1_code text check (admin1_code ~ '^[A-Z]{2}-[A-Z0-9]{1,3}$')",
    "admin1_name text",
    "admin2_name text",
    "admin3_name text",
    "place_name text",
    "country_name text",
    "region text",
    "where_description text",
    "disorder_type text",
    "inter1 text",
    "inter2 text",
    "interaction text",
    "civilian_targeting boolean",
    "source_scale text",
    "deaths_a integer check (deaths_a >= 0)",
    "deaths_b integer check (deaths_b >= 0)",
    "deaths_civilians integer check (deaths_civilians >= 0)",
    "deaths_unknown integer check (deaths_unknown >= 0)",
    "date_prec smallint check (date_prec between 1 and 5)",
    "where_prec smallint check (where_prec between 1 and 7)",
    "event_clarity smallint check (event_clarity between 1 and 2)",
    "conflict_id integer",
    "dyad_id integer",
    "side_a_id integer",
    "side_b_id integer",
    "relid text",
    "number_of_sources integer check (number_of_sources >= 0)",
]

UPGRADE = [
    "alter table incident "
    + ", ".join(f"add column {c}" for c in INCIDENT_COLUMNS)
    + ", add constraint incident_point_check check ((latitude is null) = (longitude is null))",
    "create index incident_disorder_type_idx on incident (lower(disorder_type))",
    "create index incident_civilian_targeting_idx on incident (occurred_on) "
    "where civilian_targeting",
    "alter table incident_participant add column associated boolean not null default false, "
    "add column side smallint check (side between 1 and 2), add column reported_name text",
    "alter table incident_participant drop constraint incident_participant_role_check",
    f"alter table incident_participant add constraint incident_participant_role_check "
    f"check (role in ({ROLES}))",
    "alter table incident_source add column position smallint",
    # nearest names (trigram distance, `<->`) for the imports' possible duplicates: a GiST
    # index answers "the closest name" without rechecking every similar one
    "create index actor_name_trgm_gist on actor using gist (sitrep_norm(name) gist_trgm_ops)",
    "create index actor_alias_trgm_gist on actor_alias "
    "using gist (sitrep_norm(alias) gist_trgm_ops)",
]

DOWNGRADE = [
    "drop index actor_alias_trgm_gist",
    "drop index actor_name_trgm_gist",
    "alter table incident_source drop column position",
    "delete from incident_participant where role in ('PARTICIPANT', 'SIDE_A', 'SIDE_B')",
    "alter table incident_participant drop constraint incident_participant_role_check",
    f"alter table incident_participant add constraint incident_participant_role_check "
    f"check (role in ({OLD_ROLES}))",
    "alter table incident_participant drop column associated, drop column side, "
    "drop column reported_name",
    "drop index incident_civilian_targeting_idx",
    "drop index incident_disorder_type_idx",
    "alter table incident drop constraint incident_point_check, "
    + ", ".join(f"drop column {c.split()[0]}" for c in INCIDENT_COLUMNS),
]


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in DOWNGRADE:
        op.execute(statement)
