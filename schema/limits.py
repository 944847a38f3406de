"""The limits the schema enforces, as a protocol: ``app.settings.Settings`` satisfies it,
and ``DEFAULT_LIMITS`` holds the same defaults for callers without settings (the SDL
writer, tests). ``schema/`` does not import ``app/``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from schema.pagination import PageLimits


class Limits(PageLimits, Protocol):
    """Page sizes, document limits and lookup sizes of a deployment."""

    @property
    def max_query_depth(self) -> int: ...

    @property
    def max_aliases(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    @property
    def document_cache_size(self) -> int: ...

    @property
    def max_ids_per_lookup(self) -> int: ...


@dataclass(frozen=True)
class SchemaLimits:
    """A plain ``Limits``; its defaults are ``Settings``' defaults (a test holds them)."""

    default_page_size: int = 20
    max_page_size: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    document_cache_size: int = 256
    max_ids_per_lookup: int = 100


DEFAULT_LIMITS: Limits = SchemaLimits()
