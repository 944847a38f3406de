"""The saved GraphiQL examples run on the demo data without errors and answer what their
titles say; the README's three queries are the same documents as the first three."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from app.examples import EXAMPLES, HEADLINE, Example
from tests.client import Gql

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
BY_NAME = {example.name: example for example in EXAMPLES}


def _anonymous(document: str) -> str:
    """The document printed, without its operation's name."""
    return re.sub(r"^query \w+ (?=\{)", "", print_ast(parse(document)))


async def _run(gql: Gql, example: Example) -> Any:
    """Runs the example exactly as GraphiQL sends it (the tab's text and variables)."""
    tab = example.as_json()
    assert tab["query"].startswith(f"# {example.title}\n")
    variables = example.variables
    return await gql.data(tab["query"], variables)


def test_examples_start_with_the_headline_and_have_unique_names() -> None:
    assert EXAMPLES[0] is HEADLINE
    assert len(BY_NAME) == len(EXAMPLES) == 7
    for example in EXAMPLES:
        (operation,) = parse(example.query).definitions
        assert isinstance(operation, OperationDefinitionNode)
        assert operation.name is not None
        assert operation.name.value == example.name


def test_readme_queries_are_the_first_three_examples() -> None:
    blocks = re.findall(r"```graphql\n(.*?)```", README, flags=re.S)
    assert [_anonymous(block) for block in blocks] == [
        _anonymous(example.query) for example in EXAMPLES[:3]
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
async def test_readme_examples_answer_as_the_readme_queries(gql: Gql, index: int) -> None:
    """Run as GraphiQL sends them, they answer what the README's blocks answer (which
    tests/app/test_readme.py checks)."""
    readme = re.findall(r"```graphql\n(.*?)```", README, flags=re.S)[index]
    data = await _run(gql, EXAMPLES[index])
    assert data == await gql.data(readme)


async def test_stats_by_week(gql: Gql) -> None:
    data = await _run(gql, BY_NAME["DroneAttacksByWeek"])
    groups = data["incidentStats"]["groups"]
    drones = await gql.data("{ incidents(filter: {weapon: {eq: DRONE}}) { totalCount } }")
    assert sum(g["incidents"] for g in groups) == drones["incidents"]["totalCount"]
    assert {g["period"]["label"] for g in groups} == {"2023-W52", "2024-W01"}


async def test_near_base(gql: Gql) -> None:
    data = await _run(gql, BY_NAME["IncidentsNearBase"])
    edges = data["incidentsNear"]["edges"]
    assert [e["node"]["location"]["name"] for e in edges] == ["Erbil International Airport"]
    assert edges[0]["distanceKm"] < 25


async def test_misspelt_search(gql: Gql) -> None:
    data = await _run(gql, BY_NAME["SearchMisspeltName"])
    assert data["search"][0]["actor"]["name"] == "Kataib Hezbollah"


async def test_changes_feed(gql: Gql) -> None:
    data = await _run(gql, BY_NAME["ChangesFeed"])
    feed = data["changes"]
    assert len(feed["changes"]) == 10
    assert feed["hasMore"] is True
    assert feed["endCursor"] == feed["changes"][-1]["cursor"]
