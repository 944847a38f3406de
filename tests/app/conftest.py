"""Fixtures for tests that need a real `sitrep serve` process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import ROOT, free_port, sitrep_serve

_free_port = free_port  # tests.app.test_embedded and others import it from here
__all__ = ["ROOT", "_free_port", "free_port", "server"]


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[str]:
    """`sitrep serve --demo` in a subprocess against the test database; yields its base URL."""
    with sitrep_serve(database_url, {}, "--demo") as base:
        yield base
