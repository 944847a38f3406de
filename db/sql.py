"""The SQL builder: ``Params`` hands out ``$n`` placeholders, ``Compiler`` adds the
viewer's visibility clause and fresh table aliases while a statement is built (and, for
the planner, computes uncorrelated values once at the top of the statement: ``once``);
``valid_on`` is the validity-period clause of relations and deployments."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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

    def __init__(
        self, viewer: Viewer, params: Params | None = None, *, hoist: bool = False
    ) -> None:
        self.viewer = viewer
        self.params = params or Params()
        self.aliases = 0
        self._hoist = hoist
        self._once: list[tuple[str, str]] = []  # (CTE name, its value's SQL)
        self._shared: dict[object, str] = {}
        # Calls of ``once`` and ``shared``: SQL built between two counts that are equal
        # depends on nothing else built before it (``db.planner.Memo``).
        self.uses = 0

    def once(self, value: str, type_: str) -> str:
        """``value``, an uncorrelated scalar expression of ``type_`` (an ``array(…)`` of
        ids, say), where it is used.

        In a statement built with ``hoist`` (the planner's), the value is computed by a
        ``materialized`` CTE at the top of the statement (``with_clause``) and read where
        it is used. Either way PostgreSQL computes it once, but an uncorrelated subquery
        nested in a correlated one is *costed* on every call of the outer one: a name
        look-up inside ``hostsForcesOf``'s per-incident deployment test made each
        incident look ~3x dearer than it is, and a week of drone attacks switched to
        hashing every location once the row estimate was right. Read from a CTE, it costs
        what reading one row costs."""
        self.uses += 1
        if not self._hoist:
            return value
        name = f"once{len(self._once) + 1}"
        self._once.append((name, value))
        return f"(select v from {name})::{type_}"

    def shared(self, key: object, make: Callable[[], str]) -> str:
        """The SQL ``make`` builds for ``key``, built once per statement and reused
        where the same value is needed again (with ``once``: computed once)."""
        self.uses += 1
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def with_clause(self) -> str:
        """The ``with`` clause of the values ``once`` hoisted ('' when none)."""
        if not self._once:
            return ""
        ctes = ", ".join(f"{n} as materialized (select {v} as v)" for n, v in self._once)
        return f"with {ctes} "

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
        self.aliases += 1
        return f"{prefix}{self.aliases}"

    def visible(self, alias: str, status: str = "status") -> str:
        """The clause that hides records the viewer may not see (by their ``status``
        column, or another that copies it)."""
        if self.viewer.can_see_drafts:
            return f"{alias}.{status} <> 'RETRACTED'"
        return f"{alias}.{status} = 'PUBLISHED'"


def valid_on(t: str, on: str) -> str:
    """The validity-period clause: ``{t}.valid_from..valid_to`` (open ends) covers ``on``."""
    return (
        f"({t}.valid_from is null or {t}.valid_from <= {on}) "
        f"and ({t}.valid_to is null or {t}.valid_to >= {on})"
    )
