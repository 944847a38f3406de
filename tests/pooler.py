"""A PgBouncer in transaction mode in front of the test server, for the pooled pass of the
suite (SITREP_TEST_POOLER=pgbouncer); stopped at exit."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from app import cluster


def start_test_pooler(server_url: str) -> str:
    """Start PgBouncer in front of ``server_url``'s server; return the pooler's URL."""
    reason = cluster.install_binaries()
    if reason is not None:
        raise RuntimeError(f"SITREP_TEST_POOLER=pgbouncer, but {reason}")
    parts = urlsplit(server_url)
    home = Path(tempfile.mkdtemp(prefix="sitrep-pooler-"))
    home.chmod(0o755)
    bouncer = cluster.PgBouncer(home / "pgbouncer", cluster.free_port())
    bouncer.configure(parts.port or 5432, host=parts.hostname or "127.0.0.1")
    bouncer.start()

    def stop() -> None:
        bouncer.stop()
        shutil.rmtree(home, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://{parts.username or 'postgres'}@127.0.0.1:{bouncer.port}/postgres"
