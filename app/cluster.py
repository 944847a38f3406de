"""Several nodes on one machine: a PostgreSQL primary, a streaming replica
(``pg_basebackup -R``), PgBouncer in transaction mode, and Sitrep instances behind a
round-robin HTTP proxy, all on 127.0.0.1 (``scripts/cluster up|down|status``; the tests
in tests/scale/ and the failover drill use the same parts).

The servers are Debian's: PostgreSQL 15 server binaries (``/usr/lib/postgresql/15/bin``,
or ``SITREP_PG_BIN``) and ``pgbouncer``; ``scripts/cluster-deps`` installs them when
missing. Both refuse to run as root, so as root they run as the ``postgres`` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("SITREP_PG_BIN", "/usr/lib/postgresql/15/bin"))


class ClusterError(RuntimeError):
    pass


def missing_binaries() -> str | None:
    """Why a cluster cannot start here (None when it can)."""
    for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
        if not (PG_BIN / name).exists():
            return f"PostgreSQL server binaries not found in {PG_BIN} (scripts/cluster-deps)"
    if pgbouncer_binary() is None:
        return "pgbouncer not installed (scripts/cluster-deps)"
    if os.geteuid() == 0 and not _has_user("postgres"):
        return "running as root without a `postgres` user to run the servers as"
    return None


def install_binaries() -> str | None:
    """Run scripts/cluster-deps (idempotent); then ``missing_binaries()``."""
    script = ROOT / "scripts" / "cluster-deps"
    if missing_binaries() is not None and script.exists():
        subprocess.run([str(script)], check=False, stdout=subprocess.DEVNULL)
    return missing_binaries()


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _own(path: Path) -> None:
    """``path`` made, and owned by the user the servers run as."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)


def _run(cmd: list[str]) -> str:
    proc = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def url(port: int, database: str = "postgres") -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


@dataclass
class Postgres:
    """One PostgreSQL server: ``data`` is its directory, ``port`` its TCP port."""

    data: Path
    port: int

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.data.name}.log"

    def url(self, database: str = "postgres") -> str:
        return url(self.port, database)

    def init_primary(self) -> None:
        _own(self.data.parent)
        _own(self.data)
        _run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"])
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.data}'",
            "wal_level": "replica",
            "max_wal_senders": "10",
            "hot_standby": "on",
            # A lagging replica must not have its reads cancelled by replay for long.
            "max_standby_streaming_delay": "5s",
            "wal_keep_size": "256MB",
            "shared_buffers": "64MB",
            "fsync": os.environ.get("SITREP_CLUSTER_FSYNC", "on"),
        }
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")

    def init_replica(self, primary: Postgres) -> None:
        """A streaming replica of ``primary``: a base backup with ``-R`` (standby.signal
        and primary_conninfo written by pg_basebackup)."""
        _own(self.data.parent)
        _run(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {self.port}\nunix_socket_directories = '{self.data}'\n")

    def start(self) -> None:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"])

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        proc = subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0


@dataclass
class PgBouncer:
    """PgBouncer in transaction mode: ``sitrep`` → the primary, ``sitrep_replica`` → the
    replica (when given), any other name → that database on the primary."""

    directory: Path
    port: int

    def configure(
        self,
        port: int,
        *,
        replica_port: int | None = None,
        database: str = "sitrep",
        host: str = "127.0.0.1",
    ) -> None:
        """Databases on the server at ``host:port``; ``<database>_replica`` → the replica."""
        _own(self.directory)
        lines = ["[databases]"]
        if replica_port is not None:
            lines.append(f"{database}_replica = host={host} port={replica_port} dbname={database}")
        lines += [
            f"* = host={host} port={port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {self.directory / 'userlist.txt'}",
            "pool_mode = transaction",
            "max_client_conn = 500",
            "default_pool_size = 20",
            f"logfile = {self.directory / 'pgbouncer.log'}",
            f"pidfile = {self.directory / 'pgbouncer.pid'}",
            "admin_users = postgres",
            # A server that is down fails a waiting client in seconds, not after 120 s:
            # Sitrep then retries a replica's read on the primary.
            "query_wait_timeout = 5",
            "server_login_retry = 1",
            # Set by the role (`alter role … set`), never by a client: sessions are shared.
            "ignore_startup_parameters = extra_float_digits",
        ]
        (self.directory / "pgbouncer.ini").write_text("\n".join(lines) + "\n")
        (self.directory / "userlist.txt").write_text('"postgres" ""\n')
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            for f in self.directory.iterdir():
                os.chown(f, entry.pw_uid, entry.pw_gid)

    def start(self) -> None:
        binary = pgbouncer_binary()
        assert binary is not None
        _run([binary, "-d", str(self.directory / "pgbouncer.ini")])
        _wait_port(self.port, 10)

    def stop(self) -> None:
        pid = _read_pid(self.directory / "pgbouncer.pid")
        if pid is not None:
            _kill_wait(pid, signal.SIGTERM)

    def running(self) -> bool:
        pid = _read_pid(self.directory / "pgbouncer.pid")
        return pid is not None and _alive(pid)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_wait(pid: int, sig: signal.Signals, timeout: float = 15) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _wait_port(port: int, timeout: float) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ClusterError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.1)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_api(
    port: int, env: dict[str, str], log: Path, workers: int = 1, *, detach: bool = False
) -> subprocess.Popen[bytes]:
    """``sitrep serve`` on 127.0.0.1:``port`` with ``env`` (DATABASE_URL and the rest)."""
    cmd = [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )


def start_proxy(
    port: int, backends: list[int], log: Path, *, detach: bool = False
) -> subprocess.Popen[bytes]:
    """The round-robin HTTP proxy (app/proxy.py) in front of ``backends``."""
    cmd = [sys.executable, "-m", "app.proxy", "--port", str(port)]
    cmd += ["--backend", ",".join(f"http://127.0.0.1:{b}" for b in backends)]
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=detach
        )


def wait_http(base: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ClusterError(f"{base} did not become healthy")
        time.sleep(0.2)
