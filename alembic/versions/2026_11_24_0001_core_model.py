"""Core model: incidents, actors, locations, sources and the links between them.

Enumerations are text columns with CHECK constraints (easy to extend in a later
migration); the ACLED event taxonomy is a reference table so that an incident's
sub-event type must belong to its event type.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _in(*values: str) -> str:
    return "in (" + ", ".join(f"'{v}'" for v in values) + ")"


STATUS = _in("DRAFT", "PUBLISHED", "RETRACTED")
BASIS = _in("CLAIMED", "ATTRIBUTED", "ALLEGED", "CONFIRMED", "REPORTED")

# ACLED's event taxonomy (codebook 2023): (event type, sub-event type, label).
TAXONOMY = [
    ("BATTLES", "ARMED_CLASH", "Armed clash"),
    ("BATTLES", "GOVERNMENT_REGAINS_TERRITORY", "Government regains territory"),
    ("BATTLES", "NON_STATE_ACTOR_OVERTAKES_TERRITORY", "Non-state actor overtakes territory"),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "CHEMICAL_WEAPON", "Chemical weapon"),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "AIR_DRONE_STRIKE", "Air/drone strike"),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "SUICIDE_BOMB", "Suicide bomb"),
    (
        "EXPLOSIONS_REMOTE_VIOLENCE",
        "SHELLING_ARTILLERY_MISSILE_ATTACK",
        "Shelling/artillery/missile attack",
    ),
    (
        "EXPLOSIONS_REMOTE_VIOLENCE",
        "REMOTE_EXPLOSIVE_LANDMINE_IED",
        "Remote explosive/landmine/IED",
    ),
    ("EXPLOSIONS_REMOTE_VIOLENCE", "GRENADE", "Grenade"),
    ("VIOLENCE_AGAINST_CIVILIANS", "SEXUAL_VIOLENCE", "Sexual violence"),
    ("VIOLENCE_AGAINST_CIVILIANS", "ATTACK", "Attack"),
    (
        "VIOLENCE_AGAINST_CIVILIANS",
        "ABDUCTION_FORCED_DISAPPEARANCE",
        "Abduction/forced disappearance",
    ),
    ("PROTESTS", "PEACEFUL_PROTEST", "Peaceful protest"),
    ("PROTESTS", "PROTEST_WITH_INTERVENTION", "Protest with intervention"),
    ("PROTESTS", "EXCESSIVE_FORCE_AGAINST_PROTESTERS", "Excessive force against protesters"),
    ("RIOTS", "VIOLENT_DEMONSTRATION", "Violent demonstration"),
    ("RIOTS", "MOB_VIOLENCE", "Mob violence"),
    ("STRATEGIC_DEVELOPMENTS", "AGREEMENT", "Agreement"),
    ("STRATEGIC_DEVELOPMENTS", "ARRESTS", "Arrests"),
    ("STRATEGIC_DEVELOPMENTS", "CHANGE_TO_GROUP_ACTIVITY", "Change to group/activity"),
    ("STRATEGIC_DEVELOPMENTS", "DISRUPTED_WEAPONS_USE", "Disrupted weapons use"),
    (
        "STRATEGIC_DEVELOPMENTS",
        "HEADQUARTERS_OR_BASE_ESTABLISHED",
        "Headquarters or base established",
    ),
    ("STRATEGIC_DEVELOPMENTS", "LOOTING_PROPERTY_DESTRUCTION", "Looting/property destruction"),
    (
        "STRATEGIC_DEVELOPMENTS",
        "NON_VIOLENT_TRANSFER_OF_TERRITORY",
        "Non-violent transfer of territory",
    ),
    ("STRATEGIC_DEVELOPMENTS", "OTHER", "Other"),
]

RECORD = f"""
    status text not null default 'PUBLISHED' check (status {STATUS}),
    version integer not null default 1 check (version > 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
"""

TIMESTAMPS = """
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
"""

TABLES_WITH_UPDATED_AT = [
    "actor",
    "actor_alias",
    "actor_relation",
    "location",
    "location_alias",
    "deployment",
    "source",
    "source_media",
    "statement",
    "incident",
    "incident_participant",
    "incident_source",
    "incident_external_id",
]

UPGRADE = f"""
create extension if not exists pg_trgm;

create function set_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end $$;

create table event_taxonomy (
    event_type text not null,
    sub_event_type text not null,
    label text not null,
    primary key (event_type, sub_event_type),
    unique (sub_event_type)
);

create table actor (
    id bigint generated always as identity primary key,
    name text not null check (btrim(name) <> ''),
    kind text not null check (kind {
    _in(
        "STATE",
        "STATE_FORCES",
        "POLITICAL_GOVERNMENT",
        "REGIONAL_GOVERNMENT",
        "MILITIA",
        "REBEL_GROUP",
        "UMBRELLA_GROUP",
        "COALITION",
        "POLITICAL_PARTY",
        "UNIDENTIFIED_ARMED_GROUP",
        "CIVILIANS",
        "PERSON",
        "ORGANIZATION",
        "OTHER",
    )
}),
    country_code char(2) check (country_code ~ '^[A-Z]{{2}}$'),
    description text,
    {RECORD}
);
create index actor_name_lower_idx on actor (lower(name));
create index actor_kind_idx on actor (kind);
create index actor_updated_at_idx on actor (updated_at, id);

create table actor_alias (
    actor_id bigint not null references actor (id) on delete cascade,
    alias text not null check (btrim(alias) <> ''),
    {TIMESTAMPS},
    primary key (actor_id, alias)
);
create index actor_alias_lower_idx on actor_alias (lower(alias));

create table source (
    id bigint generated always as identity primary key,
    kind text not null check (kind {
    _in(
        "NEWS_ARTICLE",
        "OFFICIAL_STATEMENT",
        "PRESS_RELEASE",
        "SOCIAL_MEDIA_POST",
        "REPORT",
        "DATASET",
        "OTHER",
    )
}),
    publisher text not null check (btrim(publisher) <> ''),
    title text,
    url text unique,
    author text,
    published_at timestamptz,
    revised_at timestamptz,
    language text check (language ~ '^[a-z]{{2,3}}(-[A-Za-z0-9]+)*$'),
    machine_translated boolean not null default false,
    note text,
    {RECORD}
);
create index source_publisher_lower_idx on source (lower(publisher));
create index source_published_at_idx on source (published_at, id);
create index source_updated_at_idx on source (updated_at, id);

create table source_media (
    id bigint generated always as identity primary key,
    source_id bigint not null references source (id) on delete cascade,
    kind text not null check (kind {_in("PHOTO", "VIDEO", "AUDIO", "DOCUMENT")}),
    caption text,
    credit text,
    url text,
    {TIMESTAMPS}
);
create index source_media_source_idx on source_media (source_id);

create table actor_relation (
    id bigint generated always as identity primary key,
    subject_actor_id bigint not null references actor (id) on delete cascade,
    kind text not null check (kind {
    _in(
        "MEMBER_OF",
        "PART_OF",
        "FRONT_FOR",
        "FUNDED_BY",
        "BACKED_BY",
        "ALLIED_WITH",
        "LED_BY",
        "ADVISES",
        "OPPOSES",
        "OTHER",
    )
}),
    object_actor_id bigint not null references actor (id) on delete cascade,
    basis text not null default 'REPORTED' check (basis {BASIS}),
    asserted_by_actor_id bigint references actor (id) on delete set null,
    valid_from date,
    valid_to date,
    note text,
    {RECORD},
    check (subject_actor_id <> object_actor_id),
    check (valid_to is null or valid_from is null or valid_to >= valid_from)
);
create unique index actor_relation_natural_key on actor_relation
    (subject_actor_id, kind, object_actor_id, coalesce(valid_from, '-infinity'::date));
create index actor_relation_object_idx on actor_relation (object_actor_id, kind);

create table actor_relation_source (
    relation_id bigint not null references actor_relation (id) on delete cascade,
    source_id bigint not null references source (id) on delete cascade,
    primary key (relation_id, source_id)
);
create index actor_relation_source_source_idx on actor_relation_source (source_id);

create table location (
    id bigint generated always as identity primary key,
    name text not null check (btrim(name) <> ''),
    kind text not null check (kind {
    _in(
        "COUNTRY",
        "ADMIN1",
        "ADMIN2",
        "CITY",
        "TOWN",
        "VILLAGE",
        "NEIGHBOURHOOD",
        "AIRBASE",
        "MILITARY_BASE",
        "AIRPORT",
        "PORT",
        "BORDER_CROSSING",
        "FACILITY",
        "SEA",
        "OTHER",
    )
}),
    latitude double precision check (latitude between -90 and 90),
    longitude double precision check (longitude between -180 and 180),
    geo_precision text not null default 'UNKNOWN' check (geo_precision {
    _in("EXACT", "NEAR", "ADMIN2", "ADMIN1", "COUNTRY", "UNKNOWN")
}),
    precision_km real check (precision_km >= 0),
    country_code char(2) check (country_code ~ '^[A-Z]{{2}}$'),
    admin1_code text check (admin1_code ~ '^[A-Z]{{2}}-[A-Z0-9]{{1,3}}$'),
    admin1_name text,
    admin2_name text,
    parent_id bigint references location (id) on delete set null,
    description text,
    {RECORD},
    check ((latitude is null) = (longitude is null)),
    check (admin1_code is null or left(admin1_code, 2) = country_code),
    check (parent_id <> id)
);
create index location_name_lower_idx on location (lower(name));
create index location_country_idx on location (country_code, admin1_code);
create index location_kind_idx on location (kind);
create index location_parent_idx on location (parent_id);
create index location_updated_at_idx on location (updated_at, id);

create table location_alias (
    location_id bigint not null references location (id) on delete cascade,
    alias text not null check (btrim(alias) <> ''),
    {TIMESTAMPS},
    primary key (location_id, alias)
);
create index location_alias_lower_idx on location_alias (lower(alias));

create table deployment (
    id bigint generated always as identity primary key,
    location_id bigint not null references location (id) on delete cascade,
    actor_id bigint not null references actor (id) on delete cascade,
    valid_from date,
    valid_to date,
    strength integer check (strength >= 0),
    strength_note text,
    mission text,
    note text,
    {RECORD},
    check (valid_to is null or valid_from is null or valid_to >= valid_from)
);
create unique index deployment_natural_key on deployment
    (location_id, actor_id, coalesce(valid_from, '-infinity'::date));
create index deployment_actor_idx on deployment (actor_id, location_id);

create table deployment_source (
    deployment_id bigint not null references deployment (id) on delete cascade,
    source_id bigint not null references source (id) on delete cascade,
    primary key (deployment_id, source_id)
);
create index deployment_source_source_idx on deployment_source (source_id);

create table incident (
    id bigint generated always as identity primary key,
    occurred_on date not null,
    date_earliest date not null,
    date_latest date not null,
    occurred_time time,
    time_precision text not null default 'DAY' check (time_precision {
    _in("DAY", "WEEK", "MONTH", "YEAR")
}),
    location_id bigint not null references location (id),
    event_type text not null,
    sub_event_type text not null,
    weapon text not null default 'UNKNOWN' check (weapon {
    _in(
        "DRONE",
        "ROCKET",
        "MISSILE",
        "ARTILLERY",
        "AIRSTRIKE",
        "IED",
        "SMALL_ARMS",
        "OTHER",
        "UNKNOWN",
    )
}),
    projectile_count integer check (projectile_count >= 0),
    outcome text not null default 'UNKNOWN' check (outcome {
    _in("INTERCEPTED", "STRUCK", "MISSED", "FAILED", "UNKNOWN")
}),
    claim_status text not null default 'UNKNOWN' check (claim_status {
    _in("CLAIMED", "UNCLAIMED", "UNKNOWN")
}),
    killed_low integer check (killed_low >= 0),
    killed_best integer check (killed_best >= 0),
    killed_high integer check (killed_high >= 0),
    injured_low integer check (injured_low >= 0),
    injured_best integer check (injured_best >= 0),
    injured_high integer check (injured_high >= 0),
    damage text not null default 'UNKNOWN' check (damage {
    _in("NONE", "SOME", "SEVERE", "DESTROYED", "UNKNOWN")
}),
    damage_description text,
    summary text not null check (btrim(summary) <> ''),
    notes text,
    tags text[] not null default '{{}}',
    {RECORD},
    foreign key (event_type, sub_event_type) references event_taxonomy (event_type, sub_event_type),
    check (date_earliest <= occurred_on and occurred_on <= date_latest),
    check (killed_low <= killed_best and killed_best <= killed_high),
    check (injured_low <= injured_best and injured_best <= injured_high)
);
create index incident_occurred_idx on incident (occurred_on, id);
create index incident_dates_idx on incident (date_earliest, date_latest);
create index incident_location_idx on incident (location_id, occurred_on);
create index incident_weapon_idx on incident (weapon, occurred_on);
create index incident_type_idx on incident (event_type, sub_event_type);
create index incident_killed_idx on incident (killed_best) where killed_best > 0;
create index incident_tags_idx on incident using gin (tags);
create index incident_text_idx on incident using gin
    ((coalesce(summary, '') || ' ' || coalesce(notes, '')) gin_trgm_ops);
create index incident_updated_at_idx on incident (updated_at, id);
create index incident_created_at_idx on incident (created_at, id);

create table incident_external_id (
    system text not null check (system ~ '^[a-z][a-z0-9_-]*$'),
    external_id text not null check (btrim(external_id) <> ''),
    incident_id bigint not null references incident (id) on delete cascade,
    {TIMESTAMPS},
    primary key (system, external_id)
);
create index incident_external_id_incident_idx on incident_external_id (incident_id);

create table incident_source (
    incident_id bigint not null references incident (id) on delete cascade,
    source_id bigint not null references source (id) on delete cascade,
    note text,
    {TIMESTAMPS},
    primary key (incident_id, source_id)
);
create index incident_source_source_idx on incident_source (source_id, incident_id);

create table statement (
    id bigint generated always as identity primary key,
    source_id bigint not null references source (id) on delete cascade,
    speaker_actor_id bigint references actor (id) on delete set null,
    speaker_name text,
    channel text,
    text text not null check (btrim(text) <> ''),
    is_quote boolean not null default false,
    stated_on date,
    incident_id bigint references incident (id) on delete set null,
    {TIMESTAMPS}
);
create unique index statement_natural_key on statement (source_id, md5(text));
create index statement_speaker_idx on statement (speaker_actor_id);
create index statement_incident_idx on statement (incident_id);

create table incident_participant (
    id bigint generated always as identity primary key,
    incident_id bigint not null references incident (id) on delete cascade,
    actor_id bigint not null references actor (id),
    role text not null check (role {
    _in("PERPETRATOR", "TARGET", "INTERCEPTOR", "CLAIMANT", "VICTIM", "RESPONDER", "OTHER")
}),
    basis text not null default 'REPORTED' check (basis {BASIS}),
    attributed_by_actor_id bigint references actor (id) on delete set null,
    source_id bigint references source (id) on delete set null,
    statement_id bigint references statement (id) on delete set null,
    note text,
    {TIMESTAMPS},
    unique (incident_id, actor_id, role)
);
create index incident_participant_actor_idx on incident_participant (actor_id, role, incident_id);
"""

DOWNGRADE = """
drop table incident_participant;
drop table statement;
drop table incident_source;
drop table incident_external_id;
drop table incident;
drop table deployment_source;
drop table deployment;
drop table location_alias;
drop table location;
drop table actor_relation_source;
drop table actor_relation;
drop table source_media;
drop table source;
drop table actor_alias;
drop table actor;
drop table event_taxonomy;
drop function set_updated_at();
"""


def _statements(sql: str) -> list[str]:
    """Split a script on top-level semicolons (the driver runs one statement at a time)."""
    parts, current, in_dollar = [], [], False
    for line in sql.splitlines():
        in_dollar ^= line.count("$$") % 2 == 1
        current.append(line)
        if not in_dollar and line.rstrip().endswith(";"):
            parts.append("\n".join(current).strip().rstrip(";"))
            current = []
    tail = "\n".join(current).strip()
    return [p for p in [*parts, tail] if p]


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in _statements(UPGRADE):
        op.execute(statement)
    values = ", ".join(
        "('{}', '{}', '{}')".format(*(part.replace("'", "''") for part in row)) for row in TAXONOMY
    )
    op.execute(f"insert into event_taxonomy (event_type, sub_event_type, label) values {values}")
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(
            f"create trigger {table}_set_updated_at before update on {table} "
            "for each row execute function set_updated_at()"
        )


def downgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    for statement in _statements(DOWNGRADE):
        op.execute(statement)
