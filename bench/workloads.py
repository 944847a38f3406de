"""The six workloads: their variables, and every server's answer in one canonical form.

Each workload is a GraphQL document in ``queries/sitrep/``, its PostGraphile equivalent
in ``queries/postgraphile/`` and the floor's SQL in ``queries/floor/``. ``variables``
makes each one's arguments from the fixture; ``canon`` brings a Sitrep-shaped answer to
what must be equal between servers, and ``from_postgraphile`` brings PostGraphile's
answer to Sitrep's shape; ``verify`` checks every server against the floor.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import asyncpg
from servers import post

QUERIES = Path(__file__).resolve().parent / "queries"
WORKLOADS = ["headline", "page", "deep", "filter-heavy", "node", "count"]


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


def kind(target: str) -> str:
    """Which queries a target answers: postgraphile's, or Sitrep's (any worker count)."""
    return "postgraphile" if target == "postgraphile" else "sitrep"


def query(target: str, workload: str) -> str:
    return (QUERIES / kind(target) / f"{workload}.graphql").read_text()


def answer(target: str, port: int, workload: str, variables: dict[str, Any]) -> Any:
    data = post(port, query(target, workload), variables)
    if kind(target) == "postgraphile":
        return canon(workload, from_postgraphile(workload, data))
    return canon(workload, undo_gids(data))


def body_file(
    bodies: Path, target: str, workload: str, variables: dict[str, Any], suffix: str = ""
) -> Path:
    path = bodies / f"{target}-{workload}{suffix}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"query": query(target, workload), "variables": variables}))
    return path


def verify(
    url: str,
    fx: dict[str, Any],
    workloads: list[str],
    ports: dict[str, int],
    bodies_dir: Path,
    log: Any = print,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check every server against the floor; return per-workload bodies and report.

    ``bodies[w][target]`` are the request body files (page: page 1, then page 2 by each
    server's own cursor); ``bodies[w]["floor"]`` the floor's parameter lists.
    """
    vs = variables(fx)
    bodies: dict[str, Any] = {}
    report: dict[str, Any] = {}
    for w in workloads:
        v = vs[w]
        expected = canon(w, asyncio.run(floor_answer(url, w, v["floor"])))
        answers: dict[str, Any] = {t: answer(t, p, w, v[kind(t)]) for t, p in ports.items()}
        bodies[w] = {t: [body_file(bodies_dir, t, w, v[kind(t)])] for t in ports}
        bodies[w]["floor"] = [v["floor"]]
        size = (
            len(expected)
            if isinstance(expected, list)
            else (len(expected["items"]) if w == "page" else None)
        )
        report[w] = {"rows": size}
        if w == "page":
            # Page 2 by cursor: each server's own cursor from page 1.
            last = expected["items"][-1]
            floor2 = [*v["floor"][:3], dt.date.fromisoformat(last[1]), last[0]]
            expected2 = canon(w, asyncio.run(floor_answer(url, w, floor2)))
            for t, port in ports.items():
                first = post(port, query(t, w), v[kind(t)])
                conn = first["allIncidents" if kind(t) == "postgraphile" else "incidents"]
                v2 = {**v[kind(t)], "after": conn["pageInfo"]["endCursor"]}
                bodies[w][t].append(body_file(bodies_dir, t, w, v2, "-2"))
                got2 = answer(t, port, w, v2)
                if got2 != expected2:
                    answers[t] = ("page 2", diff_summary(got2, expected2))
            bodies[w]["floor"].append(floor2)
        for t, got in answers.items():
            if isinstance(got, tuple):
                ok, why = False, " ".join(got)
            else:
                ok = got == expected
                why = "" if ok else diff_summary(got, expected)
            report[w][t] = {"ok": ok, "diff": why}
            log(f"verify {w:12} {t:12} {'OK' if ok else 'DIFFERS: ' + why}")
    return bodies, report
