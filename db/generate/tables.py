"""The tables the generator fills: their load order, the columns it writes, the next ids."""

from __future__ import annotations

from dataclasses import dataclass

# Tables with data, in an order that respects foreign keys (parents first).
DATA_TABLES = (
    "actor",
    "actor_alias",
    "location",
    "location_alias",
    "source",
    "source_media",
    "actor_relation",
    "actor_relation_source",
    "deployment",
    "deployment_source",
    "incident",
    "incident_external_id",
    "incident_source",
    "statement",
    "incident_participant",
)

# Identity tables: ids are assigned by the generator (COPY writes them as given) and the
# sequences are moved past them after the load.
ID_TABLES = (
    "actor",
    "location",
    "source",
    "source_media",
    "actor_relation",
    "deployment",
    "incident",
    "statement",
    "incident_participant",
)


@dataclass
class Ids:
    """Next id per table (offset by what the database already holds, for --append)."""

    actor: int = 0
    location: int = 0
    source: int = 0
    source_media: int = 0
    actor_relation: int = 0
    deployment: int = 0
    incident: int = 0
    statement: int = 0
    incident_participant: int = 0

    def next(self, table: str) -> int:
        value = getattr(self, table) + 1
        setattr(self, table, value)
        return value


# The columns each row tuple holds, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": (
        "id",
        "name",
        "kind",
        "country_code",
        "description",
        "status",
        "created_at",
        "updated_at",
    ),
    "actor_alias": ("actor_id", "alias"),
    "location": (
        "id",
        "name",
        "kind",
        "latitude",
        "longitude",
        "geo_precision",
        "precision_km",
        "country_code",
        "admin1_code",
        "admin1_name",
        "admin2_name",
        "parent_id",
        "description",
        "status",
        "created_at",
        "updated_at",
    ),
    "location_alias": ("location_id", "alias"),
    "source": (
        "id",
        "kind",
        "publisher",
        "title",
        "url",
        "author",
        "published_at",
        "language",
        "machine_translated",
        "status",
        "created_at",
        "updated_at",
    ),
    "source_media": ("id", "source_id", "kind", "caption", "credit", "url"),
    "actor_relation": (
        "id",
        "subject_actor_id",
        "kind",
        "object_actor_id",
        "basis",
        "asserted_by_actor_id",
        "valid_from",
        "valid_to",
        "note",
        "status",
    ),
    "actor_relation_source": ("relation_id", "source_id"),
    "deployment": (
        "id",
        "location_id",
        "actor_id",
        "valid_from",
        "valid_to",
        "strength",
        "strength_note",
        "mission",
        "status",
    ),
    "deployment_source": ("deployment_id", "source_id"),
    "incident": (
        "id",
        "occurred_on",
        "date_earliest",
        "date_latest",
        "occurred_time",
        "time_precision",
        "location_id",
        "event_type",
        "sub_event_type",
        "weapon",
        "projectile_count",
        "outcome",
        "claim_status",
        "killed_low",
        "killed_best",
        "killed_high",
        "injured_low",
        "injured_best",
        "injured_high",
        "damage",
        "damage_description",
        "summary",
        "notes",
        "tags",
        "status",
        "created_at",
        "updated_at",
    ),
    "incident_external_id": ("system", "external_id", "incident_id"),
    "incident_source": ("incident_id", "source_id"),
    "statement": (
        "id",
        "source_id",
        "speaker_actor_id",
        "speaker_name",
        "channel",
        "text",
        "is_quote",
        "stated_on",
        "incident_id",
    ),
    "incident_participant": (
        "id",
        "incident_id",
        "actor_id",
        "role",
        "basis",
        "attributed_by_actor_id",
        "source_id",
        "statement_id",
    ),
}
