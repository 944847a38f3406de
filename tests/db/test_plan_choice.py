"""Which planned statements reuse a generic plan and which are planned for their values;
which values a planned statement computes once, at its top."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.fastpath import FastPath
from app.persisted import Documents
from app.settings import Settings
from db.filters import (
    ActorFilter,
    DateRange,
    IncidentFilter,
    IntRange,
    LocationFilter,
    ParticipantFilter,
    incident_where,
)
from db.planner import WINDOW_DAYS, Planner, skewed
from db.sql import Compiler
from db.viewer import Viewer
from schema import build_schema

D = dt.date(2024, 1, 1)
ACTOR = ParticipantFilter(actor=ActorFilter(name="KH"))


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (IncidentFilter(), False),
        (IncidentFilter(weapons=("DRONE",), killed=None), False),
        # a death toll's range: most incidents have none, a few hundreds
        (IncidentFilter(killed=IntRange(gte=100)), True),
        (IncidentFilter(injured=IntRange(gte=1, lte=5)), True),
        (IncidentFilter(occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=400))), False),
        (IncidentFilter(participant=ACTOR), True),
        (IncidentFilter(location=LocationFilter(country="IQ")), True),
        (IncidentFilter(text="drone"), True),
        (IncidentFilter(or_=(IncidentFilter(weapons=("DRONE",)), IncidentFilter(text="x"))), True),
        (IncidentFilter(not_=IncidentFilter(participant=ACTOR)), True),
        # A short window decides the plan whatever else is asked.
        (
            IncidentFilter(
                participant=ACTOR,
                occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=WINDOW_DAYS)),
            ),
            False,
        ),
        (
            IncidentFilter(
                participant=ACTOR,
                occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=WINDOW_DAYS + 1)),
            ),
            True,
        ),
        # OVERLAPS is not bounded by the occurred_on index.
        (
            IncidentFilter(
                participant=ACTOR,
                occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=6), overlaps=True),
            ),
            True,
        ),
        # A window inside an `or` bounds nothing.
        (
            IncidentFilter(
                or_=(
                    IncidentFilter(
                        participant=ACTOR,
                        occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=6)),
                    ),
                    IncidentFilter(participant=ACTOR),
                )
            ),
            True,
        ),
    ],
)
def test_skewed(f: IncidentFilter, expected: bool) -> None:
    assert skewed(f) is expected


def test_values_computed_once_are_hoisted_only_in_planned_statements() -> None:
    """``Compiler.once``: inline for the resolvers' statements; in the planner's, a
    materialised CTE at the top, in the order they were asked for (a later one may read
    an earlier one), so that PostgreSQL costs them once, not per row of a subquery."""
    inline = Compiler(Viewer())
    assert inline.once("array(select 1)", "bigint[]") == "array(select 1)"
    assert inline.with_clause() == ""
    hoisting = Compiler(Viewer(), hoist=True)
    first = hoisting.once("array(select 1)", "bigint[]")
    second = hoisting.once(f"array(select x from unnest({first}) x)", "bigint[]")
    assert (first, second) == ("(select v from once1)::bigint[]", "(select v from once2)::bigint[]")
    assert hoisting.with_clause() == (
        "with once1 as materialized (select array(select 1) as v), "
        "once2 as materialized (select array(select x from unnest((select v from once1)"
        "::bigint[]) x) as v) "
    )


def test_a_planned_name_filter_reads_its_ids_from_the_top_of_the_statement() -> None:
    f = IncidentFilter(
        location=LocationFilter(hosts_forces_of=ActorFilter(name="US forces")),
        participant=ACTOR,
    )
    planner = Planner(Viewer())
    where = incident_where(f, planner.c, "i")
    head = planner.c.with_clause()
    # the participant's actor names, the hosts' names, then the hosts' visible actors
    assert head.count(" as materialized (") == 3
    assert "sitrep_norm(name)" not in where
    assert "= any((select v from once3)::bigint[])" in where


def test_hosting_forces_adds_the_places_that_host_them_as_an_implied_condition() -> None:
    """``hostsForcesOf`` at the top of an incident's location filter (or in its ``and``)
    also tests the incident's place against the places that ever host the forces, their
    ids computed once; not under ``or``/``not``, where it would narrow the filter."""
    me = ActorFilter(name="US forces")
    hosts = LocationFilter(hosts_forces_of=me)
    planner = Planner(Viewer())
    where = incident_where(IncidentFilter(location=hosts), planner.c, "i")
    implied = "i.location_id in (select d"
    assert where.count(implied) == 1
    # one set of actor ids (names, then the visible actors), read by both tests
    assert planner.c.with_clause().count(" as materialized (") == 2
    assert where.count("any((select v from once2)::bigint[])") == 2

    nested = IncidentFilter(location=LocationFilter(country="IQ", and_=(hosts,)))
    assert incident_where(nested, Compiler(Viewer()), "i").count(implied) == 1
    for loose in (
        LocationFilter(or_=(hosts, LocationFilter(country="IQ"))),
        LocationFilter(not_=hosts),
    ):
        where = incident_where(IncidentFilter(location=loose), Compiler(Viewer()), "i")
        assert implied not in where


def test_a_country_adds_the_incidents_own_country_as_an_implied_condition() -> None:
    """``country`` at the top of an incident's location filter (or in its ``and``) also
    tests the incident's copy of its place's country (``incident_country_idx``); not
    under ``or``/``not``, where it would narrow the filter."""
    implied, on_the_place = "i.country_code = $", ".country_code = $"
    for f in (
        LocationFilter(country="iq"),
        LocationFilter(admin1="Erbil", and_=(LocationFilter(country="IQ"),)),
    ):
        c = Compiler(Viewer())
        where = incident_where(IncidentFilter(location=f), c, "i")
        assert where.count(implied) == 1
        # tested once: PostgreSQL would count the place's own test of it again
        assert where.count(on_the_place) == 1
        assert c.params.args.count("IQ") == 1
    for loose in (
        LocationFilter(or_=(LocationFilter(country="IQ"), LocationFilter(country="SY"))),
        LocationFilter(not_=LocationFilter(country="IQ")),
    ):
        where = incident_where(IncidentFilter(location=loose), Compiler(Viewer()), "i")
        assert implied not in where
        assert on_the_place in where


@pytest.fixture(scope="module")
def fast() -> FastPath:
    """The fast path's planning, without a server (as bench/statement.py uses it)."""
    settings = Settings()
    documents = Documents({}, persisted_only=False, apq_bytes=1 << 20)
    return FastPath(None, build_schema(settings), settings, lambda g: None, documents)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("incidents", "generic"),
    [
        # an actor's latest incidents: the first entries of the dated index, any actor
        ("incidents(first: 20) { edges { node { id } } }", True),
        ("incidents(first: 20, after: $cursor) { edges { node { id } } }", True),
        # planned for the actor: how many it has, or which of them have the role
        ("incidents(first: 20) { totalCount edges { node { id } } }", False),
        ("incidents(first: 20, role: [TARGET]) { edges { node { id } } }", False),
        (
            "incidents(first: 20, orderBy: {field: CREATED_AT, direction: DESC}) "
            "{ edges { node { id } } }",
            False,
        ),
        ('incidents(first: 20, filter: {text: "drone"}) { edges { node { id } } }', False),
        # a filter, even one whose plan does not depend on its values: how far down the
        # actor's incidents the first 20 matches lie is the actor's
        (
            "incidents(first: 20, filter: {weapon: {eq: DRONE}}) { edges { node { id } } }",
            False,
        ),
    ],
)
def test_an_actors_incidents_by_date_reuse_a_generic_plan(
    fast: FastPath, incidents: str, generic: bool
) -> None:
    variables = {"id": "QWN0b3I6NDU3"}
    declared = "$id: ID!"
    if "$cursor" in incidents:
        declared += ", $cursor: String"
        variables["cursor"] = "WyJPQ0NVUlJFRF9PTjpERVNDIiwiMjAyMC0wMS0wMSIsNV0"
    query = f"query({declared}) {{ actor(id: $id) {{ name {incidents} }} }}"
    request = fast.persisted.request({"query": query, "variables": variables})
    statement, _ = fast.statement(request, Viewer())
    assert statement.generic is generic


def test_a_page_reads_only_the_columns_its_selection_shows(fast: FastPath) -> None:
    """The page's rows carry the columns its fields read (and ``id``), not the whole
    incident; ``endCursor`` is encoded for its one row, not for every row read."""
    query = (
        "{ incidents(first: 5) { pageInfo { endCursor } "
        "edges { node { id summary location { name } } } } }"
    )
    request = fast.persisted.request({"query": query})
    sql = fast.statement(request, Viewer())[0].sql
    read = re.search(r"\(select ([\w., ]+?), \w+\.occurred_on as _k from incident ", sql)
    assert read is not None, sql
    assert [c.split(".")[1] for c in read.group(1).split(", ")] == ["id", "location_id", "summary"]
    assert sql.count("encode(convert_to('[") == 1  # one cursor expression
    assert "array_agg(" not in sql


@pytest.mark.parametrize(
    ("f", "source"),
    [
        # one actor by id: its participations in date order, the role tested in the index
        (
            '{participant: {actor: {id: "QWN0b3I6NDU3"}, role: {in: [PERPETRATOR]}}}',
            r"from \(select distinct (pd\d+)\.occurred_on, \1\.incident_id as id from "
            r"incident_participant \1 where \1\.actor_id = \(\(select .*\)\) and "
            r"\1\.role = any",
        ),
        # by name, in an `and`, with a window: the page of each actor of that name, read
        # from its participations in the window in the index's order, then merged
        (
            '{and: [{participant: {actor: {name: "KH"}}}], '
            'occurredOn: {gte: "2024-01-01", lte: "2024-06-30"}}',
            r"select distinct on \((w\d+)\._k, \1\.id\) \1\.\* from \(select (a\d+)\.id "
            r"from actor \2 where .*\) (u\d+) cross join lateral \(select .* from \("
            r"select distinct (pd\d+)\.occurred_on, \4\.incident_id as id from "
            r"incident_participant \4 where \4\.actor_id = \3\.id and "
            r"\4\.occurred_on >= \$\d+ and \4\.occurred_on <= \$\d+ order by 1 desc, 2 desc\)"
            r".* limit 21\) \1 order by \1\._k desc, \1\.id desc limit 21",
        ),
        # several ids: the same
        (
            '{participant: {actor: {ids: ["QWN0b3I6NDU3", "QWN0b3I6NDU4"]}}}',
            r"select distinct on \((w\d+)\._k, \1\.id\) \1\.\* from \(select (a\d+)\.id "
            r"from actor \2 where .*\) (u\d+) cross join lateral \(select .* from \("
            r"select distinct (pd\d+)\.occurred_on, \4\.incident_id as id from "
            r"incident_participant \4 where \4\.actor_id = \3\.id order by 1 desc, 2 desc\)",
        ),
        # not for actors by kind (thousands of them), nor under `or`/`not`
        ("{participant: {actor: {kind: {eq: STATE}}}}", None),
        ('{or: [{participant: {actor: {name: "KH"}}}, {weapon: {eq: DRONE}}]}', None),
        ('{not: {participant: {actor: {name: "KH"}}}}', None),
    ],
)
def test_incidents_of_named_actors_are_read_from_their_participations_by_date(
    fast: FastPath, f: str, source: str | None
) -> None:
    query = f"{{ incidents(first: 20, filter: {f}) {{ edges {{ node {{ id }} }} }} }}"
    sql = fast.statement(fast.persisted.request({"query": query}), Viewer())[0].sql
    read = re.search(source, sql) if source else None
    assert (read is not None) is (source is not None), sql
    if read is not None:
        # the participant test is not repeated on each incident: the rows meet it
        assert "exists (select 1 from incident_participant" not in sql
    else:
        assert "incident_participant pd" not in sql


def test_a_places_incidents_are_tested_on_the_incidents_own_place(fast: FastPath) -> None:
    query = (
        '{ location(id: "TG9jYXRpb246MQ==") { incidents(first: 5) '
        "{ totalCount edges { node { id } } } } }"
    )
    sql = fast.statement(fast.persisted.request({"query": query}), Viewer())[0].sql
    own_place = r"from incident (i\d+) where \1\.location_id = \$1::bigint and "
    assert len(re.findall(own_place, sql)) == 2, sql  # the count and the page
    assert "select lk" not in sql


@pytest.mark.parametrize(
    ("source", "gathered"),
    [
        ('{publishedAt: {gte: "2021-06-01T00:00:00Z", lte: "2021-06-07T23:59:59Z"}}', True),
        ('{ids: ["U291cmNlOjE="]}', True),
        (
            '{and: [{publishedAt: {gte: "2021-06-01T00:00:00Z", lte: "2021-07-01T00:00:00Z"}}]}',
            True,
        ),
        # a long window, one end only, a publisher: each incident is tested
        ('{publishedAt: {gte: "2021-06-01T00:00:00Z", lte: "2021-08-01T00:00:00Z"}}', False),
        ('{publishedAt: {gte: "2021-06-01T00:00:00Z"}}', False),
        ('{publisher: "Reuters"}', False),
    ],
)
def test_a_few_sources_incidents_are_gathered_first(
    fast: FastPath, source: str, gathered: bool
) -> None:
    query = (
        f"{{ incidents(first: 20, filter: {{source: {source}}}) {{ edges {{ node {{ id }} }} }} }}"
    )
    sql = fast.statement(fast.persisted.request({"query": query}), Viewer())[0].sql
    once = re.search(r"once\d+ as materialized \(select array\(select (is\d+)\.incident_id", sql)
    assert (once is not None) is gathered, sql
    assert ("exists (select 1 from incident_source" in sql) is not gathered


ACTOR_ID = '"QWN0b3I6MQ=="'  # Actor:1


@pytest.mark.parametrize(
    ("query", "from_participations"),
    [
        (f"{{ actor(id: {ACTOR_ID}) {{ incidents {{ totalCount }} }} }}", True),
        (
            f"{{ actor(id: {ACTOR_ID}) {{ incidents(role: [TARGET], first: 5) "
            "{ totalCount edges { node { id } } } } }",
            True,
        ),
        (
            f"{{ incidents(filter: {{participant: {{actor: {{id: {ACTOR_ID}}}}}}}) "
            "{ totalCount } }",
            True,
        ),
        (
            '{ incidents(filter: {participant: {actor: {name: "KH"}, role: {in: [TARGET]}}, '
            'occurredOn: {gte: "2024-01-01", lte: "2024-03-01"}}, first: 5) '
            "{ totalCount edges { node { id } } } }",
            True,
        ),
        (
            f"{{ actor(id: {ACTOR_ID}) {{ incidents(filter: "
            '{occurredOn: {gte: "2024-01-01", lte: "2024-03-01"}}) { totalCount } } }',
            True,
        ),
        # the incidents' own columns: counted on the incidents
        (
            f"{{ actor(id: {ACTOR_ID}) {{ incidents(filter: {{weapon: {{eq: DRONE}}}}) "
            "{ totalCount } } }",
            False,
        ),
        (
            f"{{ incidents(filter: {{participant: {{actor: {{id: {ACTOR_ID}}}}}, "
            "weapon: {eq: DRONE}}) { totalCount } }",
            False,
        ),
        (
            f"{{ incidents(filter: {{participant: {{actor: {{id: {ACTOR_ID}}}}}, "
            'occurredOn: {gte: "2024-01-01", match: OVERLAPS}}) { totalCount } }',
            False,
        ),
    ],
)
@pytest.mark.parametrize("editor", [False, True])
def test_an_actors_incidents_are_counted_from_its_participations(
    fast: FastPath, query: str, from_participations: bool, editor: bool
) -> None:
    """Its participations carry their incident's status and link (migration 0017): the
    count reads the index by actor and date alone, testing the viewer's visibility there."""
    viewer = Viewer.for_key(1, "k", "editor") if editor else Viewer()
    sql = fast.statement(fast.persisted.request({"query": query}), viewer)[0].sql
    shown = "<> 'RETRACTED'" if editor else "= 'PUBLISHED'"
    counted = re.search(
        r"\(select count\(\*\) from \(select distinct (\w+)\.occurred_on, \1\.incident_id "
        r"as id from incident_participant \1 where .*?"
        rf"\1\.incident_status {shown} and \(not \1\.incident_linked_duplicate or "
        rf"\1\.incident_id not in \(select hidden_linked_duplicates\({str(editor).lower()}\)\)\)",
        sql,
    )
    assert (counted is not None) is from_participations, sql
    assert ("select count(*) from incident " in sql) is not from_participations, sql
