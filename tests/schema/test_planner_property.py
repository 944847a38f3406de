"""Property test: random read queries get the same answer from the planner and the resolvers.

Hypothesis builds queries from the schema and the model (db/model.py): any root list or
lookup, random subsets of every type's fields down to depth 4 (nested records, lists and
incident pages with their own arguments), aliases, fragments, ``@skip``/``@include``,
filters combined with ``and``/``or``/``not``, orders and page arguments, as an anonymous
reader and as an editor (who also sees drafts). Each query runs on both paths against the
demo data plus drafts; the responses must be identical, and the planner must have answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.settings import Settings
from db import model
from db.core import ConnectionDb, init_connection
from db.cursors import encode_key
from db.keys import create_key
from schema import build_schema
from schema.ids import to_global_id
from tests.client import comparable, planned_count

SCHEMA = build_schema(Settings(environment="test", _env_file=None))._schema  # type: ignore[call-arg]

ACTOR_IDS = ", ".join(f'"{to_global_id("Actor", n)}"' for n in (1, 2, 3, 5))  # actors' ids
INCIDENT_FILTERS = [
    "weapon: {in: [DRONE, ROCKET]}",
    "weapon: {eq: DRONE}",
    "eventType: {eq: EXPLOSIONS_REMOTE_VIOLENCE}",
    'occurredOn: {gte: "2023-12-30", lte: "2024-01-05"}',
    'occurredOn: {gte: "2024-01-01", match: OVERLAPS}',
    'occurredOn: {lte: "2023-12-31"}',
    "killed: {gte: 1}",
    "injured: {lte: 0}",
    "claimStatus: {eq: UNCLAIMED}",
    "outcome: {in: [INTERCEPTED, STRUCK]}",
    "participant: {role: {in: [PERPETRATOR]}}",
    'participant: {actor: {name: "Kata\'ib Hizballah", includeAffiliates: true}}',
    'participant: {actor: {name: "US forces"}, role: {eq: TARGET}}',
    # several actors: each one's page read in index order, then merged
    "participant: {actor: {ids: [" + ACTOR_IDS + "]}}",
    'participant: {actor: {nameSimilarTo: "Kataib Hezbollah"}, role: {in: [PERPETRATOR]}}',
    'location: {country: "IQ"}',
    'location: {hostsForcesOf: {name: "US forces"}}',
    "location: {kind: {in: [MILITARY_BASE, AIRPORT]}}",
    'source: {publisher: "The National"}',
    'text: "drone"',
    'tags: {any: ["drone"]}',
]
ACTOR_FILTERS = [
    'name: "KH"',
    "kind: {in: [STATE_FORCES, MILITIA]}",
    'country: "IQ"',
    'nameContains: "a"',
]
LOCATION_FILTERS = [
    'country: "IQ"',
    "kind: {in: [MILITARY_BASE, AIRBASE, AIRPORT, CITY]}",
    'admin1: "IQ-AN"',
]
SOURCE_FILTERS = ['publisher: "The National"', "kind: {eq: NEWS_ARTICLE}"]
FILTERS = {
    "Incident": INCIDENT_FILTERS,
    "Actor": ACTOR_FILTERS,
    "Location": LOCATION_FILTERS,
    "Source": SOURCE_FILTERS,
}
ORDERS = {
    "Incident": ["OCCURRED_ON", "KILLED", "CREATED_AT", "UPDATED_AT"],
    "Actor": ["NAME", "CREATED_AT", "UPDATED_AT"],
    "Location": ["NAME", "CREATED_AT", "UPDATED_AT"],
    "Source": ["PUBLISHED_AT", "CREATED_AT", "UPDATED_AT"],
}


def _key(part: str) -> str:
    return part.split(":", maxsplit=1)[0]


@st.composite
def filters(draw: Any, entity: str, depth: int = 0) -> str:
    parts = draw(st.lists(st.sampled_from(FILTERS[entity]), max_size=3, unique_by=_key))
    if depth < 2 and draw(st.booleans()):
        kind = draw(st.sampled_from(["and", "or", "not"]))
        if kind == "not":
            parts.append(f"not: {{{draw(filters(entity, depth + 1))}}}")
        else:
            subs = draw(st.lists(filters(entity, depth + 1), min_size=1, max_size=3))
            parts.append(f"{kind}: [" + ", ".join("{" + s + "}" for s in subs) + "]")
    return ", ".join(parts)


@st.composite
def page_args(draw: Any, entity: str) -> str:
    args = []
    if draw(st.booleans()):
        args.append(f"filter: {{{draw(filters(entity))}}}")
    if draw(st.booleans()):
        field = draw(st.sampled_from(ORDERS[entity]))
        direction = draw(st.sampled_from(["ASC", "DESC"]))
        args.append(f"orderBy: {{field: {field}, direction: {direction}}}")
    size = draw(st.sampled_from([None, 0, 1, 2, 3, 5, 100]))
    if size is not None:
        args.append(f"{draw(st.sampled_from(['first', 'last']))}: {size}")
    return "(" + ", ".join(args) + ")" if args else ""


class Names:
    def __init__(self) -> None:
        self.n = 0

    def alias(self) -> str:
        self.n += 1
        return f"a{self.n}"


@st.composite
def selection(draw: Any, type_name: str, depth: int, names: Names) -> str:
    gql_type = SCHEMA.get_type(model.GRAPHQL_TYPE.get(type_name, type_name))
    assert isinstance(gql_type, GraphQLObjectType)
    specs = {k: v for k, v in model.TYPES[type_name].items() if not isinstance(v, model.Unplanned)}
    leaves = [k for k, v in specs.items() if isinstance(v, model.Value | model.GlobalId)]
    nested = [k for k in specs if k not in leaves]
    chosen = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):
        chosen.append("__typename")
    if depth < 4 and nested:
        chosen += draw(st.lists(st.sampled_from(nested), max_size=2, unique=True))
    out = []
    for name in chosen:
        prefix = f"{names.alias()}: " if draw(st.integers(0, 5)) == 0 else ""
        directive = ""
        if draw(st.integers(0, 7)) == 0:
            directive = " @skip(if: true)" if draw(st.booleans()) else " @include(if: true)"
        spec = specs.get(name)
        if spec is None or isinstance(spec, model.Value | model.GlobalId):
            out.append(f"{prefix}{name}{directive}")
            continue
        if isinstance(spec, model.Incidents):
            args = draw(page_args("Incident"))
            if name == "incidents" and type_name == "Actor" and draw(st.booleans()):
                role = "role: [PERPETRATOR, TARGET]"
                args = f"({args[1:-1]}, {role})" if args else f"({role})"
            sub = draw(connection("Incident", depth + 1, names))
            out.append(f"{prefix}{name}{args}{directive} {{ {sub} }}")
            continue
        field_def = gql_type.fields[name]
        sub_type = spec.type
        args = ""
        if isinstance(spec, model.Rows) and spec.args and draw(st.booleans()):
            if "kind" in spec.args:
                args = "(kind: [MEMBER_OF, FRONT_FOR, FUNDED_BY])"
            elif "on" in spec.args:
                args = (
                    f'(on: "{draw(st.sampled_from(["2023-12-31", "2024-01-01", "2019-06-01"]))}")'
                )
        assert get_named_type(field_def.type) is not None
        sub = draw(selection(sub_type, depth + 1, names))
        out.append(f"{prefix}{name}{args}{directive} {{ {sub} }}")
    return " ".join(out)


@st.composite
def connection(draw: Any, entity: str, depth: int, names: Names) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append("totalCount")
    if draw(st.booleans()) or not parts:
        node = draw(selection(entity, depth, names))
        cursor = "cursor " if draw(st.booleans()) else ""
        parts.append(f"edges {{ {cursor}node {{ {node} }} }}")
    if draw(st.booleans()):
        info = draw(
            st.lists(
                st.sampled_from(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]),
                min_size=1,
                unique=True,
            )
        )
        parts.append("pageInfo { " + " ".join(info) + " }")
    if draw(st.booleans()):
        parts.append("__typename")
    return " ".join(parts)


ROOT_LISTS = {
    "incidents": "Incident",
    "actors": "Actor",
    "locations": "Location",
    "sources": "Source",
}


@st.composite
def queries(draw: Any, ids: dict[str, list[str]]) -> str:
    names = Names()
    roots = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["list", "one", "node", "nodes"]))
        alias = names.alias()
        if kind == "list":
            field = draw(st.sampled_from(sorted(ROOT_LISTS)))
            entity = ROOT_LISTS[field]
            body = draw(connection(entity, 1, names))
            roots.append(f"{alias}: {field}{draw(page_args(entity))} {{ {body} }}")
        elif kind == "one":
            entity = draw(st.sampled_from(sorted(ROOT_LISTS.values())))
            gid = draw(st.sampled_from(ids[entity]))
            sel = draw(selection(entity, 1, names))
            roots.append(f'{alias}: {entity.lower()}(id: "{gid}") {{ {sel} }}')
        else:
            entity = draw(st.sampled_from(sorted(ids)))
            gids = draw(st.lists(st.sampled_from(ids[entity]), min_size=1, max_size=3))
            sel = draw(selection(entity, 1, names))
            fragment = f"... on {entity} {{ {sel} }}"
            if kind == "node":
                roots.append(f'{alias}: node(id: "{gids[0]}") {{ id __typename {fragment} }}')
            else:
                quoted = ", ".join(f'"{g}"' for g in gids)
                roots.append(f"{alias}: nodes(ids: [{quoted}]) {{ __typename {fragment} }}")
    return "{ " + " ".join(roots) + " }"


class Harness:
    """Both apps on one connection inside a transaction that is rolled back, run on a loop
    of the test's own (hypothesis drives a plain function)."""

    def __init__(self, database_url: str, settings_: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.database_url = database_url
        self.settings = settings_

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.database_url)
        await init_connection(self.conn)
        self.tx = self.conn.transaction()
        await self.tx.start()
        db = ConnectionDb(self.conn)
        await _add_drafts(self.conn)
        self.editor_key = (await create_key(db, "property editor", "editor"))[1]
        planner_app = create_app(self.settings, db=db)
        resolvers_app = create_app(self.settings.model_copy(update={"planner": False}), db=db)
        base = "http://sitrep.test"
        self.planned = httpx.AsyncClient(transport=httpx.ASGITransport(planner_app), base_url=base)
        self.resolved = httpx.AsyncClient(
            transport=httpx.ASGITransport(resolvers_app), base_url=base
        )
        self.ids = {}
        for entity, table in (
            ("Incident", "incident"),
            ("Actor", "actor"),
            ("Location", "location"),
            ("Source", "source"),
            ("Statement", "statement"),
            ("ActorRelation", "actor_relation"),
            ("Deployment", "deployment"),
        ):
            pks = [r[0] for r in await self.conn.fetch(f"select id from {table} order by id")]
            self.ids[entity] = [str(to_global_id(entity, pk)) for pk in pks[:12]]

    async def compare(self, query: str, editor: bool) -> None:
        headers = {"Authorization": f"Bearer {self.editor_key}"} if editor else {}
        before = planned_count()
        a = await self.planned.post("/graphql", json={"query": query}, headers=headers)
        answered = planned_count() - before
        b = await self.resolved.post("/graphql", json={"query": query}, headers=headers)
        assert a.status_code == 200, (query, a.text)
        assert comparable(a) == comparable(b), (query, a.text, b.text)
        body = a.json()
        if "errors" not in body:
            assert answered == 1, f"the resolvers answered: {query}"

    def agree(self, strategy: st.SearchStrategy[str], *, examples: int) -> None:
        """Both paths answer alike each of ``examples`` queries drawn from ``strategy``
        (the same ones every run), as an anonymous reader or as an editor."""

        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            derandomize=True,
        )
        @given(strategy, st.booleans())
        def check(query: str, editor: bool) -> None:
            self.run(self.compare(query, editor))

        check()

    async def stop(self) -> None:
        await self.planned.aclose()
        await self.resolved.aclose()
        await self.tx.rollback()
        await self.conn.close()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)


async def _add_drafts(conn: asyncpg.Connection) -> None:
    """Drafts and a retracted record beside the published demo data, so the two
    visibility levels differ on every path."""
    await conn.execute(
        "update incident set status = 'DRAFT' where id = (select min(id) from incident)"
    )
    await conn.execute(
        "update actor set status = 'DRAFT' where id in (select id from actor order by id "
        "offset 2 limit 2)"
    )
    await conn.execute(
        "update location set status = 'DRAFT' where id = (select max(id) from location)"
    )
    await conn.execute(
        "update source set status = 'RETRACTED' where id = (select max(id) from source)"
    )
    await conn.execute(
        "update actor_relation set status = 'DRAFT' where id = (select min(id) from actor_relation)"
    )


@pytest.fixture(scope="module")
def harness(database_url: str, settings: Settings) -> Iterator[Harness]:
    h = Harness(database_url, settings)
    h.run(h.start())
    yield h
    h.run(h.stop())
    h.loop.close()


def test_planner_and_resolvers_agree_on_generated_queries(harness: Harness) -> None:
    harness.agree(queries(harness.ids), examples=150)


WHO = [
    'name: "US forces"',
    'nameSimilarTo: "Kataib Hezbollah"',
    'name: "Kata\'ib Hizballah", includeAffiliates: true',
]
REST = [
    "weapon: {in: [DRONE, ROCKET]}",
    'occurredOn: {gte: "2023-12-30", lte: "2024-01-05"}',
    "outcome: {in: [INTERCEPTED, STRUCK]}",
    "killed: {gte: 1}",
]


@st.composite
def actors_pages(
    draw: Any, actors: list[str], together: list[list[str]], keys: list[tuple[str, int]]
) -> str:
    """A page of the incidents of several actors (ids, a name, a similar name, with
    affiliates), with a role and other conditions or not, inside an ``and`` or not, by
    date either way, forward or backward from a cursor or not. Half the lists of ids are
    actors who take part in one incident together (listed once)."""
    ids = draw(
        st.lists(st.sampled_from(actors), min_size=1, max_size=4, unique=True)
        | st.sampled_from(together)
    )
    who = draw(st.sampled_from([*WHO, "ids: [" + ", ".join(f'"{i}"' for i in ids) + "]"]))
    role = draw(st.sampled_from(["", " role: {in: [PERPETRATOR]}", " role: {in: [TARGET]}"]))
    rest = ", ".join(draw(st.lists(st.sampled_from(REST), max_size=2, unique=True)))
    participant = f"{{participant: {{actor: {{{who}}}{role}}}}}"
    if draw(st.booleans()):
        f = f"{{and: [{participant}], {rest}}}"
    else:
        f = participant[:-1] + (f", {rest}}}" if rest else "}")
    direction = draw(st.sampled_from(["ASC", "DESC"]))
    size = draw(st.sampled_from([1, 2, 5, 20]))
    backward = draw(st.booleans())
    args = [f"{'last' if backward else 'first'}: {size}"]
    key = draw(st.none() | st.sampled_from(keys))
    if key is not None:
        cursor = encode_key(f"OCCURRED_ON:{direction}", *key)
        args.append(f'{"before" if backward else "after"}: "{cursor}"')
    return (
        f"{{ incidents(filter: {f}, orderBy: {{field: OCCURRED_ON, direction: {direction}}}, "
        f"{', '.join(args)}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage "
        "startCursor endCursor } edges { cursor node { id occurredOn } } } }"
    )


def test_planner_and_resolvers_agree_on_incidents_of_several_actors(harness: Harness) -> None:
    """The incidents of several actors are paged from each actor's participations, then
    merged (db.filters.participants_by_date, Planner.connection); the resolvers test
    each incident. Random actors, conditions, orders, sizes and cursors: the same pages."""
    conn = harness.conn
    actors = [
        str(to_global_id("Actor", r[0]))
        for r in harness.run(
            conn.fetch("select distinct actor_id from incident_participant order by 1")
        )
    ]
    together = [
        [str(to_global_id("Actor", a)) for a in r[0]]
        for r in harness.run(
            conn.fetch(
                "select array_agg(distinct actor_id order by actor_id) from incident_participant "
                "group by incident_id having count(distinct actor_id) > 1 order by 1"
            )
        )
    ]
    keys = [
        (str(r[0]), r[1])
        for r in harness.run(conn.fetch("select occurred_on, id from incident order by id"))
    ]
    harness.agree(actors_pages(actors, together, keys), examples=120)
