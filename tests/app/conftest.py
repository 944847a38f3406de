"""The real server, for the tests that need one: started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import free_port as _free_port
from tests.servers import sitrep_serve

__all__ = ["_free_port"]  # tests.app.test_embedded and others import it from here


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[str]:
    """`sitrep serve --demo` in a subprocess against the test database; yields its base URL."""
    with sitrep_serve(database_url, {}, "--demo") as base:
        yield base
