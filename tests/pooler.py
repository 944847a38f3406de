"""The pooled pass of the suite (SITREP_TEST_POOLER=pgbouncer): PgBouncer in transaction
mode in front of the test server, and, when no server is given (CI), a throwaway
PostgreSQL 15 server to put it in front of (the embedded server listens on a Unix socket
only). Both are started once and stopped at exit."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from app import cluster

# SITREP_TEST_POOLER=pgbouncer: the suite again, with every database it makes reached
# through PgBouncer in transaction mode (scripts/test runs this pass after the first).
# Databases are created, migrated and dropped on the server itself; the app, the test
# connections and `sitrep serve` go through the pooler (SITREP_POOLER=true).
POOLED = os.environ.get("SITREP_TEST_POOLER") == "pgbouncer"


def _home(prefix: str) -> Path:
    reason = cluster.install_binaries()
    if reason is not None:
        raise RuntimeError(f"SITREP_TEST_POOLER=pgbouncer, but {reason}")
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o755)
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


@cache
def throwaway_server() -> str:
    """A PostgreSQL 15 server on a free port for this session; its URL."""
    server = cluster.Postgres(_home("sitrep-pooled-pg-") / "data", cluster.free_port())
    server.init_primary()
    server.start()
    atexit.register(server.stop, "immediate")
    return server.url()


@cache
def start_test_pooler(server_url: str) -> str:
    """PgBouncer in front of ``server_url``'s server; the pooler's URL."""
    parts = urlsplit(server_url)
    bouncer = cluster.PgBouncer(_home("sitrep-pooler-") / "pgbouncer", cluster.free_port())
    bouncer.configure(parts.port or 5432, host=parts.hostname or "127.0.0.1")
    bouncer.start()
    atexit.register(bouncer.stop)
    return f"postgresql://{parts.username or 'postgres'}@127.0.0.1:{bouncer.port}/postgres"
