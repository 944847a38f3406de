# ruff: noqa: E501  (GraphQL documents kept on one line each)
"""Read shapes that are not benchmark workloads, timed one at a time against a server.

About sixty GraphQL reads that frontends, data partners and analysts write (an actor's
incidents by id or name, a country's by another order, death-toll ranges, tags, text,
sources by publication time, nested counts, backward pages, ``node``/``nodes``,
``incidentStats``, ``search``, ``incidentsNear``, the change feed), with values from the
generated dataset (``sitrep demo generate --incidents 1000000 --seed 1``, as
``bench/run.sh --scale 1M`` makes it). Each runs sequentially (the first call, then up
to ``-n`` more), and the report gives its median wall time, which path answered
(``sitrep_graphql_path_total``), its size and its error codes: a look for shapes that
are pathologically slow, not a throughput measurement.

    bench/.venv/bin/python bench/shapes.py --url http://127.0.0.1:8000 [-n 5] [--only 01,20]

Results at 1M: ``bench/results/2026-12-01-shapes-1M.md``, ``bench/results/2026-12-02-shapes-1M.md``.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import statistics
import time
import urllib.request
from collections.abc import Callable
from typing import Any


def gid(t: str, i: int) -> str:
    return base64.b64encode(f"{t}:{i}".encode()).decode()


Q: dict[str, dict[str, Any]] = {}


def q(name: str, query: str, variables: dict[str, Any] | None = None) -> None:
    Q[name] = {"query": query, "variables": variables or {}}


INC = "id occurredOn eventType weapon killed { best } location { id name } participants { role actor { id name } }"

q(
    "01-actor-busy-id-latest",
    f"""query($a:ID!){{ incidents(filter:{{participant:{{actor:{{id:$a}}}}}}, first:20){{ edges{{ node{{ {INC} }} }} pageInfo{{ hasNextPage endCursor }} }} }}""",
    {"a": gid("Actor", 38)},
)
q(
    "02-actor-quiet-role-total",
    f"""query($a:ID!){{ incidents(filter:{{participant:{{actor:{{id:$a}}, role:{{in:[TARGET,VICTIM]}}}}}}, first:20){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
    {"a": gid("Actor", 2943)},
)
q(
    "03-actor-busy-perp-asc",
    f"""query($a:ID!){{ incidents(filter:{{participant:{{actor:{{id:$a}}, role:{{eq:PERPETRATOR}}}}}}, orderBy:{{field:OCCURRED_ON,direction:ASC}}, first:50){{ edges{{ node{{ {INC} }} }} }} }}""",
    {"a": gid("Actor", 457)},
)
q(
    "04-umbrella-affiliates-total",
    f"""query($a:ID!){{ incidents(filter:{{participant:{{actor:{{id:$a, includeAffiliates:true}}, role:{{in:[PERPETRATOR]}}}}}}, first:20){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
    {"a": gid("Actor", 6)},
)
q(
    "05-country-quiet-asc-total",
    f"""{{ incidents(filter:{{location:{{country:"CN"}}}}, orderBy:{{field:OCCURRED_ON,direction:ASC}}, first:25){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "06-country-busy-updated-desc",
    f"""{{ incidents(filter:{{location:{{country:"SB"}}}}, orderBy:{{field:UPDATED_AT,direction:DESC}}, first:50){{ edges{{ node{{ id updatedAt {INC} }} }} }} }}""",
)
q(
    "07-country-quiet-created-killed",
    f"""{{ incidents(filter:{{location:{{country:"TT"}}, killed:{{gte:1}}}}, orderBy:{{field:CREATED_AT,direction:ASC}}, first:20){{ edges{{ node{{ createdAt {INC} }} }} }} }}""",
)
q(
    "08-vac-killed-range-total",
    f"""{{ incidents(filter:{{eventType:{{eq:VIOLENCE_AGAINST_CIVILIANS}}, killed:{{gte:10,lte:50}}}}, first:100){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "09-killed-100plus-latest",
    f"""{{ incidents(filter:{{killed:{{gte:100}}}}, first:20){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "10-tags-all-year",
    f"""{{ incidents(filter:{{tags:{{all:["night","convoy"]}}, occurredOn:{{gte:"2023-01-01",lte:"2023-12-31"}}}}, first:50){{ edges{{ node{{ tags {INC} }} }} }} }}""",
)
q(
    "11-tags-any-total",
    f"""{{ incidents(filter:{{tags:{{any:["ceasefire-violation","humanitarian"]}}}}, first:10){{ totalCount edges{{ node{{ tags {INC} }} }} }} }}""",
)
q(
    "12-text-place-latest",
    f"""{{ incidents(filter:{{text:"Kanram"}}, first:20){{ totalCount edges{{ node{{ summary {INC} }} }} }} }}""",
)
q(
    "13-or-not-mix",
    f"""query($a:ID!){{ incidents(filter:{{or:[{{weapon:{{eq:DRONE}}, location:{{country:"AZ"}}}},{{participant:{{actor:{{id:$a}}, role:{{eq:PERPETRATOR}}}}}}], not:{{outcome:{{eq:INTERCEPTED}}}}}}, first:20){{ edges{{ node{{ outcome {INC} }} }} }} }}""",
    {"a": gid("Actor", 633)},
)
q(
    "14-within-country-month",
    f"""query($l:ID!){{ incidents(filter:{{location:{{within:[$l]}}, occurredOn:{{gte:"2024-03-01",lte:"2024-03-31"}}}}, first:50){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
    {"l": gid("Location", 1)},
)
q(
    "15-within-admin2-all",
    f"""query($l:ID!){{ incidents(filter:{{location:{{within:[$l]}}}}, first:20){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
    {"l": gid("Location", 3336)},
)
q(
    "16-admin1-year-asc",
    f"""{{ incidents(filter:{{location:{{admin1:"SB-TE"}}, occurredOn:{{gte:"2022-01-01",lte:"2022-12-31"}}}}, orderBy:{{field:OCCURRED_ON,direction:ASC}}, first:50){{ edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "17-airbase-missile-last",
    f"""{{ incidents(filter:{{location:{{kind:{{in:[AIRBASE,MILITARY_BASE]}}}}, weapon:{{eq:MISSILE}}}}, last:20){{ edges{{ cursor node{{ {INC} }} }} pageInfo{{ hasPreviousPage startCursor }} }} }}""",
)
q(
    "19-source-publisher-lang",
    f"""{{ incidents(filter:{{source:{{publisher:"The Barda Courier", language:"fr"}}}}, first:20){{ edges{{ node{{ sources{{ publisher language }} {INC} }} }} }} }}""",
)
q(
    "20-source-publishedAt-week",
    f"""{{ incidents(filter:{{source:{{publishedAt:{{gte:"2021-06-01T00:00:00Z",lte:"2021-06-07T23:59:59Z"}}}}}}, first:20){{ totalCount edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "21-updatedSince-sync",
    f"""{{ incidents(filter:{{updatedSince:"2025-01-01T00:00:00Z"}}, orderBy:{{field:UPDATED_AT,direction:ASC}}, first:100){{ pageInfo{{ hasNextPage endCursor }} edges{{ node{{ updatedAt version {INC} }} }} }} }}""",
)
q(
    "22-externalId",
    f"""{{ incidents(filter:{{externalId:{{system:"acled", id:"MRT8"}}}}){{ edges{{ node{{ externalIds{{ system id }} {INC} }} }} }} }}""",
)
q(
    "23-ids-50",
    f"""query($ids:[ID!]){{ incidents(filter:{{ids:$ids}}, first:50){{ edges{{ node{{ {INC} }} }} }} }}""",
    {"ids": [gid("Incident", 1000 + 19937 * k) for k in range(50)]},
)
q(
    "24-overlaps-protests-total",
    """{ incidents(filter:{eventType:{eq:PROTESTS}, occurredOn:{gte:"2020-01-01",lte:"2020-03-31",match:OVERLAPS}}, first:1){ totalCount } }""",
)
q(
    "25-actors-nested-totals",
    """{ actors(filter:{kind:{in:[MILITIA,REBEL_GROUP,STATE_FORCES]}}, orderBy:{field:UPDATED_AT,direction:DESC}, first:20){ edges{ node{ id name kind incidents(first:3, role:[PERPETRATOR]){ totalCount edges{ node{ id occurredOn } } } } } } }""",
)
q(
    "26-actors-nameContains-relations",
    """{ actors(filter:{nameContains:"Axis"}, orderBy:{field:NAME,direction:DESC}, first:50){ totalCount edges{ node{ id name relations{ kind subject{ name } object{ name } } deployments{ location{ name } } } } } }""",
)
q(
    "27-actor-affiliates",
    """query($a:ID!){ actor(id:$a){ name affiliates(depth:3){ depth actor{ id name } via{ name } } } }""",
    {"a": gid("Actor", 6)},
)
q(
    "28-deep-4-levels",
    """query($a:ID!){ node(id:$a){ ... on Actor { name incidents(first:10, filter:{killed:{gte:5}}){ edges{ node{ id location{ name incidents(first:5, orderBy:{field:UPDATED_AT,direction:DESC}){ edges{ node{ id participants{ actor{ name incidents(first:2){ totalCount } } } } } } } } } } } } }""",
    {"a": gid("Actor", 457)},
)
q(
    "29-location-incidents-filtered",
    """query($l:ID!){ location(id:$l){ name deployments{ actor{ name } validFrom } incidents(first:20, orderBy:{field:CREATED_AT,direction:DESC}, filter:{weapon:{in:[DRONE,ROCKET]}}){ totalCount edges{ node{ id weapon createdAt } } } } }""",
    {"l": gid("Location", 3337)},
)
q(
    "30-locations-bases-nested",
    """{ locations(filter:{country:"AZ", kind:{in:[AIRBASE,MILITARY_BASE]}}, orderBy:{field:UPDATED_AT,direction:DESC}, first:50){ totalCount edges{ node{ id name incidents(first:3){ totalCount edges{ node{ id occurredOn } } } } } } }""",
)
q(
    "31-locations-near",
    """{ locations(filter:{near:{latitude:5.97422, longitude:-86.63692, radiusKm:100}}, first:50){ totalCount edges{ node{ id name kind coordinates{ latitude longitude } } } } }""",
)
q(
    "32-locations-nameSimilar",
    """{ locations(filter:{nameSimilarTo:"Kanram Airbase"}, first:10){ edges{ node{ id name kind parent{ name parent{ name } } } } } }""",
)
q(
    "33-sources-publisher-lang-asc",
    """{ sources(filter:{publisher:"The Taarfa Herald", language:"ar"}, orderBy:{field:PUBLISHED_AT,direction:ASC}, first:50){ totalCount edges{ node{ id title publishedAt incidents(first:5){ edges{ node{ id occurredOn } } } } } } }""",
)
q(
    "34-sources-text",
    """{ sources(filter:{text:"drone"}, first:20){ totalCount edges{ node{ id title publisher } } } }""",
)
q(
    "35-source-incidents",
    """query($s:ID!){ source(id:$s){ title statements{ text } media{ url } incidents(first:50, orderBy:{field:OCCURRED_ON,direction:ASC}){ totalCount edges{ node{ id occurredOn location{ name } } } } } }""",
    {"s": gid("Source", 10003)},
)
ids = (
    [gid("Incident", 5000 + 7919 * k) for k in range(25)]
    + [gid("Actor", k) for k in range(30, 55)]
    + [gid("Location", 3000 + k) for k in range(25)]
    + [gid("Source", 100000 + 991 * k) for k in range(25)]
)
q(
    "36-nodes-100-mixed",
    """query($ids:[ID!]!){ nodes(ids:$ids){ id ... on Incident { occurredOn summary } ... on Actor { name actorKind: kind } ... on Location { name locationKind: kind } ... on Source { publisher title } } }""",
    {"ids": ids},
)
q(
    "37-stats-country-month-year",
    """{ incidentStats(filter:{occurredOn:{gte:"2023-01-01",lte:"2023-12-31"}}, groupBy:[COUNTRY], interval:MONTH){ truncated groups{ period{ label } country{ code } incidents killed{ best } } } }""",
)
q(
    "38-stats-perp-rollup-drone",
    """{ incidentStats(filter:{weapon:{eq:DRONE}, occurredOn:{gte:"2024-01-01",lte:"2024-06-30"}}, groupBy:[PERPETRATOR], rollUpPerpetrators:true, first:50){ groups{ perpetrator{ name } incidents killed{ best } } } }""",
)
q(
    "39-stats-admin1-week-fill",
    """{ incidentStats(filter:{location:{country:"MK"}}, groupBy:[ADMIN1], interval:WEEK, fillEmpty:true, first:5000){ truncated groups{ period{ label } admin1{ code } incidents } } }""",
)
q(
    "40-stats-target-all",
    """{ incidentStats(groupBy:[TARGET], first:100){ groups{ target{ name } incidents injured{ best } } } }""",
)
q(
    "41-search-actor-misspelt",
    """{ search(text:"Rightous Lemtelvel Brigad", types:[ACTOR,INCIDENT,LOCATION], first:20){ type score matchedField matchedText actor{ name } incident{ id } location{ name } } }""",
)
q(
    "42-search-incident-text",
    """{ search(text:"shelling Azerbaijan drone", types:[INCIDENT], first:20){ score matchedText incident{ id occurredOn } } }""",
)
q(
    "43-incidentsNear-location",
    """query($l:ID!){ incidentsNear(near:{location:$l, radiusKm:50}, filter:{occurredOn:{gte:"2024-01-01",lte:"2024-12-31"}}, first:50){ totalCount edges{ distanceKm node{ id occurredOn location{ name } } } pageInfo{ hasNextPage endCursor } } }""",
    {"l": gid("Location", 3337)},
)
q(
    "44-changes-first",
    """{ changes(first:500){ hasMore endCursor changes{ cursor typeName recordId operation action at } } }""",
)
q(
    "45-history-incident",
    """query($i:ID!){ incident(id:$i){ id sameEventAs{ id } history{ at } } }""",
    {"i": gid("Incident", 12345)},
)
q(
    "51-participant-name-busy",
    f"""{{ incidents(filter:{{participant:{{actor:{{name:"Military Forces of Solomon Islands"}}}}}}, first:20){{ edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "52-actor-busy-id-total",
    """query($a:ID!){ incidents(filter:{participant:{actor:{id:$a}}}, first:20){ totalCount edges{ node{ id occurredOn } } } }""",
    {"a": gid("Actor", 38)},
)

q(
    "53-participant-ids-two-busy",
    f"""query($a:ID!,$b:ID!){{ incidents(filter:{{participant:{{actor:{{ids:[$a,$b]}}}}}}, first:20){{ edges{{ node{{ {INC} }} }} pageInfo{{ hasNextPage endCursor }} }} }}""",
    {"a": gid("Actor", 38), "b": gid("Actor", 59)},
)
q(
    "54-participant-name-busy-drone-week",
    f"""{{ incidents(filter:{{participant:{{actor:{{name:"Military Forces of Solomon Islands"}}}}, weapon:{{eq:DRONE}}, occurredOn:{{gte:"2023-03-06", lte:"2023-03-12"}}}}, first:20){{ edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "55-participant-nameSimilar-asc",
    f"""{{ incidents(filter:{{participant:{{actor:{{nameSimilarTo:"Military Forces of Solomon Island"}}, role:{{eq:PERPETRATOR}}}}}}, orderBy:{{field:OCCURRED_ON,direction:ASC}}, first:50){{ edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "56-participant-name-busy-last",
    f"""{{ incidents(filter:{{participant:{{actor:{{name:"Military Forces of North Macedonia"}}}}}}, last:20){{ edges{{ node{{ {INC} }} }} pageInfo{{ hasPreviousPage startCursor }} }} }}""",
)
q(
    "57-stats-target-perp-drone-month",
    """{ incidentStats(filter:{weapon:{eq:DRONE}, occurredOn:{gte:"2024-03-01",lte:"2024-03-31"}}, groupBy:[TARGET, PERPETRATOR], first:50){ groups{ target{ name } perpetrator{ name } incidents killed{ best } } } }""",
)
q(
    "58-participant-nameSimilar-broad",
    f"""{{ incidents(filter:{{participant:{{actor:{{nameSimilarTo:"Military Forces"}}}}}}, first:20){{ edges{{ node{{ {INC} }} }} }} }}""",
)
q(
    "59-participant-ids-50",
    f"""query($ids:[ID!]){{ incidents(filter:{{participant:{{actor:{{ids:$ids}}}}}}, first:50){{ edges{{ node{{ {INC} }} }} }} }}""",
    {"ids": [gid("Actor", k) for k in range(100, 150)]},
)


def paged(post: Callable[[dict[str, Any]], Any]) -> None:
    """Queries whose variables hold a cursor taken from their first page."""
    p18 = """query($a:ID!,$before:String){ incidents(filter:{participant:{actor:{id:$a}}}, last:20, before:$before){ edges{ cursor node{ id occurredOn } } pageInfo{ hasPreviousPage startCursor endCursor } } }"""
    first = post(
        {
            "query": """query($a:ID!){ incidents(filter:{participant:{actor:{id:$a}}}, first:100){ pageInfo{ endCursor } } }""",
            "variables": {"a": gid("Actor", 59)},
        }
    )
    q(
        "18-actor-before-last",
        p18,
        {"a": gid("Actor", 59), "before": first["data"]["incidents"]["pageInfo"]["endCursor"]},
    )
    p46 = """query($after:String){ incidents(filter:{eventType:{eq:BATTLES}}, orderBy:{field:UPDATED_AT,direction:ASC}, first:50, after:$after){ pageInfo{ hasNextPage endCursor } edges{ node{ id updatedAt } } } }"""
    first = post({"query": p46, "variables": {}})
    q(
        "46-battles-updated-page2",
        p46,
        {"after": first["data"]["incidents"]["pageInfo"]["endCursor"]},
    )
    p47 = """query($l:ID!,$after:String){ location(id:$l){ incidents(first:50, after:$after, orderBy:{field:OCCURRED_ON,direction:ASC}){ pageInfo{ hasNextPage endCursor } edges{ node{ id occurredOn } } } } }"""
    first = post({"query": p47, "variables": {"l": gid("Location", 3337)}})
    q(
        "47-location-incidents-page2",
        p47,
        {
            "l": gid("Location", 3337),
            "after": first["data"]["location"]["incidents"]["pageInfo"]["endCursor"],
        },
    )
    p48 = """query($a:ID!,$after:String){ actor(id:$a){ incidents(first:50, after:$after, role:[TARGET], orderBy:{field:UPDATED_AT,direction:DESC}){ totalCount pageInfo{ hasNextPage endCursor } edges{ node{ id updatedAt } } } } }"""
    first = post({"query": p48, "variables": {"a": gid("Actor", 41)}})
    q(
        "48-actor-target-updated-page2",
        p48,
        {
            "a": gid("Actor", 41),
            "after": first["data"]["actor"]["incidents"]["pageInfo"]["endCursor"],
        },
    )
    p49 = """query($after:String){ actors(orderBy:{field:NAME,direction:ASC}, first:100, after:$after){ pageInfo{ hasNextPage endCursor } edges{ node{ id name } } } }"""
    first = post({"query": p49, "variables": {}})
    q("49-actors-name-page2", p49, {"after": first["data"]["actors"]["pageInfo"]["endCursor"]})
    q(
        "50-participant-name-quiet",
        f"""{{ incidents(filter:{{participant:{{actor:{{name:"Government of Colombia"}}}}}}, first:20){{ edges{{ node{{ {INC} }} }} }} }}""",
    )


class Client:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def post(self, body: dict[str, Any]) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.url + "/graphql",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def paths(self) -> dict[str, float]:
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        found = re.findall(r'sitrep_graphql_path_total\{path="(\w+)"\} ([\d.e+]+)', text)
        return {k: float(v) for k, v in found}


def run(client: Client, name: str, body: dict[str, Any], n: int) -> dict[str, Any]:
    before = client.paths()
    t0 = time.perf_counter()
    status, raw = client.post(body)
    times = [(time.perf_counter() - t0) * 1000]
    after = client.paths()
    path = ",".join(k for k in after if after[k] > before.get(k, 0)) or "?"
    for _ in range(n - 1 if times[0] < 2000 else 1):
        t0 = time.perf_counter()
        status, raw = client.post(body)
        times.append((time.perf_counter() - t0) * 1000)
    answer = json.loads(raw)
    codes = sorted({e.get("extensions", {}).get("code", "?") for e in answer.get("errors", [])})
    return {
        "name": name,
        "median_ms": statistics.median(times),
        "path": path,
        "status": status,
        "bytes": len(raw),
        "errors": codes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="the Sitrep server, e.g. http://127.0.0.1:8000")
    ap.add_argument("-n", type=int, default=5, help="runs per shape (median)")
    ap.add_argument("--only", help="comma-separated name prefixes, e.g. 01,20")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    client = Client(args.url)

    def post(body: dict[str, Any]) -> Any:
        return json.loads(client.post(body)[1])

    paged(post)
    names = sorted(Q)
    if args.only:
        names = [n for n in names if any(n.startswith(p) for p in args.only.split(","))]
    print("| shape | median ms | path | status | bytes | errors |")
    print("|---|---:|---|---:|---:|---|")
    results = []
    for name in names:
        r = run(client, name, Q[name], args.n)
        results.append(r)
        errors = ", ".join(r["errors"])
        print(
            f"| {name} | {r['median_ms']:.1f} | {r['path']} | {r['status']} | {r['bytes']} | "
            f"{errors} |",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()
