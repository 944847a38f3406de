"""The real server, for the tests that need one: started once per session."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.servers import ROOT, free_port, serving

__all__ = ["ROOT", "free_port", "server"]


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[str]:
    """`sitrep serve --demo` in a subprocess against the test database; yields its base URL."""
    command = [sys.executable, "-m", "app.cli", "serve", "--demo"]
    with serving(command, {"DATABASE_URL": database_url}) as (base, _):
        yield base
