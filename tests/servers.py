"""A real `sitrep serve` in a subprocess on a free port, for the tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path = ROOT,
    timeout: float = 120,
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``command + ["--port", PORT]`` (a free port unless given) until /healthz
    answers; yield the base URL and the process; stop it at the end."""
    port = port or free_port()
    proc = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=cwd,
        env={**os.environ, "SITREP_LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc, timeout)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


@contextmanager
def sitrep_serve(
    database_url: str, env: Mapping[str, str] | None = None, *args: str
) -> Iterator[str]:
    """`sitrep serve` against ``database_url`` with extra settings; yields its base URL."""
    command = [sys.executable, "-m", "app.cli", "serve", *args]
    with serving(command, {"DATABASE_URL": database_url, **(env or {})}) as (base, _):
        yield base


def wait_until_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"server did not start:\n{out}")
        time.sleep(0.2)
