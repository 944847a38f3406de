"""Webhooks: subscriptions (URL, filter, secret), their delivery queue and attempt log,
and the shared position of the enqueuer in the change log.

* ``webhook``: registered by admins; ``filter`` is the incident filter in its stored JSON
  form (``db.filter_json``), null for every incident; ``since_change_id`` is the change
  log's end when it was registered (only later changes are delivered).
* ``webhook_cursor``: one row, the last change id turned into deliveries. An instance
  enqueues only while holding its row lock (``for update skip locked``), so two
  instances never enqueue the same change; ``unique (webhook_id, change_id)`` backs it.
* ``webhook_delivery``: the queue and the delivery log: one row per event and webhook,
  its payload, status, attempts and when it is next due. Instances claim due rows with
  ``for update skip locked``.
* ``webhook_attempt``: every attempt, with the response status or the error.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STATEMENTS = (
    """
    create table webhook (
      id bigint generated always as identity primary key,
      url text not null check (url ~* '^https?://'),
      filter jsonb,
      secret text not null check (length(secret) >= 16),
      active boolean not null default true,
      since_change_id bigint not null,
      created_by text not null,
      created_at timestamptz not null default now()
    )
    """,
    """
    create table webhook_cursor (
      id int primary key check (id = 1),
      last_change_id bigint not null
    )
    """,
    """
    insert into webhook_cursor values (1, (select coalesce(max(id), 0) from change_log))
    """,
    """
    create table webhook_delivery (
      id bigint generated always as identity primary key,
      webhook_id bigint not null references webhook on delete cascade,
      change_id bigint not null,
      incident_id bigint not null,
      action text not null check (action in ('UPSERT', 'TOMBSTONE')),
      payload jsonb not null,
      status text not null default 'PENDING'
      check (status in ('PENDING', 'DELIVERED', 'FAILED')),
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_status_code int,
      last_error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      unique (webhook_id, change_id)
    )
    """,
    """
    create index webhook_delivery_due_idx on webhook_delivery (next_attempt_at)
      where status = 'PENDING'
    """,
    """
    create index webhook_delivery_incident_idx
      on webhook_delivery (webhook_id, incident_id, change_id desc)
    """,
    """
    create table webhook_attempt (
      id bigint generated always as identity primary key,
      delivery_id bigint not null references webhook_delivery on delete cascade,
      at timestamptz not null default now(),
      status_code int,
      error text,
      duration_ms int not null
    )
    """,
    """
    create index webhook_attempt_delivery_idx on webhook_attempt (delivery_id, id)
    """,
)


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for table in ("webhook_attempt", "webhook_delivery", "webhook_cursor", "webhook"):
        op.execute(f"drop table {table}")
