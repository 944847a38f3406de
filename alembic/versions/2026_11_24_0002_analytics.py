# ruff: noqa: RUF001, RUF003  (the normalisation lists Unicode quotes and dashes on purpose)
"""Analytics and discovery: search, geography, aggregates (issue 5).

* ``unaccent`` and ``sitrep_norm(text)``: the one normalisation of names used by the
  name filters and by search (lower case, accents removed, apostrophes and dots dropped,
  other punctuation turned into spaces). It is IMMUTABLE so that it can be indexed:
  btree indexes for normalised equality, trigram (``pg_trgm``) GIN indexes for fuzzy
  matching, on actor and location names and aliases (source titles are searched by
  full text: they are sentences, not names).
* Full-text (``english``) GIN indexes on incident summary + notes and source title + note.
* ``cube`` + ``earthdistance``: a GiST index on ``ll_to_earth(latitude, longitude)`` for
  radius queries, and a GiST index on ``point(longitude, latitude)`` for bounding boxes.
  Both extensions ship with PostgreSQL (and with the embedded server).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# unaccent(regdictionary, text) is only STABLE (the dictionary could change); naming the
# dictionary and schema explicitly makes the wrapper safe to declare IMMUTABLE, which
# indexes need. Apostrophes (Kata'ib, Asa’ib) and dots (U.S.) vanish; other punctuation
# (Al-Asad, Ahl_al) becomes a space; runs of spaces collapse.
NORM = r"""
create function sitrep_unaccent(text) returns text
language sql immutable strict parallel safe
return public.unaccent('public.unaccent'::regdictionary, $1);

create function sitrep_norm(text) returns text
language sql immutable strict parallel safe
return btrim(regexp_replace(
    regexp_replace(lower(public.sitrep_unaccent($1)), '[''`´‘’ʼʻʿʾ.]', '', 'g'),
    '[-_/\\,;:()\[\]{}"“”&+!?*#@|<>=~^%$–—‐\s]+', ' ', 'g'));
"""

UPGRADE = [
    "create extension if not exists unaccent",
    "create extension if not exists cube",
    "create extension if not exists earthdistance",
    *[s.strip() for s in NORM.split(";\n") if s.strip()],
    # names and aliases: normalised equality and trigram similarity
    "create index actor_name_norm_idx on actor (sitrep_norm(name))",
    "create index actor_name_trgm_idx on actor using gin (sitrep_norm(name) gin_trgm_ops)",
    "create index actor_alias_norm_idx on actor_alias (sitrep_norm(alias))",
    "create index actor_alias_trgm_idx on actor_alias using gin (sitrep_norm(alias) gin_trgm_ops)",
    "create index location_name_norm_idx on location (sitrep_norm(name))",
    "create index location_name_trgm_idx on location using gin (sitrep_norm(name) gin_trgm_ops)",
    "create index location_alias_norm_idx on location_alias (sitrep_norm(alias))",
    "create index location_alias_trgm_idx on location_alias "
    "using gin (sitrep_norm(alias) gin_trgm_ops)",
    # full text
    "create index incident_fts_idx on incident using gin (to_tsvector('english'::regconfig, "
    "sitrep_unaccent(coalesce(summary, '') || ' ' || coalesce(notes, ''))))",
    "create index source_fts_idx on source using gin (to_tsvector('english'::regconfig, "
    "sitrep_unaccent(coalesce(title, '') || ' ' || coalesce(note, ''))))",
    # geography
    "create index location_earth_idx on location using gist (ll_to_earth(latitude, longitude)) "
    "where latitude is not null",
    "create index location_point_idx on location using gist (point(longitude, latitude)) "
    "where latitude is not null",
    "create index location_admin2_idx on location (lower(admin2_name))",
    # stats: the perpetrator/target rollups read participants by incident and role
    "create index incident_participant_role_idx on incident_participant (role, incident_id)",
    "create index actor_relation_subject_idx on actor_relation (subject_actor_id, kind)",
]

DOWNGRADE = [
    "drop index actor_relation_subject_idx",
    "drop index incident_participant_role_idx",
    "drop index location_admin2_idx",
    "drop index location_point_idx",
    "drop index location_earth_idx",
    "drop index source_fts_idx",
    "drop index incident_fts_idx",
    "drop index location_alias_trgm_idx",
    "drop index location_alias_norm_idx",
    "drop index location_name_trgm_idx",
    "drop index location_name_norm_idx",
    "drop index actor_alias_trgm_idx",
    "drop index actor_alias_norm_idx",
    "drop index actor_name_trgm_idx",
    "drop index actor_name_norm_idx",
    "drop function sitrep_norm(text)",
    "drop function sitrep_unaccent(text)",
    "drop extension if exists earthdistance",
    "drop extension if exists cube",
    "drop extension if exists unaccent",
]


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in DOWNGRADE:
        op.execute(statement)
