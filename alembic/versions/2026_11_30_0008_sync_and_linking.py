"""Live sync state and cross-dataset event clusters.

``sync_state``: one row per (source, version) that ``sitrep sync`` has pulled from: the
high-water mark of a completed run (ACLED ``timestamp``, deleted ``deleted_timestamp``)
and, while a run is under way, where it is (its lower bound, the next page, the highest
timestamp seen so far). Each page's rows and this row are committed in one transaction,
so an interrupted run resumes at the first page it had not committed.

``event_cluster`` / ``event_cluster_member``: incidents that describe the same event in
different datasets (ACLED, UCDP, hand-entered). ``rank`` orders the members; rank 0 is
the canonical member, and lists and stats show a cluster's first member the viewer may
see (``db/filters.py``). Written by the matcher (``db/linking.py``).

That rule is a hash probe of each listed incident's ``id``; the partial indexes that
answer counts without reading the table (``0004`` by type, ``0006`` by weapon) are
rebuilt with ``id`` included, so counts stay index-only scans. They are rebuilt
concurrently (outside a transaction), so a live database keeps taking writes.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The counting indexes of 0004 and 0006: (name, key columns, included columns).
_COUNT_INDEXES = (
    ("incident_published_type_idx", "event_type, occurred_on", "date_earliest, date_latest"),
    ("incident_published_weapon_idx", "weapon, occurred_on", "date_earliest, date_latest"),
)


def _rebuild(include_id: bool) -> None:
    with op.get_context().autocommit_block():
        for name, keys, included in _COUNT_INDEXES:
            columns = f"{included}, id" if include_id else included
            op.execute(f"drop index concurrently if exists {name}")
            op.execute(
                f"create index concurrently {name} on incident ({keys}) include ({columns}) "
                "where status = 'PUBLISHED'"
            )


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in _UPGRADE.split(";\n"):
        if statement.strip():
            op.execute(statement)
    _rebuild(include_id=True)


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    _rebuild(include_id=False)
    for table in ("event_cluster_member", "event_cluster", "sync_state"):
        op.execute(f"drop table {table}")


_UPGRADE = """
create table sync_state (
    source text not null check (source ~ '^[a-z][a-z_]*$'),  -- db.sync.state.SOURCES
    version text not null default '',
    high_water bigint,
    run_from bigint,
    next_page int check (next_page >= 0),
    run_max bigint,
    total_pages int,
    completed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (source, version)
);
create trigger sync_state_set_updated_at before update on sync_state
    for each row execute function set_updated_at();

create table event_cluster (
    id bigint generated always as identity primary key,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger event_cluster_set_updated_at before update on event_cluster
    for each row execute function set_updated_at();

create table event_cluster_member (
    incident_id bigint primary key references incident (id) on delete cascade,
    cluster_id bigint not null references event_cluster (id) on delete cascade,
    rank int not null check (rank >= 0),
    score real check (score between 0 and 1),
    unique (cluster_id, rank)
);
"""
