"""`sitrep cluster up|down|status` (``scripts/cluster``): a primary, a streaming replica,
PgBouncer in transaction mode and two Sitrep instances behind a round-robin proxy, all on
127.0.0.1, with their data and logs in one directory outside the project
(``--dir``, default ``$XDG_STATE_HOME/sitrep-cluster`` or ``~/.local/state/sitrep-cluster``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app import cluster

cluster_cli = typer.Typer(help="Several nodes on this machine: primary, replica, PgBouncer, API.")
DATABASE = "sitrep"


def _default_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "sitrep-cluster"


Dir = Annotated[Path, typer.Option("--dir", help="Where the data and logs live.")]


def _state(directory: Path) -> dict[str, Any]:
    path = directory / "cluster.json"
    return json.loads(path.read_text()) if path.exists() else {}


Nodes = tuple[cluster.Postgres, cluster.Postgres, cluster.PgBouncer]


def _nodes(st: dict[str, Any], directory: Path) -> Nodes:
    return (
        cluster.Postgres(directory / "primary", st["primary_port"]),
        cluster.Postgres(directory / "replica", st["replica_port"]),
        cluster.PgBouncer(directory / "pgbouncer", st["pgbouncer_port"]),
    )


async def _prepare(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("select 1 from pg_database where datname = $1", DATABASE):
            await conn.execute(f'create database "{DATABASE}"')
        # Behind a pooler the app sends no session settings: the timeout is the database's.
        await conn.execute(f"alter database {DATABASE} set statement_timeout = '15s'")
    finally:
        await conn.close()


@cluster_cli.command("up")
def up(
    directory: Dir = _default_dir(),
    primary_port: int = 55432,
    replica_port: int = 55433,
    pgbouncer_port: int = 56432,
    api_ports: Annotated[str, typer.Option(help="The instances' ports.")] = "58001,58002",
    port: Annotated[int, typer.Option(help="The round-robin proxy's port.")] = 58080,
    demo: Annotated[bool, typer.Option(help="Load the demo dataset.")] = True,
) -> None:
    """Start (or resume) the cluster; prints its URLs."""
    reason = cluster.install_binaries()
    if reason is not None:
        typer.echo(f"cannot start: {reason}", err=True)
        raise typer.Exit(1)
    directory = directory.expanduser().resolve()
    if directory.is_relative_to(cluster.ROOT):
        raise typer.BadParameter("keep the cluster's data outside the project", param_hint="--dir")
    st = _state(directory) or {
        "primary_port": primary_port,
        "replica_port": replica_port,
        "pgbouncer_port": pgbouncer_port,
        "api_ports": [int(p) for p in api_ports.split(",")],
        "port": port,
    }
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    primary, replica, bouncer = _nodes(st, directory)
    if not (primary.data / "PG_VERSION").exists():
        typer.echo(f"primary: initdb in {primary.data}")
        primary.init_primary()
    if not primary.running():
        primary.start()
    asyncio.run(_prepare(primary.url()))
    direct = primary.url(DATABASE)
    env = {**os.environ, "DATABASE_URL": direct}
    sitrep = [sys.executable, "-m", "app.cli"]
    subprocess.run([*sitrep, "db", "upgrade"], cwd=cluster.ROOT, env=env, check=True)
    if demo:
        subprocess.run(
            [*sitrep, "demo", "load"],
            cwd=cluster.ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not (replica.data / "PG_VERSION").exists():
        typer.echo(f"replica: pg_basebackup -R into {replica.data}")
        replica.init_replica(primary)
    if not replica.running():
        replica.start()
    bouncer.configure(primary.port, replica_port=replica.port, database=DATABASE)
    if not bouncer.running():
        bouncer.start()
    pooled = f"postgresql://postgres@127.0.0.1:{bouncer.port}/{DATABASE}"
    api_env = {
        "DATABASE_URL": pooled,
        "SITREP_READ_DATABASE_URLS": f"{pooled}_replica",
        "SITREP_POOLER": "true",
        "SITREP_DIRECT_DATABASE_URL": direct,
        "SITREP_LOG_LEVEL": "WARNING",
    }
    pids = st.setdefault("pids", {})
    for api_port in st["api_ports"]:
        if not _alive(pids.get(str(api_port))):
            log = directory / f"api-{api_port}.log"
            proc = cluster.start_api(api_port, api_env, log, detach=True)
            pids[str(api_port)] = proc.pid
    for api_port in st["api_ports"]:
        cluster.wait_http(f"http://127.0.0.1:{api_port}")
    if not _alive(pids.get("proxy")):
        log = directory / "proxy.log"
        proc = cluster.start_proxy(st["port"], st["api_ports"], log, detach=True)
        pids["proxy"] = proc.pid
    cluster.wait_http(f"http://127.0.0.1:{st['port']}")
    (directory / "cluster.json").write_text(json.dumps(st, indent=2))
    typer.echo(
        f"GraphQL:  http://127.0.0.1:{st['port']}/graphql  (round robin over "
        + ", ".join(f"127.0.0.1:{p}" for p in st["api_ports"])
        + ")"
    )
    typer.echo(f"primary:  {direct}\nreplica:  {replica.url(DATABASE)}\npgbouncer: {pooled}")
    typer.echo(f"data and logs: {directory}")


def _alive(pid: int | None) -> bool:
    return pid is not None and cluster._alive(pid)


@cluster_cli.command("down")
def down(
    directory: Dir = _default_dir(),
    purge: Annotated[bool, typer.Option(help="Also delete the data directory.")] = False,
) -> None:
    """Stop every node (the data stays unless --purge)."""
    directory = directory.expanduser().resolve()
    st = _state(directory)
    if not st:
        typer.echo(f"no cluster in {directory}")
        return
    for name, pid in st.get("pids", {}).items():
        if _alive(pid):
            cluster._kill_wait(pid, signal.SIGTERM)
            typer.echo(f"stopped {name} (pid {pid})")
    st["pids"] = {}
    primary, replica, bouncer = _nodes(st, directory)
    bouncer.stop()
    replica.stop()
    primary.stop()
    (directory / "cluster.json").write_text(json.dumps(st, indent=2))
    typer.echo("stopped pgbouncer, replica, primary")
    if purge:
        shutil.rmtree(directory)
        typer.echo(f"deleted {directory}")


@cluster_cli.command("status")
def status(directory: Dir = _default_dir()) -> None:
    """Which nodes run, and the replicas as the instances see them (/healthz)."""
    import httpx

    directory = directory.expanduser().resolve()
    st = _state(directory)
    if not st:
        typer.echo(f"no cluster in {directory}")
        raise typer.Exit(1)
    primary, replica, bouncer = _nodes(st, directory)
    rows = [
        ("primary", f"127.0.0.1:{primary.port}", primary.running()),
        ("replica", f"127.0.0.1:{replica.port}", replica.running()),
        ("pgbouncer", f"127.0.0.1:{bouncer.port}", bouncer.running()),
    ]
    pids = st.get("pids", {})
    rows += [(f"api {p}", f"127.0.0.1:{p}", _alive(pids.get(str(p)))) for p in st["api_ports"]]
    rows.append(("proxy", f"127.0.0.1:{st['port']}", _alive(pids.get("proxy"))))
    for name, where, up_ in rows:
        typer.echo(f"{name:10} {where:18} {'up' if up_ else 'down'}")
    for p in st["api_ports"]:
        try:
            health = httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=3).json()
        except httpx.HTTPError as exc:
            health = {"error": type(exc).__name__}
        typer.echo(f"api {p} /healthz: {json.dumps(health)}")
    running = all(r[2] for r in rows)
    raise typer.Exit(0 if running else 3)
