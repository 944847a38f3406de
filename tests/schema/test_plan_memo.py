"""The planner's memo and argument converter against planning from scratch.

A document's selections without variables are planned once and kept with their SQL
(``db.planner.Memo``), and arguments are converted with each input type's fields looked
up once (``schema.arguments.Converter``). Both must change nothing: for documents with
variables in every kind of place, planned again and again with random variables through
one memo, every statement (SQL text, arguments, plan choice) and cost must equal the one
planned with no memo at all, and every argument the planner converts must equal
Strawberry's own ``convert_arguments``. The generated queries of the property test are
checked the same way (each planned twice through the memo: the second from it).
No database is needed: this compares plans; the differential oracle and the property
test compare the answers.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql.execution.values import get_variable_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.types.arguments import convert_arguments

from app.fastpath import FastPath
from app.main import create_app
from app.settings import Settings
from db.cursors import encode_key
from db.planner import Planner
from db.viewer import Viewer
from schema.arguments import Converter
from schema.cost import operation_cost
from schema.ids import to_global_id
from schema.plan import NotPlanned, plan
from tests.schema.test_planner_property import queries

SETTINGS = Settings(environment="test", _env_file=None)  # type: ignore[call-arg]


def gids(entity: str, pks: range) -> list[str]:
    return [str(to_global_id(entity, pk)) for pk in pks]


IDS = {
    "Incident": gids("Incident", range(1, 8)),
    "Actor": gids("Actor", range(1, 8)),
    "Location": gids("Location", range(1, 8)),
    "Source": gids("Source", range(1, 5)),
    "Statement": gids("Statement", range(1, 3)),
    "ActorRelation": gids("ActorRelation", range(1, 3)),
    "Deployment": gids("Deployment", range(1, 3)),
}
ANY_ID = [g for ids in IDS.values() for g in ids] + ["not an id", "QWN0b3I6OTk5OTk5OTk5OQ=="]

# Each document, and a strategy for its variables.
NODE = """
query($id: ID!, $with: Boolean!, $kinds: [RelationKind!], $on: Date) {
  node(id: $id) {
    id __typename
    ... on Incident {
      summary killed { best } participants @include(if: $with) { role actor { name } }
      sources { url media { kind } } location { name parent { name } }
    }
    ... on Actor { name relations(kind: $kinds) { kind object { name } }
                   deployments(on: $on) { location { name } }
                   incidents(first: 2) { totalCount edges { cursor node { id occurredOn } } } }
    ... on Location { name aliases deployments { actor { name } } }
    ...S
  }
}
fragment S on Source { title publisher incidents: __typename }
"""
NODES = """
query($ids: [ID!]!, $skip: Boolean!) {
  nodes(ids: $ids) {
    ... on Incident { id summary @skip(if: $skip) location { name } sources { title } }
    ... on Actor { id name relations { kind } }
    ... on Location { id name }
  }
  again: nodes(ids: $ids) { ... on Incident { occurredOn participants { role } } }
}
"""
PAGE = """
query($f: IncidentFilter, $n: Int, $after: String, $order: IncidentOrder) {
  incidents(filter: $f, first: $n, after: $after, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id occurredOn participants { role actor { name } } sources { url } } }
  }
  drones: incidents(filter: {weapon: {eq: DRONE}}, first: 3) { edges { node { id summary } } }
}
"""
ACTOR = """
query($a: ID!, $role: [ParticipantRole!], $n: Int, $last: Int, $f: IncidentFilter) {
  actor(id: $a) {
    name
    incidents(role: $role, first: $n, filter: $f) {
      totalCount edges { node { id summary location { name } } }
    }
    tail: incidents(last: $last) { edges { node { id } } }
  }
}
"""
LISTS = """
query($country: String, $kinds: [LocationKind!], $publisher: String, $show: Boolean!) {
  locations(filter: {country: $country, kind: {in: $kinds}}, first: 4) {
    edges { node { ...Place } }
  }
  sources(filter: {publisher: $publisher}) { edges { node { id url @include(if: $show) } } }
  actors(first: 2) { edges { node { name relations { kind } } } }
}
fragment Place on Location { name kind deployments { actor { name } } }
"""

DATES = ["2023-12-30", "2024-01-01", "2024-01-05", "2019-06-01", "2024-03-01"]
INCIDENT_FILTERS = [
    None,
    {"weapon": {"eq": "DRONE"}},
    {"weapon": {"in": ["DRONE", "ROCKET"]}, "killed": {"gte": 1}},
    {"occurredOn": {"gte": "2024-01-01", "lte": "2024-01-07"}},
    {"occurredOn": {"gte": "2023-01-01", "lte": "2024-12-31"}},
    {"location": {"country": "IQ"}},
    {"location": {"hostsForcesOf": {"name": "US forces"}}, "weapon": {"eq": "DRONE"}},
    {"participant": {"actor": {"name": "Kata'ib Hizballah", "includeAffiliates": True}}},
    {"participant": {"actor": {"ids": IDS["Actor"][:3]}, "role": {"in": ["TARGET"]}}},
    {"or": [{"text": "drone"}, {"tags": {"any": ["drone"]}}]},
    {"not": {"weapon": {"eq": "DRONE"}}, "source": {"publisher": "The National"}},
    {"occurredOn": {"gte": "2024-01-05", "lte": "2024-01-01"}},  # refused: an empty range
]
ORDERS = [None, {"field": "OCCURRED_ON", "direction": "DESC"}, {"field": "KILLED"}]
CURSORS = [
    None,
    encode_key("OCCURRED_ON:ASC", "2024-01-01", 3),
    encode_key("OCCURRED_ON:DESC", "2024-01-02", 5),
    "not a cursor",
]
SIZES = [None, 0, 1, 2, 20, 100, 101, -1]

VARIABLES = {
    NODE: st.fixed_dictionaries(
        {
            "id": st.sampled_from(ANY_ID),
            "with": st.booleans(),
            "kinds": st.sampled_from([None, ["MEMBER_OF"], ["MEMBER_OF", "FUNDED_BY"]]),
            "on": st.sampled_from([None, *DATES]),
        }
    ),
    NODES: st.fixed_dictionaries(
        {"ids": st.lists(st.sampled_from(ANY_ID), max_size=6), "skip": st.booleans()}
    ),
    PAGE: st.fixed_dictionaries(
        {
            "f": st.sampled_from(INCIDENT_FILTERS),
            "n": st.sampled_from(SIZES),
            "after": st.sampled_from(CURSORS),
            "order": st.sampled_from(ORDERS),
        }
    ),
    ACTOR: st.fixed_dictionaries(
        {
            "a": st.sampled_from(IDS["Actor"] + IDS["Incident"][:1]),
            "role": st.sampled_from([None, ["PERPETRATOR"], ["TARGET", "PERPETRATOR"]]),
            "n": st.sampled_from(SIZES),
            "last": st.sampled_from([None, 1, 3]),
            "f": st.sampled_from(INCIDENT_FILTERS),
        }
    ),
    LISTS: st.fixed_dictionaries(
        {
            "country": st.sampled_from([None, "IQ", "SY"]),
            "kinds": st.sampled_from([None, ["MILITARY_BASE"], ["CITY", "AIRPORT"]]),
            "publisher": st.sampled_from([None, "The National", "Reuters"]),
            "show": st.booleans(),
        }
    ),
}


class Strawberry(Converter):
    """Strawberry's own ``convert_arguments``, as the planner called it before."""

    def arguments(self, definition: Any, raw: dict[str, Any], arguments: Any) -> dict[str, Any]:
        return convert_arguments(raw, arguments, self.registry, self.config)


class Checking(Converter):
    """The converter, checked against Strawberry's ``convert_arguments`` on every call."""

    calls = 0

    def arguments(self, definition: Any, raw: dict[str, Any], arguments: Any) -> dict[str, Any]:
        ours = super().arguments(definition, raw, arguments)
        theirs = convert_arguments(raw, arguments, self.registry, self.config)
        assert ours == theirs, (raw, ours, theirs)
        assert [type(v) for v in ours.values()] == [type(v) for v in theirs.values()]
        Checking.calls += 1
        return ours


@pytest.fixture(scope="module")
def fast() -> FastPath:
    app: Any = create_app(SETTINGS, database_url="postgresql://unused")
    path = app.build_middleware_stack().fast
    path.converter = Checking(path.schema)
    return path


def outcome(fast: FastPath, query: str, variables: dict[str, Any], memo: bool) -> Any:
    """What planning gives: the statement and cost, or the error raised. ``memo``: through
    the document's memo (else from scratch, with Strawberry's converter)."""
    viewer = Viewer()
    try:
        if memo:
            statement, cost = fast._plan(query, None, variables, viewer)
        else:
            doc = fast.documents.check(query)
            op = doc.operation(None)
            assert not doc.errors, doc.errors
            assert op is not None
            cost = operation_cost(fast.schema._schema, doc.fragments, op, variables, SETTINGS)
            coerced = get_variable_values(
                fast.schema._schema, op.variable_definitions or (), variables
            )
            if isinstance(coerced, list):
                raise NotPlanned("variables have errors")
            tree = plan(
                fast.schema,
                op,
                doc.fragments,
                coerced,
                SETTINGS,
                SETTINGS.max_ids_per_lookup,
                Strawberry(fast.schema),
                None,
            )
            statement = Planner(viewer).statement(tree)
    except Exception as exc:  # the error itself is compared
        return ("error", type(exc).__name__, str(exc))
    return ("planned", statement.sql, statement.args, statement.generic, cost)


DOCUMENTS = list(VARIABLES)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_documents_with_variables_plan_alike_through_the_memo(fast: FastPath, data: Any) -> None:
    query = data.draw(st.sampled_from(DOCUMENTS))
    for _ in range(4):
        variables = data.draw(VARIABLES[query])
        assert outcome(fast, query, variables, memo=True) == outcome(
            fast, query, variables, memo=False
        ), variables


SOME = {
    NODE: [
        {"id": IDS["Incident"][0], "with": True},
        {"id": IDS["Actor"][1], "with": False, "kinds": ["MEMBER_OF"], "on": "2024-01-01"},
        {"id": "not an id", "with": True},
    ],
    NODES: [{"ids": IDS["Incident"][:3], "skip": False}, {"ids": [], "skip": True}],
    PAGE: [
        {"f": INCIDENT_FILTERS[6], "n": 20},
        {"f": INCIDENT_FILTERS[3], "n": 2, "after": CURSORS[2]},
        {"n": 101},
    ],
    ACTOR: [{"a": IDS["Actor"][0], "role": ["TARGET"], "n": 1}],
    LISTS: [{"country": "IQ", "show": True}, {"kinds": ["CITY"], "show": False}],
}


def test_the_memo_is_used_and_errors_are_compared_too(fast: FastPath) -> None:
    """The comparisons above are not vacuous: for each document, subtrees are kept and
    their SQL reused, and both statements and errors come out of planning."""
    assert set(SOME) == set(VARIABLES)
    seen = []
    for query, examples in SOME.items():
        for variables in examples:
            result = outcome(fast, query, variables, memo=True)
            assert result == outcome(fast, query, variables, memo=False)
            seen.append(result[0])
        memo = fast.documents.check(query).memo(fast.limits)
        assert memo.trees, query
        assert memo.sql, query
    assert seen.count("error") == 2  # "not an id", a page of 101
    assert Checking.calls > 0


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(queries(IDS))
def test_generated_queries_plan_alike_from_the_memo(fast: FastPath, query: str) -> None:
    fresh = outcome(fast, query, {}, memo=False)
    assert outcome(fast, query, {}, memo=True) == fresh
    assert outcome(fast, query, {}, memo=True) == fresh  # the second time, from the memo


def test_subtrees_with_variables_are_not_kept(fast: FastPath) -> None:
    """A selection whose arguments or directives name a variable is built anew for each
    request: what the memo keeps never depends on the variables."""
    query = NODE
    outcome(fast, query, {"id": IDS["Actor"][0], "with": True}, memo=True)
    memo = fast.documents.check(query).memo(fast.limits)
    kept = {(obj.type, key) for obj in memo.trees.values() for key, _ in obj.fields}
    # The node's Actor selection (relations(kind: $kinds)) and its Incident selection
    # (participants @include(if: $with)) name variables; what is below them does not.
    assert ("Actor", "relations") not in kept
    assert ("Incident", "participants") not in kept
    assert {("ActorRelation", "kind"), ("Location", "parent"), ("Incident", "occurredOn")} <= kept
