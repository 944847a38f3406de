"""Who is asking: the viewer of a request, and what it may see and do."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("reader", "editor", "admin")


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Anonymous readers and ``reader`` keys see published records only;
    ``editor`` and ``admin`` keys also see drafts (never retracted records)."""

    can_see_drafts: bool = False
    role: str | None = None  # None = anonymous; else one of ROLES
    key_id: int | None = None
    name: str = "anonymous"

    @classmethod
    def for_key(cls, key_id: int, name: str, role: str) -> Viewer:
        assert role in ROLES
        return cls(can_see_drafts=role != "reader", role=role, key_id=key_id, name=name)

    @property
    def can_edit(self) -> bool:
        return self.role in {"editor", "admin"}

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
