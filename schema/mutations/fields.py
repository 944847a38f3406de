"""Input fields that several mutation inputs share, described once."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.enums import RecordStatus


def status() -> Any:
    """A main record's ``status``."""
    return strawberry.field(
        default=strawberry.UNSET, description="DRAFT (the default on create) or PUBLISHED."
    )


def aliases() -> Any:
    """An actor's or location's other names."""
    return strawberry.field(
        default=strawberry.UNSET, description="Other names (replaces the list)."
    )


def link_status() -> Any:
    """The ``status`` of a new relation or deployment."""
    return strawberry.field(default=RecordStatus.DRAFT, description="DRAFT or PUBLISHED.")


def link_sources() -> Any:
    """The sources supporting a new relation or deployment."""
    return strawberry.field(default=None, description="Sources supporting it.")
