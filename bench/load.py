"""The load generators, each pinned to the client core: wrk (closed loop, HTTP), the
SQL floor's asyncpg loop (floor.py), and the open-loop generator (openloop.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def _run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if proc.returncode != 0:
        name = next((Path(c).name for c in cmd[3:] if c.endswith(".py")), cmd[3])
        raise RuntimeError(f"{name} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def run_wrk(
    port: int,
    bodies: list[Path],
    conns: int,
    seconds: float,
    core: str,
    tmp: Path,
    lines: Path | None = None,
) -> dict[str, Any]:
    """``lines``: a file of bodies, one per line, sent in turn (instead of ``bodies``)."""
    out = tmp / "wrk.json"
    env = {**os.environ, "BODIES": ":".join(str(b) for b in bodies), "OUT": str(out)}
    if lines is not None:
        env["LINES"] = str(lines)
    cmd = [
        "taskset",
        "-c",
        core,
        "wrk",
        "-t1",
        f"-c{conns}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(BENCH / "post.lua"),
        f"http://127.0.0.1:{port}/graphql",
    ]
    _run(cmd, env=env)
    r = json.loads(out.read_text())
    out.unlink()
    secs = r["duration_us"] / 1e6
    done = r["requests"] > 0  # none: every request took longer than the run
    return {
        "requests": r["requests"],
        "rps": r["requests"] / secs,
        "p50": r["p50"] / 1000 if done else None,
        "p90": r["p90"] / 1000 if done else None,
        "p99": r["p99"] / 1000 if done else None,
        "errors": r["non2xx"] + r["socket_errors"],
        "seconds": secs,
    }


def run_floor(
    url: str, sql: str, params_list: list[list[Any]], conns: int, seconds: float, core: str
) -> dict[str, Any]:
    """The floor's load generator: asyncpg in a tight loop (in a child on the client core)."""
    spec = json.dumps(
        {"url": url, "sql": sql, "params": params_list, "conns": conns, "seconds": seconds},
        default=str,
    )
    proc = _run(["taskset", "-c", core, sys.executable, str(BENCH / "floor.py")], input=spec)
    return json.loads(proc.stdout)


def run_statements(
    url: str,
    statements: list[dict[str, Any]],
    conns: int,
    seconds: float,
    core: str,
    pause: float = 0,
) -> dict[str, Any]:
    """The planner's own statements (bench/statement.py) through floor.py, planned the way
    Sitrep's pools plan them (generic or custom); ``pause``: seconds idle after each."""
    generic = statements[0]["generic"]
    spec = json.dumps(
        {
            "url": url,
            "statements": [[s["sql"], s["args"]] for s in statements],
            "plan_cache_mode": "force_generic_plan" if generic else "force_custom_plan",
            "conns": conns,
            "seconds": seconds,
            "pause": pause,
        },
        default=str,
    )
    proc = _run(["taskset", "-c", core, sys.executable, str(BENCH / "floor.py")], input=spec)
    return json.loads(proc.stdout)


def run_open(
    port: int, bodies: list[Path], rate: float, seconds: float, core: str
) -> dict[str, Any]:
    spec = json.dumps(
        {"port": port, "bodies": [str(b) for b in bodies], "rate": rate, "seconds": seconds}
    )
    proc = _run(["taskset", "-c", core, sys.executable, str(BENCH / "openloop.py")], input=spec)
    return json.loads(proc.stdout)
