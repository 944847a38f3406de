"""What parsers produce and imports report: event rows, rejections, the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LocationSpec:
    """The place a row names, with the row's own data (used only to create a location)."""

    name: str
    country_code: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: str = "UNKNOWN"
    admin1_code: str | None = None
    admin1_name: str | None = None
    admin2_name: str | None = None
    kind: str = "TOWN"


@dataclass(frozen=True)
class ParticipantSpec:
    """An actor as a row names it: ``side`` 1 or 2 (ACLED actor1/actor2, UCDP
    side_a/side_b), ``associated`` for ACLED's assoc_actor_1/2."""

    name: str
    kind: str
    role: str
    side: int | None = None
    associated: bool = False


@dataclass(frozen=True)
class SourceSpec:
    publisher: str
    title: str | None = None
    note: str | None = None
    published_at: dt.datetime | None = None
    kind: str = "NEWS_ARTICLE"

    def key(self) -> tuple[str, str]:
        return (self.publisher.lower(), (self.title or "").lower())


@dataclass(frozen=True)
class EventRow:
    line: int
    system: str
    external_id: str
    version: int | None
    incident: dict[str, Any]  # incident columns except location_id and status
    location: LocationSpec
    participants: list[ParticipantSpec]
    sources: list[SourceSpec]
    # True: ``version`` is a hash of the row (UCDP has no version stamp), so any other
    # value is an update; False: a larger version is newer (ACLED ``timestamp``).
    version_is_hash: bool = False
    # A Sitrep export's own incident id (``SITREP<id>``): the row is that incident.
    own_id: int | None = None


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


class InvalidFile(ValueError):
    """The file as a whole cannot be read (not text, not UTF-8, not the format): nothing
    is imported. ``code`` is the stable error code of the HTTP response."""

    code = "INVALID_FILE"


@dataclass(frozen=True)
class PossibleDuplicate:
    """A new actor whose name is close to a known one: not merged, but reported with the
    command that merges it."""

    actor_id: int
    name: str
    candidate_id: int
    candidate: str
    similarity: float

    @property
    def command(self) -> str:
        return f"sitrep actors merge {self.actor_id} --into {self.candidate_id}"


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def as_dict(self, max_rejections: int = 1000) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "rejections": [
                {"line": r.line, "reason": r.reason} for r in self.rejected[:max_rejections]
            ],
            "possibleDuplicates": [
                {
                    "actorId": d.actor_id,
                    "name": d.name,
                    "candidateId": d.candidate_id,
                    "candidate": d.candidate,
                    "similarity": round(d.similarity, 2),
                    "merge": d.command,
                }
                for d in self.possible_duplicates
            ],
        }
