"""The demo loader writes history like every writer: on the test database (fresh, with the
demo loaded once by the session fixture) the `changes` feed, replayed from the start by
an anonymous reader, gives exactly the published data set as the API lists it.

The expectation is read through the GraphQL list queries (incidents, actors, locations,
sources, and the relations, deployments and statements under them), and compared with
the replayed copy field by field; nothing here calls the feed's own code."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

import asyncpg

from db import demo_data as d
from tests.client import Gql

Key = tuple[str, int]

FEED = """query($since: String) { changes(since: $since, first: 1000) {
  changes { typeName recordId action record } endCursor hasMore } }"""

# GraphQL scalar fields, each read from the column of the same name in snake_case
SCALARS = {
    "Incident": "occurredOn dateEarliest dateLatest occurredTime timePrecision eventType "
    "subEventType weapon projectileCount outcome claimStatus damage damageDescription summary "
    "notes tags status version",
    "Actor": "name kind description status version",
    "Location": "name kind geoPrecision precisionKm description status version",
    "Source": "kind publisher title url author publishedAt revisedAt language machineTranslated "
    "note status version",
    "ActorRelation": "kind basis validFrom validTo note",
    "Deployment": "validFrom validTo strength strengthNote mission note",
    "Statement": "speakerName channel text isQuote statedOn",
}
# GraphQL fields naming one record ↔ the column holding its id
REFS = {
    "Incident": {"location": "location_id"},
    "Actor": {},
    "Location": {"parent": "parent_id"},
    "Source": {},
    "ActorRelation": {
        "subject": "subject_actor_id",
        "object": "object_actor_id",
        "assertedBy": "asserted_by_actor_id",
    },
    "Deployment": {"actor": "actor_id", "location": "location_id"},
    "Statement": {"speaker": "speaker_actor_id", "source": "source_id", "incident": "incident_id"},
}
# the parts of each record, selected as they are compared below
PARTS = {
    "Incident": "killed { low best high } injured { low best high } externalIds { system id } "
    "participants { role basis note actor { id } attributedBy { id } source { id } "
    "statement { id } } sources { id }",
    "Actor": "aliases country { code }",
    "Location": "aliases country { code } admin1 { code name } admin2 "
    "coordinates { latitude longitude }",
    "Source": "media { kind caption credit url }",
    "ActorRelation": "sources { id }",
    "Deployment": "sources { id }",
    "Statement": "",
}


def _selection(type_name: str) -> str:
    refs = " ".join(f"{field} {{ id }}" for field in REFS[type_name])
    return f"id {SCALARS[type_name]} {refs} {PARTS[type_name]}"


def _pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


def _ref(obj: dict[str, Any] | None) -> int | None:
    return None if obj is None else _pk(obj["id"])


def _column(field: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", field).lower()


def _value(field: str, value: Any) -> Any:
    """Values as both sides can be compared: instants as datetimes (the two sides write
    them with different precision), float4 columns to their precision."""
    if value is None:
        return None
    if field in ("publishedAt", "revisedAt"):
        return dt.datetime.fromisoformat(value)
    if field in ("precisionKm", "latitude", "longitude"):
        return round(float(value), 5)
    return value


def _from_api(type_name: str, node: dict[str, Any]) -> dict[str, Any]:
    out = {"id": _pk(node["id"])}
    out |= {f: _value(f, node[f]) for f in SCALARS[type_name].split()}
    out |= {f: _ref(node[f]) for f in REFS[type_name]}
    if type_name == "Incident":
        out["killed"], out["injured"] = node["killed"], node["injured"]
        out["externalIds"] = sorted((x["system"], x["id"]) for x in node["externalIds"])
        out["participants"] = sorted(
            (
                _ref(p["actor"]),
                p["role"],
                p["basis"],
                p["note"],
                _ref(p["attributedBy"]),
                _ref(p["source"]),
                _ref(p["statement"]),
            )
            for p in node["participants"]
        )
    if type_name in ("Incident", "ActorRelation", "Deployment"):
        out["sources"] = sorted(_pk(s["id"]) for s in node["sources"])
    if type_name in ("Actor", "Location"):
        out["aliases"] = sorted(node["aliases"])
        out["country"] = node["country"] and node["country"]["code"]
    if type_name == "Location":
        out["admin1"] = node["admin1"]
        out["admin2"] = node["admin2"]
        coordinates = node["coordinates"] or {"latitude": None, "longitude": None}
        out["coordinates"] = {k: _value(k, v) for k, v in coordinates.items()}
    if type_name == "Source":
        out["media"] = node["media"]
    return out


def _from_feed(type_name: str, record: dict[str, Any]) -> dict[str, Any]:
    out = {"id": record["id"]}
    out |= {f: _value(f, record[_column(f)]) for f in SCALARS[type_name].split()}
    out |= {f: record[column] for f, column in REFS[type_name].items()}
    if type_name == "Incident":
        for harm in ("killed", "injured"):
            out[harm] = {k: record[f"{harm}_{k}"] for k in ("low", "best", "high")}
        out["externalIds"] = sorted((x["system"], x["external_id"]) for x in record["external_ids"])
        out["participants"] = sorted(
            (
                p["actor_id"],
                p["role"],
                p["basis"],
                p["note"],
                p["attributed_by_actor_id"],
                p["source_id"],
                p["statement_id"],
            )
            for p in record["participants"]
        )
        out["sources"] = sorted(s["source_id"] for s in record["sources"])
    if type_name in ("ActorRelation", "Deployment"):
        out["sources"] = sorted(record["source_ids"])
    if type_name in ("Actor", "Location"):
        out["aliases"] = sorted(record["aliases"])
        out["country"] = record["country_code"]
    if type_name == "Location":
        admin1 = {"code": record["admin1_code"], "name": record["admin1_name"]}
        out["admin1"] = None if not any(admin1.values()) else admin1
        out["admin2"] = record["admin2_name"]
        out["coordinates"] = {k: _value(k, record[k]) for k in ("latitude", "longitude")}
    if type_name == "Source":
        out["media"] = [
            {k: m[k] for k in ("kind", "caption", "credit", "url")} for m in record["media"]
        ]
    return out


async def _replay(gql: Gql) -> dict[Key, dict[str, Any]]:
    """A partner's copy: the public feed from the start, creates and updates stored,
    tombstones deleted."""
    copy: dict[Key, dict[str, Any]] = {}
    since = None
    while True:
        page = (await gql.data(FEED, {"since": since}))["changes"]
        for c in page["changes"]:
            key = (c["typeName"], _pk(c["recordId"]))
            if c["action"] == "UPSERT":
                copy[key] = c["record"]
            else:
                assert c["record"] is None
                copy.pop(key, None)
        since = page["endCursor"]
        if not page["hasMore"]:
            return copy


async def _listed(gql: Gql) -> dict[Key, dict[str, Any]]:
    """Every record the API shows an anonymous reader, through the list queries."""
    nested = {
        "Incident": ("incidents", ""),
        "Actor": ("actors", f"relations {{ {_selection('ActorRelation')} }}"),
        "Location": ("locations", f"deployments {{ {_selection('Deployment')} }}"),
        "Source": ("sources", f"statements {{ {_selection('Statement')} }}"),
    }
    below = {"relations": "ActorRelation", "deployments": "Deployment", "statements": "Statement"}
    out: dict[Key, dict[str, Any]] = {}
    for type_name, (root, children) in nested.items():
        query = (
            f"query($after: String) {{ {root}(first: 100, after: $after) {{ edges {{ node {{ "
            f"{_selection(type_name)} {children} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
        )
        after = None
        while True:
            page = (await gql.data(query, {"after": after}))[root]
            for edge in page["edges"]:
                node = edge["node"]
                out[(type_name, _pk(node["id"]))] = _from_api(type_name, node)
                for field, child_type in below.items():
                    for child in node.get(field, []):
                        out[(child_type, _pk(child["id"]))] = _from_api(child_type, child)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    return out


async def test_demo_load_is_in_the_change_log(conn: asyncpg.Connection) -> None:
    created = dict(
        await conn.fetch(
            "select entity, count(distinct entity_id) from change_log "
            "where author = 'sitrep demo load' and operation = 'CREATE' group by entity"
        )
    )
    assert created == {
        "Source": len(d.SOURCES),
        "Actor": len(d.ACTORS),
        "ActorRelation": len(d.RELATIONS),
        "Location": len(d.LOCATIONS),
        "Deployment": len(d.DEPLOYMENTS),
        "Incident": len(d.INCIDENTS),
        "Statement": len(d.STATEMENTS),
    }


async def test_replaying_the_feed_from_the_start_gives_the_published_data(
    gql: Gql,
) -> None:
    copy = await _replay(gql)
    listed = await _listed(gql)
    assert set(copy) == set(listed)
    for (type_name, pk), record in copy.items():
        assert _from_feed(type_name, record) == listed[(type_name, pk)], (type_name, pk)
    # the test database holds the demo data, all of it published: the copy is exactly it
    names = sorted(r["name"] for (t, _), r in copy.items() if t == "Actor")
    assert names == sorted(a.name for a in d.ACTORS)
    external = sorted(
        x["external_id"] for (t, _), r in copy.items() if t == "Incident" for x in r["external_ids"]
    )
    assert external == sorted(i.external_id for i in d.INCIDENTS)
    texts = sorted(r["text"] for (t, _), r in copy.items() if t == "Statement")
    assert texts == sorted(s.text for s in d.STATEMENTS)
    kinds: dict[str, int] = {}
    for t, _ in copy:
        kinds[t] = kinds.get(t, 0) + 1
    assert kinds == {
        "Source": len(d.SOURCES),
        "Actor": len(d.ACTORS),
        "ActorRelation": len(d.RELATIONS),
        "Location": len(d.LOCATIONS),
        "Deployment": len(d.DEPLOYMENTS),
        "Incident": len(d.INCIDENTS),
        "Statement": len(d.STATEMENTS),
    }
