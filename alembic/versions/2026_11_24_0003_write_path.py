"""Write path: API keys, change history and sync feed, merges (issue 3).

* ``api_key``: hashed keys (sha256 of a random token) with a role; revoked, never deleted.
* ``change_log``: one row per change to a record, with the author, before and after
  images and whether the record was published before and after. Rows are inserted at
  the end of the writing transaction while it holds an advisory lock, so the identity
  ``id`` is allocated in commit order (see ``db/changelog.py``): the sync feed pages on it
  and never skips a change that commits late.
* ``merged_into_id`` on ``actor`` and ``location``: a merged-away record points at its
  survivor, so its ID keeps resolving.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    """
    create table api_key (
        id bigint generated always as identity primary key,
        name text not null check (btrim(name) <> ''),
        role text not null check (role in ('reader', 'editor', 'admin')),
        prefix text not null,
        key_hash bytea not null unique,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
    )
    """,
    """
    create table change_log (
        id bigint generated always as identity primary key,
        entity text not null check (entity in ('Incident', 'Actor', 'Location', 'Source',
            'Statement', 'ActorRelation', 'Deployment')),
        entity_id bigint not null,
        operation text not null check (operation in ('CREATE', 'UPDATE', 'RETRACT', 'MERGE')),
        api_key_id bigint references api_key (id),
        author text not null,
        changed_at timestamptz not null default now(),
        xact_id xid8 not null default pg_current_xact_id(),
        published_before boolean not null,
        published_after boolean not null,
        before jsonb,
        after jsonb,
        reason text
    )
    """,
    "create index change_log_entity_idx on change_log (entity, entity_id, id)",
    "create index change_log_published_idx on change_log (id) "
    "where published_before or published_after",
    "alter table actor add column merged_into_id bigint references actor (id)",
    "alter table location add column merged_into_id bigint references location (id)",
    # The record's version in the external dataset (ACLED `timestamp`), for re-imports.
    "alter table incident_external_id add column source_version bigint",
    "create index actor_merged_into_idx on actor (merged_into_id) where merged_into_id is not null",
    "create index location_merged_into_idx on location (merged_into_id) "
    "where merged_into_id is not null",
]

DOWNGRADE = [
    "alter table incident_external_id drop column source_version",
    "alter table location drop column merged_into_id",
    "alter table actor drop column merged_into_id",
    "drop table change_log",
    "drop table api_key",
]


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in DOWNGRADE:
        op.execute(statement)
