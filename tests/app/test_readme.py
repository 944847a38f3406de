"""The README's example queries run without errors and answer what the README says."""

from __future__ import annotations

import re
from pathlib import Path

from tests.client import Gql

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README, flags=re.S)


def test_readme_has_three_examples() -> None:
    assert len(EXAMPLES) == 3


async def test_example_1_headline(gql: Gql) -> None:
    data = await gql.data(EXAMPLES[0])
    names = [e["node"]["location"]["name"] for e in data["incidents"]["edges"]]
    assert names == ["Ain al-Asad Air Base", "Erbil International Airport"]


async def test_example_2_blame(gql: Gql) -> None:
    data = await gql.data(EXAMPLES[1])
    (edge,) = data["incidents"]["edges"]
    blamed = next(p for p in edge["node"]["participants"] if p["role"] == "PERPETRATOR")
    assert blamed["attributedBy"]["name"] == "Kurdistan Regional Government"
    assert blamed["actor"]["relations"][0]["object"]["name"] == "Government of Iraq"


async def test_example_3_affiliates(gql: Gql) -> None:
    data = await gql.data(EXAMPLES[2])
    # The two intercepted drones are attributed to the Islamic Resistance in Iraq, a front
    # for Kataib Hezbollah, so they count as KH's through includeAffiliates.
    assert data["incidents"]["totalCount"] == 2
    (kh,) = data["actors"]["edges"]
    assert kh["node"]["name"] == "Kataib Hezbollah"
