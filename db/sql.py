"""The SQL builder: ``Params`` hands out ``$n`` placeholders, ``Compiler`` adds the
viewer's visibility clause and fresh table aliases while a statement is built;
``valid_on`` is the validity-period clause of relations and deployments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from db.viewer import Viewer

_ENUM = re.compile(r"[A-Z][A-Z0-9_]*")


class Params:
    """Collects query arguments and hands out ``$n`` placeholders for them."""

    def __init__(self) -> None:
        self.args: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


class Compiler:
    """Holds the parameters, the viewer and fresh table aliases while SQL is built."""

    def __init__(self, viewer: Viewer, params: Params | None = None) -> None:
        self.viewer = viewer
        self.params = params or Params()
        self._aliases = 0

    def __call__(self, value: object) -> str:
        return self.params(value)

    def enums(self, values: Sequence[str]) -> str:
        """A ``text[]`` of enum values written into the SQL, not passed as a parameter:
        PostgreSQL then plans with their frequencies even in a generic plan (drone attacks
        are a few percent of incidents). Only GraphQL enum values, which the schema has
        already checked, qualify; anything else is passed as a parameter."""
        if all(_ENUM.fullmatch(v) for v in values):
            return "'{" + ",".join(values) + "}'::text[]"
        return f"{self(list(values))}::text[]"

    def alias(self, prefix: str) -> str:
        self._aliases += 1
        return f"{prefix}{self._aliases}"

    def visible(self, alias: str) -> str:
        """The clause that hides records the viewer may not see."""
        if self.viewer.can_see_drafts:
            return f"{alias}.status <> 'RETRACTED'"
        return f"{alias}.status = 'PUBLISHED'"


def valid_on(t: str, on: str) -> str:
    """The validity-period clause: ``{t}.valid_from..valid_to`` (open ends) covers ``on``."""
    return (
        f"({t}.valid_from is null or {t}.valid_from <= {on}) "
        f"and ({t}.valid_to is null or {t}.valid_to >= {on})"
    )
